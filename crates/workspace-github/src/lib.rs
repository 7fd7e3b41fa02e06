//! The GitHub adapter behind `cargo xtask pr-comment`, `release-pr` and `github-release`
//! (xtask's cargo feature `github`), built on the `workspace-tools` engine.
//!
//! The bots keep the engine's split between pure code and side effects:
//!
//! - [`Forge`] is the narrow set of GitHub calls the bots make; [`Client`] implements it with
//!   octocrab on tokio, retrying 5xx answers and rate limits as [`retry`] decides;
//! - [`comment`], [`release_pr`] and [`releases`] render comment and pull-request bodies and
//!   decide what to create, update or delete, as pure functions, then carry that out over any
//!   [`Forge`];
//! - [`context`] reads the repository, the pull request and the API address from the GitHub
//!   Actions environment.
//!
//! The token is held in a [`Token`], which never prints its value.

mod client;
pub mod comment;
pub mod context;
mod error;
mod forge;
pub mod release_pr;
pub mod releases;
pub mod retry;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use client::{Client, ClientConfig, Token};
pub use context::Repository;
pub use error::{Error, Missing};
pub use forge::{
    Author, Comment, Forge, PullRequest, PullRequestDraft, PullRequestEdit, ReleaseInfo,
};
