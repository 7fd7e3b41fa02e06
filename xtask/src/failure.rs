//! What the user sees when a command fails: `error: ` with the advice only the command line
//! can give (which flag to pass, which command to run), then cargo's `Caused by:` lines, and
//! the documented exit code. The library's errors name what went wrong; this module alone
//! knows the flags and commands.

use workspace_tools::release::PlanError;
use workspace_tools::{
    Check, Error, GitError, LoadError, ReleaseError, RevisionProblem, TestError,
};

use crate::{exit_code, output};

/// Prints `error` and returns its exit code. A closed stdout is not a failure.
pub(crate) fn report(error: &anyhow::Error) -> i32 {
    if error.is::<output::BrokenPipe>() {
        return exit_code::SUCCESS;
    }
    let engine = engine_error(error);
    let hint = match engine {
        Some(engine) => hint(engine),
        None => github_hint(error),
    };
    let mut text = format!("{error}{hint}");
    let causes: Vec<String> = error.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:");
        for cause in causes {
            for line in cause.lines() {
                text.push_str("\n  ");
                text.push_str(line);
            }
        }
    }
    output::error(&text);
    code(error, engine)
}

/// The engine error inside `error`, directly or carried by a GitHub error.
fn engine_error(error: &anyhow::Error) -> Option<&Error> {
    #[cfg(feature = "github")]
    if let Some(workspace_github::Error::Engine(engine)) = error.downcast_ref() {
        return Some(engine);
    }
    error.downcast_ref::<Error>()
}

fn code(error: &anyhow::Error, engine: Option<&Error>) -> i32 {
    #[cfg(feature = "github")]
    if let Some(github) = error.downcast_ref::<workspace_github::Error>() {
        return exit_code::for_github_error(github);
    }
    let _ = error;
    engine.map_or(exit_code::FAILURE, exit_code::for_error)
}

/// The advice that follows an engine error's message on its line.
fn hint(error: &Error) -> String {
    match error {
        Error::Git(GitError::UnknownRevision {
            problem: RevisionProblem::NoDefaultBase,
            ..
        }) => "; pass --base REV".to_owned(),
        Error::Git(GitError::ShallowClone { .. }) => {
            "; fetch more history (`git fetch --unshallow`, or \
                                       `fetch-depth: 0` in actions/checkout)"
                .to_owned()
        }
        Error::Load(LoadError::CargoNotFound { .. }) => " (install Rust, or set CARGO)".to_owned(),
        Error::Load(LoadError::StaleLock { missing, .. }) => format!(
            "; run `cargo {}` and commit the lock file",
            if *missing {
                "generate-lockfile"
            } else {
                "update --workspace"
            }
        ),
        Error::Test(TestError::RunnerNotFound { .. }) => {
            " (install cargo-nextest, or pass --runner cargo)".to_owned()
        }
        Error::Release(ReleaseError::Refused { check, .. }) => {
            let flag = match check {
                Check::Clean => "--allow-dirty",
                Check::OnBranch => "--allow-detached",
                Check::NewTags => "--allow-existing-tags",
                _ => return String::new(),
            };
            format!(" (pass {flag} to release anyway)")
        }
        Error::Plan(PlanError::Unfinished { .. }) => {
            "; rerun without --bump to finish it first".to_owned()
        }
        Error::Release(ReleaseError::Unpushed { source }) => match source.as_ref() {
            Error::Command { command, .. } => format!(
                "; push them with `{command}`, then rerun `cargo xtask release --execute` to \
                 publish"
            ),
            _ => String::new(),
        },
        Error::Release(ReleaseError::Untagged { .. }) => {
            "; rerun `cargo xtask release --execute` to create its missing tags".to_owned()
        }
        Error::Release(ReleaseError::Publish { .. }) => {
            "\nrerun `cargo xtask release --execute` to resume: versions \
                                  already in the registry are skipped"
                .to_owned()
        }
        _ => String::new(),
    }
}

/// The advice that follows a GitHub error's message on its line.
#[cfg(feature = "github")]
fn github_hint(error: &anyhow::Error) -> String {
    use workspace_github::{Error as E, Missing};
    let Some(error) = error.downcast_ref::<E>() else {
        return String::new();
    };
    match error {
        E::Unauthorized { .. } => "; check that GITHUB_TOKEN holds a valid token",
        E::NotFound { .. } => "; check the repository and the number",
        E::WaitRefused { .. } => "; not waiting: rerun later",
        E::MissingToken => ": set GITHUB_TOKEN",
        E::InvalidToken => "; set GITHUB_TOKEN to the token alone",
        E::Context {
            missing: Missing::Repository,
        } => "; pass --repo OWNER/NAME, or run in GitHub Actions (GITHUB_REPOSITORY)",
        E::Context {
            missing: Missing::PullRequest { .. },
        } => "; pass --pr N, or run on a pull_request event",
        _ => "",
    }
    .to_owned()
}

#[cfg(not(feature = "github"))]
fn github_hint(_: &anyhow::Error) -> String {
    String::new()
}
