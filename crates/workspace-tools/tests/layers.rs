//! The invariants docs/architecture.md states, checked on the sources so that a change that
//! breaks one fails here instead of eroding the layering quietly: the pure layers (`engine/`,
//! `release/plan/`) do no I/O, and only xtask prints.
//!
//! The sources are read as tokens, not searched as text: comments and literals are dropped,
//! `#[cfg(test)]` items are skipped wherever they stand, `use` trees are expanded (braces,
//! aliases, globs) and `self`/`super`/`crate` paths are resolved, so an I/O call is found
//! however it is spelled (`use std::{fs as f}`, `super::super::adapters`, `eprint !`).

use std::path::{Path, PathBuf};

use workspace_tools::test_support::rust_files;

/// A token of Rust source; comments, whitespace and literals are dropped.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The index after the string literal whose opening quote is at `i` (`hashes` for raw ones).
fn skip_string(s: &[char], mut i: usize, raw: Option<usize>) -> usize {
    i += 1;
    while i < s.len() {
        match (s[i], raw) {
            ('\\', None) => i += 2,
            ('"', None) => return i + 1,
            ('"', Some(n)) if s[i + 1..].iter().take(n).filter(|c| **c == '#').count() == n => {
                return i + 1 + n;
            }
            _ => i += 1,
        }
    }
    i
}

