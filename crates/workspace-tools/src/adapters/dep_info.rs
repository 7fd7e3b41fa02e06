//! The exact reads of a previous build: rustc's dep-info files (`*.d` under `target/`) list
//! every file each crate's compilation read, computed paths included. This adapter adds them to
//! the reads index of a graph; they complement the scan, never replace it.

use std::collections::HashMap;
use std::path::Path;

use crate::adapters::reads_scan::Roots;
use crate::engine::graph::{PackageIx, PackageKind, WorkspaceGraph};
use crate::{Error, Read};

/// Reads every `*.d` file under `dir` (a previous build's target folder of the workspace whose
/// root in the user's work tree is `build_root`, inside the repository at `repository`) and adds
/// the files each local crate read outside its own folder to `graph`. Returns how many
/// dep-info files described a local crate.
pub fn add_reads(
    graph: &mut WorkspaceGraph,
    dir: &Path,
    build_root: &Path,
    repository: &Path,
) -> Result<usize, Error> {
    let canonical = |path: &Path| {
        path.canonicalize().map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    };
    let (dir, build_root, repository) = (
        &canonical(dir)?,
        &canonical(build_root)?,
        &canonical(repository)?,
    );
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    // A crate is known by its root file: a target's source.
    let crate_roots: HashMap<String, PackageIx> = graph
        .packages()
        .filter(|(_, p)| p.kind != PackageKind::External)
        .flat_map(|(ix, p)| p.targets.iter().map(move |t| (t.clone(), ix)))
        .collect();
    let roots = Roots::of(graph);
    let mut reads = Vec::new();
    let mut described = 0;
    for file in files {
        let paths = (dir.as_path(), build_root.as_path(), repository.as_path());
        if let Some(found) = file_reads(&file, paths, &crate_roots, &roots) {
            described += 1;
            reads.extend(found);
        }
    }
    for (ix, read) in reads {
        graph.add_read(ix, read);
    }
    Ok(described)
}

/// What the dep-info `file` says its crate read outside its own folder; `None` unless it is
/// rustc's file of exactly one local crate. `paths` are the target folder, the build's
/// workspace root and the repository, canonical.
fn file_reads(
    file: &Path,
    (dir, build_root, repository): (&Path, &Path, &Path),
    crate_roots: &HashMap<String, PackageIx>,
    roots: &Roots<'_>,
) -> Option<Vec<(PackageIx, Read)>> {
    let text = std::fs::read_to_string(file).ok()?;
    let deps: Vec<String> = dependencies(&text)
        .into_iter()
        .filter_map(|dep| workspace_path(&dep, dir, build_root, repository))
        .collect();
    // rustc's own files describe one crate; cargo's summaries beside the final artifacts
    // (`target/debug/libfoo.d`) merge a crate with all its dependencies, and are skipped.
    let mut crates: Vec<PackageIx> = deps
        .iter()
        .filter_map(|d| crate_roots.get(d).copied())
        .collect();
    crates.sort();
    crates.dedup();
    let [ix] = crates[..] else {
        return None;
    };
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let by = format!("dep-info {name}");
    Some(
        deps.into_iter()
            .filter(|dep| roots.owner(dep) != Some(ix))
            .map(|path| {
                (
                    ix,
                    Read {
                        path,
                        by: by.clone(),
                    },
                )
            })
            .collect(),
    )
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, out),
            Ok(_) if path.extension().is_some_and(|e| e == "d") => out.push(path),
            _ => {}
        }
    }
}

/// The prerequisites of every rule of a Makefile-style dep-info file, with `\ ` unescaped.
fn dependencies(text: &str) -> Vec<String> {
    let mut deps = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((_, rest)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => current.extend(chars.next()),
                ' ' => deps.extend((!current.is_empty()).then(|| std::mem::take(&mut current))),
                c => current.push(c),
            }
        }
        deps.extend((!current.is_empty()).then_some(current));
    }
    deps.sort();
    deps.dedup();
    deps
}

/// A dep-info path as a path relative to the workspace root; `None` for files outside the
/// repository (the standard library, registry sources) or generated into the target folder.
fn workspace_path(
    dep: &str,
    target: &Path,
    build_root: &Path,
    repository: &Path,
) -> Option<String> {
    let path = Path::new(dep);
    if path.is_absolute() {
        if path.starts_with(target) || !path.starts_with(repository) {
            return None;
        }
        let relative = crate::adapters::metadata::relative_to(build_root, path)?;
        return crate::engine::reads::resolve("", &relative);
    }
    // Cargo runs rustc from the workspace root for local crates.
    crate::engine::reads::resolve("", dep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisites_of_every_rule() {
        let text = "/w/target/debug/deps/a-1.d: crates/a/src/lib.rs crates/a/src/../../../data/my\\ file.txt\n\n\
                    crates/a/src/lib.rs:\n# env-dep:X=1\n";
        assert_eq!(
            dependencies(text),
            [
                "crates/a/src/../../../data/my file.txt",
                "crates/a/src/lib.rs"
            ]
        );
        let (target, root, repo) = (Path::new("/w/target"), Path::new("/w"), Path::new("/w"));
        assert_eq!(
            workspace_path("crates/a/src/../../../data/x", target, root, repo).unwrap(),
            "data/x"
        );
        assert_eq!(
            workspace_path("/w/data/y", target, root, repo).unwrap(),
            "data/y"
        );
        assert_eq!(
            workspace_path("/w/target/debug/build/o/out/gen.rs", target, root, repo),
            None
        );
        assert_eq!(
            workspace_path("/rustc/library/core/src/lib.rs", target, root, repo),
            None
        );
    }
}
