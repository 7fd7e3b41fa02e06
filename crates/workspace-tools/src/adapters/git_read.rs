//! The git reading adapter: the paths that changed between two revisions, read with git2.
//! What is written (commits, tags, pushes) goes through the user's own `git`
//! ([`super::git_cli`]).
//!
//! The base is the merge-base of `--base` (default `origin/main`, else `main`) and the head
//! (default `HEAD`), as in `git diff base...head`: commits that landed on the base branch after
//! the head branched off are not the head's changes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use git2::{Commit, Delta, DiffOptions, Oid, Repository, Tree};

use crate::{ChangeSet, ChangedFile, Error, FileStatus, FileVersions, GitError, RevisionProblem};

/// Which revisions to compare.
#[derive(Debug, Clone, Default)]
pub struct Range {
    /// The base revision; `None` for the merge-base with `origin/main` (else `main`).
    pub base: Option<String>,
    /// The head revision; `None` for `HEAD`.
    pub head: Option<String>,
    /// Compare the base with the working tree and index instead of the head commit.
    pub include_uncommitted: bool,
}

/// The change between two resolved revisions.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The commit compared against (full hex id): the merge-base of the base and the head.
    pub base: String,
    /// The base revision as named, e.g. `origin/main`.
    pub base_name: String,
    /// The head commit (full hex id).
    pub head: String,
    /// The head as named, or `working tree`.
    pub head_name: String,
    /// What changed, relative to the workspace root.
    pub changes: ChangeSet,
}

/// Compares two revisions of the repository that holds `workspace_root`.
pub fn diff(workspace_root: &Path, range: &Range) -> Result<Diff, Error> {
    let (repo, prefix) = open(workspace_root)?;
    diff_in(&repo, &prefix, range)
}

/// Compares two revisions of `repo` for the workspace at `prefix` in its work tree.
fn diff_in(repo: &Repository, prefix: &Path, range: &Range) -> Result<Diff, Error> {
    let head_name = range.head.clone().unwrap_or_else(|| "HEAD".to_owned());
    let head = resolve(repo, &head_name)?;
    let (base_name, base) = match &range.base {
        Some(name) => (name.clone(), resolve(repo, name)?),
        None => default_base(repo)?,
    };
    let merge_base =
        repo.merge_base(base.id(), head.id())
            .map_err(|source| match repo.is_shallow() {
                true => GitError::ShallowClone {
                    rev: base_name.clone(),
                },
                false => GitError::Read {
                    context: format!("no common ancestor of `{base_name}` and `{head_name}`"),
                    source,
                },
            })?;
    let base_tree = tree(repo, merge_base)?;
    let head_tree = match range.include_uncommitted {
        true => None,
        false => Some(head.tree().map_err(Error::git("reading the head tree"))?),
    };
    let changes = change_set(repo, prefix, Some(&base_tree), head_tree.as_ref())?;
    Ok(Diff {
        base: merge_base.to_string(),
        base_name,
        head: head.id().to_string(),
        head_name: if range.include_uncommitted {
            "working tree".to_owned()
        } else {
            head_name
        },
        changes,
    })
}

/// A folder in a repository's work tree, or the same folder in a copy of one revision.
#[derive(Debug)]
pub struct Checkout {
    /// The folder where the workspace was looked for (inside the copy, for a copy).
    pub dir: PathBuf,
    /// The folder in the user's work tree it stands for.
    pub work_tree_dir: PathBuf,
    /// The root of the user's work tree.
    work_tree_root: PathBuf,
    /// The copy, removed when this is dropped; `None` for the work tree itself.
    copy: Option<tempfile::TempDir>,
}

impl Checkout {
    /// The root of the copy, if this is one.
    pub fn copy_root(&self) -> Option<&Path> {
        self.copy.as_ref().map(tempfile::TempDir::path)
    }

    /// The root of the user's work tree.
    pub fn work_tree_root(&self) -> &Path {
        &self.work_tree_root
    }

