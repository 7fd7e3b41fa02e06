//! The filesystem adapter behind the reads index: one walk of each local package's folder,
//! one pass over each `.rs` file with a fixed set of literals (no regex, no backtracking).
//!
//! Paths are resolved as rustc and cargo resolve them: `include_*!` and `#[path]` against the
//! folder of the file that holds them, `rerun-if-changed` against the package root, a
//! symlink's target against the link's folder. Reads inside the reader's own package are
//! left out: its own files already affect it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::adapters::rust_lex::{enclosing_modules, string_literal, string_literals};
use crate::engine::graph::{PackageIx, PackageKind, WorkspaceGraph};
use crate::engine::reads::{Read, ReadsIndex, UnknownRead, resolve};

/// What the scan of one source file found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// A literal path: relative to the file's folder, or to the package root for
    /// `rerun-if-changed`.
    Path {
        what: &'static str,
        literal: String,
        line: usize,
        from_package_root: bool,
        /// For `#[path]`: the inline modules (`mod name { ... }`) around it, outermost first;
        /// rustc resolves it from their folder rather than the file's.
        inline: Vec<String>,
    },
    /// A read whose path is computed.
    Unknown {
        what: &'static str,
        text: String,
        line: usize,
    },
}

const PATTERNS: [&str; 7] = [
    "include_str!",
    "include_bytes!",
    "include!",
    "#[path",
    "cfg_attr(",
    "rerun-if-changed=",
    "rerun-if-changed:",
];

fn matcher() -> &'static AhoCorasick {
    static MATCHER: OnceLock<AhoCorasick> = OnceLock::new();
    MATCHER.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(PATTERNS)
            .expect("fixed patterns are valid")
    })
}

/// The reads declared in one Rust source file, in order.
pub(crate) fn scan_source(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let (mut line, mut counted) = (1, 0);
    for m in matcher().find_iter(text) {
        line += text[counted..m.start()].matches('\n').count();
        counted = m.start();
        let rest = &text[m.end()..];
        let what = PATTERNS[m.pattern().as_usize()];
        let before = text[..m.start()].chars().next_back();
        if what.starts_with("include") && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        // Each with whether the path is relative to the package root (else to the file).
        let result = match what {
            "#[path" => attribute(rest).map(|r| r.map(|p| (p, false))),
            "cfg_attr(" => cfg_attr_path(rest).map(|r| r.map(|p| (p, false))),
            "rerun-if-changed=" | "rerun-if-changed:" => {
                Some(rerun_if_changed(rest).map(|p| (p, true)))
            }
            _ => Some(macro_argument(rest)),
        };
        let what = match what {
            "#[path" | "cfg_attr(" => "#[path]",
            "rerun-if-changed=" | "rerun-if-changed:" => "rerun-if-changed",
            w => w,
        };
        match result {
            Some(Ok((literal, from_package_root))) => found.push(Found::Path {
                what,
                literal,
                line,
                from_package_root,
                inline: match what {
                    "#[path]" => enclosing_modules(&text[..m.start()]),
                    _ => Vec::new(),
                },
            }),
            Some(Err(())) => found.push(Found::Unknown {
                what,
                text: snippet(&text[m.start()..]),
                line,
            }),
            None => {}
        }
    }
    found
}

