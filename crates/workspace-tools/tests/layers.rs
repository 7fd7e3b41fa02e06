//! The invariants docs/architecture.md states, checked on the sources so that a change that
//! breaks one fails here instead of eroding the layering quietly: the pure layers (`engine/`,
//! `release/plan/`) do no I/O, and only xtask prints.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its production part only: the text before its first
/// `#[cfg(test)]` (unit tests may build fixtures and print).
fn production_sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let production = text.split("#[cfg(test)]").next().unwrap().to_owned();
                out.push((path, production));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The places in the sources under `dir` that use any of `needles`.
fn uses(dir: &Path, needles: &[&str]) -> Vec<String> {
    production_sources(dir)
        .into_iter()
        .flat_map(|(path, text)| {
            needles
                .iter()
                .filter(|n| text.contains(**n))
                .map(|n| format!("{} uses {n}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn src(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn the_pure_layers_do_no_io() {
    let io = [
        "std::fs",
        "fs::",
        "std::process",
        "Command::new",
        "std::net",
        "git2",
        "guppy",
        "std::env",
        "SystemTime",
    ];
    for layer in ["src/engine", "src/release/plan"] {
        assert_eq!(uses(&src(layer), &io), Vec::<String>::new(), "{layer}");
    }
}

#[test]
fn only_xtask_prints() {
    let printing = [
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "dbg!",
        "std::io::stdout",
        "std::io::stderr",
    ];
    for library in ["src", "../workspace-github/src"] {
        let found: Vec<String> = uses(&src(library), &printing)
            .into_iter()
            .filter(|place| !place.contains("test_support"))
            .collect();
        assert_eq!(found, Vec::<String>::new(), "{library}");
    }
}
