//! The public-surface check the engine and the GitHub crate share: every function and
//! constant a library exports is used by the crates built on it, or sits behind its
//! `test-support` feature. Anything else belongs in `pub(crate)`, where the compiler reports it
//! once nothing uses it. Types are not checked: a public type may be public only so that the
//! fields of another can be named. The sources are read as text, which is enough for the
//! `pub use` lists and top-level items this workspace writes.

use std::path::{Path, PathBuf};

/// The `.rs` files under `dir`, with their text.
pub fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// Whether `name` is a function or a constant rather than a type or a module path segment.
fn is_value(name: &str) -> bool {
    let first = name.chars().next().unwrap();
    first.is_lowercase() || name.chars().all(|c| c.is_uppercase() || c == '_')
}

/// The functions and constants `source` exports: the leaves of its `pub use` statements and
/// its top-level `pub fn`/`pub const` items (not methods), except those under a `cfg` naming
/// `test-support`.
fn exported(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut behind_feature = false;
    let mut in_feature_module = false;
    let mut statement = String::new();
    for raw in source.lines() {
        let line = raw.trim();
        if in_feature_module {
            in_feature_module = line != "}";
            behind_feature = in_feature_module;
            continue;
        }
        if behind_feature && line.starts_with("pub mod ") && line.ends_with('{') {
            in_feature_module = true;
            continue;
        }
        if !statement.is_empty() {
            statement.push_str(line);
        } else if line.starts_with("#[cfg(") {
            behind_feature = line.contains("test-support");
            continue;
        } else if line.starts_with("pub use ") {
            statement.push_str(line);
        } else if let Some(rest) = raw
            .strip_prefix("pub fn ")
            .or_else(|| raw.strip_prefix("pub const "))
            && !behind_feature
        {
            out.extend(words(rest).next().map(str::to_owned));
        }
        if statement.ends_with(';') {
            if !behind_feature {
                // The leaves: each name not followed by `::`.
                let names = statement.trim_start_matches("pub use ");
                for part in names.split([',', '{', '}', ';']) {
                    let leaf = part.trim().rsplit("::").next().unwrap_or("");
                    let leaf = leaf.split(" as ").last().unwrap().trim();
                    if !leaf.is_empty() && leaf != "self" {
                        out.push(leaf.to_owned());
                    }
                }
            }
            statement.clear();
        }
        if !line.starts_with("#[") {
            behind_feature = false;
        }
    }
    out.into_iter().filter(|n| is_value(n)).collect()
}

/// The names the production code under `users` takes from `krate`: those in its
/// `use krate…` statements, and those written as `module::name`.
fn used_by(krate: &str, users: &[PathBuf]) -> Vec<String> {
    let mut used = Vec::new();
    for dir in users {
        for (path, text) in rust_files(dir) {
            if path.to_string_lossy().contains("test_support") {
                continue;
            }
            let production = text.split("#[cfg(test)]").next().unwrap();
            let mut rest = production;
            while let Some(at) = rest.find(&format!("use {krate}")) {
                let statement = &rest[at..];
                let end = statement.find(';').unwrap_or(statement.len());
                used.extend(words(&statement[..end]).map(str::to_owned));
                rest = &statement[end..];
            }
            let tokens: Vec<&str> = production
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .collect();
            for token in tokens {
                let segments: Vec<&str> = token.split("::").collect();
                used.extend(segments.iter().skip(1).map(|s| s.to_string()));
            }
        }
    }
    used
}

/// `module: name` for each function and constant that the files `exporters` of the library
/// `krate` (as Rust names it) export and that the production code under `users` never names.
pub fn unused_exports(krate: &str, exporters: &[PathBuf], users: &[PathBuf]) -> Vec<String> {
    let used = used_by(krate, users);
    let mut unused = Vec::new();
    for module in exporters {
        let source = std::fs::read_to_string(module).unwrap();
        for name in exported(&source) {
            if !used.contains(&name) {
                unused.push(format!("{}: {name}", module.display()));
            }
        }
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader, on the shapes of `pub use` and items it must understand.
    #[test]
    fn exports_are_read_from_every_shape_of_pub_use() {
        let source = "
pub use engine::affected::{
    AffectedSet, affected, changed_members,
};
pub use crate::adapters::git_cli::run;
pub use plan::commits::{Commit, RELEASE_TRAILER as TRAILER};
#[cfg(any(test, feature = \"test-support\"))]
pub use plan::plan;
pub const CONFIG_TABLE: &str = \"x\";
pub fn today() -> String { todo!() }
impl Plan {
    pub fn method(&self) {}
}
pub mod git {
    pub use crate::adapters::git_read::{checkout, Diff};
}
#[cfg(any(test, feature = \"test-support\"))]
pub mod manifests {
    pub use super::plan::manifests::{Texts, apply, read};
}
pub use steps::{publish_all, push};
";
        assert_eq!(
            exported(source),
            [
                "affected",
                "changed_members",
                "run",
                "TRAILER",
                "CONFIG_TABLE",
                "today",
                "checkout",
                "publish_all",
                "push"
            ]
        );
    }
}
