//! A release taken in memory (`Prepared::recorded`) reads as the written workspace loaded
//! afresh, so publishing after the release commit needs no second `cargo metadata`.

use std::collections::BTreeMap;
use std::path::Path;

use workspace_tools::git::GitCli;
use workspace_tools::release::{self as steps, Allow};
use workspace_tools::test_support::{Fixture, cargo};

fn files() -> Vec<(String, String)> {
    [
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.4.0\"\n\n[workspace.dependencies]\ncore = { path = \"crates/core\", version = \"0.1\" }\n",
        ),
        (
            "crates/core/Cargo.toml",
            "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/core/src/lib.rs", "pub fn core() {}\n"),
        (
            "crates/util/Cargo.toml",
            "[package]\nname = \"util\"\nversion = \"0.3.0\"\nedition = \"2021\"\n\n[dependencies]\ncore = { path = \"../core\", version = \"=0.1.0\" }\n",
        ),
        ("crates/util/src/lib.rs", "pub fn util() {}\n"),
        (
            "crates/app/Cargo.toml",
            "[package]\nname = \"app\"\nversion.workspace = true\nedition = \"2021\"\n\n[dependencies]\ncore.workspace = true\n\n[dev-dependencies]\nutil = { path = \"../util\", version = \"0.3\" }\n",
        ),
        ("crates/app/src/lib.rs", "pub fn app() {}\n"),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_owned(), t.to_owned()))
    .collect()
}

#[test]
fn a_recorded_release_in_memory_reads_as_the_workspace_loaded_again() {
    let f = Fixture::from_files(&files());
    cargo(f.path(), &["generate-lockfile", "--offline"]);
    f.commit("chore: lock file");
    for tag in ["core-v0.1.0", "util-v0.3.0", "app-v0.4.0"] {
        f.git(&["tag", tag]);
    }
    f.write("crates/core/src/lib.rs", "pub fn core(_: u8) {}\n");
    f.commit("feat!: core takes a byte");
    f.write("crates/util/src/lib.rs", "pub fn util() { let _ = 1; }\n");
    f.commit("fix: util");

    let (prepared, plan, fresh) = record_and_load_again(&f.manifest(), &Default::default());
    // Versions, a pinned and an inherited requirement, and a dev-dependency all move.
    assert_eq!(plan.releases.len(), 3, "{plan:#?}");
    assert!(!plan.requirement_edits.is_empty(), "{plan:#?}");
    assert_reads_as(&prepared, &fresh, "a workspace-inherited requirement");
}

/// One workspace shape: its files (the workspace at `dir`), its tags, a change to each crate
/// in `changed` committed as `message`, and the `--bump` overrides.
struct Shape {
    name: &'static str,
    dir: &'static str,
    files: &'static [(&'static str, &'static str)],
    tags: &'static [&'static str],
    changed: &'static [&'static str],
    message: &'static str,
    bumps: &'static [(&'static str, &'static str)],
    /// Symbolic links, `(link, target)`, committed with the files.
    links: &'static [(&'static str, &'static str)],
}

const LIB: &str = "pub fn f() {}\n";

