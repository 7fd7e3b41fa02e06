//! `cargo xtask release --execute` when git refuses part of the way: a tag a hook rejects
//! after others were made. The run must leave a state its rerun finishes completely: every tag
//! of the release ends on the remote, none only in the checkout.

mod fixture;
mod registry;
mod release_ws;

use std::path::Path;

use release_ws::{ROOT, Ws, dep, manifest, stderr};

/// A bare origin outside the workspace, with `main` pushed and tracked.
fn with_origin(ws: &Ws) -> tempfile::TempDir {
    let origin = tempfile::tempdir().unwrap();
    let path = origin.path().to_str().unwrap();
    ws.git(&["init", "-q", "--bare", path]);
    ws.git(&["remote", "add", "origin", path]);
    ws.git(&["push", "-q", "-u", "origin", "main"]);
    origin
}

fn tags(dir: &Path) -> Vec<String> {
    registry::git(dir, &["tag", "--list"])
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_tag_refused_after_another_takes_both_back_and_the_rerun_pushes_every_tag() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest("b", "0.3.0", &dep("a", "0.1")),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.git(&["tag", "b-v0.3.0"]);
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    let origin = with_origin(&ws);
    fixture::refuse_tag(ws.root(), "b-v0.3.1");
    let out = ws.release(&["--execute", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(16), "{log}");
    assert!(
        log.contains("b-v0.3.1") && log.contains("tag b-v0.3.1 is not allowed"),
        "{log}"
    );
    let release_commit = ws.head();
    // The tag made before the refused one is taken back: the rerun makes and pushes both.
    assert_eq!(tags(ws.root()), ["a-v0.1.0", "b-v0.3.0"]);
    fixture::allow_tags(ws.root());
    let out = ws.release(&["--execute", "--no-publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for tag in ["a-v0.2.0", "b-v0.3.1"] {
        let at = registry::git(origin.path(), &["rev-parse", &format!("{tag}^{{commit}}")]);
        assert_eq!(at.trim(), release_commit.trim(), "{tag} on the origin");
    }
    assert_eq!(
        registry::git(origin.path(), &["rev-parse", "main"]).trim(),
        release_commit.trim()
    );
}

#[test]
fn an_owed_tag_refused_after_another_takes_both_back_and_the_rerun_pushes_every_tag() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: one");
    let origin = with_origin(&ws);
    // The first release commit is made but not tagged, then a second one is merged.
    fixture::refuse_tag(ws.root(), "a-v0.1.1");
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(16), "{}", stderr(&out));
    fixture::allow_tags(ws.root());
    let first = ws.head();
    ws.commit("crates/a/src/lib.rs", "fix: two");
    ws.write("crates/a/Cargo.toml", &manifest("a", "0.1.2", ""));
    ws.cargo(&["generate-lockfile", "--offline"]);
    ws.git(&[
        "commit",
        "-qam",
        "chore(release): a 0.1.2\n\n- a 0.1.1 → 0.1.2\n\nRelease-Tool: cargo-xtask-release",
    ]);
    let second = ws.head();
    // Finishing them: the second owed tag is refused after the first was made.
    fixture::refuse_tag(ws.root(), "a-v0.1.2");
    let out = ws.release(&["--execute", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(16), "{log}");
    assert!(log.contains("tag a-v0.1.2 is not allowed"), "{log}");
    assert_eq!(tags(ws.root()), ["a-v0.1.0"]);
    fixture::allow_tags(ws.root());
    let out = ws.release(&["--execute", "--no-publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (tag, commit) in [("a-v0.1.1", &first), ("a-v0.1.2", &second)] {
        let at = registry::git(origin.path(), &["rev-parse", &format!("{tag}^{{commit}}")]);
        assert_eq!(at.trim(), commit.trim(), "{tag} on the origin");
    }
}
