//! Carrying out a plan: the files it changes, safety checks, atomic writes, the release commit
//! and tags through the user's own `git`, and publishing what is tagged but not yet published.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::Version;

use super::plan::changelog;
use super::plan::manifests::{self, Member, Texts};
use super::plan::version::BumpSpec;
use super::plan::{self, CrateState, Pending, ReleasePlan, Requirement, UnfinishedTag};
use crate::adapters::metadata::{self, Workspace};
use crate::adapters::registry::{Outcome, Registry};
use crate::adapters::release_history as history;
use crate::adapters::vcs::{GitCli, NewTag, Vcs};
use crate::{Check, Error, ReleaseError};

/// A workspace read for a release: graph, rules, configuration, manifests and history.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The graph and path rules.
    pub workspace: Workspace,
    /// The manifests' texts by relative path.
    pub texts: Texts,
    /// The members' release fields.
    pub members: Vec<Member>,
    /// Requirements between members.
    pub requirements: Vec<Requirement>,
    /// The members' last releases and commits since.
    pub states: Vec<CrateState>,
    /// Tags earlier release commits owe.
    pub unfinished: Vec<UnfinishedTag>,
}

/// One file a release writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path relative to the workspace root.
    pub path: String,
    /// The content before, `None` for a new file.
    pub old: Option<String>,
    /// The content after.
    pub new: String,
}

fn read(root: &Path, rel: &str) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(root.join(rel)) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            path: root.join(rel),
            source,
        }),
    }
}

/// Loads the workspace around `manifest_path` and its history.
pub fn prepare(manifest_path: Option<&Path>) -> Result<Prepared, Error> {
    prepare_from(metadata::load(manifest_path)?)
}

/// Loads the workspace around `manifest_path` and its history, asking the registry `name` (or
/// the default registry cargo's configuration names, if any) whether a manifest version above
/// a crate's last tag was released. Cargo's built-in default is asked only when named.
pub fn prepare_with_registry(
    manifest_path: Option<&Path>,
    name: Option<&str>,
) -> Result<Prepared, Error> {
    let workspace = metadata::load(manifest_path)?;
    let root = workspace.graph.root().to_owned();
    let Some(name) = name
        .map(str::to_owned)
        .or_else(|| crate::adapters::registry::configured_default_registry(&root))
    else {
        return read_workspace(workspace, None);
    };
    let registry = Registry {
        name: Some(name),
        manifest_path: root.join("Cargo.toml"),
        index_timeout: std::time::Duration::ZERO,
        backoff: std::time::Duration::ZERO,
        retries: 0,
        allow_dirty: false,
        no_verify: false,
    };
    let probe =
        |name: &str, version: &Version| registry.has_version(name, version).unwrap_or(false);
    read_workspace(workspace, Some(&probe))
}

/// Reads the manifests and history of a loaded workspace.
pub fn prepare_from(workspace: Workspace) -> Result<Prepared, Error> {
    read_workspace(workspace, None)
}

fn read_workspace(
    workspace: Workspace,
    registry: Option<history::RegistryProbe<'_>>,
) -> Result<Prepared, Error> {
    let root = workspace.graph.root().to_owned();
    let mut texts = Texts::new();
    for ix in workspace.graph.members() {
        let rel = manifests::manifest_of(workspace.graph.package(ix));
        let text = read(&root, &rel)?.ok_or_else(|| Error::Io {
            path: root.join(&rel),
            source: std::io::ErrorKind::NotFound.into(),
        })?;
        texts.insert(rel, text);
    }
    if !texts.contains_key("Cargo.toml") {
        let text = read(&root, "Cargo.toml")?.unwrap_or_default();
        texts.insert("Cargo.toml".to_owned(), text);
    }
    let (members, requirements) = manifests::read(&workspace.graph, &texts)?;
    let (states, unfinished) = history::crate_states(
        &workspace.graph,
        &workspace.rules,
        &workspace.release,
        &members,
        registry,
    )?;
    Ok(Prepared {
        workspace,
        texts,
        members,
        requirements,
        states,
        unfinished,
    })
}

impl Prepared {
    /// The workspace root.
    pub fn root(&self) -> &Path {
        self.workspace.graph.root()
    }