fn shapes() -> Vec<Shape> {
    vec![
        Shape {
            name: "renamed, target, build and versioned dev dependencies with operators",
            dir: ".",
            files: &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
                ),
                (
                    "crates/a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                ),
                (
                    "crates/b/Cargo.toml",
                    "[package]\nname = \"b\"\nversion = \"1.2.0\"\nedition = \"2021\"\n",
                ),
                (
                    "crates/c/Cargo.toml",
                    "[package]\nname = \"c\"\nversion = \"0.2.0\"\nedition = \"2021\"\n\n[dependencies]\naa = { package = \"a\", path = \"../a\", version = \"~0.1.0\" }\n\n[target.'cfg(unix)'.dependencies]\nbb = { package = \"b\", path = \"../b\", version = \">=1.2, <2\" }\n\n[build-dependencies]\nbb = { package = \"b\", path = \"../b\", version = \"=1.2.0\" }\n\n[dev-dependencies]\naa = { package = \"a\", path = \"../a\", version = \"^0.1\" }\n",
                ),
                (
                    "crates/d/Cargo.toml",
                    "[package]\nname = \"d\"\nversion = \"0.5.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nc = { path = \"../c\", version = \"0.2.*\" }\n",
                ),
            ],
            tags: &["a-v0.1.0", "b-v1.2.0", "c-v0.2.0"],
            changed: &["crates/a", "crates/b"],
            message: "feat!: a and b break",
            bumps: &[],
            links: &[],
        },
        Shape {
            name: "workspace version, inherited requirements with features, a group, pre-release bump",
            dir: "ws",
            files: &[
                (
                    "ws/Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.4.0\"\n\n[workspace.dependencies]\ncore = { path = \"crates/core\", version = \"0.1\" }\nkit = { package = \"util\", path = \"crates/util\", version = \"0.3.0\", default-features = false }\n\n[workspace.metadata.workspace-tools.release]\ngroups = { pair = [\"util\", \"side\"] }\n",
                ),
                (
                    "ws/crates/core/Cargo.toml",
                    "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                ),
                (
                    "ws/crates/util/Cargo.toml",
                    "[package]\nname = \"util\"\nversion = \"0.3.0\"\nedition = \"2021\"\n\n[features]\nx = []\n",
                ),
                (
                    "ws/crates/side/Cargo.toml",
                    "[package]\nname = \"side\"\nversion = \"0.3.0\"\nedition = \"2021\"\n",
                ),
                (
                    "ws/crates/app/Cargo.toml",
                    "[package]\nname = \"app\"\nversion.workspace = true\nedition = \"2021\"\n\n[dependencies]\ncore = { workspace = true, features = [] }\nkit = { workspace = true, features = [\"x\"] }\n",
                ),
                (
                    "ws/crates/tool/Cargo.toml",
                    "[package]\nname = \"tool\"\nversion.workspace = true\nedition = \"2021\"\n\n[dev-dependencies]\napp = { path = \"../app\", version = \"0.4.0\" }\n",
                ),
            ],
            tags: &[
                "core-v0.1.0",
                "util-v0.3.0",
                "side-v0.3.0",
                "app-v0.4.0",
                "tool-v0.4.0",
            ],
            changed: &["ws/crates/core", "ws/crates/util"],
            message: "feat: core and util grow",
            bumps: &[("core", "minor"), ("side", "0.5.0")],
            links: &[],
        },
        Shape {
            name: "pre-releases moving and a member never edited",
            dir: ".",
            files: &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
                ),
                (
                    "crates/a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"1.0.0-alpha.1\"\nedition = \"2021\"\n",
                ),
                (
                    "crates/b/Cargo.toml",
                    "[package]\nname = \"b\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\n[dependencies]\na = { path = \"../a\", version = \"=1.0.0-alpha.1\" }\n",
                ),
                (
                    "crates/quiet/Cargo.toml",
                    "[package]\nname = \"quiet\"\nversion = \"2.0.0\"\nedition = \"2021\"\n",
                ),
            ],
            tags: &["a-v1.0.0-alpha.1", "b-v0.3.1", "quiet-v2.0.0"],
            changed: &["crates/a"],
            message: "fix: a",
            bumps: &[],
            links: &[],
        },
        Shape {
            name: "a train",
            dir: ".",
            files: &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.metadata.workspace-tools.release]\ntrain = true\n",
                ),
                (
                    "crates/a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"0.2.0\"\nedition = \"2021\"\n",
                ),
                (
                    "crates/b/Cargo.toml",
                    "[package]\nname = \"b\"\nversion = \"0.2.0\"\nedition = \"2021\"\n\n[dev-dependencies]\na = { path = \"../a\", version = \"0.2.0\" }\n",
                ),
            ],
            tags: &["v0.2.0"],
            changed: &["crates/a"],
            message: "feat: a",
            bumps: &[],
            links: &[],
        },
        Shape {
            name: "a changelog linked to another and a group holding a crate not published",
            dir: ".",
            files: &[
                (
                    "Cargo.toml",
                    "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.metadata.workspace-tools.release]\ngroups = { g = [\"a\", \"hidden\"] }\n",
                ),
                (
                    "crates/a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                ),
                (
                    "crates/a/CHANGELOG.md",
                    "# Changelog\n\n## [Unreleased]\n\n- a note\n",
                ),
                (
                    "crates/hidden/Cargo.toml",
                    "[package]\nname = \"hidden\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dev-dependencies]\na = { path = \"../a\", version = \"<0.2\" }\n",
                ),
            ],
            tags: &["a-v0.1.0"],
            changed: &["crates/a"],
            message: "feat: a",
            bumps: &[],
            links: &[("crates/hidden/CHANGELOG.md", "../a/CHANGELOG.md")],
        },
    ]
}