/// The first line of `text`, at most 80 characters.
fn snippet(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

/// `("path")` after an `include*!`: the literal (relative to the file), or
/// `(concat!(env!("CARGO_MANIFEST_DIR"), "/path"))` (relative to the package root); `Err` for
/// anything else computed.
fn macro_argument(rest: &str) -> Result<(String, bool), ()> {
    let rest = rest.trim_start();
    let close = match rest.chars().next() {
        Some('(') => ')',
        Some('[') => ']',
        Some('{') => '}',
        _ => return Err(()),
    };
    let inner = rest[1..].trim_start();
    let (path, after) = match string_literal(inner) {
        Some((literal, after)) => ((literal, false), after),
        None => {
            let (literal, after) = manifest_dir_concat(inner).ok_or(())?;
            ((literal.trim_start_matches('/').to_owned(), true), after)
        }
    };
    let after = after.trim_start();
    match after.starts_with(close) || after.starts_with(',') {
        true => Ok(path),
        false => Err(()),
    }
}

/// `concat!(env!("CARGO_MANIFEST_DIR"), "/path")`: the literal and the text after it.
fn manifest_dir_concat(text: &str) -> Option<(String, &str)> {
    let rest = text
        .strip_prefix("concat!")?
        .trim_start()
        .strip_prefix('(')?;
    let rest = rest.trim_start().strip_prefix("env!")?.trim_start();
    let rest = rest.strip_prefix('(')?.trim_start();
    let (name, rest) = string_literal(rest)?;
    let rest = rest.trim_start().strip_prefix(')')?.trim_start();
    let rest = rest.strip_prefix(',')?.trim_start();
    let (literal, rest) = string_literal(rest)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let rest = rest.strip_prefix(')')?;
    (name == "CARGO_MANIFEST_DIR").then_some((literal, rest))
}

/// ` = "path"]` after `#[path`; `None` when this is another attribute (`#[pathfinder]`).
fn attribute(rest: &str) -> Option<Result<String, ()>> {
    let rest = rest.trim_start().strip_prefix('=')?;
    Some(
        string_literal(rest.trim_start())
            .filter(|(_, after)| after.trim_start().starts_with(']'))
            .map(|(literal, _)| literal)
            .ok_or(()),
    )
}

/// The `path = "..."` of `cfg_attr(PREDICATE, ..., path = "...")]`; `None` when the attribute
/// sets no path (`cfg_attr(test, derive(Debug))`).
fn cfg_attr_path(rest: &str) -> Option<Result<String, ()>> {
    let attribute = &rest[..rest.find(")]").unwrap_or(rest.len())];
    let mut found = None;
    for (i, _) in attribute.match_indices("path") {
        let before = attribute[..i].trim_end().chars().next_back();
        if !matches!(before, Some(',' | '(') | None) {
            continue;
        }
        if let Some(value) = attribute[i + 4..].trim_start().strip_prefix('=') {
            found = Some(string_literal(value.trim_start()).map(|(p, _)| p).ok_or(()));
        }
    }
    found
}

/// The path after `rerun-if-changed=`, up to the end of the string it sits in.
fn rerun_if_changed(rest: &str) -> Result<String, ()> {
    let end = rest.find(['"', '\\', '\n', '\'']).unwrap_or(rest.len());
    let path = rest[..end].trim();
    match path.is_empty() || path.contains('{') {
        true => Err(()),
        false => Ok(path.to_owned()),
    }
}

/// Where local packages sit, to leave out reads of a package's own files.
pub(crate) struct Roots<'g>(HashMap<&'g str, PackageIx>);

