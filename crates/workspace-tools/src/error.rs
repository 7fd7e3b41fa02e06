//! Errors of the engine: each names the file, revision or command at fault, and carries its
//! cause as a `source` rather than repeating it. The command line phrases the advice (which
//! flag to pass, which command to run) and picks the exit code; the library never names them.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while loading a workspace, reading its history, planning or
/// carrying out a release.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The workspace could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A manifest or `Cargo.lock` that the tool reads itself (after cargo did) does not parse.
    #[error("could not parse {path}")]
    Manifest {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        #[source]
        source: ManifestError,
    },
    /// A requirement a release rewrites is not where its manifest was read to have it.
    #[error("cannot find the version requirement of `{key}` in [{table}] of {path}")]
    RequirementNotFound {
        /// The manifest.
        path: PathBuf,
        /// The dependency's key.
        key: String,
        /// The table, dotted.
        table: String,
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
    /// Carrying out the release stopped.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// The tests cannot be run.
    #[error(transparent)]
    Test(#[from] TestError),
    /// A file could not be read or written.
    #[error("could not access {path}")]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why the workspace cannot be loaded: cargo is missing or refuses it, no workspace is there,
/// or the tool's configuration in it is invalid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// `cargo` could not be started.
    #[error("could not run `{cargo}`: it is not on PATH")]
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
    /// A revision, or the current folder, holds no workspace.
    #[error("{place} has no Cargo.toml at or above the current folder")]
    NoWorkspace {
        /// The revision (`revision `v1``) or folder looked in.
        place: String,
    },
    /// `cargo metadata` succeeded but its output cannot be read as a workspace.
    #[error("cargo metadata printed output for {manifest} that cannot be read")]
    MetadataOutput {
        /// The manifest cargo was pointed at, or `the current directory`.
        manifest: String,
        /// Why the output cannot be read.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `Cargo.lock` is missing or no longer matches the manifests, and a read-only command
    /// will not let cargo rewrite it.
    #[error(
        "{path} is {state}: cargo would have to {verb} it, and this command never writes to the \
         checkout",
        state = if *missing { "missing" } else { "stale" },
        verb = if *missing { "create" } else { "rewrite" },
    )]
    StaleLock {
        /// The lock file (or where it should be).
        path: PathBuf,
        /// Whether there is no lock file at all.
        missing: bool,
    },
    /// The tool's configuration in the root manifest is invalid.
    #[error("invalid configuration in {path} [workspace.metadata.{table}]: {message}", table = crate::CONFIG_TABLE)]
    Config {
        /// The root manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Why the repository's history cannot be read: the layer under `affected` and the release
/// history.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The workspace is not inside a git work tree.
    #[error("{path} is not inside a git repository (affected needs the history to compare)")]
    NotARepository {
        /// Where the repository was looked for.
        path: PathBuf,
    },
    /// A revision does not name a commit.
    #[error("unknown revision `{rev}`{problem}")]
    UnknownRevision {
        /// The revision as the user wrote it.
        rev: String,
        /// Why it names no commit.
        problem: RevisionProblem,
    },
    /// The clone is shallow and lacks the history needed to compare revisions.
    #[error("this is a shallow clone and it lacks the history of `{rev}`")]
    ShallowClone {
        /// The revision whose history is missing.
        rev: String,
    },
    /// Another libgit2 failure.
    #[error("git: {context}")]
    Read {
        /// What was being done.
        context: String,
        /// The libgit2 error.
        #[source]
        source: git2::Error,
    },
}

/// Why carrying out a release stopped: a safety check refused, or a step after the release
/// commit failed (each says what is left, and a rerun resumes).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// A release safety check failed.
    #[error("refusing to release: {reason}")]
    Refused {
        /// What is wrong.
        reason: String,
        /// The check that refused, which the user may skip.
        check: Check,
    },
    /// The release commit was made, but a tag it owes could not be created; running the
    /// release again creates the missing tags.
    #[error("the release commit {commit} exists, but not all its tags")]
    Untagged {
        /// The release commit, abbreviated.
        commit: String,
        /// Why the tag failed.
        #[source]
        source: Box<Error>,
    },
    /// The release commit and tags were made, but pushing them failed: they are only local.
    #[error("the release commit and tags are only local: pushing them failed")]
    Unpushed {
        /// Why the push failed (the `git push` that failed).
        #[source]
        source: Box<Error>,
    },
    /// Publishing stopped; what was published stays published, and a rerun resumes.
    #[error(
        "publishing {name} {version} failed; {}",
        published_sentence(published)
    )]
    Publish {
        /// The crate that failed.
        name: String,
        /// Its version.
        version: String,
        /// What this run published before it, as `name version`.
        published: Vec<String>,
        /// Why.
        #[source]
        source: PublishError,
    },
}