    /// Where `path` (in this checkout) lies in the user's work tree.
    pub fn in_work_tree(&self, path: &Path) -> PathBuf {
        let copy = self.copy_root().and_then(|c| {
            if let Ok(inside) = path.strip_prefix(c) {
                return Some(inside.to_owned());
            }
            let (c, p) = (c.canonicalize().ok()?, path.canonicalize().ok()?);
            p.strip_prefix(c).ok().map(Path::to_owned)
        });
        match copy {
            Some(inside) => self.work_tree_root.join(inside),
            None => path.to_owned(),
        }
    }

    /// Compares `range` for the workspace whose root is `workspace_root` (in this checkout).
    pub fn diff(&self, workspace_root: &Path, range: &Range) -> Result<Diff, Error> {
        let (repo, _) = open(&self.work_tree_dir)?;
        let prefix = match self.copy_root() {
            Some(copy) => canonical(workspace_root)?
                .strip_prefix(canonical(copy)?)
                .map(Path::to_owned)
                .map_err(|_| GitError::NotARepository {
                    path: workspace_root.to_owned(),
                })?,
            None => {
                let workdir = repo.workdir().ok_or_else(|| GitError::NotARepository {
                    path: workspace_root.to_owned(),
                })?;
                workspace_prefix(workdir, workspace_root)?
            }
        };
        diff_in(&repo, &prefix, range)
    }
}

/// The checkout to load the workspace around `dir` from so that its graph is that of `head`:
/// the work tree itself when `head` is the checked-out commit and nothing in the work tree
/// differs from it (or when `head` is `None`: the work tree as it is), else a temporary copy of
/// `head` (with the submodules the work tree has checked out), removed on drop.
pub fn checkout(dir: &Path, head: Option<&str>) -> Result<Checkout, Error> {
    let (repo, prefix) = open(dir)?;
    let work_tree_root = canonical(repo.workdir().unwrap_or(dir))?;
    let work_tree = || Checkout {
        dir: dir.to_owned(),
        work_tree_dir: dir.to_owned(),
        work_tree_root: work_tree_root.clone(),
        copy: None,
    };
    let Some(head) = head else {
        return Ok(work_tree());
    };
    let commit = resolve(&repo, head)?;
    if is_checked_out(&repo, &commit)? {
        return Ok(work_tree());
    }
    copy_at(&repo, &commit, dir, &prefix, work_tree_root)
}

/// A temporary copy of revision `rev` of the repository that holds `dir`, whatever the work
/// tree holds; removed on drop.
pub fn copy(dir: &Path, rev: &str) -> Result<Checkout, Error> {
    let (repo, prefix) = open(dir)?;
    let work_tree_root = canonical(repo.workdir().unwrap_or(dir))?;
    let commit = resolve(&repo, rev)?;
    copy_at(&repo, &commit, dir, &prefix, work_tree_root)
}