impl<'g> Roots<'g> {
    /// The folders of the local packages of `graph`.
    pub(crate) fn of(graph: &'g WorkspaceGraph) -> Roots<'g> {
        Roots(
            graph
                .packages()
                .filter(|(_, p)| p.kind != PackageKind::External)
                .filter_map(|(ix, p)| p.root.as_deref().map(|r| (r, ix)))
                .collect(),
        )
    }

    /// The package whose folder is the deepest one holding `path`.
    pub(crate) fn owner(&self, path: &str) -> Option<PackageIx> {
        let outside = path.starts_with("../");
        let folders = path.rmatch_indices('/').map(|(i, _)| &path[..i]);
        std::iter::once(path)
            .chain(folders)
            .chain((!outside).then_some(""))
            .find_map(|dir| self.0.get(dir).copied())
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// One package's scan.
struct PackageScan<'a> {
    ix: PackageIx,
    root: &'a str,
    build_script: Option<&'a str>,
    workspace: &'a Path,
    /// The workspace root with its symlinks resolved, to express resolved reads against.
    real_workspace: &'a Path,
    roots: &'a Roots<'a>,
    index: &'a mut ReadsIndex,
    /// Folders with their symlinks resolved, shared by every package's scan.
    real_dirs: &'a mut HashMap<String, Option<PathBuf>>,
    /// Files outside the package that it compiles (`#[path]`, `include!`, targets elsewhere),
    /// to scan too.
    queue: Vec<String>,
    /// Folders of such files, whose sources are scanned too.
    folders: Vec<String>,
    scanned: BTreeSet<String>,
}

impl PackageScan<'_> {
    fn add(&mut self, path: String, by: String) {
        // A path inside the package goes through its own symlinks, which are reads themselves.
        if self.roots.owner(&path) == Some(self.ix) {
            return;
        }
        // Through a symlink (or a chain of them) the build reads the file at its end, whose
        // own path is what a change names.
        let real = self.real_path(&path).filter(|real| *real != path);
        if let Some(real) = real.filter(|real| self.roots.owner(real) != Some(self.ix)) {
            let by = by.clone();
            self.index.add(self.ix, Read { path: real, by });
        }
        self.index.add(self.ix, Read { path, by });
    }

    /// `path` with its symlinks resolved, relative to the workspace root; its folder's
    /// resolution is cached, as many reads share one.
    fn real_path(&mut self, path: &str) -> Option<String> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let workspace = self.workspace;
        let real_dir = self
            .real_dirs
            .entry(dir.to_owned())
            .or_insert_with(|| std::fs::canonicalize(workspace.join(dir)).ok())
            .clone()?;
        let mut real = real_dir.join(name);
        if std::fs::symlink_metadata(&real).is_ok_and(|m| m.file_type().is_symlink()) {
            real = std::fs::canonicalize(&real).ok()?;
        }
        crate::adapters::metadata::relative_to(self.real_workspace, &real)
    }

    fn unknown(&mut self, location: String, text: String) {
        self.index
            .add_unknown(self.ix, UnknownRead { location, text });
    }

    /// Scans the `.rs` file at `rel` (relative to the workspace root).
    fn source(&mut self, rel: &str) {
        if !self.scanned.insert(rel.to_owned()) {
            return;
        }
        let Ok(bytes) = std::fs::read(self.workspace.join(rel)) else {
            return;
        };
        let text = String::from_utf8_lossy(&bytes);
        for found in scan_source(&text) {
            match found {
                Found::Path {
                    what,
                    literal,
                    line,
                    from_package_root,
                    inline,
                } => {
                    let by = format!("{what} in {rel}:{line}");
                    let bases = match (from_package_root, inline.is_empty()) {
                        (true, _) => vec![self.root.to_owned()],
                        (false, true) => vec![parent(rel).to_owned()],
                        // Inside inline modules rustc starts from their folder: under the
                        // file's folder for a `mod.rs`-like file (`lib.rs`, a crate root),
                        // under `FILE_STEM/` for another; both, as this scan cannot tell.
                        (false, false) => {
                            let inline = inline.join("/");
                            let stem = rel.strip_suffix(".rs").unwrap_or(rel);
                            vec![
                                parent(rel).to_owned(),
                                format!("{}/{inline}", parent(rel)),
                                format!("{stem}/{inline}"),
                            ]
                        }
                    };
                    for base in bases {
                        let Some(path) = resolve(&base, &literal) else {
                            continue;
                        };
                        if self.roots.owner(&path) != Some(self.ix) {
                            match what {
                                "#[path]" => self.module_tree(&path, &by),
                                // Included code's own reads are relative to it: scan it too.
                                "include!" => self.queue.push(path.clone()),
                                _ => {}
                            }
                        }
                        self.add(path, by.clone());
                    }
                }
                Found::Unknown { what, text, line } => {
                    self.unknown(format!("{rel}:{line}"), format!("{what}: {text}"));
                }
            }
        }
        if self.is_build_script(rel) {
            self.build_script_literals(rel, &text);
        }
    }

