//! Files a package's build reads outside its own folder: `include_str!`, `include_bytes!`,
//! `include!`, `#[path]` modules, targets whose source lies elsewhere, symlinks and a build
//! script's `cargo:rerun-if-changed`. The index is a plain value kept in the graph; the
//! filesystem scan that fills it lives in [`crate::adapters::reads_scan`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::graph::PackageIx;

/// A file or folder that a package's build reads; a folder covers everything under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Read {
    /// The path read, relative to the workspace root with `/` separators (`../x` outside it).
    pub path: String,
    /// Where and how: `include_str! in crates/a/src/lib.rs:3`.
    pub by: String,
}

/// A read the scan found but cannot resolve to a path: a computed path (`concat!`, `env!`, a
/// formatted `rerun-if-changed`, a macro argument).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownRead {
    /// Where: `crates/a/src/lib.rs:3`.
    pub location: String,
    /// The text found there, shortened.
    pub text: String,
}

/// Every package's reads, and the readers of each path.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadsIndex {
    reads: BTreeMap<PackageIx, Vec<Read>>,
    unknown: BTreeMap<PackageIx, Vec<UnknownRead>>,
    /// Sorted, so that the reads under a folder are one range.
    readers: BTreeMap<String, Vec<(PackageIx, usize)>>,
}

impl ReadsIndex {
    pub(crate) fn add(&mut self, ix: PackageIx, read: Read) {
        let reads = self.reads.entry(ix).or_default();
        if reads.iter().any(|r| r.path == read.path) {
            return;
        }
        self.readers
            .entry(read.path.clone())
            .or_default()
            .push((ix, reads.len()));
        reads.push(read);
    }

    pub(crate) fn add_unknown(&mut self, ix: PackageIx, unknown: UnknownRead) {
        let list = self.unknown.entry(ix).or_default();
        if !list.contains(&unknown) {
            list.push(unknown);
        }
    }

    pub(crate) fn reads(&self, ix: PackageIx) -> &[Read] {
        self.reads.get(&ix).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn unknown(&self, ix: PackageIx) -> &[UnknownRead] {
        self.unknown.get(&ix).map_or(&[], Vec::as_slice)
    }

    /// The packages that read `path` itself or a folder containing it, each with the read.
    pub(crate) fn readers<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (PackageIx, &'a Read)> + 'a {
        let folders = path.rmatch_indices('/').map(move |(i, _)| &path[..i]);
        std::iter::once(path)
            .chain(folders)
            .filter_map(|p| self.readers.get(p))
            .flatten()
            .map(|(ix, i)| (*ix, &self.reads[ix][*i]))
    }

    /// The packages that read something under the folder `path` (a submodule, a symlink to a
    /// folder), each with the read: changing the folder as a whole changes what they read.
    pub(crate) fn readers_under<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (PackageIx, &'a Read)> + 'a {
        let prefix = format!("{path}/");
        self.readers
            .range(prefix.clone()..)
            .take_while(move |(read, _)| read.starts_with(&prefix))
            .flat_map(|(_, readers)| readers)
            .map(|(ix, i)| (*ix, &self.reads[ix][*i]))
    }
}

/// `literal` resolved against the folder `base` (both relative to the workspace root), without
/// touching the filesystem: `crates/a/src` + `../../../data/x` is `data/x`, and a path that
/// climbs above the root keeps its `../`. `None` for an absolute or empty literal.
pub(crate) fn resolve(base: &str, literal: &str) -> Option<String> {
    let literal = literal.replace('\\', "/");
    if literal.is_empty() || literal.starts_with('/') || literal.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in base.split('/').chain(literal.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_lexically_and_may_leave_the_root() {
        assert_eq!(
            resolve("crates/a/src", "../../../data/x.json").unwrap(),
            "data/x.json"
        );
        assert_eq!(
            resolve("crates/a/src", "./gen/../t.rs").unwrap(),
            "crates/a/src/t.rs"
        );
        assert_eq!(resolve("", "../../other/x").unwrap(), "../../other/x");
        assert_eq!(resolve("../vendor/v", "../../up").unwrap(), "../up");
        assert_eq!(resolve("a", "/etc/passwd"), None);
    }

    #[test]
    fn readers_of_a_file_include_readers_of_its_folders() {
        let mut index = ReadsIndex::default();
        let (a, b) = (PackageIx::new(0), PackageIx::new(1));
        let read = |path: &str| Read {
            path: path.to_owned(),
            by: "test".to_owned(),
        };
        index.add(a, read("data/x.json"));
        index.add(b, read("data"));
        index.add(b, read("data"));
        let found: Vec<_> = index.readers("data/x.json").map(|(ix, _)| ix).collect();
        assert_eq!(found, [a, b]);
        assert_eq!(index.readers("data/y.json").count(), 1);
        assert_eq!(index.readers("database").count(), 0);
        assert_eq!(index.reads(b).len(), 1);
        let under: Vec<_> = index.readers_under("data").map(|(ix, _)| ix).collect();
        assert_eq!(under, [a]);
        assert_eq!(index.readers_under("dat").count(), 0);
    }
}