    /// Reads the history again after this run changed it (created tags), keeping the loaded
    /// graph and manifests: cargo metadata and the manifests are read once per command.
    pub fn reread_history(&mut self) -> Result<(), Error> {
        let (states, unfinished) = history::crate_states(
            &self.workspace.graph,
            &self.workspace.rules,
            &self.workspace.release,
            &self.members,
            None,
        )?;
        self.states = states;
        self.unfinished = unfinished;
        Ok(())
    }

    /// Takes in the release [`record`] made from `plan` and `changes`: the new versions, the
    /// moved requirements, the written manifests, and the history with the new tags (git only). Publishing after the release
    /// commit reads these, so the command loads the workspace (cargo metadata) only once.
    pub fn recorded(&mut self, plan: &ReleasePlan, changes: &[FileChange]) -> Result<(), Error> {
        for release in &plan.releases {
            self.members
                .iter_mut()
                .filter(|m| m.name == release.name)
                .for_each(|m| m.version = release.to.clone());
        }
        for edit in &plan.requirement_edits {
            self.requirements
                .iter_mut()
                .filter(|r| r.location == edit.location && r.to == edit.dependency)
                .for_each(|r| r.req = edit.new.clone());
        }
        for change in changes {
            if let Some(text) = self.texts.get_mut(&change.path) {
                text.clone_from(&change.new);
            }
        }
        // The new tags are the last releases now, with no commits since: read them from git
        // (no cargo metadata) the way a fresh load does, rather than patching each field.
        self.reread_history()
    }

    /// Plans a release with the explicit `bumps`. While an earlier release commit owes tags,
    /// the plan is only to create them: a new release waits for the next run.
    pub fn plan(&self, bumps: &BTreeMap<String, BumpSpec>) -> Result<ReleasePlan, Error> {
        if let (Some(owed), Some(name)) = (self.unfinished.first(), bumps.keys().next()) {
            return Err(plan::PlanError::Unfinished {
                name: name.clone(),
                commit: owed.commit[..owed.commit.len().min(10)].to_owned(),
                tag: owed.tag.clone(),
            }
            .into());
        }
        if !self.unfinished.is_empty() {
            return Ok(ReleasePlan {
                releases: Vec::new(),
                requirement_edits: Vec::new(),
                workspace_version: None,
                train_tag: None,
                unfinished: self.unfinished.clone(),
            });
        }
        Ok(plan::plan(
            &self.states,
            &self.requirements,
            &self.workspace.release,
            bumps,
        )?)
    }

    /// The changelog section of each released crate, dated `date`.
    pub fn sections(&self, plan: &ReleasePlan, date: &str) -> BTreeMap<String, String> {
        // Changelogs linked to one file: the first release there takes its `[Unreleased]` entries.
        let mut taken = std::collections::BTreeSet::new();
        plan.releases
            .iter()
            .map(|r| {
                let path = self.changelog_path(&r.name);
                let first = path
                    .as_ref()
                    .is_none_or(|p| taken.insert(self.changelog_file(p)));
                // Read as LF: the file keeps its CRLF when written, the tag message has none.
                let old = path
                    .filter(|_| first)
                    .and_then(|p| read(self.root(), &p).ok()?)
                    .map(|text| text.replace("\r\n", "\n"));
                let unreleased = old.as_deref().and_then(changelog::unreleased);
                (r.name.clone(), changelog::section(r, date, unreleased))
            })
            .collect()
    }

    /// The file a changelog path is written to: itself, or the end of its symlinks.
    fn changelog_file(&self, path: &str) -> PathBuf {
        let path = self.root().join(path);
        normalized(&link_target(&path).unwrap_or(path))
    }

    /// The changelog of a member, relative to the root.
    pub fn changelog_path(&self, name: &str) -> Option<String> {
        let member = self.members.iter().find(|m| m.name == name)?;
        Some(member.changelog())
    }

