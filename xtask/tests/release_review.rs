//! `cargo xtask release` on cases a demanding maintainer meets after the first ones: reverted
//! release commits, unpublished group members, the user's staged work, pre-releases below 1.0,
//! dev-dependency requirements the release itself would tighten, and changelogs linked elsewhere.

mod fixture;
mod registry;
mod release_ws;

use registry::run;

use release_ws::{ROOT, Ws, dep, manifest, moves, stderr};

/// Makes tag signing fail after the release commit, as a broken gpg setup would.
fn break_tagging(ws: &Ws) {
    ws.git(&["config", "tag.gpgsign", "true"]);
    ws.git(&["config", "gpg.program", "false"]);
}

fn fix_tagging(ws: &Ws) {
    ws.git(&["config", "tag.gpgsign", "false"]);
}

#[test]
fn a_reverted_release_commit_owes_no_tags() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: x");
    break_tagging(&ws);
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(16), "{}", stderr(&out));
    fix_tagging(&ws);
    // The maintainer changes their mind: the release commit is reverted, a-v0.1.1 is not wanted.
    ws.git(&["revert", "--no-edit", "HEAD"]);
    assert!(
        ws.read("crates/a/Cargo.toml")
            .contains("version = \"0.1.0\"")
    );

    let plan = ws.plan(&[]);
    assert_eq!(plan["unfinished"], serde_json::json!([]), "{plan}");
    assert_eq!(moves(&plan), ["a 0.1.0 -> 0.1.1"]);
    ws.execute(&[]);
    let tagged = ws.git(&["rev-parse", "a-v0.1.1^{commit}"]);
    assert_eq!(tagged, ws.head(), "the new release commit carries the tag");
    // And the run after that has nothing left to do.
    let plan = ws.plan(&[]);
    assert!(
        moves(&plan).is_empty() && plan["unfinished"] == serde_json::json!([]),
        "{plan}"
    );
}

#[test]
fn an_unpublished_group_member_is_released_once_per_change() {
    let root = format!(
        "{ROOT}\n[workspace.metadata.workspace-tools.release]\ngroups = {{ core = [\"a\", \"t\"] }}\n"
    );
    let ws = Ws::new(&[
        ("Cargo.toml", root),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/t/Cargo.toml",
            manifest("t", "0.1.0", "publish = false\n"),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    // Released as far as anyone can tell: nothing changed since a's tag.
    let plan = ws.plan(&[]);
    assert!(moves(&plan).is_empty(), "{plan}");

    ws.commit("crates/t/src/lib.rs", "fix: t");
    assert_eq!(
        moves(&ws.plan(&[])),
        ["a 0.1.0 -> 0.1.1", "t 0.1.0 -> 0.1.1"]
    );
    ws.execute(&[]);
    // That change is released; the next run has nothing to do.
    let plan = ws.plan(&[]);
    assert!(moves(&plan).is_empty(), "{plan}");
}

#[test]
fn a_feature_during_a_pre_release_below_one_counts_up_its_label() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.2-b.12", "")),
        ("crates/b/Cargo.toml", manifest("b", "0.3.1-rc.1", "")),
        ("crates/c/Cargo.toml", manifest("c", "1.2.4-alpha.1", "")),
    ]);
    for tag in ["a-v0.1.2-b.12", "b-v0.3.1-rc.1", "c-v1.2.4-alpha.1"] {
        ws.git(&["tag", tag]);
    }
    for krate in ["a", "b", "c"] {
        ws.commit(&format!("crates/{krate}/src/lib.rs"), "feat: more");
    }
    // Below 1.0 a feature is a patch-level change, which 0.1.2 already stands for.
    assert_eq!(
        moves(&ws.plan(&[])),
        [
            "a 0.1.2-b.12 -> 0.1.2-b.13",
            "b 0.3.1-rc.1 -> 0.3.1-rc.2",
            "c 1.2.4-alpha.1 -> 1.3.0-alpha.1"
        ]
    );
}

/// What `git diff --cached` shows for `path`: the user's staged change.
fn staged(ws: &Ws, path: &str) -> String {
    ws.git(&["diff", "--cached", "--", path])
}