    /// Whether `rel` is part of the package's build script: the script itself, a `build.rs`,
    /// or a file in the script's own folder (`build/main.rs` and its modules).
    fn is_build_script(&self, rel: &str) -> bool {
        let folder = self
            .build_script
            .map(parent)
            .filter(|folder| *folder != self.root);
        rel == "build.rs"
            || rel.ends_with("/build.rs")
            || self.build_script == Some(rel)
            || folder.is_some_and(|f| rel.starts_with(&format!("{f}/")))
    }

    /// A build script hands paths to helpers that read them (a protobuf or C compiler, which
    /// print their own `rerun-if-changed`) or reads them itself: every string literal that
    /// names an existing file or folder, from the package root where build scripts run, is a
    /// read.
    fn build_script_literals(&mut self, rel: &str, text: &str) {
        for (offset, literal) in string_literals(text) {
            let Some(path) = resolve(self.root, &literal) else {
                continue;
            };
            let outside = self.roots.owner(&path) != Some(self.ix);
            if outside && self.workspace.join(&path).exists() {
                let line = text[..offset].matches('\n').count() + 1;
                self.add(path, format!("string in {rel}:{line}"));
            }
        }
    }

    /// A module file outside the package that it compiles (`#[path]`, a target elsewhere): its
    /// `mod` children live in its folder (rustc treats it as a `mod.rs`), so that folder is
    /// read and its sources are scanned too.
    fn module_tree(&mut self, file: &str, by: &str) {
        match parent(file) {
            // The workspace root: reading it would mean everything; its file alone.
            "" => self.queue.push(file.to_owned()),
            folder => {
                self.add(folder.to_owned(), by.to_owned());
                self.folders.push(folder.to_owned());
            }
        }
    }

    /// A symlink at `rel` pointing at `target`.
    fn symlink(&mut self, rel: &str, target: &Path) {
        let path = match target.is_absolute() {
            true => crate::adapters::metadata::relative_to(self.workspace, target),
            false => resolve(parent(rel), &target.to_string_lossy()),
        };
        match path {
            Some(path) => self.add(path, format!("symlink {rel}")),
            None => self.unknown(rel.to_owned(), format!("symlink to {}", target.display())),
        }
    }

    /// Walks the folder `rel`, skipping build output and other packages' folders.
    fn walk(&mut self, rel: &str) {
        let Ok(entries) = std::fs::read_dir(self.workspace.join(rel)) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = match rel {
                "" => name.clone(),
                _ => format!("{rel}/{name}"),
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                if let Ok(target) = std::fs::read_link(entry.path()) {
                    self.symlink(&child, &target);
                }
            } else if kind.is_dir() {
                let other_package = self.roots.0.contains_key(child.as_str());
                // Cargo marks its build output with `CACHEDIR.TAG`; a module folder may well be
                // called `target` too.
                let build_output = name == "target" && entry.path().join("CACHEDIR.TAG").is_file();
                if name != ".git" && !build_output && !other_package {
                    self.walk(&child);
                }
            } else if name.ends_with(".rs") {
                self.source(&child);
            }
        }
    }
}