    /// The compare link of `release` in its changelog, when its repository is known.
    fn link(&self, release: &plan::Release, plan: &ReleasePlan) -> Option<changelog::Link> {
        let member = self.members.iter().find(|m| m.name == release.name)?;
        let repository = member.repository.as_ref()?;
        let tag = release.tag.clone().or_else(|| plan.train_tag.clone())?;
        let state = self.states.iter().find(|s| s.name == release.name)?;
        // From the last tag that exists: a release the registry knows of may have none.
        let url = match (&state.last_release, &state.last_tag) {
            (Some(last), Some(base)) if *last < release.to => {
                format!("{repository}/compare/{base}...{tag}")
            }
            _ => format!("{repository}/releases/tag/{tag}"),
        };
        Some(changelog::Link {
            version: release.to.to_string(),
            url,
        })
    }

    /// Every file `plan` changes: manifests, `Cargo.lock` and changelogs.
    pub fn file_changes(&self, plan: &ReleasePlan, date: &str) -> Result<Vec<FileChange>, Error> {
        let mut changes: Vec<FileChange> = manifests::apply(plan, &self.members, &self.texts)?
            .into_iter()
            .map(|(path, new)| FileChange {
                old: self.texts.get(&path).cloned(),
                path,
                new,
            })
            .collect();
        if let Some(lock) = read(self.root(), "Cargo.lock")? {
            let new = manifests::apply_to_lockfile(plan, &lock)?;
            if new != lock {
                changes.push(FileChange {
                    path: "Cargo.lock".to_owned(),
                    old: Some(lock),
                    new,
                });
            }
        }
        let sections = self.sections(plan, date);
        // Changelogs linked to one file each add their section to it, one after the other.
        let mut written: BTreeMap<PathBuf, usize> = BTreeMap::new();
        for release in &plan.releases {
            let path = self
                .changelog_path(&release.name)
                .expect("planned crates are members");
            let link = self.link(release, plan);
            let section = &sections[&release.name];
            match written.get(&self.changelog_file(&path)) {
                Some(&at) => {
                    let change = &mut changes[at];
                    change.new = changelog::insert(Some(&change.new), section, link.as_ref());
                }
                None => {
                    let old = read(self.root(), &path)?;
                    let new = changelog::insert(old.as_deref(), section, link.as_ref());
                    written.insert(self.changelog_file(&path), changes.len());
                    changes.push(FileChange { path, old, new });
                }
            }
        }
        for change in &mut changes {
            change.new = keep_line_endings(change.old.as_deref(), &change.new);
        }
        Ok(changes)
    }

    /// Refuses `changes` unless every path dependency requirement in them (members and
    /// `[workspace.dependencies]`, every table and target) matches its target's new version.
    pub fn check_requirements(
        &self,
        plan: &ReleasePlan,
        changes: &[FileChange],
    ) -> Result<(), Error> {
        let mut texts = self.texts.clone();
        for change in changes.iter().filter(|c| self.texts.contains_key(&c.path)) {
            texts.insert(change.path.clone(), change.new.clone());
        }
        let (members, requirements) = manifests::read(&self.workspace.graph, &texts)?;
        for r in &requirements {
            let Some(member) = members.iter().find(|m| m.name == r.to) else {
                continue;
            };
            let version = plan
                .releases
                .iter()
                .find(|p| p.name == r.to)
                .map_or(&member.version, |p| &p.to);
            if !plan::version::matches(&r.req, version) {
                let place = match &r.location {
                    plan::ReqLocation::Member {
                        manifest,
                        table,
                        key,
                    } => format!("{manifest} [{}] {key}", table.join(".")),
                    plan::ReqLocation::Workspace { key } => {
                        format!("Cargo.toml [workspace.dependencies] {key}")
                    }
                };
                return Err(plan::PlanError::Inconsistent {
                    message: format!(
                        "{place} would require {} `{}`, which does not match its new version \
                         {version}",
                        r.to, r.req
                    ),
                }
                .into());
            }
        }
        Ok(())
    }
}

/// `new` with CRLF line endings when `old` had them, so a release keeps a file's line endings.
fn keep_line_endings(old: Option<&str>, new: &str) -> String {
    match old.is_some_and(|o| o.contains("\r\n")) {
        true => new.replace("\r\n", "\n").replace('\n', "\r\n"),
        false => new.to_owned(),
    }
}