#[test]
fn a_refused_release_keeps_what_the_user_staged() {
    // `x` is a path crate outside the workspace requiring a 0.1: the release would not resolve.
    let ws = Ws::new(&[
        ("Cargo.toml", format!("{ROOT}exclude = [\"vendor\"]\n")),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/a/CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n".to_owned(),
        ),
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
                &dep("a", "0.1").replace("../a", "../../crates/a"),
            ),
        ),
    ]);
    for tag in ["a-v0.1.0", "b-v0.1.0"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    // Work in progress, staged, in a file the release also writes.
    ws.write(
        "crates/a/CHANGELOG.md",
        "# Changelog\n\n## [Unreleased]\n\n- Staged by hand.\n\n## [0.1.0] - 2026-01-01\n",
    );
    ws.git(&["add", "crates/a/CHANGELOG.md"]);
    let before = staged(&ws, "crates/a/CHANGELOG.md");
    assert!(before.contains("+- Staged by hand."), "{before}");

    let out = ws.release(&["--execute", "--no-push", "--no-publish", "--allow-dirty"]);
    assert_eq!(out.status.code(), Some(18), "{}", stderr(&out));
    assert_eq!(staged(&ws, "crates/a/CHANGELOG.md"), before);
    assert!(
        ws.read("crates/a/CHANGELOG.md")
            .contains("- Staged by hand.")
    );

    // A hook refusing the commit leaves the staged change as well.
    ws.write("vendor/x/Cargo.toml", &manifest("x", "0.1.0", ""));
    ws.cargo(&["generate-lockfile", "--offline"]);
    ws.git(&[
        "commit",
        "-q",
        "-m",
        "chore: x stands alone",
        "--",
        "vendor",
        "Cargo.lock",
    ]);
    // b has no changelog yet: the release would create one.
    ws.git(&["stash", "-q"]);
    ws.commit("crates/b/src/lib.rs", "fix: b");
    ws.git(&["stash", "pop", "-q", "--index"]);
    let hook = ws.root().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho 'hook: no' >&2\nexit 1\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let head = ws.head();
    let out = ws.release(&["--execute", "--no-push", "--no-publish", "--allow-dirty"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("hook: no"), "{}", stderr(&out));
    assert_eq!(ws.head(), head);
    assert_eq!(staged(&ws, "crates/a/CHANGELOG.md"), before);
    assert!(!ws.root().join("crates/b/CHANGELOG.md").exists());
    assert_eq!(
        ws.git(&["status", "--porcelain"]),
        "M  crates/a/CHANGELOG.md\n",
        "nothing else changed"
    );
}

#[test]
fn a_compatible_move_leaves_versioned_dev_dependencies_that_still_match() {
    // x2 depends on x1; x1's tests use x2 through the registry, pinned to what was published.
    let local = ", registry = \"local\"";
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/x1/Cargo.toml", manifest("x1", "0.1.0", "")),
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
    assert!(out.status.success(), "{}", stderr(&out));
    let x1 = format!(
        "{}\n[dev-dependencies]\nx2 = {{ path = \"../x2\", version = \"0.1.0\"{local} }}\n",
        ws.read("crates/x1/Cargo.toml")
    );
    ws.write("crates/x1/Cargo.toml", &x1);
    ws.cargo(&["generate-lockfile", "--offline"]);
    ws.git(&["commit", "-qam", "test: x1 against the published x2"]);
    ws.commit("crates/x2/src/lib.rs", "fix: x2");

    let plan = ws.plan(&[]);
    assert_eq!(moves(&plan), ["x1 0.1.0 -> 0.1.1", "x2 0.1.0 -> 0.1.1"]);
    // `0.1.0` still matches x2 0.1.1; raising it to `0.1.1` would make x2 0.1.1, which needs
    // x1 0.1.1 first, a prerequisite of x1 0.1.1: no publish order.
    assert_eq!(plan["requirement_edits"], serde_json::json!([]), "{plan}");
    let out = ws.release(&["--execute", "--no-push", "--registry", "local"]);
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        registry::has(ws.root(), ws.cargo_home.path(), "x1@0.1.1"),
        "{log}"
    );
    assert!(
        registry::has(ws.root(), ws.cargo_home.path(), "x2@0.1.1"),
        "{log}"
    );
}

