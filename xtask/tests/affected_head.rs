//! `--head REV` is judged by REV's own graph and lock file, and `affected` never writes to the
//! checkout.

mod fixture;

use std::process::Stdio;

use fixture::{Fixture, set};

/// The repository's state outside `.git`'s internals: the work tree's status, the worktrees
/// and the lock file, to check a run left them alone.
fn state(f: &Fixture) -> (String, String, Option<String>) {
    (
        fixture::git(f.path(), &["status", "--porcelain", "--ignored"]),
        fixture::git(f.path(), &["worktree", "list", "--porcelain"]),
        std::fs::read_to_string(f.path().join("Cargo.lock")).ok(),
    )
}

const EDGE: &str =
    "edition.workspace = true\n\n[dependencies]\ncodegen = { path = \"../codegen\" }\n";

#[test]
fn a_head_other_than_the_checkout_is_judged_by_its_own_graph() {
    let f = Fixture::new();
    // At the branch point winonly depends on codegen; `feature` changes codegen; `main`, checked
    // out, drops the edge afterwards. The change is feature's, so is the graph.
    f.replace(
        "crates/winonly/Cargo.toml",
        "edition.workspace = true\n",
        EDGE,
    );
    fixture::cargo(
        f.path(),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.rebase_main("edge");
    f.git(&["checkout", "-q", "-b", "feature"]);
    f.touch("crates/codegen/src/lib.rs");
    f.commit("change codegen");
    f.git(&["checkout", "-q", "main"]);
    f.replace(
        "crates/winonly/Cargo.toml",
        EDGE,
        "edition.workspace = true\n",
    );
    fixture::cargo(
        f.path(),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.commit("drop the edge on main");
    let before = state(&f);
    assert_eq!(
        f.affected(&["--head", "feature"]),
        set(&["app", "codegen", "left", "right", "top", "winonly"])
    );
    assert_eq!(state(&f), before, "the checkout was touched");
}

#[test]
fn a_lock_only_bump_on_another_head_affects_its_users() {
    let f = Fixture::new();
    f.git(&["checkout", "-q", "-b", "bump"]);
    fixture::cargo(
        f.path(),
        &[
            "update",
            "--offline",
            "--package",
            "base64",
            "--precise",
            "0.23.1",
        ],
    );
    f.commit("bump base64");
    f.git(&["checkout", "-q", "main"]);
    assert_eq!(
        f.affected(&["--head", "bump"]),
        set(&["app", "right", "top"])
    );
}

#[test]
fn uncommitted_manifests_do_not_change_the_heads_graph() {
    let f = Fixture::new();
    f.touch("crates/codegen/src/lib.rs");
    f.commit("change codegen");
    // An uncommitted edge winonly → codegen is not part of HEAD.
    f.replace(
        "crates/winonly/Cargo.toml",
        "edition.workspace = true\n",
        "edition.workspace = true\n\n[dependencies]\ncodegen = { path = \"../codegen\" }\n",
    );
    assert_eq!(f.affected(&[]), set(&["app", "codegen", "left", "top"]));
    // Counted when asked, from the work tree as it is (its lock file is now stale).
    let out = f.xtask(&["affected", "--base", "main", "--include-uncommitted"]);
    assert_eq!(
        out.status.code(),
        Some(26),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn affected_test_refuses_a_head_that_is_not_checked_out() {
    let f = Fixture::new();
    f.touch("crates/app/src/lib.rs");
    f.commit("app");
    f.git(&["checkout", "-q", "main"]);
    let out = f.xtask(&["affected-test", "--base", "main", "--head", "change"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`change` is not the checked-out commit"),
        "{stderr}"
    );
    assert!(!stderr.contains("Running"), "{stderr}");
}

#[test]
fn a_stale_or_missing_lock_file_is_an_error_and_is_left_alone() {
    let f = Fixture::new();
    f.replace(
        "crates/app/Cargo.toml",
        "[dependencies]\n",
        "[dependencies]\nmemchr = \"2\"\n",
    );
    f.commit("stale lock");
    let before = state(&f);
    let out = f.xtask(&["affected", "--base", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(26), "{stderr}");
    assert!(stderr.contains("Cargo.lock is stale"), "{stderr}");
    assert_eq!(state(&f), before, "the checkout was touched");
    assert_eq!(f.xtask(&["graph"]).status.code(), Some(26));
    assert_eq!(state(&f), before, "graph touched the checkout");

    let f = Fixture::new();
    f.git(&["rm", "-q", "Cargo.lock"]);
    f.commit("no lock");
    let out = f.xtask(&["affected", "--base", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(26), "{stderr}");
    assert!(stderr.contains("is missing"), "{stderr}");
    assert!(!f.path().join("Cargo.lock").exists());
}

#[test]
fn an_unparsable_lock_file_at_head_is_a_metadata_error_and_at_the_base_affects_everything() {
    let f = Fixture::new();
    f.write("Cargo.lock", "[[package]\n");
    f.commit("break the lock");
    let out = f.xtask(&["affected", "--base", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(13), "{stderr}");
    assert!(stderr.contains("Cargo.lock"), "{stderr}");

    // Broken on main, repaired on the branch: nothing says which entries changed.
    let f = Fixture::new();
    let lock = std::fs::read_to_string(f.path().join("Cargo.lock")).unwrap();
    f.write("Cargo.lock", "[[package]\n");
    f.rebase_main("break the lock");
    f.write("Cargo.lock", &lock);
    f.commit("repair");
    assert_eq!(f.affected(&[]), set(&fixture::MEMBERS));
}

#[test]
fn a_closed_or_full_stdout_is_not_a_test_failure() {
    let f = Fixture::new();
    f.touch("crates/base/src/lib.rs");
    f.commit("base");
    let xtask = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(["affected", "--base", "main", "--explain", "--manifest-path"])
            .arg(f.manifest())
            .env("NO_COLOR", "1")
            .stderr(Stdio::piped());
        command
    };
    // The reader goes away before anything is written.
    let mut child = xtask().stdout(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = xtask().stdout(full).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: could not write to stdout"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_closed_or_full_stderr_does_not_turn_into_a_panic() {
    let f = Fixture::new();
    f.touch("crates/base/src/lib.rs");
    f.commit("base");
    let xtask = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(["affected", "--base", "main", "--manifest-path"])
            .arg(f.manifest())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped());
        command
    };
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    // The status lines and reasons cannot be shown; the answer on stdout still can.
    let out = xtask().stderr(full).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "app\nbase\nleft\nright\ntop\n"
    );
    let mut child = xtask().stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "app\nbase\nleft\nright\ntop\n"
    );
}