/// Refuses the written workspace unless `cargo metadata --locked --offline` resolves it.
fn check_resolves(root: &Path) -> Result<(), Error> {
    let cargo = crate::adapters::cargo_program();
    let output = std::process::Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| Error::starting_cargo(&cargo, e))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Err(plan::PlanError::Inconsistent {
        message: format!(
            "the released workspace would not resolve with `cargo metadata --locked --offline`: {}",
            message.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
    }
    .into())
}

/// Which safety checks to skip.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allow {
    /// Release from a working tree with uncommitted changes.
    pub dirty: bool,
    /// Release from a detached HEAD.
    pub detached: bool,
    /// Leave tags that already exist as they are instead of refusing.
    pub existing_tags: bool,
}

/// Refuses a dirty working tree, a detached HEAD or an existing tag, unless allowed.
pub fn check(prepared: &Prepared, plan: &ReleasePlan, allow: Allow) -> Result<(), Error> {
    let (repo, _) = crate::adapters::git_read::open(prepared.root())?;
    if !allow.detached && repo.head_detached().unwrap_or(false) {
        return Err(ReleaseError::Refused {
            reason: "HEAD is detached; check out a branch".to_owned(),
            check: Check::OnBranch,
        }
        .into());
    }
    if !allow.dirty {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).include_ignored(false);
        let statuses = repo
            .statuses(Some(&mut options))
            .map_err(Error::git("reading the status"))?;
        if let Some(entry) = statuses.iter().next() {
            let path = entry.path().unwrap_or("?").to_owned();
            return Err(ReleaseError::Refused {
                reason: format!("the working tree has uncommitted changes ({path})"),
                check: Check::Clean,
            }
            .into());
        }
    }
    if !allow.existing_tags {
        let existing = history::tag_names(&prepared.workspace.graph)?;
        for tag in plan.tags() {
            if existing.contains(&tag) {
                return Err(ReleaseError::Refused {
                    reason: format!("tag {tag} already exists"),
                    check: Check::NewTags,
                }
                .into());
            }
        }
    }
    Ok(())
}

/// Writes `changes` atomically; on any failure, puts back every file already written.
pub fn write_files(root: &Path, changes: &[FileChange]) -> Result<(), Error> {
    let mut written: Vec<&FileChange> = Vec::new();
    for change in changes {
        if let Err(e) = write_atomically(&root.join(&change.path), &change.new) {
            restore(root, &written);
            return Err(e);
        }
        written.push(change);
    }
    Ok(())
}

/// Puts the old contents of `changes` back (removing files that did not exist; a link to
/// nothing stays, without the file written through it).
pub fn restore(root: &Path, changes: &[&FileChange]) {
    for change in changes {
        let path = root.join(&change.path);
        let _ = match &change.old {
            Some(old) => write_atomically(&path, old),
            None => link_target(&path)
                .and_then(std::fs::remove_file)
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                }),
        };
    }
}