#[test]
fn an_unpublished_crate_sharing_the_workspace_version_is_no_reason_to_release() {
    // Like this repository's own xtask: `version.workspace = true` and `publish = false`.
    let root = format!("{ROOT}\n[workspace.package]\nversion = \"0.1.0\"\n");
    let shared = |name: &str, extra: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion.workspace = true\nedition = \"2021\"\n{extra}"
        )
    };
    let ws = Ws::new(&[
        ("Cargo.toml", root),
        (
            "crates/a/Cargo.toml",
            shared("a", "license = \"MIT\"\ndescription = \"a\"\n"),
        ),
        (
            "crates/tool/Cargo.toml",
            shared("tool", "publish = false\n"),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    assert!(moves(&ws.plan(&[])).is_empty());
    ws.commit("crates/a/src/lib.rs", "fix: a");
    ws.execute(&[]);
    assert!(ws.read("Cargo.toml").contains("version = \"0.1.1\""));
    let plan = ws.plan(&[]);
    assert!(moves(&plan).is_empty(), "{plan}");
    // A change to the tool alone still moves the shared version, once.
    ws.commit("crates/tool/src/lib.rs", "fix: tool");
    assert_eq!(
        moves(&ws.plan(&[])),
        ["a 0.1.1 -> 0.1.2", "tool 0.1.1 -> 0.1.2"]
    );
}

#[test]
fn a_tag_is_no_proof_that_a_dev_dependency_was_published() {
    // x1's tests use x2 from the registry; x2 depends on x1. Both were tagged twice without
    // publishing: x2's older tag meets x1's requirement, but the registry has no x2 at all.
    let local = ", registry = \"local\"";
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
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
    ws.execute(&[]);
    ws.commit("crates/x2/src/lib.rs", "fix: x2");
    ws.execute(&[]);
    assert!(!ws.git(&["tag", "-l", "x2-v0.1.1"]).is_empty());

    let out = ws.release(&["--execute", "--no-push", "--registry", "local"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(18), "{log}");
    assert!(
        log.contains("publishing cannot be ordered: x1 → x2 → x1"),
        "{log}"
    );
    assert!(
        !registry::has(ws.root(), ws.cargo_home.path(), "x1@0.1.0"),
        "{log}"
    );
}

/// The section of `version` in a changelog, from its heading to the next `## `.
fn section_in(text: &str, version: &str) -> String {
    let start = text.find(&format!("## [{version}]")).unwrap();
    let rest = &text[start..];
    let end = rest[1..].find("\n## ").map_or(rest.len(), |i| i + 2);
    rest[..end].trim_end().to_owned() + "\n"
}

#[test]
fn an_unreleased_heading_with_a_suffix_and_its_compare_link_follow_the_release() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml",
            manifest(
                "a",
                "0.1.0",
                "repository = \"https://example.test/org/repo\"\n",
            ),
        ),
        (
            "crates/a/CHANGELOG.md",
            "# Changelog\n\n## [Unreleased] - ReleaseDate\n\n- A note written by hand.\n\n\
             ## [0.1.0] - 2026-01-01\n\n- First.\n\n\
             [Unreleased]: https://example.test/org/repo/compare/a-v0.1.0...HEAD\n\
             [0.1.0]: https://example.test/org/repo/releases/tag/a-v0.1.0\n"
                .to_owned(),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "feat!: x");
    ws.execute(&[]);
    let text = ws.read("crates/a/CHANGELOG.md");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    // The release goes below the Unreleased heading and takes its entries.
    assert!(
        at("## [Unreleased] - ReleaseDate") < at("## [0.2.0]"),
        "{text}"
    );
    assert_eq!(text.matches("A note written by hand").count(), 1, "{text}");
    assert!(at("## [0.2.0]") < at("A note written by hand"), "{text}");
    assert!(at("A note written by hand") < at("## [0.1.0]"), "{text}");
    // What is unreleased now starts at the new tag.
    assert!(
        text.contains("[Unreleased]: https://example.test/org/repo/compare/a-v0.2.0...HEAD\n"),
        "{text}"
    );
    assert!(
        text.contains("[0.2.0]: https://example.test/org/repo/compare/a-v0.1.0...a-v0.2.0\n"),
        "{text}"
    );
    // The tag says what the changelog says, hand-written entries included.
    let message = ws.git(&["for-each-ref", "--format=%(contents)", "refs/tags/a-v0.2.0"]);
    assert_eq!(message.trim_end(), section_in(&text, "0.2.0").trim_end());
}

#[test]
fn a_crlf_changelog_gives_a_tag_message_without_carriage_returns() {
    let changelog = "# Changelog\n\n## [Unreleased]\n\n- A note written by hand.\n- Another.\n\n\
                     ## [0.1.0] - 2026-01-01\n\n- First.\n"
        .replace('\n', "\r\n");
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("crates/a/CHANGELOG.md", changelog),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: x");
    ws.execute(&[]);
    let text = ws.read("crates/a/CHANGELOG.md");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "{text:?}"
    );
    let message = ws.git(&["for-each-ref", "--format=%(contents)", "refs/tags/a-v0.1.1"]);
    assert!(!message.contains('\r'), "{message:?}");
    let section = section_in(&text.replace("\r\n", "\n"), "0.1.1");
    assert!(
        section.contains("- A note written by hand.\n- Another.\n"),
        "{section:?}"
    );
    assert_eq!(message.trim_end(), section.trim_end());
}

