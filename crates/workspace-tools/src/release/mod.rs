//! `cargo xtask release`: plan version bumps across crates, apply them to manifests, lock file
//! and changelogs, record a commit and tags, and publish in dependency order.
//!
//! [`plan`] decides, as pure functions over values; [`steps`] carries the plan out through the
//! adapters (git history, the user's `git`, the registry).

pub mod plan;
pub mod steps;

pub use plan::commits::Commit;
pub use plan::version::{BumpSpec, Level};
pub use plan::{
    CrateState, PlanError, Release, ReleasePlan, ReqLocation, Requirement, RequirementEdit, plan,
};