/// Scans every local package of `graph` (its folder, and its targets' sources wherever they
/// lie) and returns what each reads outside itself.
pub(crate) fn scan(graph: &WorkspaceGraph) -> ReadsIndex {
    let workspace = graph.root();
    let local: Vec<(PackageIx, &str)> = graph
        .packages()
        .filter(|(_, p)| p.kind != PackageKind::External)
        .filter_map(|(ix, p)| p.root.as_deref().map(|r| (ix, r)))
        .collect();
    let roots = Roots::of(graph);
    let real_workspace = std::fs::canonicalize(workspace).unwrap_or_else(|_| workspace.to_owned());
    let mut index = ReadsIndex::default();
    let mut real_dirs = HashMap::new();
    for (ix, root) in &local {
        let mut scan = PackageScan {
            ix: *ix,
            root,
            build_script: graph.package(*ix).build_script.as_deref(),
            workspace,
            real_workspace: &real_workspace,
            roots: &roots,
            index: &mut index,
            real_dirs: &mut real_dirs,
            queue: Vec::new(),
            folders: Vec::new(),
            scanned: BTreeSet::new(),
        };
        // A package folder that is a symlink: its files are changed under the real folder.
        if let Some(real) = scan.real_path(root).filter(|real| real != root) {
            scan.add(real, "symlinked package folder".to_owned());
        }
        scan.walk(root);
        for target in &graph.package(*ix).targets {
            if roots.owner(target) != Some(*ix) {
                let by = format!("target {target}");
                if parent(target).is_empty() {
                    scan.add(target.clone(), by.clone());
                }
                scan.module_tree(target, &by);
            }
        }
        loop {
            if let Some(file) = scan.queue.pop() {
                scan.source(&file);
            } else if let Some(folder) = scan.folders.pop() {
                if scan.scanned.insert(format!("{folder}/")) {
                    scan.walk(&folder);
                }
            } else {
                break;
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<String> {
        scan_source(text)
            .into_iter()
            .map(|f| match f {
                Found::Path { what, literal, .. } => format!("{what} {literal}"),
                Found::Unknown { what, text, .. } => format!("? {what} {text}"),
            })
            .collect()
    }

    #[test]
    fn literal_paths_of_every_kind() {
        let text = r##"#![doc = include_str!("../../README.md")]
const A: &[u8] = include_bytes!( r#"../data/a.bin"# );
include!("gen.rs");
#[path = "../../shared/util.rs"]
mod util;
#[pathological]
fn main() {
    println!("cargo:rerun-if-changed=../../proto");
    println!("cargo::rerun-if-changed=schema.json");
}
"##;
        assert_eq!(
            paths(text),
            [
                "include_str! ../../README.md",
                "include_bytes! ../data/a.bin",
                "include! gen.rs",
                "#[path] ../../shared/util.rs",
                "rerun-if-changed ../../proto",
                "rerun-if-changed schema.json",
            ]
        );
    }

    #[test]
    fn a_path_from_the_manifest_dir_is_relative_to_the_package_root() {
        let text = "const X: &str = include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../data/x.json\"));";
        assert_eq!(
            scan_source(text),
            [Found::Path {
                what: "include_str!",
                literal: "../../data/x.json".to_owned(),
                line: 1,
                from_package_root: true,
                inline: Vec::new(),
            }]
        );
    }

    #[test]
    fn path_attributes_know_their_inline_modules() {
        let text = "/* mod c { */ const S: &str = \"{\"; const C: char = '{';\n\
                    fn f<'a>(x: &'a str) {}\nmod outer { // {\n    mod inner {\n        \
                    #[cfg_attr(unix, path = r\"../x.rs\")]\n        mod x;\n    }\n}\n\
                    #[cfg_attr(test, derive(Debug))]\n#[path = \"y.rs\"]\nmod y;\n";
        let found: Vec<(String, Vec<String>)> = scan_source(text)
            .into_iter()
            .map(|f| match f {
                Found::Path {
                    literal, inline, ..
                } => (literal, inline),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "../x.rs".to_owned(),
                    vec!["outer".to_owned(), "inner".to_owned()]
                ),
                ("y.rs".to_owned(), vec![]),
            ]
        );
    }

    #[test]
    fn computed_paths_are_unknown_and_lines_are_counted() {
        let text = "\n\ninclude!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\nmy_include!(\"x\");\nprintln!(\"cargo:rerun-if-changed={}\", p);\n";
        let found = scan_source(text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(matches!(
            &found[0],
            Found::Unknown { what: "include!", line: 3, text } if text.starts_with("include!(concat!")
        ));
        assert!(matches!(
            &found[1],
            Found::Unknown {
                what: "rerun-if-changed",
                line: 5,
                ..
            }
        ));
    }
}