#[test]
fn a_changelog_linked_nowhere_is_created_and_one_linked_outside_is_refused() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("crates/b/Cargo.toml", manifest("b", "0.1.0", "")),
    ]);
    let outside = tempfile::tempdir().unwrap();
    let outside_log = outside.path().join("CHANGELOG.md");
    std::fs::write(&outside_log, "# Shared elsewhere\n").unwrap();
    // a's changelog is meant to live in docs/, which has none yet; b's lives outside the repo.
    std::os::unix::fs::symlink(
        "../../docs/a-changelog.md",
        ws.root().join("crates/a/CHANGELOG.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside_log, ws.root().join("crates/b/CHANGELOG.md")).unwrap();
    ws.git(&["add", "-A"]);
    ws.git(&["commit", "-qm", "chore: link the changelogs"]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.git(&["tag", "b-v0.1.0"]);

    ws.commit("crates/a/src/lib.rs", "fix: a");
    ws.execute(&[]);
    assert!(ws.read("docs/a-changelog.md").contains("## [0.1.1] - "));
    let link = ws.root().join("crates/a/CHANGELOG.md");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let files = ws.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains("docs/a-changelog.md"), "{files}");
    assert!(ws.git(&["status", "--porcelain"]).is_empty());

    ws.commit("crates/b/src/lib.rs", "fix: b");
    let head = ws.head();
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(18), "{log}");
    assert!(
        log.contains("crates/b/CHANGELOG.md") && log.contains("outside the repository"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(&outside_log).unwrap(),
        "# Shared elsewhere\n"
    );
    assert_eq!(ws.head(), head);
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn a_pre_release_takes_a_chain_of_dependents_along() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml",
            manifest("a", "0.3.0", &dep("b", "0.2")),
        ),
        (
            "crates/b/Cargo.toml",
            manifest("b", "0.2.0", &dep("c", "~0.1.0")),
        ),
        ("crates/c/Cargo.toml", manifest("c", "0.1.0", "")),
    ]);
    for tag in ["a-v0.3.0", "b-v0.2.0", "c-v0.1.0"] {
        ws.git(&["tag", tag]);
    }
    let plan = ws.plan(&["--bump", "c=alpha"]);
    assert_eq!(
        moves(&plan),
        [
            "c 0.1.0 -> 0.1.1-alpha.1",
            "b 0.2.0 -> 0.2.1-alpha.1",
            "a 0.3.0 -> 0.3.1-alpha.1"
        ]
    );
    ws.execute(&["--bump", "c=alpha"]);
    ws.cargo(&["metadata", "--format-version", "1", "--locked", "--offline"]);
    let b = ws.read("crates/b/Cargo.toml");
    assert!(b.contains("version = \"~0.1.1-alpha.1\""), "{b}");
    // The next alpha of c still matches b's requirement: b stays.
    ws.commit("crates/c/src/lib.rs", "fix: c");
    assert_eq!(moves(&ws.plan(&[])), ["c 0.1.1-alpha.1 -> 0.1.1-alpha.2"]);
    // A breaking change in c moves to 0.2.0-alpha.1, which b's requirement does not match;
    // a's `0.2.1-alpha.1` already admits b's next alpha.
    ws.commit("crates/c/src/lib.rs", "feat!: c");
    assert_eq!(
        moves(&ws.plan(&[])),
        [
            "c 0.1.1-alpha.1 -> 0.2.0-alpha.1",
            "b 0.2.1-alpha.1 -> 0.2.1-alpha.2"
        ]
    );
}