fn copy_at(
    repo: &Repository,
    commit: &Commit<'_>,
    dir: &Path,
    prefix: &Path,
    work_tree_root: PathBuf,
) -> Result<Checkout, Error> {
    let copy = tempfile::Builder::new()
        .prefix("affected-head-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    copy_revision(repo, commit, copy.path())?;
    Ok(Checkout {
        dir: copy.path().join(prefix),
        work_tree_dir: dir.to_owned(),
        work_tree_root,
        copy: Some(copy),
    })
}

/// Whether `rev` names the commit checked out in the work tree of `dir`.
pub fn is_head(dir: &Path, rev: &str) -> Result<bool, Error> {
    let (repo, _) = open(dir)?;
    let commit = resolve(&repo, rev)?;
    let head = repo.head().ok().and_then(|h| h.target());
    Ok(head == Some(commit.id()))
}

/// Whether the work tree holds exactly `commit`: it is HEAD, and no file (tracked or
/// untracked, ignored ones aside) differs.
fn is_checked_out(repo: &Repository, commit: &Commit<'_>) -> Result<bool, Error> {
    if repo.head().ok().and_then(|h| h.target()) != Some(commit.id()) {
        return Ok(false);
    }
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(Error::git("reading the work tree's status"))?;
    Ok(statuses.is_empty())
}

/// Writes the tree of `commit` into `target`, without touching the repository's index, HEAD
/// or work tree; submodules checked out in the work tree are written at their recorded commit.
fn copy_revision(repo: &Repository, commit: &Commit<'_>, target: &Path) -> Result<(), Error> {
    let tree = commit.tree().map_err(Error::git("reading the head tree"))?;
    checkout_tree_into(repo, tree.as_object(), target).map_err(Error::git(format!(
        "copying {} to {}",
        commit.id(),
        target.display()
    )))?;
    for submodule in repo.submodules().unwrap_or_default() {
        let Ok(entry) = tree.get_path(submodule.path()) else {
            continue;
        };
        let Ok(sub_repo) = submodule.open() else {
            continue;
        };
        let Ok(object) = sub_repo.find_object(entry.id(), None) else {
            continue;
        };
        let dir = target.join(submodule.path());
        checkout_tree_into(&sub_repo, &object, &dir).map_err(Error::git(format!(
            "copying submodule {}",
            submodule.path().display()
        )))?;
    }
    Ok(())
}

fn checkout_tree_into(
    repo: &Repository,
    object: &git2::Object<'_>,
    target: &Path,
) -> Result<(), git2::Error> {
    let mut builder = git2::build::CheckoutBuilder::new();
    builder
        .target_dir(target)
        .force()
        .recreate_missing(true)
        .update_index(false);
    repo.checkout_tree(object, Some(&mut builder))
}

/// The repository that holds `workspace_root`, and where the workspace root sits in its work
/// tree.
pub(crate) fn open(workspace_root: &Path) -> Result<(Repository, PathBuf), Error> {
    let not_a_repository = || GitError::NotARepository {
        path: workspace_root.to_owned(),
    };
    let repo = Repository::discover(workspace_root).map_err(|_| not_a_repository())?;
    let workdir = repo.workdir().ok_or_else(not_a_repository)?;
    let prefix = workspace_prefix(workdir, workspace_root)?;
    Ok((repo, prefix))
}

/// The change from `base` (`None`: the empty tree) to `head` (`None`: the working tree and
/// index, untracked files included), relative to the workspace at `prefix`.
pub(crate) fn change_set(
    repo: &Repository,
    prefix: &Path,
    base: Option<&Tree<'_>>,
    head: Option<&Tree<'_>>,
) -> Result<ChangeSet, Error> {
    let mut options = DiffOptions::new();
    let git_diff = match head {
        None => {
            options.include_untracked(true).recurse_untracked_dirs(true);
            repo.diff_tree_to_workdir_with_index(base, Some(&mut options))
        }
        Some(head) => repo.diff_tree_to_tree(base, Some(head), Some(&mut options)),
    }
    .map_err(Error::git("computing the diff"))?;

    let mut files = BTreeSet::new();
    for delta in git_diff.deltas() {
        let old = delta.old_file().path().map(|p| relative(prefix, p));
        let new = delta.new_file().path().map(|p| relative(prefix, p));
        let mut add =
            |path: Option<String>, status| files.extend(path.map(|p| ChangedFile::new(p, status)));
        match delta.status() {
            Delta::Added | Delta::Untracked => add(new, FileStatus::Added),
            Delta::Deleted => add(old, FileStatus::Deleted),
            Delta::Renamed | Delta::Copied => {
                add(old, FileStatus::Deleted);
                add(new, FileStatus::Added);
            }
            Delta::Unmodified | Delta::Ignored => {}
            _ => add(new, FileStatus::Modified),
        }
    }
    let mut changes = ChangeSet::from_files(files);
    let versions = |name: &str| {
        let repo_path = prefix.join(name);
        let head_text = match (head, repo.workdir()) {
            (Some(tree), _) => blob_text(repo, tree, &repo_path),
            (None, Some(workdir)) => std::fs::read_to_string(workdir.join(&repo_path)).ok(),
            (None, None) => None,
        };
        FileVersions {
            base: base.and_then(|tree| blob_text(repo, tree, &repo_path)),
            head: head_text,
        }
    };
    let changed = |name: &str| changes.files.iter().any(|f| f.path == name);
    if changed("Cargo.toml") {
        changes.root_manifest = Some(versions("Cargo.toml"));
    }
    if changed("Cargo.lock") {
        changes.lockfile = Some(versions("Cargo.lock"));
    }
    Ok(changes)
}

pub(crate) fn resolve<'r>(repo: &'r Repository, rev: &str) -> Result<Commit<'r>, Error> {
    let object = repo.revparse_single(rev).map_err(|_| {
        match repo.is_shallow() && beyond_shallow_history(repo, rev) {
            true => GitError::ShallowClone {
                rev: rev.to_owned(),
            },
            false => GitError::UnknownRevision {
                rev: rev.to_owned(),
                problem: problem(repo, rev),
            },
        }
    })?;
    object
        .peel_to_commit()
        .map_err(|_| GitError::UnknownRevision {
            rev: rev.to_owned(),
            problem: RevisionProblem::NotACommit,
        })
        .map_err(Error::from)
}

