//! `cargo xtask release`: plan version bumps across crates, apply them to manifests, lock file
//! and changelogs, record a commit and tags, and publish in dependency order.
//!
//! `plan` decides, as pure functions over values; `steps` carries the plan out through the
//! adapters (git history, the user's `git`, the registry). What the CLI and the GitHub bots
//! use is re-exported here by name; everything else stays inside the crate.

pub(crate) mod plan;
pub(crate) mod steps;

pub use crate::adapters::registry::{Outcome, Registry};
pub use plan::commits::{Commit, RELEASE_TRAILER, is_release_commit};
/// The planner itself, over values: the commands plan through [`Prepared::plan`], the planner's
/// tests call it directly (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub use plan::plan;
pub use plan::version::{BumpSpec, Level};
pub use plan::{
    CrateState, Pending, PlanError, Release, ReleasePlan, ReqLocation, Requirement,
    RequirementEdit, collect_bumps, commit_message, tags,
};
pub use steps::{
    Allow, FileChange, Prepared, check, manifest_path, prepare, prepare_from,
    prepare_with_registry, publish_all, publish_order, push, record, restore, tagged_crates, today,
    write_files,
};

/// Reading and rewriting the members' manifests as text, for the manifest round-trip tests
/// (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub mod manifests {
    pub use super::plan::manifests::{Texts, apply, read};
}
