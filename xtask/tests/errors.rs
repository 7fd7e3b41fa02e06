//! Each failure gets a one-line message naming its cause and its own documented exit code.

mod fixture;

use std::process::Output;

use fixture::Fixture;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code and that the single `error:` line contains `needle`.
fn assert_error(out: &Output, code: i32, needle: &str) {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0].contains(needle), "expected {needle:?} in {text}");
}

#[test]
fn not_a_git_repository() {
    let f = Fixture::new();
    std::fs::remove_dir_all(f.path().join(".git")).unwrap();
    let out = f.xtask(&["affected"]);
    assert_error(&out, 10, "is not inside a git repository");
}

#[test]
fn unknown_revision() {
    let f = Fixture::new();
    assert_error(
        &f.xtask(&["affected", "--base", "no-such-branch"]),
        11,
        "unknown revision `no-such-branch`",
    );
    assert_error(
        &f.xtask(&["affected-test", "--head", "v9.9.9"]),
        11,
        "unknown revision `v9.9.9`",
    );
    f.git(&["branch", "-q", "-m", "main", "trunk"]);
    assert_error(&f.xtask(&["affected"]), 11, "pass --base REV");
}

#[test]
fn shallow_clone_without_the_base() {
    let f = Fixture::new();
    f.touch("crates/app/src/lib.rs");
    f.commit("one");
    f.touch("crates/app/src/lib.rs");
    f.commit("two");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", f.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "change", &url])
        .arg(clone.path())
        .status()
        .unwrap();
    assert!(status.success());
    let manifest = clone.path().join("Cargo.toml");
    let out = fixture::xtask_in(clone.path(), &["affected", "--base", "HEAD~2"], &manifest);
    assert_error(&out, 12, "shallow clone");
    assert!(stderr(&out).contains("fetch more history"));
    // A name that exists nowhere is a mistake, shallow or not.
    for typo in ["mian", "origin/mian~1"] {
        let out = fixture::xtask_in(clone.path(), &["affected", "--base", typo], &manifest);
        assert_error(&out, 11, &format!("unknown revision `{typo}`"));
    }
    // The base branch exists (fetched shallow) but its history does not reach the head's.
    let fetch = std::process::Command::new("git")
        .args([
            "fetch",
            "-q",
            "--depth",
            "1",
            "origin",
            "main:refs/remotes/origin/main",
        ])
        .current_dir(clone.path())
        .status()
        .unwrap();
    assert!(fetch.success());
    let out = fixture::xtask_in(clone.path(), &["affected"], &manifest);
    assert_error(&out, 12, "lacks the history of `origin/main`");
}

#[test]
fn malformed_manifest() {
    let f = Fixture::new();
    f.replace("crates/top/Cargo.toml", "[dependencies]", "[dependencies");
    // The work tree's graph is not the head's: the head is still fine.
    assert!(f.xtask(&["affected", "--base", "main"]).status.success());
    assert_error(
        &f.xtask(&["affected", "--include-uncommitted"]),
        13,
        "crates/top/Cargo.toml",
    );
    assert_error(&f.xtask(&["graph"]), 13, "cargo metadata failed");
    // Committed, the head's own manifest is at fault, named in that revision.
    f.commit("break");
    assert_error(&f.xtask(&["affected"]), 13, "crates/top/Cargo.toml");
}

#[test]
fn no_cargo_on_path() {
    let f = Fixture::new();
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["affected", "--manifest-path"])
        .arg(f.manifest())
        .env("PATH", empty.path())
        .env_remove("CARGO")
        .output()
        .unwrap();
    assert_error(&out, 14, "could not run `cargo`: it is not on PATH");
}

#[test]
fn invalid_configuration() {
    let f = Fixture::new();
    f.replace(
        "Cargo.toml",
        "[profile.dev]",
        "[workspace.metadata.workspace-tools.affected]\nrules = [{ paths = [\"wit/**\"], affects = [\"nobody\"] }]\n\n[profile.dev]",
    );
    f.commit("configure");
    let out = f.xtask(&["affected"]);
    assert_error(&out, 15, "`nobody` is not a workspace member");
    assert!(stderr(&out).contains("Cargo.toml"));
}

