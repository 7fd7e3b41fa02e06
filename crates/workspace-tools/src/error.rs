//! Errors of the engine: each names the file, revision or command at fault.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while loading a workspace or reading its history.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workspace is not inside a git work tree.
    #[error("{path} is not inside a git repository (affected needs the history to compare)")]
    NotARepository {
        /// Where the repository was looked for.
        path: PathBuf,
    },
    /// A revision does not name a commit.
    #[error("unknown revision `{rev}`{hint}")]
    UnknownRevision {
        /// The revision as the user wrote it.
        rev: String,
        /// Extra advice, starting with a separator, or empty.
        hint: String,
    },
    /// The clone is shallow and lacks the history needed to compare revisions.
    #[error(
        "this is a shallow clone and it lacks the history of `{rev}`; fetch more history \
         (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
    )]
    ShallowClone {
        /// The revision whose history is missing.
        rev: String,
    },
    /// Another git failure.
    #[error("git: {context}: {source}")]
    Git {
        /// What was being done.
        context: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
    /// `cargo` could not be started.
    #[error("could not run `{cargo}`: it is not on PATH (install Rust, or set CARGO)")]
    CargoNotFound {
        /// The program that was looked for.
        cargo: String,
    },
    /// `cargo metadata` failed, most often because a manifest is malformed.
    #[error("cargo metadata failed for {manifest}: {message}")]
    Metadata {
        /// The manifest cargo was pointed at, or `the current directory`.
        manifest: String,
        /// The first lines of cargo's error.
        message: String,
    },
    /// `Cargo.lock` is missing or no longer matches the manifests, and a read-only command
    /// will not let cargo rewrite it.
    #[error(
        "{path} is {state}: cargo would have to {verb} it, and this command never writes to the \
         checkout; run `cargo {fix}` and commit the lock file",
        state = if *missing { "missing" } else { "stale" },
        verb = if *missing { "create" } else { "rewrite" },
        fix = if *missing { "generate-lockfile" } else { "update --workspace" }
    )]
    StaleLock {
        /// The lock file (or where it should be).
        path: PathBuf,
        /// Whether there is no lock file at all.
        missing: bool,
    },
    /// The test runner is not installed.
    #[error("the test runner `{runner}` is not installed ({hint})")]
    RunnerNotFound {
        /// The runner's command, e.g. `cargo nextest`.
        runner: String,
        /// How to get it.
        hint: String,
    },
    /// The tool's configuration in the root manifest is invalid.
    #[error("invalid configuration in {path} [workspace.metadata.{table}]: {message}", table = crate::CONFIG_TABLE)]
    Config {
        /// The root manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A release safety check failed.
    #[error("refusing to release: {reason} (pass {flag} to release anyway)")]
    Refused {
        /// What is wrong.
        reason: String,
        /// The flag that overrides the check.
        flag: &'static str,
    },
    /// The release cannot be planned.
    #[error(transparent)]
    Plan(#[from] crate::release::PlanError),
    /// A `git` command failed.
    #[error("`{command}` failed: {message}")]
    Command {
        /// The command line.
        command: String,
        /// Its error output.
        message: String,
    },
    /// Publishing stopped; what was published stays published, and a rerun resumes.
    #[error(
        "publishing {name} {version} failed: {message}\n{published}\nrerun `cargo xtask release --execute` to resume: versions already in the registry are skipped"
    )]
    Publish {
        /// The crate that failed.
        name: String,
        /// Its version.
        version: String,
        /// Why.
        message: String,
        /// What was published before it, as a sentence.
        published: String,
    },
    /// A pinned test tool could not be installed.
    #[error(
        "could not install {tool} {version} for the tests (`{command}` failed; its output is above){hint}"
    )]
    ToolInstall {
        /// The tool's crate.
        tool: String,
        /// Its pinned version.
        version: String,
        /// The install command.
        command: String,
        /// Why it may have failed, starting with `; `, or empty.
        hint: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The same error with paths under `copy` (a temporary copy of revision `rev`) shown as
    /// `rev:path`, so that it names the revision at fault rather than a folder already gone.
    pub fn in_revision(self, copy: &Path, rev: &str) -> Error {
        let show = |path: &Path| match path.strip_prefix(copy) {
            Ok(inside) => PathBuf::from(format!("{rev}:{}", inside.display())),
            Err(_) => path.to_owned(),
        };
        match self {
            Error::Metadata { manifest, message } => Error::Metadata {
                manifest: show(Path::new(&manifest)).display().to_string(),
                message: message.replace(&format!("{}/", copy.display()), &format!("{rev}:")),
            },
            Error::StaleLock { path, missing } => Error::StaleLock {
                path: show(&path),
                missing,
            },
            Error::Config { path, message } => Error::Config {
                path: show(&path),
                message,
            },
            Error::Io { path, source } => Error::Io {
                path: show(&path),
                source,
            },
            other => other,
        }
    }

    pub(crate) fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> Error {
        let context = context.into();
        move |source| Error::Git { context, source }
    }
}
