//! `cargo xtask release` end to end: real git repositories with a bare origin, and a real
//! registry server on loopback.

mod fixture;
mod registry;
mod release_ws;

use std::io::{BufRead, BufReader};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use registry::{git, has, run};
use release_ws::{ROOT, Ws, stderr};

const CORE_MANIFEST: &str = r#"[package]
name = "core"
version = "0.5.2" # bumped by the release tool
edition = "2021"
description = "The core."
license = "MIT"
"#;

const PROTO_MANIFEST: &str = r#"[package]
name    = "proto"
version = "0.4.1"
edition = "2021"
description = "The protocol."
license = "MIT"

[dependencies]
# The core, at a compatible version.
core = { path = "../core", version = "0.5", registry = "local" }   # keep this comment

[dev-dependencies]
testutil = { path = "../testutil" }
"#;

const APP_MANIFEST: &str = r#"[package]
name = "app"
version = "0.9.0"
edition = "2021"
description = "The app."
license = "MIT"

[dependencies.proto]
path = "../proto"
version = "=0.4.1"
registry = "local"

[target.'cfg(unix)'.dependencies]
core = { version = "0.5.2", path = "../core", registry = "local" }
"#;

/// A workspace of core ← proto ← app (proto dev-depends on the unpublished testutil), with
/// every crate tagged at its current version, pushed to a bare origin, and a registry: the
/// release tests' workspace ([`Ws`]) with those crates.
struct Release {
    ws: Ws,
}

impl Deref for Release {
    type Target = Ws;

    fn deref(&self) -> &Ws {
        &self.ws
    }
}

impl DerefMut for Release {
    fn deref_mut(&mut self) -> &mut Ws {
        &mut self.ws
    }
}

impl Release {
    fn new() -> Release {
        let files = [
            ("Cargo.toml", ROOT.to_owned()),
            ("crates/core/Cargo.toml", CORE_MANIFEST.to_owned()),
            ("crates/core/src/lib.rs", "pub fn core() -> u32 { 1 }\n".to_owned()),
            ("crates/proto/Cargo.toml", PROTO_MANIFEST.to_owned()),
            ("crates/proto/src/lib.rs", "pub fn proto() -> u32 { core::core() }\n".to_owned()),
            ("crates/app/Cargo.toml", APP_MANIFEST.to_owned()),
            ("crates/app/src/lib.rs", "pub fn app() -> u32 { proto::proto() }\n".to_owned()),
            (
                "crates/testutil/Cargo.toml",
                "[package]\nname = \"testutil\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n".to_owned(),
            ),
        ];
        let release = Release {
            ws: Ws::with_registry(&files),
        };
        for tag in ["core-v0.5.2", "proto-v0.4.1", "app-v0.9.0"] {
            release.git(&["tag", tag]);
        }
        let origin = release.origin();
        release.git(&["init", "-q", "--bare", origin.to_str().unwrap()]);
        release.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        release.git(&["push", "-q", "-u", "origin", "main"]);
        release
    }

    fn origin(&self) -> PathBuf {
        self.root().join("../").join(format!(
            "{}-origin.git",
            self.root().file_name().unwrap().to_string_lossy()
        ))
    }

    fn xtask(&self, args: &[&str]) -> std::process::Output {
        self.release(args)
    }

    /// `xtask release --manifest-path … ARGS` against the registry, for a run that needs more
    /// than its output.
    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = registry::registry_command(
            env!("CARGO_BIN_EXE_xtask"),
            self.root(),
            self.cargo_home.path(),
        );
        command
            .args(["release", "--manifest-path", self.manifest()])
            .args(args);
        command
    }

    fn manifest(&self) -> &'static str {
        Box::leak(
            self.root()
                .join("Cargo.toml")
                .to_string_lossy()
                .into_owned()
                .into_boxed_str(),
        )
    }

    fn has(&self, spec: &str) -> bool {
        has(self.root(), self.cargo_home.path(), spec)
    }

    /// A breaking change in core and a fix in proto, plus a docs-only commit that counts for
    /// nothing.
    fn changes(&self) {
        self.commit("crates/core/src/lib.rs", "feat!: a new core API");
        self.commit("crates/proto/src/lib.rs", "fix: proto handles empty frames");
        std::fs::create_dir_all(self.root().join("docs")).unwrap();
        self.commit("docs/guide.md", "docs: guide");
    }
}