#[test]
fn usage_errors_are_clap_errors() {
    let f = Fixture::new();
    let out = f.xtask(&["affected-test", "--partition", "3/2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid partition `3/2`"));
    let out = f.xtask(&["affected", "--head", "HEAD", "--include-uncommitted"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn colour_follows_the_terminal_conventions_and_no_color_wins() {
    let f = Fixture::new();
    let run = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(["affected", "--base", "nope", "--manifest-path"])
            .arg(f.manifest());
        command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            command.env(k, v);
        }
        stderr(&command.output().unwrap())
    };
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains("\u{1b}["));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains("\u{1b}["));
    // Not a terminal: plain text by default.
    assert!(!run(&[]).contains("\u{1b}["));
}

/// A `CARGO` that runs the real cargo, logs each `cargo metadata` call to `log`, and after it
/// appends `garbage` to the file `victim`: the file changed after cargo read it, as when an
/// editor saves while the command runs.
fn cargo_wrapper(
    dir: &std::path::Path,
    log: &std::path::Path,
    victim: &std::path::Path,
) -> std::path::PathBuf {
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = dir.join("cargo");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\"{real}\" \"$@\"\nstatus=$?\nif [ \"$1\" = metadata ]; then\n  echo metadata >> '{}'\n  printf '\\n[broken\\n' >> '{}'\nfi\nexit $status\n",
            log.display(),
            victim.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn release_with_victim(f: &Fixture, victim: &str) -> Output {
    let tools = tempfile::tempdir().unwrap();
    let log = tools.path().join("log");
    let cargo = cargo_wrapper(tools.path(), &log, &f.path().join(victim));
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["release", "--manifest-path"])
        .arg(f.manifest())
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO", cargo)
        .output()
        .unwrap()
}

/// A file that does not parse when the tool reads it exits 28 naming the file, and is not
/// called a `cargo metadata` failure (13), which it used to be.
fn assert_parse_error(victim: &str) {
    let f = Fixture::new();
    let out = release_with_victim(&f, victim);
    assert_error(&out, 28, "could not parse ");
    let text = stderr(&out);
    assert!(text.contains(victim), "{text}");
    assert!(!text.contains("cargo metadata failed"), "{text}");
    assert!(text.contains("Caused by:"), "{text}");
}

#[test]
fn a_manifest_toml_cannot_parse_is_named_with_its_own_code_not_as_cargo_metadata() {
    assert_parse_error("crates/top/Cargo.toml");
}

#[test]
fn a_lock_file_that_cannot_parse_is_named_with_its_own_code() {
    assert_parse_error("Cargo.lock");
}

#[test]
fn a_head_revision_without_a_workspace_is_a_workspace_error_not_an_unexpected_one() {
    let f = Fixture::new();
    f.git(&["checkout", "-q", "--orphan", "empty"]);
    f.git(&["rm", "-q", "-r", "--cached", "."]);
    std::fs::write(f.path().join("README"), "nothing here\n").unwrap();
    f.git(&["add", "README"]);
    f.git(&["commit", "-q", "-m", "empty"]);
    f.git(&["checkout", "-q", "-f", "change"]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["affected", "--head", "empty"])
        .current_dir(f.path().join("crates/top"))
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .unwrap();
    assert_error(&out, 13, "revision `empty` has no Cargo.toml");
}

#[test]
fn a_failed_cargo_fetch_before_the_tests_has_its_own_code_not_the_unexpected_one() {
    let f = Fixture::new();
    let tools = tempfile::tempdir().unwrap();
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = tools.path().join("cargo");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = fetch ]; then\n  echo 'network unreachable' >&2\n  exit 101\nfi\nexec \"{real}\" \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["test", "--manifest-path"])
        .arg(f.manifest())
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO", &script)
        .output()
        .unwrap();
    assert_error(&out, 29, "could not fetch the dependencies of ");
    assert!(stderr(&out).contains("Cargo.toml"), "{}", stderr(&out));
}
