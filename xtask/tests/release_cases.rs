//! `cargo xtask release` on small real workspaces, one per way a release could go wrong: a
//! wrong version, a workspace that no longer resolves, or files and commits not kept as they
//! were.

mod fixture;
mod registry;
mod release_ws;

use release_ws::{ROOT, Ws, dep, manifest, moves, stderr};

#[test]
fn a_release_commit_whose_tags_failed_is_finished_by_the_rerun() {
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
    // Signing the tags fails after the commit, as a broken gpg setup would.
    ws.git(&["config", "tag.gpgsign", "true"]);
    ws.git(&["config", "gpg.program", "false"]);
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(16), "{log}");
    assert!(
        log.contains("the release commit") && log.contains("exists, but not all its tags; rerun"),
        "{log}"
    );
    let release_commit = ws.head();
    assert!(
        ws.git(&["log", "-1", "--format=%s"])
            .starts_with("chore(release): a 0.2.0, b 0.3.1")
    );
    assert!(ws.git(&["tag", "-l", "a-v0.2.0"]).is_empty());
    ws.git(&["config", "tag.gpgsign", "false"]);
    // Work goes on before anyone notices.
    ws.commit("crates/a/src/lib.rs", "fix: a later fix");

    // The rerun finishes the release instead of bumping again.
    let plan = ws.plan(&[]);
    assert!(moves(&plan).is_empty(), "{plan}");
    let owed: Vec<&str> = plan["unfinished"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["tag"].as_str().unwrap())
        .collect();
    assert_eq!(owed, ["a-v0.2.0", "b-v0.3.1"]);
    let out = ws.release(&["--bump", "a=minor"]);
    assert_eq!(out.status.code(), Some(18), "{}", stderr(&out));
    assert!(stderr(&out).contains("still owes tag a-v0.2.0; rerun without --bump"));
    ws.execute(&[]);
    for tag in ["a-v0.2.0", "b-v0.3.1"] {
        let at = ws.git(&["rev-parse", &format!("{tag}^{{commit}}")]);
        assert_eq!(at, release_commit, "{tag}");
    }
    let changelog = ws.read("crates/a/CHANGELOG.md");
    assert_eq!(changelog.matches("## [0.2.0]").count(), 1, "{changelog}");
    let object = ws.git(&["cat-file", "tag", "a-v0.2.0"]);
    let section = &changelog[changelog.find("## [0.2.0]").unwrap()..];
    assert_eq!(object.split_once("\n\n").unwrap().1, section);

    // Then the next run releases what came after, from 0.2.0.
    let plan = ws.plan(&[]);
    assert_eq!(moves(&plan), ["a 0.2.0 -> 0.2.1"]);
    let commits = plan["releases"][0]["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(commits[0]["description"], "a later fix");
}

#[test]
fn renamed_and_uninherited_workspace_dependencies_follow() {
    let root = format!(
        "{ROOT}\n[workspace.dependencies]\naw = {{ package = \"a\", path = \"crates/a\", version = \"0.1\" }}\n\
         a = {{ path = \"crates/a\", version = \"0.1.0\" }} # nobody inherits this one\n"
    );
    let ws = Ws::new(&[
        ("Cargo.toml", root),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest("b", "0.3.0", "\n[dependencies]\naw.workspace = true\n"),
        ),
        (
            "crates/c/Cargo.toml",
            manifest(
                "c",
                "0.5.0",
                "\n[target.'cfg(unix)'.dev-dependencies]\nav = { package = \"a\", path = \"../a\", version = \"=0.1.0\" }\n",
            ),
        ),
    ]);
    for tag in ["a-v0.1.0", "b-v0.3.0", "c-v0.5.0"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    ws.execute(&[]);
    let root = ws.read("Cargo.toml");
    assert!(
        root.contains("aw = { package = \"a\", path = \"crates/a\", version = \"0.2\" }"),
        "{root}"
    );
    assert!(
        root.contains(
            "a = { path = \"crates/a\", version = \"0.2.0\" } # nobody inherits this one"
        ),
        "{root}"
    );
    assert!(
        ws.read("crates/b/Cargo.toml")
            .contains("version = \"0.3.1\"")
    );
    let c = ws.read("crates/c/Cargo.toml");
    assert!(
        c.contains("version = \"0.5.0\"") && c.contains("version = \"=0.2.0\""),
        "{c}"
    );
    ws.assert_resolves();
}

