//! The dependency-graph engine behind `cargo xtask graph`, `affected` and `affected-test`.
//!
//! The engine is pure in the middle and has side effects only at its edges:
//!
//! - [`metadata`] runs `cargo metadata` and turns guppy's graph into a [`WorkspaceGraph`];
//! - [`git`] turns two revisions (or the working tree) into a [`ChangeSet`];
//! - [`affected()`] takes a graph, a change set and [`Rules`] and returns an [`AffectedSet`],
//!   a reason for every package, without touching git, cargo or the filesystem;
//! - [`test_run`] turns an affected set into one `cargo test` or `cargo nextest run` command;
//! - [`test_tools`] installs the pinned tools the tests need into the target directory;
//! - [`release`] plans version bumps as pure functions and carries them out;
//! - the crate `workspace-github`, built on this one, posts pull-request comments, release pull
//!   requests and GitHub releases through octocrab.
//!
//! ```
//! use workspace_tools::{affected, ChangeSet, ChangedFile, FileStatus, Package, Rules, WorkspaceGraph, DepKind, Dependency};
//!
//! let mut graph = WorkspaceGraph::new("/repo");
//! let wascap = graph.add_package(Package::member("wascap", "0.1.0", "crates/wascap"));
//! let host = graph.add_package(Package::member("host", "0.1.0", "crates/host"));
//! graph.add_dependency(host, wascap, Dependency::new(DepKind::Normal));
//!
//! let changes = ChangeSet::from_files([ChangedFile::new("crates/wascap/src/lib.rs", FileStatus::Modified)]);
//! let set = affected(&graph, &changes, &Rules::default());
//! let names: Vec<_> = set.packages.iter().map(|p| p.name.as_str()).collect();
//! assert_eq!(names, ["host", "wascap"]);
//! assert_eq!(set.packages[0].reasons[0].message, "depends on wascap, changed by crates/wascap/src/lib.rs");
//! ```
#![warn(missing_docs)]

mod adapters;
pub mod backoff;
mod config;
mod engine;
mod error;
pub mod release;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use config::{CrateConfig, ReleaseConfig};
pub(crate) use engine::affected::changed_members;
pub use engine::affected::{AffectedPackage, AffectedSet, Hop, Reason, ReasonDetail, affected};
pub use engine::changes::{ChangeSet, ChangedFile, FileStatus, FileVersions};
pub use engine::graph::{DepKind, Dependency, Package, PackageIx, PackageKind, WorkspaceGraph};
pub use engine::reads::{Read, UnknownRead};
pub use engine::rules::{Effect, Rule, Rules};

pub use error::{
    Check, Error, GitError, LoadError, ManifestError, PublishError, ReleaseError, RevisionProblem,
    TestError,
};

/// Loading a workspace: `cargo metadata`, guppy's graph, the configuration and the reads scan.
pub mod metadata {
    pub use crate::adapters::metadata::{
        LoadPhase, Lock, Workspace, load, load_locked, load_observed,
    };
}

/// Git: the change between two revisions and worktree copies (read with git2), and the user's
/// own `git` for what is written.
pub mod git {
    pub use crate::adapters::git_read::{Checkout, Diff, Range, checkout, copy, diff, is_head};
    pub use crate::adapters::vcs::{GitCli, Lease, NewTag, Vcs};
}

/// The exact reads of a previous build, from rustc's dep-info files.
pub mod dep_info {
    pub use crate::adapters::dep_info::add_reads;
}

/// One `cargo test` or `cargo nextest run` command for an affected set.
pub mod test_run {
    pub use crate::adapters::test_run::{
        Partition, Runner, check_installed, command, package_spec, partition,
    };
}

/// The pinned tools the tests need, installed into the target directory.
pub mod test_tools {
    pub use crate::adapters::test_tools::{TestTool, fetch, install, missing, path_with, root};
}

/// The graph and the affected set as text, JSON, Graphviz and Mermaid.
pub mod render {
    pub use crate::engine::render::{
        affected_mermaid, github_matrix, graph_dot, graph_json, graph_mermaid, graph_text,
    };
}

/// The table under `[workspace.metadata]` that configures this tool.
pub(crate) const CONFIG_TABLE: &str = "workspace-tools";
