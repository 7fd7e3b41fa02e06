//! Every exit code `cargo xtask` can return, in one place (documented in docs/affected.md).
//!
//! A wrong command line exits with 2, clap's own code. Codes 10 to 19 (20 to 24 for the GitHub
//! bots, 25 to 29 for the test runner, the lock file, test tools, manifests and fetching) are
//! ours; they never collide with a test runner's (`cargo test` exits 101 on failure, nextest
//! uses 4 and 92 to 106), which `affected-test` passes through unchanged.

use workspace_tools::{Error, GitError, LoadError, ReleaseError, TestError};

/// Success.
pub(crate) const SUCCESS: i32 = 0;
/// An unexpected failure not listed below, or stdout could not be written.
pub(crate) const FAILURE: i32 = 1;
/// A wrong command line (clap's code), or flags that contradict the checkout.
pub(crate) const USAGE: i32 = 2;
/// The workspace is not in a git repository.
pub(crate) const NOT_A_REPOSITORY: i32 = 10;
/// A revision does not exist.
pub(crate) const UNKNOWN_REVISION: i32 = 11;
/// The clone is too shallow to compare the revisions.
pub(crate) const SHALLOW_CLONE: i32 = 12;
/// `cargo metadata` failed: a malformed manifest, most often.
pub(crate) const METADATA: i32 = 13;
/// `cargo` is not on PATH.
pub(crate) const CARGO_NOT_FOUND: i32 = 14;
/// The `[workspace.metadata.workspace-tools]` configuration is invalid.
pub(crate) const CONFIG: i32 = 15;
/// Another git or I/O failure (also a saved comment that cannot be read, parsed or written).
pub(crate) const GIT_OR_IO: i32 = 16;

/// A release safety check refused (dirty tree, detached HEAD, existing tag).
pub(crate) const REFUSED: i32 = 17;
/// The release cannot be planned or would be unsafe (a bad or conflicting `--bump`, an unknown
/// crate in a group, a tag above a manifest version, requirements that would not match, a
/// workspace that would not resolve, a publish order blocked by versioned dev-dependencies).
pub(crate) const PLAN: i32 = 18;
/// Publishing stopped; rerunning resumes.
pub(crate) const PUBLISH: i32 = 19;

/// A pinned test tool (`[workspace.metadata.workspace-tools.test-tools]`) could not be installed.
pub(crate) const TOOL_INSTALL: i32 = 27;
/// `cargo fetch` could not download the dependencies the tests need (`test`).
pub(crate) const FETCH: i32 = 29;
/// A manifest or `Cargo.lock` that cargo accepted does not parse when the tool reads it itself
/// (it changed in between), or a requirement a release rewrites is not where it was read.
pub(crate) const MANIFEST: i32 = 28;

/// GitHub refused the token (401), a permission (403), or there is no `GITHUB_TOKEN`.
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) const GITHUB_AUTH: i32 = 20;
/// GitHub has no such repository, pull request or release, or the token cannot see it (404).
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) const GITHUB_NOT_FOUND: i32 = 21;
/// GitHub kept failing (5xx, rate limits past the retries, no connection) or refused the request.
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) const GITHUB_API: i32 = 22;
/// No repository or pull request could be found in the flags or the environment, or what they
/// give is not usable (a repository not `OWNER/NAME`, an API address not http(s), an event file
/// that is not JSON).
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) const GITHUB_CONTEXT: i32 = 23;
/// The pull request moved on, or the merged release does not match its recorded plan.
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) const GITHUB_MISMATCH: i32 = 24;

/// The test runner (`cargo nextest`) is not installed.
pub(crate) const RUNNER_NOT_FOUND: i32 = 25;
/// `Cargo.lock` is missing or stale, and a read-only command will not let cargo rewrite it.
pub(crate) const STALE_LOCK: i32 = 26;

/// The exit code for an error of the GitHub bots.
#[cfg(feature = "github")]
pub(crate) fn for_github_error(error: &workspace_github::Error) -> i32 {
    use workspace_github::Error as E;
    match error {
        E::Unauthorized { .. } | E::Forbidden { .. } | E::MissingToken | E::InvalidToken => {
            GITHUB_AUTH
        }
        E::NotFound { .. } => GITHUB_NOT_FOUND,
        E::Status { .. } | E::Exhausted { .. } | E::WaitRefused { .. } | E::Response { .. } => {
            GITHUB_API
        }
        E::Repository { .. } | E::Context { .. } | E::ApiUrl { .. } | E::Event { .. } => {
            GITHUB_CONTEXT
        }
        E::Io { .. } | E::SavedComment { .. } => GIT_OR_IO,
        E::HeadMoved { .. } | E::ReleaseMismatch { .. } => GITHUB_MISMATCH,
        E::Engine(engine) => for_error(engine),
        _ => FAILURE,
    }
}

/// The exit code for an engine error.
pub(crate) fn for_error(error: &Error) -> i32 {
    match error {
        Error::Git(GitError::NotARepository { .. }) => NOT_A_REPOSITORY,
        Error::Git(GitError::UnknownRevision { .. }) => UNKNOWN_REVISION,
        Error::Git(GitError::ShallowClone { .. }) => SHALLOW_CLONE,
        Error::Load(
            LoadError::Metadata { .. }
            | LoadError::MetadataOutput { .. }
            | LoadError::NoWorkspace { .. },
        ) => METADATA,
        Error::Manifest { .. } | Error::RequirementNotFound { .. } => MANIFEST,
        Error::Load(LoadError::CargoNotFound { .. }) => CARGO_NOT_FOUND,
        Error::Load(LoadError::Config { .. }) => CONFIG,
        Error::Git(_)
        | Error::Io { .. }
        | Error::Command { .. }
        | Error::Release(ReleaseError::Untagged { .. } | ReleaseError::Unpushed { .. }) => {
            GIT_OR_IO
        }
        Error::Release(ReleaseError::Refused { .. }) => REFUSED,
        Error::Plan(_) => PLAN,
        Error::Release(ReleaseError::Publish { .. }) => PUBLISH,
        Error::Test(TestError::ToolInstall { .. }) => TOOL_INSTALL,
        Error::Test(TestError::RunnerNotFound { .. }) => RUNNER_NOT_FOUND,
        Error::Test(TestError::Fetch { .. }) => FETCH,
        Error::Load(LoadError::StaleLock { .. }) => STALE_LOCK,
        _ => FAILURE,
    }
}
