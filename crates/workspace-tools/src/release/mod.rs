//! `cargo xtask release`: plan version bumps across crates, apply them to manifests, lock file
//! and changelogs, record a commit and tags, and publish in dependency order.

pub mod changelog;
pub mod commits;
pub mod dev_order;
pub mod execute;
pub mod history;
mod lock_sections;
pub mod manifests;
pub mod plan;
pub mod publish;
pub mod version;

pub use commits::Commit;
pub use plan::{
    CrateState, PlanError, Release, ReleasePlan, ReqLocation, Requirement, RequirementEdit, plan,
};
pub use version::{BumpSpec, Level};
