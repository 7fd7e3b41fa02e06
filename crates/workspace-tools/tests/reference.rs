//! The engine's test builds against cargo's own answer: for every member of the fixture,
//! `cargo tree` with normal, build and dev edges on every target lists what `cargo test -p`
//! builds. A change to any local package must affect every member whose tree holds it (a miss
//! is a bug), and nothing more except where our rule is knowingly wider.

use std::collections::{BTreeMap, BTreeSet};

use workspace_tools::metadata;
use workspace_tools::test_support::{Fixture, MEMBERS};
use workspace_tools::{ChangeSet, ChangedFile, FileStatus, affected};

/// The local packages in `cargo tree` of `member` (its test build, as cargo resolves it).
fn cargo_tree(f: &Fixture, member: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "--package",
            member,
            "--edges",
            "normal,build,dev",
            "--target",
            "all",
        ])
        .args([
            "--all-features",
            "--prefix",
            "none",
            "--no-dedupe",
            "--format",
            "{p}",
        ])
        .current_dir(f.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains(" (/"))
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .collect()
}

#[test]
fn affected_sets_match_cargo_tree_for_every_local_package() {
    let f = Fixture::standard();
    let workspace = metadata::load_locked(Some(&f.manifest())).unwrap();
    let trees: BTreeMap<&str, BTreeSet<String>> =
        MEMBERS.iter().map(|m| (*m, cargo_tree(&f, m))).collect();
    let local: Vec<String> = std::iter::once("vendor/vendored".to_owned())
        .chain(MEMBERS.iter().map(|m| format!("crates/{m}")))
        .collect();
    let mut extras = BTreeSet::new();
    for dir in &local {
        let name = dir.rsplit('/').next().unwrap();
        let changes = ChangeSet::from_files([ChangedFile::new(
            format!("{dir}/src/lib.rs"),
            FileStatus::Modified,
        )]);
        let ours: BTreeSet<String> = affected(&workspace.graph, &changes, &workspace.rules)
            .packages
            .into_iter()
            .map(|p| p.name)
            .collect();
        let cargo: BTreeSet<String> = trees
            .iter()
            .filter(|(_, tree)| tree.contains(name))
            .map(|(m, _)| m.to_string())
            .collect();
        assert!(
            ours.is_superset(&cargo),
            "changing {name} misses {:?}",
            cargo.difference(&ours).collect::<Vec<_>>()
        );
        for extra in ours.difference(&cargo) {
            extras.insert((name.to_owned(), extra.clone()));
        }
    }
    // The one knowing over-approximation: `cargo tree -p app --all-features` enables features of
    // app only, so top's optional dependency `extra` is not in app's tree; but `cargo test
    // --workspace --all-features` unifies features and does build it for app's tests.
    assert_eq!(
        extras,
        BTreeSet::from([("extra".to_owned(), "app".to_owned())])
    );
}