#[test]
fn requirements_with_upper_bounds_are_moved_to_match() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.5", "")),
        (
            "crates/b/Cargo.toml",
            manifest("b", "1.0.0", &dep("a", "<0.2")),
        ),
        (
            "crates/c/Cargo.toml",
            manifest("c", "1.0.0", &dep("a", ">=0.1, <0.2")),
        ),
        (
            "crates/d/Cargo.toml",
            manifest("d", "1.0.0", &dep("a", "<=0.1.5")),
        ),
        (
            "crates/e/Cargo.toml",
            manifest("e", "1.0.0", &dep("a", "0.1.*")),
        ),
    ]);
    for tag in ["a-v0.1.5", "b-v1.0.0", "c-v1.0.0", "d-v1.0.0", "e-v1.0.0"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    ws.execute(&[]);
    for (krate, req) in [
        ("b", "<0.3"),
        ("c", ">=0.2, <0.3"),
        ("d", "<=0.2.0"),
        ("e", "0.2.*"),
    ] {
        let text = ws.read(&format!("crates/{krate}/Cargo.toml"));
        assert!(
            text.contains(&format!("version = \"{req}\"")),
            "{krate}: {text}"
        );
    }
    ws.assert_resolves();
}

#[test]
fn a_pre_release_takes_its_dependents_along_as_pre_releases() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "1.2.3", "")),
        (
            "crates/b/Cargo.toml",
            manifest("b", "0.3.1", &dep("a", "<1.2.4")),
        ),
        ("crates/c/Cargo.toml", manifest("c", "0.1.2-b.12", "")),
    ]);
    for tag in ["a-v1.2.3", "b-v0.3.1", "c-v0.1.2-b.12"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/c/src/lib.rs", "fix: c");
    let plan = ws.plan(&["--bump", "a=alpha"]);
    assert_eq!(
        moves(&plan),
        [
            "a 1.2.3 -> 1.2.4-alpha.1",
            "c 0.1.2-b.12 -> 0.1.2-b.13",
            "b 0.3.1 -> 0.3.2-alpha.1"
        ]
    );
    ws.execute(&["--bump", "a=alpha"]);
    let b = ws.read("crates/b/Cargo.toml");
    assert!(b.contains("version = \"<=1.2.4-alpha.1\""), "{b}");
    ws.assert_resolves();
    // A breaking change during a patch-level pre-release moves it to the next major's.
    ws.commit("crates/a/src/lib.rs", "feat!: break during the alpha");
    let plan = ws.plan(&[]);
    assert_eq!(moves(&plan)[0], "a 1.2.4-alpha.1 -> 2.0.0-alpha.1");
    // Asking for a stable dependent of an alpha is refused.
    let out = ws.release(&["--bump", "b=0.4.0"]);
    assert_eq!(out.status.code(), Some(18), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "b 0.4.0 would be a stable release requiring the pre-release a 2.0.0-alpha.1"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_workspace_that_would_not_resolve_is_refused_with_nothing_written() {
    // `x` is a path crate outside the workspace: the release does not own its requirement on `a`.
    let ws = Ws::new(&[
        ("Cargo.toml", format!("{ROOT}exclude = [\"vendor\"]\n")),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest(
                "b",
                "0.1.0",
                "\n[dependencies]\nx = { path = \"../../vendor/x\" }\n",
            ),
        ),
        (
            "vendor/x/Cargo.toml",
            manifest(
                "x",
                "0.1.0",
                "\n[dependencies]\na = { path = \"../../crates/a\", version = \"0.1\" }\n",
            ),
        ),
    ]);
    for tag in ["a-v0.1.0", "b-v0.1.0"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    let head = ws.head();
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(18), "{log}");
    assert!(
        log.contains("would not resolve with `cargo metadata --locked --offline`")
            && log.contains("nothing was written"),
        "{log}"
    );
    assert_eq!(ws.head(), head);
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
    assert!(ws.git(&["tag", "-l", "a-v0.2.0"]).is_empty());
}

#[test]
fn manifest_versions_never_released_are_released_as_they_are() {
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("crates/b/Cargo.toml", manifest("b", "0.2.0", "")),
    ]);
    // No tags, nothing in the registry: both are released at their manifest versions.
    assert_eq!(
        moves(&ws.plan(&[])),
        ["a 0.1.0 -> 0.1.0", "b 0.2.0 -> 0.2.0"]
    );
    assert_eq!(
        moves(&ws.plan(&["--bump", "a=0.1.0"]))[0],
        "a 0.1.0 -> 0.1.0"
    );
    ws.execute(&[]);
    assert_eq!(
        ws.git(&["tag", "--points-at", "HEAD"]),
        "a-v0.1.0\nb-v0.2.0\n"
    );

    // a 0.2.0 is set by hand above its tag; until it is published it is still to release...
    ws.write("crates/a/Cargo.toml", &manifest("a", "0.2.0", ""));
    ws.cargo(&["generate-lockfile", "--offline"]);
    ws.git(&["commit", "-qam", "chore: a 0.2.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: before the publish");
    let plan = ws.plan(&[]);
    assert_eq!(moves(&plan), ["a 0.2.0 -> 0.2.0"]);
    // ...a feature calls for no more (0.1.0 + feature is 0.1.1, below 0.2.0)...
    ws.commit("crates/a/src/lib.rs", "feat: more");
    assert_eq!(moves(&ws.plan(&[])), ["a 0.2.0 -> 0.2.0"]);
    // ...and once the registry has it, it is the last release, from the commit that set it.
    ws.cargo(&[
        "publish",
        "--quiet",
        "-p",
        "a",
        "--registry",
        "local",
        "--allow-dirty",
        "--no-verify",
    ]);
    ws.commit("crates/a/src/lib.rs", "fix: after the publish");
    let plan = ws.plan(&[]);
    assert_eq!(moves(&plan), ["a 0.2.0 -> 0.2.1"]);
    let described: Vec<&str> = plan["releases"][0]["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        described,
        ["before the publish", "more", "after the publish"]
    );
}

