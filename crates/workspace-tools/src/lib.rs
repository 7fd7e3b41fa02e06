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
//! - `github` (feature `github`) posts pull-request comments, release pull requests and GitHub
//!   releases through octocrab.
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

mod affected;
mod changes;
mod config;
pub mod dep_info;
mod error;
pub mod git;
#[cfg(feature = "github")]
pub mod github;
mod graph;
mod lockfile;
mod manifest_diff;
pub mod metadata;
mod reads;
mod reads_scan;
pub mod release;
pub mod render;
mod rules;
mod rust_lex;
pub mod synthetic;
pub mod test_run;
pub mod test_tools;

pub use affected::{
    AffectedPackage, AffectedSet, Hop, Reason, ReasonDetail, affected, changed_members,
};
pub use changes::{ChangeSet, ChangedFile, FileStatus, FileVersions};
pub use config::{CrateConfig, ReleaseConfig};
pub use error::Error;
pub use graph::{DepKind, Dependency, Package, PackageIx, PackageKind, WorkspaceGraph};
pub use reads::{Read, UnknownRead};
pub use rules::{Effect, Rule, Rules};

/// The table under `[workspace.metadata]` that configures this tool.
pub const CONFIG_TABLE: &str = "workspace-tools";
