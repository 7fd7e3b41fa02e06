//! The pinned test tools (`[workspace.metadata.workspace-tools.test-tools]`): one on `PATH` at
//! the pinned version is used as it is; one that is missing is installed before any test runs,
//! and a failed install stops `affected-test` with exit code 27, naming the tool.

mod fixture;

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use fixture::Fixture;

/// The fixture pinning `fake-tool` at `version` on `main`, with a change to `app` on top.
fn pinning(version: &str) -> Fixture {
    let f = Fixture::new();
    let manifest = std::fs::read_to_string(f.manifest()).unwrap();
    f.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[workspace.metadata.workspace-tools.test-tools]\nfake-tool = \"{version}\"\n"
        ),
    );
    f.commit("pin a test tool");
    f.git(&["branch", "-q", "-f", "main"]);
    f.touch("crates/app/src/lib.rs");
    f.commit("app");
    f
}

/// Runs `affected-test` offline with a `fake-tool` that answers `fake-tool 1.2.3` on `PATH`.
fn affected_test(f: &Fixture) -> Output {
    let bin = tempfile::tempdir().unwrap();
    let tool = bin.path().join("fake-tool");
    std::fs::write(&tool, "#!/bin/sh\necho 'fake-tool 1.2.3'\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_owned()).chain(std::env::split_paths(&path)),
    )
    .unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["affected-test", "--manifest-path"])
        .arg(f.manifest())
        .args(["--base", "main"])
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env("PATH", path)
        .env("CARGO_NET_OFFLINE", "true")
        .env(
            "CARGO_TARGET_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .unwrap()
}

#[test]
fn a_tool_on_path_at_the_pinned_version_is_not_installed_again() {
    let out = affected_test(&pinning("1.2.3"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Installing"), "{stderr}");
    assert!(
        stderr.contains("tests::in_app")
            || String::from_utf8_lossy(&out.stdout).contains("tests::in_app")
    );
}

#[test]
fn a_tool_that_cannot_be_installed_stops_before_the_tests_with_exit_27() {
    let out = affected_test(&pinning("1.2.4"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(27), "{stderr}");
    assert!(
        stderr.contains("Installing fake-tool 1.2.4 into"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: could not install fake-tool 1.2.4 for the tests"),
        "{stderr}"
    );
    assert!(!stderr.contains("Running cargo test"), "{stderr}");
}