#[test]
fn a_tag_above_the_manifest_version_is_refused() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.3.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: x");
    let out = ws.release(&[]);
    assert_eq!(out.status.code(), Some(18), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a: tag a-v0.3.0 is above the manifest version 0.1.0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bumps_that_cannot_apply_or_conflict_are_errors() {
    let root = format!(
        "{ROOT}\n[workspace.metadata.workspace-tools.release]\ngroups = {{ core = [\"a\", \"b\"] }}\n"
    );
    let ws = Ws::new(&[
        ("Cargo.toml", root),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("crates/b/Cargo.toml", manifest("b", "0.1.0", "")),
        (
            "crates/t/Cargo.toml",
            manifest("t", "0.1.0", "publish = false\n"),
        ),
    ]);
    for tag in ["a-v0.1.0", "b-v0.1.0"] {
        ws.git(&["tag", tag]);
    }
    for (args, message) in [
        (
            &["--bump", "t=patch"][..],
            "cannot bump t: it is not published",
        ),
        (
            &["--bump", "a=minor", "--bump", "a=major"],
            "conflicting bumps a=minor, a=major",
        ),
        (
            &["--bump", "a=minor", "--bump", "b=major"],
            "conflicting bumps a=0.2.0, b=1.0.0",
        ),
    ] {
        let out = ws.release(args);
        assert_eq!(out.status.code(), Some(18), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    // The same bump twice is no conflict.
    let plan = ws.plan(&["--bump", "a=minor", "--bump", "a=minor"]);
    assert_eq!(moves(&plan), ["a 0.1.0 -> 0.2.0", "b 0.1.0 -> 0.2.0"]);
}

#[test]
fn allow_dirty_commits_only_the_release_files() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("README.md", "# readme\n".to_owned()),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: x");
    ws.write("README.md", "# readme\n\nunrelated, staged\n");
    ws.git(&["add", "README.md"]);
    ws.execute(&["--allow-dirty"]);
    let files = ws.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        files, "Cargo.lock\ncrates/a/CHANGELOG.md\ncrates/a/Cargo.toml\n",
        "{files}"
    );
    assert_eq!(ws.git(&["diff", "--cached", "--name-only"]), "README.md\n");
}

#[test]
fn symlinks_modes_and_line_endings_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let crlf = manifest("a", "0.1.0", "").replace('\n', "\r\n");
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", crlf),
        (
            "docs/a-changelog.md",
            "# Changelog\n\n## [0.1.0] - 2026-01-01\n\n- first\n".to_owned(),
        ),
    ]);
    std::os::unix::fs::symlink(
        "../../docs/a-changelog.md",
        ws.root().join("crates/a/CHANGELOG.md"),
    )
    .unwrap();
    let manifest_path = ws.root().join("crates/a/Cargo.toml");
    std::fs::set_permissions(&manifest_path, std::fs::Permissions::from_mode(0o755)).unwrap();
    ws.git(&["add", "-A"]);
    ws.git(&["commit", "-qm", "chore: link the changelog"]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: x");
    ws.execute(&[]);
    let link = ws.root().join("crates/a/CHANGELOG.md");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(ws.read("docs/a-changelog.md").contains("## [0.1.1] - "));
    let mode = std::fs::metadata(&manifest_path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    let text = ws.read("crates/a/Cargo.toml");
    assert!(text.contains("version = \"0.1.1\"\r\n"), "{text:?}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn a_commit_quoting_the_release_trailer_still_counts() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit(
        "crates/a/src/lib.rs",
        "feat!: the new protocol (#12)\n\n* chore(release): a 0.1.1\n\n- a 0.1.0 → 0.1.1\n\n    Release-Tool: cargo-xtask-release\n\n* feat!: the new protocol",
    );
    assert_eq!(moves(&ws.plan(&[])), ["a 0.1.0 -> 0.2.0"]);
}

#[test]
fn changelogs_take_unreleased_entries_and_gain_compare_links() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml",
            manifest("a", "0.1.0", "repository = \"https://example.test/org/repo\"\n"),
        ),
        (
            "crates/a/CHANGELOG.md",
            "# Changelog\n\n## Unreleased\n\n- A note written by hand.\n\n## [0.1.0] - 2026-01-01\n\n- First.\n\n\
             [0.1.0]: https://example.test/org/repo/releases/tag/a-v0.1.0\n"
                .to_owned(),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "feat!: x");
    ws.execute(&[]);
    let text = ws.read("crates/a/CHANGELOG.md");
    let date = text.split("## [0.2.0] - ").nth(1).unwrap()[..10].to_owned();
    assert_eq!(
        text,
        format!(
            "# Changelog\n\n## Unreleased\n\n## [0.2.0] - {date}\n\n- A note written by hand.\n\n### Changed\n\n\
             - **Breaking:** x ({})\n\n## [0.1.0] - 2026-01-01\n\n- First.\n\n\
             [0.2.0]: https://example.test/org/repo/compare/a-v0.1.0...a-v0.2.0\n\
             [0.1.0]: https://example.test/org/repo/releases/tag/a-v0.1.0\n",
            &ws.git(&["rev-parse", "--short=7", "HEAD~1"]).trim()
        )
    );
}