/// Whether `rev`, which does not resolve in a shallow clone, may name history the clone lacks:
/// an ancestor of a name that exists (`main~3`), or a commit id. A name that exists nowhere is
/// a mistake, not missing history.
fn beyond_shallow_history(repo: &Repository, rev: &str) -> bool {
    let named = rev.split(['~', '^']).next().unwrap_or_default();
    let commit_id = rev.len() >= 7 && rev.chars().all(|c| c.is_ascii_hexdigit());
    commit_id || (named != rev && repo.revparse_single(named).is_ok())
}

fn problem(repo: &Repository, rev: &str) -> RevisionProblem {
    match rev == "HEAD" && repo.head().is_err() {
        true => RevisionProblem::NoCommits,
        false => RevisionProblem::NotFound,
    }
}

/// The merge-base candidates when no `--base` is given: `origin/main`, then `main`.
fn default_base(repo: &Repository) -> Result<(String, Commit<'_>), Error> {
    for name in ["origin/main", "main"] {
        if let Ok(commit) = repo.revparse_single(name).and_then(|o| o.peel_to_commit()) {
            return Ok((name.to_owned(), commit));
        }
    }
    Err(GitError::UnknownRevision {
        rev: "origin/main".to_owned(),
        problem: RevisionProblem::NoDefaultBase,
    }
    .into())
}

fn tree(repo: &Repository, commit: Oid) -> Result<Tree<'_>, Error> {
    repo.find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(Error::git(format!("reading the tree of {commit}")))
}

fn blob_text(repo: &Repository, tree: &Tree<'_>, path: &Path) -> Option<String> {
    let entry = tree.get_path(path).ok()?;
    let blob = repo.find_blob(entry.id()).ok()?;
    String::from_utf8(blob.content().to_vec()).ok()
}

fn canonical(path: &Path) -> Result<PathBuf, Error> {
    path.canonicalize().map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// Where the workspace root sits inside the work tree.
fn workspace_prefix(workdir: &Path, workspace_root: &Path) -> Result<PathBuf, Error> {
    let (workdir, root) = (canonical(workdir)?, canonical(workspace_root)?);
    root.strip_prefix(&workdir)
        .map(Path::to_owned)
        .map_err(|_| {
            GitError::NotARepository {
                path: workspace_root.to_owned(),
            }
            .into()
        })
}

/// A repository path made relative to the workspace root, with `/` separators: `../x` for a
/// sibling of the workspace folder, as cargo writes the root of a path dependency there.
fn relative(prefix: &Path, repo_path: &Path) -> String {
    crate::adapters::metadata::relative_to(
        &Path::new("/").join(prefix),
        &Path::new("/").join(repo_path),
    )
    .unwrap_or_default()
}