#[test]
fn dry_run_shows_the_plan_and_changes_nothing() {
    let r = Release::new();
    r.changes();
    let head = git(r.root(), &["rev-parse", "HEAD"]);
    let out = r.xtask(&["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let releases: Vec<(String, String, String)> = plan["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["from"].as_str().unwrap().into(),
                r["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("core", "0.5.2", "0.6.0"),
        ("proto", "0.4.1", "0.4.2"),
        ("app", "0.9.0", "0.9.1"),
    ];
    assert_eq!(
        releases,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    let app_reasons = plan["releases"][2]["reasons"].as_array().unwrap();
    assert!(
        app_reasons.contains(&"depends on core 0.6.0 (breaking)".into()),
        "{app_reasons:?}"
    );
    assert_eq!(plan["dry_run"], true);
    // Nothing was written, committed or tagged.
    assert_eq!(r.read("crates/proto/Cargo.toml"), PROTO_MANIFEST);
    assert_eq!(git(r.root(), &["rev-parse", "HEAD"]), head);
    assert!(git(r.root(), &["status", "--porcelain"]).is_empty());

    // The human plan: the table, then the diff it would write, whole. The changelogs carry
    // today's date and the commits' short ids, which change on every run: they are written
    // as `[date]` and `[commit]` so the snapshot holds.
    // The date is read on both sides of the run, which may cross midnight (UTC).
    let before = workspace_tools::release::today();
    let text = r.xtask(&[]);
    assert!(text.status.success(), "{}", stderr(&text));
    let mut shown = String::from_utf8_lossy(&text.stdout)
        .replace(&before, "[date]")
        .replace(&workspace_tools::release::today(), "[date]");
    for id in git(r.root(), &["rev-list", "--all"]).lines() {
        shown = shown.replace(&id[..7], "[commit]");
    }
    insta::assert_snapshot!("dry_run_plan_table_and_diff", shown);
}

#[test]
fn execute_bumps_commits_tags_pushes_and_publishes_in_order() {
    let r = Release::new();
    r.changes();
    let out = r.xtask(&["--execute", "--registry", "local"]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");

    // Manifests: only the version strings changed, byte for byte.
    assert_eq!(
        r.read("crates/core/Cargo.toml"),
        CORE_MANIFEST.replace("0.5.2", "0.6.0")
    );
    assert_eq!(
        r.read("crates/proto/Cargo.toml"),
        PROTO_MANIFEST
            .replace("version = \"0.4.1\"", "version = \"0.4.2\"")
            .replace("version = \"0.5\"", "version = \"0.6\"")
    );
    assert_eq!(
        r.read("crates/app/Cargo.toml"),
        APP_MANIFEST
            .replace("0.9.0", "0.9.1")
            .replace("=0.4.1", "=0.4.2")
            .replace("0.5.2", "0.6.0")
    );
    let lock = r.read("Cargo.lock");
    assert!(
        lock.contains("name = \"core\"\nversion = \"0.6.0\""),
        "{lock}"
    );
    let changelog = r.read("crates/core/CHANGELOG.md");
    assert!(changelog.contains("## [0.6.0] - "), "{changelog}");
    assert!(
        changelog.contains("- **Breaking:** a new core API"),
        "{changelog}"
    );
    assert!(
        !changelog.contains("guide"),
        "docs-only commits do not count: {changelog}"
    );
    assert!(
        r.read("crates/app/CHANGELOG.md")
            .contains("- Updated dependencies: core 0.6.0, proto 0.4.2")
    );

    // One release commit, annotated tags with the changelog section, all pushed.
    let message = git(r.root(), &["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("chore(release): core 0.6.0, proto 0.4.2, app 0.9.1\n"),
        "{message}"
    );
    let tag = git(
        r.root(),
        &[
            "tag",
            "-l",
            "--format=%(objecttype) %(contents)",
            "core-v0.6.0",
        ],
    );
    // The message is the changelog section byte for byte, `###` headings included.
    let section = changelog.split("\n## [0.5").next().unwrap();
    let section = &section[section.find("## [0.6.0]").unwrap()..];
    let object = git(r.root(), &["cat-file", "tag", "core-v0.6.0"]);
    assert_eq!(
        object.split_once("\n\n").unwrap().1,
        format!("{}\n", section.trim_end())
    );
    assert!(
        tag.starts_with("tag ") && tag.contains("### Changed") && tag.contains("a new core API")
    );
    let remote = git(&r.origin(), &["show-ref"]);
    for tag in ["core-v0.6.0", "proto-v0.4.2", "app-v0.9.1"] {
        assert!(
            remote.contains(&format!("refs/tags/{tag}")),
            "{tag} not pushed: {remote}"
        );
    }
    assert_eq!(
        git(&r.origin(), &["rev-parse", "main"]),
        git(r.root(), &["rev-parse", "HEAD"])
    );

    // Published in dependency order, with a progress line per crate.
    let published: Vec<&str> = log
        .lines()
        .filter(|l| l.trim_start().starts_with("Published "))
        .collect();
    assert_eq!(published.len(), 3, "{log}");
    assert!(
        published[0].contains("core 0.6.0") && published[2].contains("app 0.9.1"),
        "{log}"
    );
    for spec in ["core@0.6.0", "proto@0.4.2", "app@0.9.1"] {
        assert!(r.has(spec), "{spec} missing from the registry");
    }
    assert!(!r.has("testutil@0.1.0"));

    // A consumer resolves the new versions from the registry.
    let consumer = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(consumer.path().join("src")).unwrap();
    std::fs::create_dir_all(consumer.path().join(".cargo")).unwrap();
    std::fs::write(
        consumer.path().join(".cargo/config.toml"),
        r.registry().cargo_config(),
    )
    .unwrap();
    std::fs::write(
        consumer.path().join("src/lib.rs"),
        "pub fn f() -> u32 { app::app() }\n",
    )
    .unwrap();
    std::fs::write(
        consumer.path().join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\napp = { version = \"0.9.1\", registry = \"local\" }\n",
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = run(
        consumer.path(),
        r.cargo_home.path(),
        &cargo,
        &["build", "--quiet"],
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let consumer_lock = std::fs::read_to_string(consumer.path().join("Cargo.lock")).unwrap();
    for (name, version) in [("app", "0.9.1"), ("proto", "0.4.2"), ("core", "0.6.0")] {
        assert!(
            consumer_lock.contains(&format!("name = \"{name}\"\nversion = \"{version}\"")),
            "{consumer_lock}"
        );
    }

    // Nothing left: a rerun says so, publishes nothing and succeeds.
    let again = r.xtask(&["--execute", "--registry", "local"]);
    let log = stderr(&again);
    assert!(again.status.success(), "{log}");
    assert!(log.contains("nothing to release"), "{log}");
    assert!(
        log.contains("0 crate(s) published, 3 already there"),
        "{log}"
    );
}

/// Issue 9: a command loads the workspace once. Publishing after the release commit takes the
/// new versions from the plan, so the only other `cargo metadata` is the check that the written
/// workspace resolves with `--locked`.
#[test]
fn execute_loads_the_workspace_once_also_when_it_publishes() {
    let r = Release::new();
    r.changes();
    let tools = tempfile::tempdir().unwrap();
    let metadata = fixture::MetadataLog::new(tools.path());
    let out = r
        .command(&["--execute", "--registry", "local"])
        .env("CARGO", metadata.cargo())
        .output()
        .unwrap();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("3 crate(s) published"), "{log}");
    let calls = metadata.take();
    let (checks, loads): (Vec<&String>, Vec<&String>) =
        calls.iter().partition(|c| c.contains("--locked"));
    assert_eq!(loads.len(), 1, "{calls:#?}");
    assert_eq!(checks.len(), 1, "{calls:#?}");
}

#[test]
fn an_interrupted_publish_resumes_without_republishing() {
    let mut r = Release::new();
    r.changes();
    let mut child = r
        .command(&["--execute", "--registry", "local", "--index-timeout", "5"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("Published core 0.6.0") {
            // The registry goes down between two crates.
            r.registry_mut().stop();
        }
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(19), "{log}");
    assert!(log.contains("publishing proto 0.4.2 failed"), "{log}");
    assert!(log.contains("published in this run: core 0.6.0"), "{log}");
    assert!(
        log.contains("rerun `cargo xtask release --execute` to resume"),
        "{log}"
    );
    // Cargo's complaint is the cause, below the error, not part of its line.
    assert!(
        log.contains("\nCaused by:\n  `cargo publish` failed: "),
        "{log}"
    );

    // Back up on the same address and storage: the rerun skips core and finishes the rest.
    // Without --registry, it publishes to cargo's default registry, `local` here.
    r.restart_registry();
    let out = r.xtask(&["--execute"]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("Skipped core 0.6.0 (already in the registry)"),
        "{log}"
    );
    assert!(
        log.contains("Published proto 0.4.2") && log.contains("Published app 0.9.1"),
        "{log}"
    );
    assert!(r.has("proto@0.4.2") && r.has("app@0.9.1"));
}

#[test]
fn safety_checks_refuse_unless_allowed() {
    let r = Release::new();
    r.changes();
    std::fs::write(r.root().join("stray.txt"), "x").unwrap();
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(17), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("uncommitted changes (stray.txt)")
            && stderr(&out).contains("--allow-dirty")
    );
    std::fs::remove_file(r.root().join("stray.txt")).unwrap();

    // The tag exists on a commit HEAD does not contain (a reachable one is a tag ahead).
    let side = git(r.root(), &["commit-tree", "HEAD^{tree}", "-m", "side"]);
    git(r.root(), &["tag", "proto-v0.4.2", side.trim()]);
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(17), "{}", stderr(&out));
    assert!(stderr(&out).contains("tag proto-v0.4.2 already exists"));
    git(r.root(), &["tag", "-d", "proto-v0.4.2"]);

    let head = git(r.root(), &["rev-parse", "HEAD"]);
    git(r.root(), &["checkout", "-q", "--detach"]);
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(17));
    assert!(stderr(&out).contains("HEAD is detached"));
    git(r.root(), &["checkout", "-q", "main"]);

    // A failure before the commit (a hook refuses it) leaves every file as it was.
    std::fs::write(
        r.root().join(".git/hooks/pre-commit"),
        "#!/bin/sh\nexit 1\n",
    )
    .unwrap();
    make_executable(&r.root().join(".git/hooks/pre-commit"));
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(16), "{}", stderr(&out));
    assert_eq!(r.read("crates/proto/Cargo.toml"), PROTO_MANIFEST);
    assert!(!r.root().join("crates/core/CHANGELOG.md").exists());
    assert!(
        git(r.root(), &["status", "--porcelain"]).is_empty(),
        "{}",
        git(r.root(), &["status", "--porcelain"])
    );
    assert_eq!(git(r.root(), &["rev-parse", "HEAD"]), head);
    assert!(git(r.root(), &["tag", "-l", "core-v0.6.0"]).is_empty());
}

#[test]
fn nothing_to_release_says_so_and_exits_zero() {
    let r = Release::new();
    std::fs::create_dir_all(r.root().join("docs")).unwrap();
    r.commit("docs/guide.md", "docs: only docs");
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to release"));
}

#[test]
fn explicit_bumps_and_bad_bumps() {
    let r = Release::new();
    let out = r.xtask(&["--bump", "core=1.0.0", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["releases"][0]["to"], "1.0.0");
    assert_eq!(plan["releases"][0]["reasons"][0], "--bump 1.0.0");
    let out = r.xtask(&["--bump", "core=0.1.0"]);
    assert_eq!(out.status.code(), Some(18));
    assert!(
        stderr(&out).contains("cannot bump core: 0.1.0 is not above the current version 0.5.2")
    );
    let out = r.xtask(&["--bump", "core=huge"]);
    assert_eq!(out.status.code(), Some(2));
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn allow_dirty_releases_without_committing_the_stray_files() {
    let r = Release::new();
    r.changes();
    std::fs::write(r.root().join("stray.txt"), "x").unwrap();
    let out = r.xtask(&["--execute", "--allow-dirty", "--no-push", "--no-publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(git(r.root(), &["status", "--porcelain"]), "?? stray.txt\n");
    let files = git(r.root(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        !files.contains("stray.txt") && files.contains("crates/core/Cargo.toml"),
        "{files}"
    );
    // Not pushed: the origin still has the old main and none of the tags.
    assert!(!git(&r.origin(), &["show-ref"]).contains("core-v0.6.0"));
}

#[test]
fn a_train_releases_every_crate_at_one_version_under_one_tag() {
    let r = Release::new();
    let manifest = r.root().join("Cargo.toml");
    let mut root = std::fs::read_to_string(&manifest).unwrap();
    root.push_str("\n[workspace.metadata.workspace-tools.release]\ntrain = true\n");
    std::fs::write(&manifest, root).unwrap();
    git(
        r.root(),
        &["commit", "-q", "-am", "chore: release as a train"],
    );
    r.changes();
    let out = r.xtask(&["--execute", "--no-push", "--no-publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The train moves above every member's current version (app is at 0.9.0).
    for name in ["core", "proto", "app"] {
        let text = r.read(&format!("crates/{name}/Cargo.toml"));
        assert!(text.contains("\nversion = \"0.9.1\""), "{name}: {text}");
    }
    assert!(
        r.read("crates/proto/Cargo.toml")
            .contains("version = \"0.9\", registry")
    );
    assert_eq!(git(r.root(), &["tag", "--points-at", "HEAD"]), "v0.9.1\n");
    assert!(git(r.root(), &["log", "-1", "--format=%s"]).starts_with("chore(release): v0.9.1"));
    // The unpublished test helper stays out of the train.
    assert!(
        r.read("crates/testutil/Cargo.toml")
            .contains("version = \"0.1.0\"")
    );
}

#[test]
fn no_verify_publishes_without_building_the_crates() {
    let r = Release::new();
    // A crate that packages but does not build: only `cargo publish`'s verification builds it.
    std::fs::write(
        r.root().join("crates/app/src/lib.rs"),
        "pub fn app() -> u32 { proto::proto() }\ncompile_error!(\"built while publishing\");\n",
    )
    .unwrap();
    git(r.root(), &["commit", "-q", "-am", "fix: app"]);
    let out = r.xtask(&["--execute", "--registry", "local", "--index-timeout", "5"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(19), "{log}");
    assert!(log.contains("publishing app 0.9.1 failed"), "{log}");
    assert!(!r.has("app@0.9.1"));

    // The rerun with --no-verify uploads the package without building it.
    let out = r.xtask(&["--execute", "--registry", "local", "--no-verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(r.has("app@0.9.1"));
}

#[test]
fn a_member_named_like_a_registry_crate_publishes_unambiguously() {
    let r = Release::new();
    // Another `core`, published from outside the workspace; app tests against it too, so the
    // graph holds two packages called `core` and `--package core` is ambiguous to cargo.
    let outside = tempfile::tempdir().unwrap();
    let files = [
        (".cargo/config.toml", r.registry().cargo_config()),
        (
            "Cargo.toml",
            "[package]\nname = \"core\"\nversion = \"9.0.0\"\nedition = \"2021\"\n\
             description = \"Another core.\"\nlicense = \"MIT\"\n"
                .to_owned(),
        ),
        ("src/lib.rs", "pub fn other() {}\n".to_owned()),
    ];
    for (path, text) in files {
        let path = outside.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = run(
        outside.path(),
        r.cargo_home.path(),
        &cargo,
        &[
            "publish",
            "--registry",
            "local",
            "--allow-dirty",
            "--no-verify",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let app = r.root().join("crates/app/Cargo.toml");
    let mut manifest = r.read("crates/app/Cargo.toml");
    manifest.push_str(
        "\n[dev-dependencies]\nother-core = { package = \"core\", version = \"9\", registry = \"local\" }\n",
    );
    std::fs::write(app, manifest).unwrap();
    r.cargo(&["generate-lockfile"]);
    git(
        r.root(),
        &[
            "commit",
            "-q",
            "-am",
            "test: app against the registry's core",
        ],
    );
    r.commit("crates/core/src/lib.rs", "fix: core handles zero");

    let out = r.xtask(&["--execute", "--registry", "local"]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("ambiguous"), "{log}");
    assert!(r.has("core@0.5.3"), "{log}");
    assert!(r.has("app@0.9.1"), "{log}");
    assert!(r.has("core@9.0.0"), "the other core is untouched");
}
