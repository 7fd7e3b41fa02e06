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
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
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

mod registry;

use std::path::{Path, PathBuf};

use registry::Registry;

/// A loopback registry that stands in for cargo's default one (`crates-io` replaced by it in a
/// private cargo home) and serves `fake-tool 1.2.3`, a binary printing `fake-tool 1.2.3`; and a
/// one-crate workspace pinning it, whose test checks that `fake-tool` on its `PATH` is that one.
struct ToolWorld {
    _registry: Registry,
    home: tempfile::TempDir,
    dir: tempfile::TempDir,
}

impl ToolWorld {
    fn new() -> ToolWorld {
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let registry = Registry::start(&dir.path().join("registry"), None);
        std::fs::write(
            home.path().join("config.toml"),
            format!(
                "[registries.local]\nindex = \"http://{}/git\"\n\n[source.crates-io]\nreplace-with = \"local\"\n\n[net]\ngit-fetch-with-cli = true\n",
                registry.addr
            ),
        )
        .unwrap();
        let tool = dir.path().join("fake-tool");
        write(
            &tool.join("Cargo.toml"),
            "[package]\nname = \"fake-tool\"\nversion = \"1.2.3\"\nedition = \"2021\"\ndescription = \"t\"\nlicense = \"MIT\"\n\n[workspace]\n",
        );
        write(
            &tool.join("src/main.rs"),
            "fn main() {\n    println!(\"fake-tool 1.2.3\");\n}\n",
        );
        let cargo = std::env::var("CARGO").unwrap();
        let out = registry::run(
            &tool,
            home.path(),
            &cargo,
            &[
                "publish",
                "--registry",
                "local",
                "--no-verify",
                "--allow-dirty",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ws = dir.path().join("ws");
        write(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[workspace.metadata.workspace-tools.test-tools]\nfake-tool = \"1.2.3\"\n",
        );
        write(
            &ws.join("src/lib.rs"),
            "#[test]\nfn sees_the_pinned_tool() {\n    assert!(std::env::var(\"FAIL_PROBE\").is_err(), \"asked to fail\");\n    \
             let out = std::process::Command::new(\"fake-tool\").output().unwrap();\n    \
             assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), \"fake-tool 1.2.3\");\n}\n\n\
             #[test]\nfn snapshot_updates_are_off() {\n    \
             assert_eq!(std::env::var(\"INSTA_UPDATE\").as_deref(), Ok(\"no\"));\n}\n",
        );
        ToolWorld {
            _registry: registry,
            home,
            dir,
        }
    }

    fn tools_bin(&self) -> PathBuf {
        self.dir.path().join("ws/target/tools/bin")
    }

    /// `xtask test` on the workspace, with `fake-tool 1.2.2` on `PATH` and `env` set.
    fn xtask_test(&self, env: &[(&str, &str)]) -> Output {
        let old = self.dir.path().join("old-bin");
        fake_tool(&old.join("fake-tool"), "1.2.2");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path =
            std::env::join_paths(std::iter::once(old).chain(std::env::split_paths(&path))).unwrap();
        let mut command = registry::registry_command(
            env!("CARGO_BIN_EXE_xtask"),
            &self.dir.path().join("ws"),
            self.home.path(),
        );
        command
            .arg("test")
            .arg("--manifest-path")
            .arg(self.dir.path().join("ws/Cargo.toml"))
            .env("PATH", path)
            .env_remove("CARGO_TARGET_DIR");
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A script at `path` answering `fake-tool VERSION`.
fn fake_tool(path: &Path, version: &str) {
    write(path, &format!("#!/bin/sh\necho 'fake-tool {version}'\n"));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn test_installs_the_pinned_tool_over_another_version_on_path_once_and_passes_failures_through() {
    let w = ToolWorld::new();
    let out = w.xtask_test(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Installing fake-tool 1.2.3 into"),
        "{stderr}"
    );
    assert!(w.tools_bin().join("fake-tool").is_file());

    // Installed: the next run builds nothing, and a failing test is the command's failure.
    let out = w.xtask_test(&[("FAIL_PROBE", "1")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(101), "{stderr}");
    assert!(!stderr.contains("Installing"), "{stderr}");
}

#[test]
fn test_never_writes_snapshots_even_when_the_caller_asks_for_it() {
    // A missing or changed snapshot must fail the suite, never be written over: `cargo xtask
    // test` runs the suite with INSTA_UPDATE=no whatever the caller's environment says (the
    // probe's test checks what it sees).
    let w = ToolWorld::new();
    let out = w.xtask_test(&[("INSTA_UPDATE", "always")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
}

#[test]
fn an_install_interrupted_after_copying_the_binary_is_finished_by_the_next_run() {
    let w = ToolWorld::new();
    // The binary is in place, at another version, but cargo never recorded the install.
    fake_tool(&w.tools_bin().join("fake-tool"), "1.2.2");
    let out = w.xtask_test(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Installing fake-tool 1.2.3 into"),
        "{stderr}"
    );
}

#[test]
fn test_with_a_runner_that_is_not_installed_says_so_before_fetching_anything() {
    let f = Fixture::new();
    let (path, home) = fixture::without_nextest();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["test", "--runner", "nextest", "--manifest-path"])
        .arg(f.manifest())
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .env("PATH", path)
        .env("CARGO_HOME", home.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(25), "{stderr}");
    assert!(
        stderr.contains("error: the test runner `cargo nextest` is not installed"),
        "{stderr}"
    );
}

#[test]
fn an_install_that_fails_offline_says_the_network_is_off() {
    // `affected_test` runs offline, where only a tool already in cargo's cache can be built.
    let out = affected_test(&pinning("1.2.4"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(27), "{stderr}");
    assert!(
        stderr.contains("could not install fake-tool 1.2.4 for the tests")
            && stderr.contains("CARGO_NET_OFFLINE=true"),
        "{stderr}"
    );
}
