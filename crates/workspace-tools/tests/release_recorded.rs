//! A release taken in memory (`Prepared::recorded`) reads as the written workspace loaded
//! afresh, so publishing after the release commit needs no second `cargo metadata`.

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

    let mut prepared = steps::prepare(Some(&f.manifest())).unwrap();
    let plan = prepared.plan(&Default::default()).unwrap();
    // Versions, a pinned and an inherited requirement, and a dev-dependency all move.
    assert_eq!(plan.releases.len(), 3, "{plan:#?}");
    assert!(!plan.requirement_edits.is_empty(), "{plan:#?}");
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
    prepared.recorded(&plan, &changes);

    let fresh = steps::prepare(Some(&f.manifest())).unwrap();
    assert_eq!(prepared.members, fresh.members);
    assert_eq!(prepared.requirements, fresh.requirements);
    assert_eq!(prepared.texts, fresh.texts);
    assert_eq!(prepared.unfinished, fresh.unfinished);
    let versions = |p: &steps::Prepared| {
        p.states
            .iter()
            .map(|s| (s.name.clone(), s.version.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(&prepared), versions(&fresh));
    // What publishing reads: the tagged crates and their order.
    assert_eq!(
        steps::tagged_crates(&prepared).unwrap(),
        steps::tagged_crates(&fresh).unwrap()
    );
}