#[test]
fn versioned_dev_dependencies_order_publishing_and_cycles_are_refused_up_front() {
    // a dev-depends on b with a version: b must reach the registry first, although a sorts first.
    // x1 dev-depends on x2 with a version and x2 depends on x1: no order can work.
    let local = ", registry = \"local\"";
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml",
            manifest(
                "a",
                "0.1.0",
                &format!(
                    "\n[dev-dependencies]\nb = {{ path = \"../b\", version = \"0.1\"{local} }}\n"
                ),
            ),
        ),
        ("crates/b/Cargo.toml", manifest("b", "0.1.0", "")),
        (
            "crates/x1/Cargo.toml",
            manifest(
                "x1",
                "0.1.0",
                &format!(
                    "\n[dev-dependencies]\nx2 = {{ path = \"../x2\", version = \"0.1\"{local} }}\n"
                ),
            ),
        ),
        (
            "crates/x2/Cargo.toml",
            manifest(
                "x2",
                "0.1.0",
                &format!(
                    "\n[dependencies]\nx1 = {{ path = \"../x1\", version = \"0.1\"{local} }}\n"
                ),
            ),
        ),
    ]);
    let out = ws.release(&["--execute", "--no-push", "--registry", "local"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(18), "{log}");
    assert!(
        log.contains("publishing cannot be ordered: x1 → x2 → x1")
            && log.contains("drop `version` from x1's dev-dependency on x2 (`0.1`)"),
        "{log}"
    );
    assert!(!log.contains("Published"), "nothing is published: {log}");
    assert!(!registry::has(ws.root(), ws.cargo_home.path(), "b@0.1.0"));

    // The fix the error names; the rerun publishes everything, b before a.
    ws.write(
        "crates/x1/Cargo.toml",
        &manifest(
            "x1",
            "0.1.0",
            &format!("\n[dev-dependencies]\nx2 = {{ path = \"../x2\"{local} }}\n"),
        ),
    );
    ws.git(&[
        "commit",
        "-qam",
        "chore: x1's dev-dependency on x2 without a version",
    ]);
    let out = ws.release(&["--execute", "--no-push", "--registry", "local"]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    let published: Vec<&str> = log
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Published "))
        .collect();
    assert_eq!(
        published,
        ["b 0.1.0", "a 0.1.0", "x1 0.1.1", "x2 0.1.0"],
        "{log}"
    );
    assert!(registry::has(ws.root(), ws.cargo_home.path(), "x2@0.1.0"));
}

#[test]
fn a_push_that_fails_leaves_the_release_local_and_says_how_to_push_it() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: a fix");
    // No `origin` to push to.
    let out = ws.release(&["--execute", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(16), "{log}");
    let error = log.lines().find(|l| l.starts_with("error: ")).unwrap();
    assert!(
        error.contains("the release commit and tags are only local")
            && error.contains("push them with `git push")
            && error.contains("then rerun `cargo xtask release --execute` to publish"),
        "{log}"
    );
    // The failed `git push` is the cause, not part of the message.
    assert!(log.contains("\nCaused by:\n  `git push"), "{log}");
    assert_eq!(ws.git(&["tag", "-l", "a-v0.1.1"]).trim(), "a-v0.1.1");
}