/// The index after the block comment opening at `i` (block comments nest).
fn skip_block_comment(s: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < s.len() {
        if s[i] == '/' && s[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if s[i] == '*' && s[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    s.len()
}

fn lex(source: &str) -> Vec<Tok> {
    let s: Vec<char> = source.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut toks = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i = skip_block_comment(&s, i);
        } else if c == '"' {
            i = skip_string(&s, i, None);
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal; anything else after a quote is a lifetime.
            i += 2;
            while i < s.len() && s[i] != '\'' {
                i += if s[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c.is_ascii_digit() {
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
        } else if is_ident_start(c) {
            let start = i;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let hashes = s[i..].iter().take_while(|c| **c == '#').count();
            match word.as_str() {
                "r" | "br" | "cr" if at(i + hashes) == '"' => {
                    i = skip_string(&s, i + hashes, Some(hashes));
                }
                "b" | "c" if at(i) == '"' => i = skip_string(&s, i, None),
                "b" if at(i) == '\'' => {
                    i += 1;
                    while i < s.len() && s[i] != '\'' {
                        i += if s[i] == '\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                // A raw identifier, `r#fs`, is the identifier `fs`.
                "r" if hashes == 1 && is_ident_start(at(i + 1)) => i += 1,
                _ => toks.push(Tok::Ident(word)),
            }
        } else {
            toks.push(Tok::Punct(c));
            i += 1;
        }
    }
    toks
}

fn is_punct(toks: &[Tok], i: usize, c: char) -> bool {
    toks.get(i) == Some(&Tok::Punct(c))
}

fn is_ident(toks: &[Tok], i: usize, word: &str) -> bool {
    matches!(toks.get(i), Some(Tok::Ident(w)) if w == word)
}

fn is_path_sep(toks: &[Tok], i: usize) -> bool {
    is_punct(toks, i, ':') && is_punct(toks, i + 1, ':')
}

/// The index after the bracketed group opening at `i`.
fn skip_group(toks: &[Tok], mut i: usize) -> usize {
    let mut depth = 0;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Whether the attribute `#[...]` at `i` is exactly `#[cfg(test)]`.
fn is_cfg_test(toks: &[Tok], i: usize) -> bool {
    let want = ["#", "[", "cfg", "(", "test", ")", "]"];
    want.iter()
        .enumerate()
        .all(|(k, w)| match &toks.get(i + k) {
            Some(Tok::Ident(s)) => s == w,
            Some(Tok::Punct(c)) => w.len() == 1 && w.starts_with(*c),
            None => false,
        })
}

/// `toks` without the items under `#[cfg(test)]` (unit tests may build fixtures and print),
/// wherever they stand in the file. An inner `#![cfg(test)]` makes the whole file a test.
fn production(toks: &[Tok]) -> Vec<Tok> {
    if is_punct(toks, 0, '#') && is_punct(toks, 1, '!') {
        let mut inner = vec![Tok::Punct('#')];
        inner.extend_from_slice(&toks[2..]);
        if is_cfg_test(&inner, 0) {
            return Vec::new();
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !is_cfg_test(toks, i) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        // The item's other attributes, then the item up to its `;` or its closing brace.
        while is_punct(toks, i, '#') {
            i = skip_group(toks, i + 1);
        }
        while i < toks.len() {
            match toks[i] {
                Tok::Punct(';') => {
                    i += 1;
                    break;
                }
                Tok::Punct('{') => {
                    i = skip_group(toks, i);
                    break;
                }
                Tok::Punct('(' | '[') => i = skip_group(toks, i),
                _ => i += 1,
            }
        }
    }
    out
}

/// The paths a `use` tree starting at `i` names, each in full: `use std::{fs as f, io}` names
/// `std::fs` and `std::io`. Returns the index after the tree.
fn use_tree(
    toks: &[Tok],
    mut i: usize,
    mut path: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    loop {
        if is_path_sep(toks, i) {
            i += 2;
        } else if is_punct(toks, i, '{') {
            i += 1;
            while i < toks.len() && !is_punct(toks, i, '}') {
                i = use_tree(toks, i, path.clone(), out);
                if is_punct(toks, i, ',') {
                    i += 1;
                }
            }
            return i + 1;
        } else if is_punct(toks, i, '*') {
            path.push("*".to_owned());
            i += 1;
        } else if is_ident(toks, i, "as") {
            out.push(path);
            return i + 2;
        } else if let Some(Tok::Ident(word)) = toks.get(i) {
            if word != "self" || path.is_empty() {
                path.push(word.clone());
            }
            i += 1;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// Every path the tokens name: `use` trees expanded, `extern crate`s, and each `a::b::c` in
/// the code, as written (`self` and `super` unresolved).
fn paths(toks: &[Tok]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if is_ident(toks, i, "use") {
            i = use_tree(toks, i + 1, Vec::new(), &mut out);
        } else if is_ident(toks, i, "extern") && is_ident(toks, i + 1, "crate") {
            if let Some(Tok::Ident(name)) = toks.get(i + 2) {
                out.push(vec![name.clone()]);
            }
            i += 3;
        } else if let Some(Tok::Ident(first)) = toks.get(i) {
            let mut path = vec![first.clone()];
            i += 1;
            while is_path_sep(toks, i) {
                match toks.get(i + 2) {
                    Some(Tok::Ident(next)) => path.push(next.clone()),
                    _ => break,
                }
                i += 3;
            }
            out.push(path);
        } else {
            i += 1;
        }
    }
    out
}

/// `path` made absolute from the module `module` (`["crate", "engine", "rules"]`): `self` and
/// `super` resolved, other paths unchanged.
fn resolve(module: &[String], path: &[String]) -> Vec<String> {
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return path.to_vec(),
    }
    base.extend(rest.iter().cloned());
    base
}

/// The standard library's modules that reach the outside world. `std::io` is not one of them
/// as a whole: its errors and traits are values (a plan may build an `io::Error`); only its
/// handles on the standard streams are I/O, see [`STD_STREAMS`].
const STD_IO: [&str; 7] = ["fs", "process", "net", "env", "time", "thread", "os"];

/// The items of `std::io` that reach the outside world, and the glob that imports them.
const STD_STREAMS: [&str; 7] = [
    "stdin", "stdout", "stderr", "Stdin", "Stdout", "Stderr", "*",
];

/// The dependencies the pure layers may name: each works on values only. Any other dependency
/// of the crate (git2, guppy, tempfile, or one added later) is I/O until shown otherwise.
const PURE_CRATES: [&str; 11] = [
    "aho_corasick",
    "git_conventional",
    "globset",
    "petgraph",
    "semver",
    "serde",
    "serde_json",
    "target_spec",
    "thiserror",
    "toml",
    "toml_edit",
];

/// The crate's own modules that do I/O, as the pure layers would name them.
const CRATE_IO: [&str; 7] = [
    "adapters",
    "test_support",
    "metadata",
    "git",
    "dep_info",
    "test_run",
    "test_tools",
];

/// The dependencies of workspace-tools, as Rust names them.
fn dependencies() -> Vec<String> {
    let manifest = std::fs::read_to_string(src("Cargo.toml")).unwrap();
    let table = manifest.split("[dependencies]").nth(1).unwrap();
    let table = table.split("\n[").next().unwrap();
    table
        .lines()
        .filter_map(|line| line.split(['.', '=', ' ']).next())
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .map(|name| name.replace('-', "_"))
        .collect()
}

/// Why the absolute `path` is I/O in a pure layer, if it is.
fn io_in_pure_layer(path: &[String], dependencies: &[String]) -> Option<String> {
    let seg = |k: usize| path.get(k).map(String::as_str);
    let why = match seg(0)? {
        "std" | "core" | "alloc" => match seg(1) {
            None => "the standard library under another name",
            Some(module) if STD_IO.contains(&module) => "the standard library's I/O",
            Some("io") if seg(2).is_some_and(|item| STD_STREAMS.contains(&item)) => {
                "the standard streams"
            }
            _ => return None,
        },
        "crate" => match (seg(1), seg(2), seg(3)) {
            (Some(m), _, _) if CRATE_IO.contains(&m) => "an adapter",
            (Some("*"), _, _) => "every adapter, through the crate root",
            (Some("release"), Some("plan"), _) => return None,
            (Some("release"), _, _) => "the release steps and adapters",
            _ => return None,
        },
        "tokio" | "async_std" => "an async runtime's I/O",
        name if dependencies.iter().any(|d| d == name) && !PURE_CRATES.contains(&name) => {
            "a dependency that does I/O"
        }
        _ => return None,
    };
    Some(format!("{} ({why})", path.join("::")))
}

/// The I/O a pure-layer source in module `module` names.
fn io_uses(module: &[String], source: &str, dependencies: &[String]) -> Vec<String> {
    let toks = production(&lex(source));
    let mut found: Vec<String> = paths(&toks)
        .iter()
        .filter_map(|p| io_in_pure_layer(&resolve(module, p), dependencies))
        .collect();
    // `io::stdin()` after `use std::io;`: the streams by their module's short name.
    found.extend(
        paths(&toks)
            .iter()
            .filter(|p| p.windows(2).any(|w| w[0] == "io" && w[1] == "stdin"))
            .map(|p| p.join("::")),
    );
    found.extend(printing(source));
    found.sort();
    found.dedup();
    found
}

/// The places a source writes to stdout or stderr: the printing macros however they are
/// spelled, and any handle on the standard streams (`io::stdout()`, `use tokio::io::stderr`,
/// `Stdout`), but not a child process's captured output (`output.stderr`,
/// `command.stdout(Stdio::piped())`) or a variable named after it.
fn printing(source: &str) -> Vec<String> {
    let toks = production(&lex(source));
    let mut found = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let Tok::Ident(word) = tok else { continue };
        let is_macro = is_punct(&toks, i + 1, '!') && !is_punct(&toks, i + 2, '=');
        let is_call = is_punct(&toks, i + 1, '(') && !(i > 0 && is_punct(&toks, i - 1, '.'));
        let stream = matches!(word.as_str(), "stdout" | "stderr");
        let handle = matches!(
            word.as_str(),
            "Stdout" | "Stderr" | "StdoutLock" | "StderrLock"
        );
        if is_macro && ["print", "println", "eprint", "eprintln", "dbg"].contains(&word.as_str()) {
            found.push(format!("{word}!"));
        } else if handle || (stream && is_call) {
            found.push(word.clone());
        }
    }
    for path in paths(&toks) {
        if path
            .windows(2)
            .any(|w| w[0] == "io" && (w[1] == "stdout" || w[1] == "stderr"))
        {
            found.push(path.join("::"));
        }
    }
    found
}

/// Every `.rs` file under `dir`, with its module path (`["crate", "engine", "rules"]`) from
/// the crate's `src`.
fn sources(src_dir: &Path, dir: &Path) -> Vec<(PathBuf, Vec<String>, String)> {
    let out: Vec<_> = rust_files(dir)
        .into_iter()
        .map(|(path, text)| {
            let relative = path.strip_prefix(src_dir).unwrap().with_extension("");
            let mut module = vec!["crate".to_owned()];
            module.extend(relative.iter().map(|p| p.to_string_lossy().into_owned()));
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            (path, module, text)
        })
        .collect();
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

fn src(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn the_pure_layers_do_no_io() {
    let dependencies = dependencies();
    assert!(
        dependencies.contains(&"git2".to_owned()),
        "{dependencies:?}"
    );
    for layer in ["src/engine", "src/release/plan"] {
        let found: Vec<String> = sources(&src("src"), &src(layer))
            .into_iter()
            .flat_map(|(path, module, text)| {
                io_uses(&module, &text, &dependencies)
                    .into_iter()
                    .map(move |u| format!("{} uses {u}", path.display()))
            })
            .collect();
        assert_eq!(found, Vec::<String>::new(), "{layer}");
    }
}

#[test]
fn only_xtask_prints() {
    for library in ["src", "../workspace-github/src"] {
        let found: Vec<String> = sources(&src(library), &src(library))
            .into_iter()
            .filter(|(path, _, _)| !path.to_string_lossy().contains("test_support"))
            .flat_map(|(path, _, text)| {
                printing(&text)
                    .into_iter()
                    .map(move |p| format!("{} uses {p}", path.display()))
            })
            .collect();
        assert_eq!(found, Vec::<String>::new(), "{library}");
    }
}

/// The checks above, on sources written to slip past a text search.
#[test]
fn io_is_found_however_it_is_written() {
    let dependencies = dependencies();
    let rules: Vec<String> = ["crate", "engine", "rules"].map(String::from).to_vec();
    let plan: Vec<String> = ["crate", "release", "plan", "version"]
        .map(String::from)
        .to_vec();
    let io = [
        (&rules, "fn f() { std::fs::read(\"x\"); }"),
        (&rules, "use std::fs as f;"),
        (&rules, "use std::{fs as f, path::Path};"),
        (
            &rules,
            "use std::{collections::BTreeMap, process::{Command}};",
        ),
        (&rules, "use std::{self as s};"),
        (&rules, "use ::std::env::var;"),
        (&rules, "fn f() { ::std::net::TcpStream::connect(\"a\"); }"),
        (&rules, "fn f() { let t = std::time::SystemTime::now(); }"),
        (&rules, "use tokio::fs;"),
        (&rules, "fn f() { tokio::fs::read(\"x\"); }"),
        (&rules, "use git2::Repository;"),
        (&rules, "extern crate guppy as g;"),
        (&rules, "fn f() { tempfile::tempdir(); }"),
        (&rules, "use crate::adapters::git_cli::run;"),
        (&rules, "use crate::git;"),
        (&rules, "fn f() { crate::metadata::load(None); }"),
        (&rules, "use super::super::adapters::registry;"),
        (&rules, "use crate::*;"),
        (&plan, "use super::super::steps::record;"),
        (&plan, "use crate::release::{Registry, plan::Release};"),
        (&rules, "use std::r#fs;"),
        // A test-only item before the production code hides none of it.
        (
            &rules,
            "#[cfg(test)]\nfn helper() {}\nfn f() { std::fs::read(\"x\"); }",
        ),
        (
            &rules,
            "#[cfg(test)]\nuse std::fs;\nuse std::process::Command;",
        ),
        (&rules, "fn f() { eprint ! (\"x\"); }"),
        (&rules, "fn f() { std::println!(\"x\"); }"),
        (&rules, "fn f() { let _ = writeln!(io::stderr(), \"x\"); }"),
        (&rules, "fn f() { let out: Stdout = todo!(); }"),
        (&rules, "fn f() { dbg!(1); }"),
        (&rules, "use tokio::io::{stdout as out};"),
        (&rules, "use std::io::*;"),
        (
            &rules,
            "use std::io::{self, BufRead};\nfn f() { io::stdin().lock(); }",
        ),
        (&rules, "use std::io::{Stdin, Write};"),
        (&rules, "fn f() { stderr().write_all(b\"x\"); }"),
    ];
    for (module, source) in io {
        assert_ne!(
            io_uses(module, source, &dependencies),
            Vec::<String>::new(),
            "{source}"
        );
    }
    let pure = [
        "use std::path::Path;\nuse std::collections::{BTreeMap, BTreeSet};",
        "// std::fs::read is not called: the reads come in as values\nfn f() {}",
        "/* std::process /* nested */ eprintln!() */ fn f() {}",
        "fn f() -> &'static str { \"std::fs::read(x); println!()\" }",
        "fn f() -> &'static str { r#\"use std::fs;\"# }",
        "fn f() -> char { '\"' } fn g() { std::mem::swap(&mut 1, &mut 2); }",
        "use crate::engine::graph::WorkspaceGraph;\nuse crate::{Error, config::ReleaseConfig};",
        "use super::rules::Rule;\nuse semver::Version;\nuse toml_edit::DocumentMut;",
        "fn f() { let x = a != b; }",
        "fn f() -> std::io::Error { std::io::ErrorKind::NotFound.into() }",
        "use std::io::{self, Write};\nfn f(out: &mut Vec<u8>) -> io::Result<()> { out.write_all(b\"x\") }",
        "fn f() { let stderr = String::from_utf8_lossy(&out.stderr); }",
        "fn f() { cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()); }",
        "pub(crate) fn f() -> crate::Error { todo!() }",
        "fn f() {}\n#[cfg(test)]\nmod tests {\n    fn g() { std::fs::read(\"x\"); println!(); }\n}",
    ];
    for source in pure {
        assert_eq!(
            io_uses(&rules, source, &dependencies),
            Vec::<String>::new(),
            "{source}"
        );
    }
    let plan_pure = "use super::{Release, version::Level};\nuse crate::release::plan::Commit;";
    assert_eq!(
        io_uses(&plan, plan_pure, &dependencies),
        Vec::<String>::new()
    );
}