#[test]
fn two_release_commits_missing_their_tags_are_both_finished_in_order() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: one");
    break_tagging(&ws);
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(16), "{}", stderr(&out));
    let first = ws.head().trim().to_owned();
    // A second release commit, as a merged release pull request would bring, also untagged.
    ws.commit("crates/a/src/lib.rs", "fix: two");
    ws.write("crates/a/Cargo.toml", &manifest("a", "0.1.2", ""));
    ws.cargo(&["generate-lockfile", "--offline"]);
    ws.git(&[
        "commit",
        "-qam",
        "chore(release): a 0.1.2\n\n- a 0.1.1 → 0.1.2\n\nRelease-Tool: cargo-xtask-release",
    ]);
    let second = ws.head().trim().to_owned();
    fix_tagging(&ws);
    let plan = ws.plan(&[]);
    let owed: Vec<(&str, &str)> = plan["unfinished"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["tag"].as_str().unwrap(), u["commit"].as_str().unwrap()))
        .collect();
    assert_eq!(
        owed,
        [("a-v0.1.1", first.as_str()), ("a-v0.1.2", second.as_str())]
    );
    ws.execute(&[]);
    assert_eq!(ws.git(&["rev-parse", "a-v0.1.1^{commit}"]).trim(), first);
    assert_eq!(ws.git(&["rev-parse", "a-v0.1.2^{commit}"]).trim(), second);
    let plan = ws.plan(&[]);
    assert!(
        moves(&plan).is_empty() && plan["unfinished"] == serde_json::json!([]),
        "{plan}"
    );
}

#[test]
fn dependency_tables_in_their_old_underscore_spelling_follow_too() {
    // Cargo still reads `dev_dependencies` and `build_dependencies` before edition 2024.
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest(
                "b",
                "0.3.0",
                "\n[build_dependencies]\na = { path = \"../a\", version = \"0.1\" }\n\n\
                 [target.'cfg(unix)'.dev_dependencies]\na = { path = \"../a\", version = \"=0.1.0\" }\n",
            ),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.git(&["tag", "b-v0.3.0"]);
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    assert_eq!(
        moves(&ws.plan(&[])),
        ["a 0.1.0 -> 0.2.0", "b 0.3.0 -> 0.3.1"]
    );
    ws.execute(&[]);
    let b = ws.read("crates/b/Cargo.toml");
    assert!(
        b.contains("a = { path = \"../a\", version = \"0.2\" }")
            && b.contains("version = \"=0.2.0\""),
        "{b}"
    );
    ws.cargo(&["metadata", "--format-version", "1", "--locked", "--offline"]);
}

