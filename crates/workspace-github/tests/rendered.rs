//! What the bots write, compared whole against the snapshots in `tests/snapshots`: the
//! pull-request comment (affected crates, their graph, the release plan) and the release pull
//! request (title, plan table, changelogs, recorded plan). Inputs are fixed values, so the
//! snapshots hold no dates or temporary paths.

use std::collections::BTreeMap;

use workspace_github::comment::{self, Report};
use workspace_github::release_pr;
use workspace_tools::release::{BumpSpec, CrateState, ReleasePlan, plan};
use workspace_tools::test_support::{crate_state as krate, requirement as req};
use workspace_tools::{
    AffectedSet, ChangeSet, ChangedFile, DepKind, Dependency, FileStatus, Package, ReleaseConfig,
    Rules, WorkspaceGraph, affected,
};

const BASE: &str = "1b94eec2c7aaaaaaaa";
const HEAD: &str = "6e8ef9a0bbbbbbbb";

/// wascap ← control-interface ← host, wash (dev-dependency on host), and an unrelated crate.
fn graph() -> WorkspaceGraph {
    let mut graph = WorkspaceGraph::new("/repo");
    let wascap = graph.add_package(Package::member("wascap", "0.5.2", "crates/wascap"));
    let ci = graph.add_package(Package::member(
        "control-interface",
        "0.4.1",
        "crates/control-interface",
    ));
    let host = graph.add_package(Package::member("host", "0.3.1", "crates/host"));
    let wash = graph.add_package(Package::member("wash", "0.9.0", "crates/wash"));
    graph.add_package(Package::member("other", "1.0.0", "crates/other"));
    graph.add_dependency(ci, wascap, Dependency::new(DepKind::Normal));
    graph.add_dependency(host, ci, Dependency::new(DepKind::Normal));
    graph.add_dependency(wash, host, Dependency::new(DepKind::Dev));
    graph
}

fn changed(paths: &[&str]) -> ChangeSet {
    ChangeSet::from_files(
        paths
            .iter()
            .map(|p| ChangedFile::new(*p, FileStatus::Modified)),
    )
}

/// A breaking change in wascap and a fix in host: wascap and control-interface move a minor
/// version, host follows with its fix, and wash (unpublished) is left alone.
fn release_plan() -> ReleasePlan {
    let crates = [
        krate("wascap", "0.5.2", &["feat!: claims carry an expiry"]),
        krate("control-interface", "0.4.1", &[]),
        krate("host", "0.3.1", &["fix: host drops idle links"]),
        CrateState {
            publish: false,
            ..krate("wash", "0.9.0", &[])
        },
    ];
    let reqs = [
        req("control-interface", "wascap", DepKind::Normal, "0.5"),
        req("host", "control-interface", DepKind::Normal, "0.4.1"),
        req("wash", "host", DepKind::Dev, "0.3"),
    ];
    let bumps: BTreeMap<String, BumpSpec> = BTreeMap::new();
    plan(&crates, &reqs, &ReleaseConfig::default(), &bumps).unwrap()
}

fn comment_body(set: &AffectedSet, plan: Option<&ReleasePlan>, files: usize) -> String {
    let graph = graph();
    comment::render(&Report {
        graph: &graph,
        set,
        plan,
        base: BASE,
        head: HEAD,
        changed_files: files,
    })
    .body
}

#[test]
fn the_comment_lists_affected_crates_their_graph_and_the_plan() {
    let changes = changed(&["crates/wascap/src/claims.rs", "crates/host/src/a|b.rs"]);
    let set = affected(&graph(), &changes, &Rules::default());
    let plan = release_plan();
    insta::assert_snapshot!("comment_affected", comment_body(&set, Some(&plan), 2));
}

#[test]
fn the_comment_when_nothing_is_affected() {
    let set = affected(&graph(), &changed(&["docs/guide.md"]), &Rules::default());
    insta::assert_snapshot!("comment_nothing_affected", comment_body(&set, None, 1));
}

#[test]
fn the_release_pull_request() {
    let plan = release_plan();
    let changelogs: BTreeMap<String, String> = [
        (
            "wascap",
            "## 0.6.0 - 2026-01-01\n\n### Breaking changes\n\n- claims carry an expiry\n",
        ),
        (
            "host",
            "## 0.3.2 - 2026-01-01\n\n### Fixes\n\n- host drops idle links\n",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let proposal = release_pr::proposal(&plan, BASE, &changelogs);
    insta::assert_snapshot!(
        "release_pr",
        format!("title: {}\n\n{}", proposal.title, proposal.body)
    );
}