/// Why a crate could not be published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// `cargo publish` failed.
    #[error("`cargo publish` failed: {output}")]
    Cargo {
        /// Cargo's error lines.
        output: String,
    },
    /// The registry kept answering 429.
    #[error("still rate-limited by the registry after {retries} retries")]
    RateLimited {
        /// How many retries were made.
        retries: u32,
    },
    /// The crate was published but the index did not list it in time.
    #[error("it was published, but the index did not list it within {waited:?}")]
    NotIndexed {
        /// How long the index was polled.
        waited: std::time::Duration,
    },
    /// Cargo could not be run.
    #[error("could not run cargo")]
    Run(#[source] Box<Error>),
}

fn published_sentence(published: &[String]) -> String {
    match published.is_empty() {
        true => "nothing was published in this run".to_owned(),
        false => format!("published in this run: {}", published.join(", ")),
    }
}

/// Why the tests cannot be run: the runner, the pinned tools or the dependencies are missing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The test runner is not installed.
    #[error("the test runner `{runner}` is not installed")]
    RunnerNotFound {
        /// The runner's command, e.g. `cargo nextest`.
        runner: String,
    },
    /// A pinned test tool could not be installed.
    #[error(
        "could not install {tool} {version} for the tests (`{command}` failed; its output is above){}",
        if *offline { "; network access is off (CARGO_NET_OFFLINE=true), and the first run downloads the tools" } else { "" }
    )]
    ToolInstall {
        /// The tool's crate.
        tool: String,
        /// Its pinned version.
        version: String,
        /// The install command.
        command: String,
        /// Whether cargo ran offline, where only a tool already in its cache can be built.
        offline: bool,
    },
    /// `cargo fetch` could not download the dependencies the tests need.
    #[error("could not fetch the dependencies of {manifest} (cargo's output is above)")]
    Fetch {
        /// The workspace's manifest.
        manifest: PathBuf,
    },
}

/// Why a revision names no commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevisionProblem {
    /// Nothing by that name.
    NotFound,
    /// `HEAD` of a repository without commits.
    NoCommits,
    /// It names an object that is not a commit.
    NotACommit,
    /// Neither `origin/main` nor `main` exists to be the default base.
    NoDefaultBase,
}

impl std::fmt::Display for RevisionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RevisionProblem::NotFound => "",
            RevisionProblem::NoCommits => ": the repository has no commits yet",
            RevisionProblem::NotACommit => ": not a commit",
            RevisionProblem::NoDefaultBase => " (nor `main`), the default base",
        })
    }
}

/// A release safety check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// The working tree has no uncommitted changes.
    Clean,
    /// HEAD is on a branch.
    OnBranch,
    /// No planned tag exists yet.
    NewTags,
}