#[test]
fn a_workspace_that_keeps_no_lock_file_in_git_still_releases() {
    // A library repository: Cargo.lock is ignored, present locally or not at all.
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest("b", "0.1.0", &dep("a", "0.1")),
        ),
    ]);
    ws.write(".gitignore", "/target\n/Cargo.lock\n");
    ws.git(&["rm", "-q", "--cached", "Cargo.lock"]);
    ws.git(&["commit", "-qam", "chore: keep no lock file"]);
    for tag in ["a-v0.1.0", "b-v0.1.0"] {
        ws.git(&["tag", tag]);
    }

    // Present but ignored: kept in step locally, never committed.
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    ws.execute(&[]);
    let files = ws.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(!files.contains("Cargo.lock"), "{files}");
    assert!(ws.read("Cargo.lock").contains("version = \"0.2.0\""));
    assert!(ws.git(&["status", "--porcelain"]).is_empty());

    // Absent (a fresh clone): cargo makes one while reading the workspace; it stays local.
    std::fs::remove_file(ws.root().join("Cargo.lock")).unwrap();
    ws.commit("crates/a/src/lib.rs", "feat!: another");
    ws.execute(&[]);
    assert!(!ws.git(&["tag", "-l", "a-v0.3.0"]).is_empty());
    let files = ws.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(!files.contains("Cargo.lock"), "{files}");
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn every_requirement_form_ends_up_matching_a_move_to_one_point_oh() {
    let forms = [
        ("d1", "~0.1", "~1.0"),
        ("d2", "~0.1.2", "~1.0.0"),
        ("d3", "0.*", "1.*"),
        ("d4", "=0.1.5", "=1.0.0"),
        ("d5", "^0", "^1"),
        ("d6", ">0.1.0, <0.1.9", ">=1.0.0, <1.0.1"),
        ("d7", "<0.2.0-0", "<1.0.1"),
        ("d8", ">= 0.1 , < 0.3", ">=1.0, <1.1"),
        ("d9", "0.1.5", "1.0.0"),
    ];
    let mut files = vec![
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml".to_owned().leak() as &str,
            manifest("a", "0.1.5", ""),
        ),
    ];
    for (name, req, _) in forms {
        let path: &str = format!("crates/{name}/Cargo.toml").leak();
        files.push((path, manifest(name, "0.1.0", &dep("a", req))));
    }
    let ws = Ws::new(&files);
    ws.git(&["tag", "a-v0.1.5"]);
    for (name, _, _) in forms {
        ws.git(&["tag", &format!("{name}-v0.1.0")]);
    }
    ws.execute(&["--bump", "a=1.0.0"]);
    for (name, _, want) in forms {
        let text = ws.read(&format!("crates/{name}/Cargo.toml"));
        assert!(
            text.contains(&format!("version = \"{want}\"")),
            "{name}: {text}"
        );
    }
    ws.cargo(&["metadata", "--format-version", "1", "--locked", "--offline"]);
}

#[test]
fn renamed_dependencies_in_every_form_follow_a_crate_with_its_own_tag_name() {
    let root = format!(
        "{ROOT}\n[workspace.dependencies.aw]\npackage = \"a\"\npath = \"crates/a\"\nversion = \"0.1\"\n\n\
         [workspace.metadata.workspace-tools.release.crates.a]\ntag-name = \"alpha\"\n"
    );
    let ws = Ws::new(&[
        ("Cargo.toml", root),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/b/Cargo.toml",
            manifest(
                "b",
                "0.1.0",
                "\n[target.'cfg(unix)'.build-dependencies]\naw.workspace = true\n",
            ),
        ),
        (
            "crates/c/Cargo.toml",
            manifest(
                "c",
                "0.1.0",
                "\n[dependencies]\nal.package = \"a\"\nal.path = \"../a\"\nal.version = \"0.1.0\"\n",
            ),
        ),
        (
            "crates/d/Cargo.toml",
            manifest(
                "d",
                "0.1.0",
                "\n[dev-dependencies.ax]\npackage = \"a\"\npath = \"../a\"\nversion = \"<0.2\"\n",
            ),
        ),
    ]);
    for tag in ["alpha-v0.1.0", "b-v0.1.0", "c-v0.1.0", "d-v0.1.0"] {
        ws.git(&["tag", tag]);
    }
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    assert_eq!(
        moves(&ws.plan(&[])),
        ["a 0.1.0 -> 0.2.0", "b 0.1.0 -> 0.1.1", "c 0.1.0 -> 0.1.1"]
    );
    ws.execute(&[]);
    assert!(ws.read("Cargo.toml").contains("version = \"0.2\"\n"));
    assert!(
        ws.read("crates/c/Cargo.toml")
            .contains("al.version = \"0.2.0\"\n")
    );
    assert!(
        ws.read("crates/d/Cargo.toml")
            .contains("version = \"<0.3\"\n")
    );
    assert!(!ws.git(&["tag", "-l", "alpha-v0.2.0"]).is_empty());
    ws.cargo(&["metadata", "--format-version", "1", "--locked", "--offline"]);
}

