//! The graph as each format renders it, for the standard fixture workspace loaded through
//! `cargo metadata`, compared whole against the snapshots in `tests/snapshots`: every edge
//! kind, an optional and a target-specific dependency, a path dependency outside the members
//! and a registry crate. A change to any output shows as a snapshot diff to review.

use std::path::Path;

use workspace_tools::metadata::{self, Workspace};
use workspace_tools::test_support::Fixture;
use workspace_tools::{ChangeSet, ChangedFile, FileStatus, affected, render};

/// The fixture's graph, loaded as the commands load it.
fn fixture() -> (Fixture, Workspace) {
    let f = Fixture::standard();
    let workspace = metadata::load_locked(Some(&f.manifest())).unwrap();
    (f, workspace)
}

/// `text` with the fixture's temporary folder written as `[root]`, so snapshots are stable.
fn redact(text: &str, root: &Path) -> String {
    let canonical = root.canonicalize().unwrap();
    text.replace(&canonical.display().to_string(), "[root]")
        .replace(&root.display().to_string(), "[root]")
}

#[test]
fn the_graph_in_every_format() {
    let (f, workspace) = fixture();
    let graph = &workspace.graph;
    insta::assert_snapshot!("graph_text", render::graph_text(graph));
    insta::assert_snapshot!("graph_dot", render::graph_dot(graph));
    insta::assert_snapshot!("graph_mermaid", render::graph_mermaid(graph));
    let json = serde_json::to_string_pretty(&render::graph_json(graph)).unwrap();
    insta::assert_snapshot!("graph_json", redact(&json, f.path()));
}

#[test]
fn the_affected_part_of_the_graph_and_the_ci_matrix() {
    let (_f, workspace) = fixture();
    let changes = ChangeSet::from_files([ChangedFile::new(
        "crates/left/src/lib.rs",
        FileStatus::Modified,
    )]);
    let set = affected(&workspace.graph, &changes, &workspace.rules);
    insta::assert_snapshot!(
        "affected_mermaid",
        render::affected_mermaid(&workspace.graph, &set)
    );
    let matrix = serde_json::to_string_pretty(&render::github_matrix(&set)).unwrap();
    insta::assert_snapshot!("github_matrix", matrix);
}
