//! `affected-test` runs the tests of exactly the affected packages, and passes the runner's
//! exit status through.

mod fixture;

use std::collections::BTreeSet;
use std::process::Output;

use fixture::{Fixture, set};

/// The fixture crates whose test `tests::in_<crate>` ran, from cargo test or nextest output.
fn crates_tested(out: &Output) -> BTreeSet<String> {
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter_map(|line| line.split("tests::in_").nth(1))
        .map(|rest| {
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap()
                .replace('_', "-")
        })
        .collect()
}

fn changed_right() -> Fixture {
    let f = Fixture::new();
    f.touch("crates/right/src/lib.rs");
    f.commit("right");
    f
}

/// Runs `affected-test` with a shared target directory, so fixtures reuse third-party builds;
/// with nextest from the tests' own `PATH`, only once it is installed.
fn affected_test(f: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Output {
    if args.contains(&"nextest") && !env.iter().any(|(k, _)| *k == "PATH") {
        fixture::require_tool("cargo-nextest");
    }
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(["affected-test", "--manifest-path"])
        .arg(f.manifest())
        .args(["--base", "main"])
        .args(args)
        .current_dir(f.path())
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .env("PATH", fixture::test_tools_path())
        .env(
            "CARGO_TARGET_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        );
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn runs_the_tests_of_exactly_the_affected_crates() {
    let f = changed_right();
    let out = affected_test(&f, &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(crates_tested(&out), set(&["app", "right", "top"]));
    assert!(
        stderr.contains("top: depends on right, changed by crates/right/src/lib.rs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Running cargo test --manifest-path"),
        "{stderr}"
    );
}

#[test]
fn a_failing_test_fails_the_run_with_the_runners_status() {
    let f = changed_right();
    let out = affected_test(&f, &[], &[("FAIL_TOP", "1")]);
    assert_eq!(
        out.status.code(),
        Some(101),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only top failed: no line blames the packages that passed.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("tests failed in"));
}

#[test]
fn partitions_split_the_affected_crates_across_machines() {
    let f = changed_right();
    let mut seen = BTreeSet::new();
    for partition in ["1/2", "2/2"] {
        let out = affected_test(&f, &["--runner", "nextest", "--partition", partition], &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tested = crates_tested(&out);
        assert!(
            !tested.is_empty() && seen.is_disjoint(&tested),
            "partition {partition}: {tested:?}"
        );
        seen.extend(tested);
    }
    assert_eq!(seen, set(&["app", "right", "top"]));
}

#[test]
fn nothing_affected_runs_nothing_and_succeeds() {
    let f = Fixture::new();
    f.touch("docs/guide.md");
    f.commit("docs");
    let out = affected_test(&f, &[], &[("FAIL_APP", "1")]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing affected, no tests to run"));
    assert!(crates_tested(&out).is_empty());
}

#[test]
fn runner_arguments_pass_through() {
    let f = changed_right();
    let out = affected_test(&f, &["--", "in_top"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(crates_tested(&out), set(&["top"]));
}

#[test]
fn a_member_that_shares_its_name_with_a_registry_crate_is_tested_unambiguously() {
    let f = Fixture::new();
    // A member called `base64` that wraps the registry's base64: `--package base64` is
    // ambiguous.
    f.write(
        "crates/base64/Cargo.toml",
        "[package]\nname = \"base64\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nupstream = { package = \"base64\", version = \"0.22\" }\n",
    );
    f.write(
        "crates/base64/src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn in_base64() {}\n}\n",
    );
    fixture::cargo(
        f.path(),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.rebase_main("a member called base64");
    f.touch("crates/base64/src/lib.rs");
    f.commit("change it");
    for runner in ["cargo", "nextest"] {
        let out = affected_test(&f, &["--runner", runner], &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{runner}: {stderr}");
        assert_eq!(crates_tested(&out), set(&["base64"]), "{runner}: {stderr}");
    }
    // A CI matrix job runs one entry by its manifest path and its spec, which no registry crate
    // shares.
    let matrix = f.xtask(&["affected", "--base", "main", "--format", "github-matrix"]);
    let matrix: serde_json::Value = serde_json::from_slice(&matrix.stdout).unwrap();
    let entry = &matrix["include"][0];
    assert_eq!(entry["package"], "base64");
    let out = cargo_test(
        &f,
        &[
            "--manifest-path",
            entry["manifest_path"].as_str().unwrap(),
            "--package",
            entry["spec"].as_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(crates_tested(&out), set(&["base64"]));
    let by_name = cargo_test(&f, &["--package", "base64"]);
    assert!(
        String::from_utf8_lossy(&by_name.stderr).contains("ambiguous"),
        "the bare name is what the matrix must not hand out"
    );
}

#[test]
fn a_matrix_job_tests_the_root_package_even_beside_default_members() {
    let f = Fixture::new();
    // The root manifest is a package too, and `default-members` decides what a bare `cargo test`
    // in the root runs: not the root package.
    f.replace(
        "Cargo.toml",
        "[workspace]\n",
        "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [workspace]\ndefault-members = [\"crates/app\"]\n",
    );
    f.write(
        "src/lib.rs",
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn in_root() {}\n}\n",
    );
    fixture::cargo(
        f.path(),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.rebase_main("a root package");
    f.touch("src/lib.rs");
    f.commit("change the root");
    let matrix = f.xtask(&["affected", "--base", "main", "--format", "github-matrix"]);
    let matrix: serde_json::Value = serde_json::from_slice(&matrix.stdout).unwrap();
    let entry = matrix["include"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["package"] == "root")
        .unwrap_or_else(|| panic!("root is affected: {matrix}"));
    let manifest_path = entry["manifest_path"].as_str().unwrap();
    assert_eq!(
        crates_tested(&cargo_test(&f, &["--manifest-path", manifest_path])),
        set(&["app"]),
        "the root's manifest alone selects the default members"
    );
    let spec = entry["spec"].as_str().expect("a package ID spec");
    let out = cargo_test(&f, &["--manifest-path", manifest_path, "--package", spec]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(crates_tested(&out), set(&["root"]));
}

/// `cargo test ARGS` in the fixture, offline, sharing the fixtures' target directory.
fn cargo_test(f: &Fixture, args: &[&str]) -> Output {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("test")
        .args(args)
        .current_dir(f.path())
        .env("CARGO_NET_OFFLINE", "true")
        .env(
            "CARGO_TARGET_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .unwrap()
}

#[test]
fn a_missing_runner_is_its_own_error_not_a_test_failure() {
    let f = changed_right();
    let (path, home) = fixture::without_nextest();
    let out = affected_test(
        &f,
        &["--runner", "nextest"],
        &[
            ("PATH", path.to_str().unwrap()),
            ("CARGO_HOME", home.path().to_str().unwrap()),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(25), "{stderr}");
    assert!(
        stderr.contains("error: the test runner `cargo nextest` is not installed"),
        "{stderr}"
    );
    assert!(!stderr.contains("tests failed"), "{stderr}");
}

#[test]
fn a_root_package_in_a_folder_with_a_space_is_tested() {
    // The workspace root is itself a package: its spec must name the folder exactly.
    let files: Vec<(String, String)> = [
        (
            "my ws/Cargo.toml",
            "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\nmembers = [\"member\"]\n",
        ),
        (
            "my ws/src/lib.rs",
            "#[cfg(test)]\nmod tests {\n    #[test]\n    fn in_root() {}\n}\n",
        ),
        (
            "my ws/member/Cargo.toml",
            "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("my ws/member/src/lib.rs", "\n"),
        (".gitignore", "target/\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let f = Fixture::from_files(&files);
    fixture::cargo(&f.path().join("my ws"), &["generate-lockfile", "--offline"]);
    f.rebase_main("lock");
    f.touch("my ws/src/lib.rs");
    f.commit("root");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["affected-test", "--base", "main"])
        .current_dir(f.path().join("my ws"))
        .env("NO_COLOR", "1")
        .env("CARGO_NET_OFFLINE", "true")
        .env(
            "CARGO_TARGET_DIR",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-target"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(crates_tested(&out), set(&["root"]), "{stderr}");
}