#[test]
fn a_dev_dependency_cycle_of_three_is_refused_naming_every_crate() {
    let local = ", registry = \"local\"";
    let on = |name: &str, table: &str, req: &str| {
        format!("\n[{table}]\n{name} = {{ path = \"../{name}\", version = \"{req}\"{local} }}\n")
    };
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/x1/Cargo.toml",
            manifest("x1", "0.1.0", &on("x2", "dev-dependencies", "0.1")),
        ),
        (
            "crates/x2/Cargo.toml",
            manifest("x2", "0.1.0", &on("x3", "dependencies", "0.1")),
        ),
        (
            "crates/x3/Cargo.toml",
            manifest("x3", "0.1.0", &on("x1", "dependencies", "0.1")),
        ),
    ]);
    let out = ws.release(&["--execute", "--no-push", "--registry", "local"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(18), "{log}");
    assert!(
        log.contains("publishing cannot be ordered: x1 → x2 → x3 → x1")
            && log.contains("drop `version` from x1's dev-dependency on x2 (`0.1`)"),
        "{log}"
    );
    assert!(!log.contains("Published"), "{log}");
}

#[test]
fn a_release_commit_with_some_of_its_tags_is_finished_with_the_others() {
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
    break_tagging(&ws);
    let out = ws.release(&["--execute", "--no-push", "--no-publish"]);
    assert_eq!(out.status.code(), Some(16), "{}", stderr(&out));
    fix_tagging(&ws);
    let release_commit = ws.head().trim().to_owned();
    // Someone tagged a by hand; b's tag is still owed.
    ws.git(&["tag", "-a", "-m", "a 0.2.0", "a-v0.2.0"]);
    let plan = ws.plan(&[]);
    let owed: Vec<&str> = plan["unfinished"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["tag"].as_str().unwrap())
        .collect();
    assert_eq!(owed, ["b-v0.3.1"], "{plan}");
    ws.execute(&[]);
    assert_eq!(
        ws.git(&["rev-parse", "b-v0.3.1^{commit}"]).trim(),
        release_commit
    );
    let plan = ws.plan(&[]);
    assert!(
        moves(&plan).is_empty() && plan["unfinished"] == serde_json::json!([]),
        "{plan}"
    );
}

#[test]
fn unreleased_subsections_merge_with_the_generated_ones() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "1.0.0", "")),
        (
            "crates/a/CHANGELOG.md",
            "# Changelog\n\n## [Unreleased]\n\nA word before the lists.\n\n### Added\n\n- A feature note written by hand.\n\n\
             ### Removed\n\n### Fixed\n\n## [1.0.0] - 2026-01-01\n\n- First.\n"
                .to_owned(),
        ),
    ]);
    ws.git(&["tag", "a-v1.0.0"]);
    ws.commit("crates/a/src/lib.rs", "feat: x");
    ws.commit("crates/a/src/lib.rs", "fix: y");
    ws.execute(&[]);
    let text = ws.read("crates/a/CHANGELOG.md");
    let section = section_in(&text, "1.1.0");
    let ids: Vec<String> = ws
        .git(&["log", "--format=%h", "--abbrev=7", "-2", "HEAD~1"])
        .lines()
        .map(str::to_owned)
        .collect();
    let body = section.split_once('\n').unwrap().1;
    assert_eq!(
        body,
        format!(
            "\nA word before the lists.\n\n### Added\n\n- A feature note written by hand.\n- x ({})\n\n\
             ### Fixed\n\n- y ({})\n",
            ids[1], ids[0]
        ),
        "{text}"
    );
}

#[test]
fn a_member_without_a_version_is_never_released() {
    // Since Cargo 1.75 a package may leave `version` out: it is 0.0.0 and not publishable.
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "crates/tool/Cargo.toml",
            "[package]\nname = \"tool\"\nedition = \"2021\"\n".to_owned() + &dep("a", "0.1"),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("crates/tool/src/lib.rs", "fix: tool");
    let plan = ws.plan(&[]);
    assert!(moves(&plan).is_empty(), "{plan}");
    // Its requirement still follows a's breaking move, so that it keeps building.
    ws.commit("crates/a/src/lib.rs", "feat!: a new API");
    assert_eq!(moves(&ws.plan(&[])), ["a 0.1.0 -> 0.2.0"]);
    ws.execute(&[]);
    assert!(
        ws.read("crates/tool/Cargo.toml")
            .contains("version = \"0.2\"")
    );
    assert!(!ws.read("crates/tool/Cargo.toml").contains("0.0."));
    assert_eq!(ws.git(&["tag", "--points-at", "HEAD"]).trim(), "a-v0.2.0");
}