#[test]
fn each_shape_recorded_in_memory_reads_as_the_workspace_loaded_again() {
    for shape in shapes() {
        let mut files: Vec<(String, String)> = shape
            .files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        for (path, _) in shape.files {
            let dir = path.strip_suffix("Cargo.toml");
            if let Some(dir) = dir.filter(|d| d.contains("crates/")) {
                files.push((format!("{dir}src/lib.rs"), LIB.to_owned()));
            }
        }
        let f = Fixture::from_files(&files);
        for (link, target) in shape.links {
            std::os::unix::fs::symlink(target, f.path().join(link)).unwrap();
        }
        let root = f.path().join(shape.dir);
        cargo(&root, &["generate-lockfile", "--offline"]);
        f.commit("chore: lock file");
        for tag in shape.tags {
            f.git(&["tag", tag]);
        }
        for dir in shape.changed {
            f.touch(&format!("{dir}/src/lib.rs"));
        }
        f.commit(shape.message);
        let manifest = root.join("Cargo.toml");
        let bumps = shape
            .bumps
            .iter()
            .map(|(n, b)| (n.to_string(), b.parse::<steps::BumpSpec>().unwrap()))
            .collect();

        let (prepared, plan, fresh) = record_and_load_again(&manifest, &bumps);
        assert!(!plan.releases.is_empty(), "{}: {plan:#?}", shape.name);
        assert_reads_as(&prepared, &fresh, shape.name);
    }
}

/// Plans with `bumps`, records the release, takes it in, and loads the written workspace again.
fn record_and_load_again(
    manifest: &Path,
    bumps: &BTreeMap<String, steps::BumpSpec>,
) -> (steps::Prepared, steps::ReleasePlan, steps::Prepared) {
    let mut prepared = steps::prepare(Some(manifest)).unwrap();
    let plan = prepared.plan(bumps).unwrap();
    let changes = prepared.file_changes(&plan, "2026-01-01").unwrap();
    let vcs = GitCli::new(prepared.root());
    steps::record(
        &vcs,
        &prepared,
        &plan,
        &changes,
        "2026-01-01",
        Allow::default(),
    )
    .unwrap();
    prepared.recorded(&plan, &changes).unwrap();
    let fresh = steps::prepare(Some(manifest)).unwrap();
    (prepared, plan, fresh)
}

/// Everything publishing and the next plan read is the same in `prepared` as in `fresh`.
fn assert_reads_as(prepared: &steps::Prepared, fresh: &steps::Prepared, name: &str) {
    assert_eq!(prepared.texts, fresh.texts, "{name}");
    assert_eq!(prepared.members, fresh.members, "{name}");
    assert_eq!(prepared.requirements, fresh.requirements, "{name}");
    assert_eq!(prepared.states, fresh.states, "{name}");
    assert_eq!(prepared.unfinished, fresh.unfinished, "{name}");
    assert_eq!(
        steps::tagged_crates(prepared).unwrap(),
        steps::tagged_crates(fresh).unwrap(),
        "{name}"
    );
    // The next run plans from either the same way: nothing is left to release.
    let next = prepared.plan(&Default::default()).unwrap();
    assert_eq!(next, fresh.plan(&Default::default()).unwrap(), "{name}");
    assert!(next.releases.is_empty(), "{name}: {next:#?}");
}
