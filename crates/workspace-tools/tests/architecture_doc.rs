//! docs/architecture.md stays a true map: every path it names exists, and every folder of the
//! tooling crates is described in it.

use std::path::{Path, PathBuf};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// The folders a relative path in the map may start from: the repository, a crate, a crate's
/// `src` or `tests`, a layer folder, and docs/.
const BASES: [&str; 17] = [
    "",
    "crates",
    "crates/workspace-tools",
    "crates/workspace-tools/src",
    "crates/workspace-tools/src/engine",
    "crates/workspace-tools/src/adapters",
    "crates/workspace-tools/src/release",
    "crates/workspace-tools/src/release/plan",
    "crates/workspace-tools/src/test_support",
    "crates/workspace-tools/tests",
    "crates/workspace-github",
    "crates/workspace-github/src",
    "crates/workspace-github/tests",
    "xtask",
    "xtask/src",
    "xtask/tests",
    "docs",
];

/// The code spans of `doc` that name a file or folder.
fn named_paths(doc: &str) -> Vec<&str> {
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| !span.contains(' ') && span.chars().any(|c| c.is_alphabetic()))
        .filter(|span| {
            span.contains('/')
                || [".rs", ".md", ".toml", ".lock"]
                    .iter()
                    .any(|e| span.ends_with(e))
        })
        .filter(|span| !span.starts_with("//"))
        .collect()
}

#[test]
fn every_path_the_map_names_exists() {
    let doc = std::fs::read_to_string(repo("docs/architecture.md")).unwrap();
    let paths = named_paths(&doc);
    assert!(paths.len() > 30, "{paths:?}");
    let missing: Vec<&str> = paths
        .into_iter()
        .filter(|p| !BASES.iter().any(|b| repo(b).join(p).exists()))
        .collect();
    assert_eq!(missing, Vec::<&str>::new());
}

#[test]
fn every_folder_of_the_tooling_is_described() {
    let doc = std::fs::read_to_string(repo("docs/architecture.md")).unwrap();
    let mut undescribed = Vec::new();
    let mut stack: Vec<PathBuf> = ["crates/workspace-tools", "crates/workspace-github", "xtask"]
        .map(repo)
        .to_vec();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !path.is_dir() || name == "target" || name.starts_with('.') {
                continue;
            }
            let shapes = [format!("{name}/"), format!("`{name}`"), format!("/{name}`")];
            if !shapes.iter().any(|s| doc.contains(s.as_str())) {
                undescribed.push(path.display().to_string());
            }
            stack.push(path);
        }
    }
    assert_eq!(undescribed, Vec::<String>::new());
}