#[test]
fn a_compare_link_never_starts_at_a_tag_that_does_not_exist() {
    let ws = Ws::with_registry(&[
        ("Cargo.toml", ROOT.to_owned()),
        (
            "crates/a/Cargo.toml",
            manifest(
                "a",
                "0.2.0",
                "repository = \"https://example.test/org/repo\"\n",
            ),
        ),
    ]);
    ws.git(&["tag", "a-v0.1.0"]);
    // 0.2.0 was published by hand and never tagged: the registry makes it the last release.
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
    ws.execute(&["--registry", "local"]);
    let text = ws.read("crates/a/CHANGELOG.md");
    assert!(text.contains("## [0.2.1] - "), "{text}");
    assert!(!text.contains("a-v0.2.0"), "no such tag: {text}");
    assert!(
        text.contains("[0.2.1]: https://example.test/org/repo/compare/a-v0.1.0...a-v0.2.1\n"),
        "{text}"
    );
}

#[test]
fn two_changelogs_linked_to_one_file_both_land_in_it() {
    let ws = Ws::new(&[
        ("Cargo.toml", ROOT.to_owned()),
        ("crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        ("crates/b/Cargo.toml", manifest("b", "0.2.0", "")),
        (
            "CHANGELOG.md",
            "# Changelog\n\n## [0.1.0] - 2026-01-01\n\n- First.\n".to_owned(),
        ),
    ]);
    for krate in ["a", "b"] {
        std::os::unix::fs::symlink(
            "../../CHANGELOG.md",
            ws.root().join(format!("crates/{krate}/CHANGELOG.md")),
        )
        .unwrap();
    }
    ws.git(&["add", "-A"]);
    ws.git(&["commit", "-qm", "chore: one changelog"]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.git(&["tag", "b-v0.2.0"]);
    ws.commit("crates/a/src/lib.rs", "fix: a");
    ws.commit("crates/b/src/lib.rs", "fix: b");
    ws.execute(&[]);
    let text = ws.read("CHANGELOG.md");
    assert!(
        text.contains("## [0.1.1] - ") && text.contains("## [0.2.1] - "),
        "{text}"
    );
    assert!(text.contains("- a (") && text.contains("- b ("), "{text}");
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
}

#[test]
fn a_changelog_linked_outside_the_workspace_but_inside_the_repository_is_committed() {
    // The workspace lives in rust/ of a larger repository whose docs/ holds the changelog.
    let ws = Ws::new(&[
        ("rust/Cargo.toml", ROOT.to_owned()),
        ("rust/crates/a/Cargo.toml", manifest("a", "0.1.0", "")),
        (
            "docs/a-changelog.md",
            "# Changelog\n\n## [0.1.0] - 2026-01-01\n".to_owned(),
        ),
    ]);
    std::os::unix::fs::symlink(
        "../../../docs/a-changelog.md",
        ws.root().join("rust/crates/a/CHANGELOG.md"),
    )
    .unwrap();
    ws.git(&["add", "-A"]);
    ws.git(&["commit", "-qm", "chore: link the changelog"]);
    ws.git(&["tag", "a-v0.1.0"]);
    ws.commit("rust/crates/a/src/lib.rs", "fix: a");
    let manifest = ws.root().join("rust/Cargo.toml");
    let out = run(
        ws.root(),
        ws.cargo_home.path(),
        env!("CARGO_BIN_EXE_xtask"),
        &[
            "release",
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--execute",
            "--no-push",
            "--no-publish",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ws.read("docs/a-changelog.md").contains("## [0.1.1] - "));
    let files = ws.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains("docs/a-changelog.md"), "{files}");
    assert!(ws.git(&["status", "--porcelain"]).is_empty());
}