/// The file that writing `path` changes: `path` itself, or the end of its chain of symlinks,
/// which may not exist yet (a link to a changelog still to be created).
fn link_target(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = path.parent().unwrap_or(Path::new("")).join(target);
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// `path` without `.` and `..` components, resolved by name.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Refuses `changes` that would write through a symlink to a file outside the repository:
/// the release commit could not record it, and the release would edit a file it does not own.
fn check_links(root: &Path, changes: &[FileChange]) -> Result<(), Error> {
    let (repo, _) = crate::adapters::git_read::open(root)?;
    let Some(top) = repo.workdir().map(normalized) else {
        return Ok(());
    };
    let canonical_top = std::fs::canonicalize(&top).unwrap_or_else(|_| top.clone());
    for change in changes {
        let path = root.join(&change.path);
        let target = link_target(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let target = normalized(&target);
        if !target.starts_with(&top) && !target.starts_with(&canonical_top) {
            return Err(plan::PlanError::Inconsistent {
                message: format!(
                    "{} links to {}, outside the repository, where the release commit cannot                      record it; link it inside the repository or replace the link with the file",
                    change.path,
                    target.display()
                ),
            }
            .into());
        }
    }
    Ok(())
}

/// Writes through a temporary file in the same directory and a rename, so a reader sees the
/// old or the new content, never half of it. A symlink is written through to its target (the
/// link stays a link), and the file keeps its permissions (an executable bit survives).
fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let target = link_target(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let path = target.as_path();
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.release-tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    std::fs::write(&tmp, text).map_err(io)?;
    let kept = match std::fs::metadata(path) {
        Ok(meta) => std::fs::set_permissions(&tmp, meta.permissions()),
        Err(_) => Ok(()),
    };
    kept.and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
}

/// Creates the tags earlier release commits owe, then writes the files, checks that the
/// workspace still resolves, commits only those files, and creates the annotated tags (each
/// with its changelog section, byte for byte). A failure before the commit leaves every file as
/// it was; a failure after it says that the commit exists and that a rerun finishes it.
pub fn record(
    vcs: &dyn Vcs,
    prepared: &Prepared,
    plan: &ReleasePlan,
    changes: &[FileChange],
    date: &str,
    allow: Allow,
) -> Result<Vec<String>, Error> {
    let root = prepared.root();
    let existing = vcs.tags()?;
    let owed: Vec<NewTag<'_>> = plan
        .unfinished
        .iter()
        .map(|owed| NewTag {
            name: &owed.tag,
            commit: &owed.commit,
            message: &owed.message,
        })
        .collect();
    let mut tags = vcs.tag_all(&owed)?;
    if plan.releases.is_empty() {
        return Ok(tags);
    }
    prepared.check_requirements(plan, changes)?;
    check_links(root, changes)?;
    // The tags' messages, while the changelogs still hold the `[Unreleased]` entries that the
    // new sections take.
    let sections = prepared.sections(plan, date);
    write_files(root, changes)?;
    let committed_paths = committed_paths(root, changes)?;
    let paths: Vec<&str> = committed_paths.iter().map(|(p, _)| p.as_str()).collect();
    let new: Vec<&str> = committed_paths
        .iter()
        .filter(|(_, new)| *new)
        .map(|(path, _)| path.as_str())
        .collect();
    let commit = check_resolves(root)
        .and_then(|()| vcs.commit(&paths, &new, &plan::commit_message(plan)))
        .inspect_err(|_| restore(root, &changes.iter().collect::<Vec<_>>()))?;
    let messages = tag_messages(plan, &sections);
    let new: Vec<NewTag<'_>> = messages
        .iter()
        .filter(|(name, _)| !(allow.existing_tags && existing.contains(name)))
        .map(|(name, message)| NewTag {
            name,
            commit: &commit,
            message,
        })
        .collect();
    tags.extend(vcs.tag_all(&new).map_err(|e| ReleaseError::Untagged {
        commit: commit[..commit.len().min(10)].to_owned(),
        source: Box::new(e),
    })?);
    Ok(tags)
}

/// Each tag a release creates with its message: the train tag with every crate's section, or
/// one tag per crate with its own.
fn tag_messages(plan: &ReleasePlan, sections: &BTreeMap<String, String>) -> Vec<(String, String)> {
    match &plan.train_tag {
        Some(train) => vec![(train.clone(), train_message(plan, sections))],
        None => plan
            .releases
            .iter()
            .filter_map(|r| Some((r.tag.clone()?, sections[&r.name].clone())))
            .collect(),
    }
}

/// The paths a release commits, each with whether it is new: each written file, or the target
/// of a symlinked one (the link itself does not change), except files git ignores and does not
/// track, such as the `Cargo.lock` of a library repository, which stay local.
fn committed_paths(root: &Path, changes: &[FileChange]) -> Result<Vec<(String, bool)>, Error> {
    let (repo, prefix) = crate::adapters::git_read::open(root)?;
    let index = repo.index().map_err(Error::git("reading the index"))?;
    let base = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    let mut paths = Vec::new();
    for change in changes {
        let path = root.join(&change.path);
        let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        // Relative to the workspace root, where git runs: `../docs/...` for a target elsewhere
        // in the repository.
        let path = linked
            .then(|| std::fs::canonicalize(&path).ok())
            .flatten()
            .map(|t| relative_to(&base, &t).to_string_lossy().into_owned())
            .unwrap_or_else(|| change.path.clone());
        let in_repo = normalized(&prefix.join(&path));
        let tracked = index.get_path(&in_repo, 0).is_some();
        if !tracked && repo.is_path_ignored(&in_repo).unwrap_or(false) {
            continue;
        }
        paths.push((path, change.old.is_none()));
    }
    Ok(paths)
}

/// `target` relative to `base`, both absolute, with `..` for the part of `base` it is not under.
fn relative_to(base: &Path, target: &Path) -> PathBuf {
    let base: Vec<_> = base.components().collect();
    let target: Vec<_> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out: PathBuf = base[common..].iter().map(|_| "..").collect();
    out.extend(&target[common..]);
    out
}

/// A train tag's message: each crate's name and changelog section.
fn train_message(plan: &ReleasePlan, sections: &BTreeMap<String, String>) -> String {
    plan.releases
        .iter()
        .map(|r| format!("{}\n\n{}\n", r.name, sections[&r.name]))
        .collect()
}

/// Pushes the current branch and `tags` in one atomic push to the branch's remote (default
/// `origin`), through the user's `git` and credentials.
pub fn push(vcs: &GitCli, tags: &[String]) -> Result<String, Error> {
    let branch = vcs.git(&["symbolic-ref", "--short", "HEAD"], None)?;
    let remote = vcs
        .git(&["config", &format!("branch.{branch}.remote")], None)
        .unwrap_or_else(|_| "origin".to_owned());
    let mut refs = vec![format!("HEAD:refs/heads/{branch}")];
    refs.extend(tags.iter().map(|t| format!("refs/tags/{t}")));
    vcs.push(&remote, &refs)
        .map_err(|source| ReleaseError::Unpushed {
            source: Box::new(source),
        })?;
    Ok(remote)
}

/// Publishable crates whose current version is tagged, in dependency order: what a release
/// publishes, and what a rerun resumes after an interrupted publish.
pub fn tagged_crates(prepared: &Prepared) -> Result<Vec<Pending>, Error> {
    let order = plan::publish_order(&prepared.states, &prepared.requirements);
    let tags = history::tag_names(&prepared.workspace.graph)?;
    let mut pending = Vec::new();
    for name in order {
        let member = prepared
            .members
            .iter()
            .find(|m| m.name == name)
            .expect("ordered names are members");
        if member.publish && tags.contains(&prepared.workspace.release.tag(&name, &member.version))
        {
            pending.push(Pending {
                name,
                version: member.version.clone(),
            });
        }
    }
    Ok(pending)
}

/// `pending` in the order publishing needs: also after the targets of versioned
/// dev-dependencies that no version in the registry meets (the target's current one, or an
/// earlier tagged one). Refuses (before anything is published) when no order exists.
pub fn publish_order(
    prepared: &Prepared,
    pending: &[Pending],
    registry: &Registry,
) -> Result<Vec<Pending>, Error> {
    let tags = history::tag_names(&prepared.workspace.graph)?;
    let config = &prepared.workspace.release;
    let met = |r: &Requirement| {
        let Some(target) = pending.iter().find(|p| p.name == r.to) else {
            return true;
        };
        // A tag is no proof of publishing (tags come first, and `--no-publish` makes only
        // tags): an earlier version meets the requirement when the registry has it.
        let mut earlier: Vec<Version> = tags
            .iter()
            .filter_map(|t| config.version_in_tag(&r.to, t))
            .filter(|v| *v != target.version && plan::version::matches(&r.req, v))
            .collect();
        earlier.sort();
        earlier.push(target.version.clone());
        earlier
            .iter()
            .rev()
            .any(|v| registry.has_version(&r.to, v).unwrap_or(false))
    };
    Ok(plan::dev_order::order(
        pending,
        &prepared.requirements,
        &met,
    )?)
}

/// Publishes `pending` in order, reporting each step; stops at the first failure with what was
/// published so far.
pub fn publish_all(
    registry: &Registry,
    pending: &[Pending],
    progress: &mut dyn FnMut(&str, &str),
) -> Result<Vec<(Pending, Outcome)>, Error> {
    let mut done: Vec<(Pending, Outcome)> = Vec::new();
    for (i, crate_) in pending.iter().enumerate() {
        progress(
            "Publishing",
            &format!(
                "{} {} ({}/{})",
                crate_.name,
                crate_.version,
                i + 1,
                pending.len()
            ),
        );
        match registry.publish(&crate_.name, &crate_.version, &mut |line| {
            progress("Waiting", line);
        }) {
            Ok(outcome) => {
                let verb = if outcome == Outcome::Skipped {
                    "Skipped"
                } else {
                    "Published"
                };
                let note = if outcome == Outcome::Skipped {
                    " (already in the registry)"
                } else {
                    ""
                };
                progress(verb, &format!("{} {}{note}", crate_.name, crate_.version));
                done.push((crate_.clone(), outcome));
            }
            Err(source) => {
                return Err(ReleaseError::Publish {
                    name: crate_.name.clone(),
                    version: crate_.version.to_string(),
                    published: done
                        .iter()
                        .filter(|(_, o)| *o == Outcome::Published)
                        .map(|(p, _)| format!("{} {}", p.name, p.version))
                        .collect(),
                    source,
                }
                .into());
            }
        }
    }
    Ok(done)
}

/// Today's date in UTC as `YYYY-MM-DD`, for changelog headings.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil-from-days (Howard Hinnant's algorithm), to avoid a date crate for one heading.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The root manifest path of a prepared workspace.
pub fn manifest_path(prepared: &Prepared) -> PathBuf {
    prepared.root().join("Cargo.toml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::plan::{ReqLocation, RequirementEdit};
    use crate::test_support::{release, release_plan};
    use crate::{Package, ReleaseConfig, Rules, WorkspaceGraph};

    fn prepared() -> Prepared {
        let mut graph = WorkspaceGraph::new("/w");
        graph.add_package(Package::member("a", "0.1.0", "crates/a"));
        graph.add_package(Package::member("b", "0.1.0", "crates/b"));
        let texts: Texts = [
            (
                "Cargo.toml",
                "[workspace]\n\n[workspace.dependencies]\naw = { package = \"a\", path = \"crates/a\", version = \"0.1\" }\n",
            ),
            ("crates/a/Cargo.toml", "[package]\nname = \"a\"\nversion = \"0.1.0\"\n"),
            (
                "crates/b/Cargo.toml",
                "[package]\nname = \"b\"\nversion = \"0.1.0\"\n\n[dependencies]\naw.workspace = true\n",
            ),
        ]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
        let (members, requirements) = manifests::read(&graph, &texts).unwrap();
        Prepared {
            workspace: Workspace {
                graph,
                rules: Rules::default(),
                release: ReleaseConfig::default(),
                test_tools: Vec::new(),
                target_dir: "/w/target".into(),
            },
            texts,
            members,
            requirements,
            states: Vec::new(),
            unfinished: Vec::new(),
        }
    }

    fn plan(edits: Vec<RequirementEdit>) -> ReleasePlan {
        release_plan(vec![release("a", "0.1.0", "0.2.0")], edits)
    }

    #[test]
    fn a_requirement_left_behind_is_refused_naming_its_place() {
        let prepared = prepared();
        let missing = plan(Vec::new());
        let changes = manifests::apply(&missing, &prepared.members, &prepared.texts).unwrap();
        let changes: Vec<FileChange> = changes
            .into_iter()
            .map(|(path, new)| FileChange {
                old: prepared.texts.get(&path).cloned(),
                path,
                new,
            })
            .collect();
        let err = prepared
            .check_requirements(&missing, &changes)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Cargo.toml [workspace.dependencies] aw would require a `0.1`, which does not match \
             its new version 0.2.0; nothing was written"
        );
        let complete = plan(vec![RequirementEdit {
            location: ReqLocation::Workspace { key: "aw".into() },
            dependency: "a".into(),
            old: "0.1".into(),
            new: "0.2".into(),
        }]);
        let changes: Vec<FileChange> =
            manifests::apply(&complete, &prepared.members, &prepared.texts)
                .unwrap()
                .into_iter()
                .map(|(path, new)| FileChange {
                    old: None,
                    path,
                    new,
                })
                .collect();
        prepared.check_requirements(&complete, &changes).unwrap();
    }
}