/// What is wrong with a manifest or lock file the tool parses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not TOML, as read for editing.
    #[error(transparent)]
    Edit(#[from] toml_edit::TomlError),
    /// Not TOML, as read for its values.
    #[error(transparent)]
    Read(#[from] toml::de::Error),
    /// A package version that is not semver.
    #[error("version `{version}` is not a semantic version")]
    Version {
        /// The version as written.
        version: String,
        /// The parser's complaint.
        #[source]
        source: semver::Error,
    },
}

impl Error {
    /// The same error with paths under `copy` (a temporary copy of revision `rev`) shown as
    /// `rev:path`, so that it names the revision at fault rather than a folder already gone.
    pub fn in_revision(mut self, copy: &Path, rev: &str) -> Error {
        match &mut self {
            Error::Load(load) => load.show_in_revision(copy, rev),
            Error::Manifest { path, .. } | Error::Io { path, .. } => {
                *path = shown_in_revision(path, copy, rev);
            }
            _ => {}
        }
        self
    }

    pub(crate) fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> Error {
        let context = context.into();
        move |source| GitError::Read { context, source }.into()
    }

    /// A failure to start `cargo`: not on PATH, or another I/O error.
    pub fn starting_cargo(cargo: &std::ffi::OsStr, error: std::io::Error) -> Error {
        match error.kind() {
            std::io::ErrorKind::NotFound => LoadError::CargoNotFound {
                cargo: cargo.to_string_lossy().into_owned(),
            }
            .into(),
            _ => Error::Io {
                path: PathBuf::from(cargo),
                source: error,
            },
        }
    }

    pub(crate) fn manifest(path: impl Into<PathBuf>) -> impl FnOnce(ManifestError) -> Error {
        let path = path.into();
        move |source| Error::Manifest { path, source }
    }
}

impl LoadError {
    /// Shows the paths under `copy` (a temporary copy of revision `rev`) as `rev:path`.
    fn show_in_revision(&mut self, copy: &Path, rev: &str) {
        match self {
            LoadError::Metadata { manifest, message } => {
                *manifest = shown_in_revision(Path::new(manifest), copy, rev)
                    .display()
                    .to_string();
                *message = message.replace(&format!("{}/", copy.display()), &format!("{rev}:"));
            }
            LoadError::MetadataOutput { manifest, .. } => {
                *manifest = shown_in_revision(Path::new(manifest), copy, rev)
                    .display()
                    .to_string();
            }
            LoadError::StaleLock { path, .. } | LoadError::Config { path, .. } => {
                *path = shown_in_revision(path, copy, rev);
            }
            _ => {}
        }
    }
}

/// `path` as `rev:path` when it lies under `copy`, the temporary copy of revision `rev`.
fn shown_in_revision(path: &Path, copy: &Path, rev: &str) -> PathBuf {
    match path.strip_prefix(copy) {
        Ok(inside) => PathBuf::from(format!("{rev}:{}", inside.display())),
        Err(_) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loading error met in a revision's temporary copy names the revision, not the copy.
    #[test]
    fn loading_errors_in_a_copy_name_the_revision() {
        let copy = Path::new("/tmp/copy");
        let errors = [
            LoadError::StaleLock {
                path: copy.join("Cargo.lock"),
                missing: false,
            },
            LoadError::Config {
                path: copy.join("Cargo.toml"),
                message: "bad".to_owned(),
            },
            LoadError::Metadata {
                manifest: "/tmp/copy/Cargo.toml".to_owned(),
                message: "failed to parse /tmp/copy/a/Cargo.toml".to_owned(),
            },
        ];
        for error in errors {
            let shown = Error::from(error).in_revision(copy, "v1").to_string();
            assert!(shown.contains("v1:"), "{shown}");
            assert!(!shown.contains("/tmp/copy"), "{shown}");
        }
    }

    /// Output cargo printed that cannot be read keeps the parser's error as its source.
    #[test]
    fn unreadable_metadata_carries_its_cause() {
        let bad = String::from_utf8(vec![0xff]).unwrap_err();
        let error = Error::from(LoadError::MetadataOutput {
            manifest: "Cargo.toml".to_owned(),
            source: bad.into(),
        });
        // `Error::Load` is transparent: the first source is the parser's error.
        let source = std::error::Error::source(&error);
        assert!(
            source.is_some_and(|s| s.to_string().contains("utf-8")),
            "{error:?}"
        );
        assert!(!error.to_string().contains("utf-8"), "{error}");
    }
}
