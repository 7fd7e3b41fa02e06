//! The git adapter of a release: each crate's last release from the tags, and the commits
//! since then that changed the crate itself, judged by the same path rules as `affected`.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use git2::{Oid, Repository, Sort};

use crate::adapters::git_read as git;
use crate::release::plan::commits::{Commit, is_release_commit, recorded_versions};
use crate::release::plan::manifests::Member;
use crate::release::plan::{CrateState, UnfinishedTag};
use crate::release::plan::{changelog, lock_sections};
use crate::{Error, ReleaseConfig, Rules, WorkspaceGraph, changed_members};

/// Whether a registry has a crate at a version.
pub(crate) type RegistryProbe<'a> = &'a dyn Fn(&str, &semver::Version) -> bool;

/// The state of every member, and the tags earlier release commits left uncreated.
///
/// A member's last release is its highest tag reachable from `HEAD`; a release commit after it
/// whose tag is missing moves it to the version that commit recorded (the tag is then owed);
/// a manifest version above both that `registry` has is the last release too, from the commit
/// that set it.
pub(crate) fn crate_states(
    graph: &WorkspaceGraph,
    rules: &Rules,
    config: &ReleaseConfig,
    members: &[Member],
    registry: Option<RegistryProbe<'_>>,
) -> Result<(Vec<CrateState>, Vec<UnfinishedTag>), Error> {
    // Objects come from the user's own repository; checking each one's hash on every read
    // costs more than the rest of planning on a long history.
    git2::opts::strict_hash_verification(false);
    let (repo, prefix) = git::open(graph.root())?;
    let head = git::resolve(&repo, "HEAD")?.id();
    let history = History::walk(&repo, head)?;
    let all_tags = tags(&repo)?;
    let tag_names: BTreeSet<&str> = all_tags.iter().map(|(n, _)| n.as_str()).collect();
    let mut last_releases = last_releases(&history, &all_tags, config, members);
    // The tags of the releases found in tags and release commits, before the registry's.
    let last_tags: HashMap<String, String> = last_releases
        .iter()
        .map(|(name, (v, _))| (name.to_string(), config.tag(name, v)))
        .collect();
    let unfinished = unfinished_releases(
        &repo,
        &prefix,
        &history,
        config,
        members,
        &tag_names,
        &mut last_releases,
    )?;
    let mut touches = Touches {
        repo: &repo,
        prefix: &prefix,
        graph,
        rules,
        history: &history,
        by_commit: HashMap::new(),
        walks: HashMap::new(),
    };
    let mut states = Vec::with_capacity(members.len());
    for member in members {
        let found = last_releases.remove(member.name.as_str());
        let last = last_release(&repo, &prefix, head, member, found, registry)?;
        let baseline = last.as_ref().and_then(|(_, commit)| *commit);
        let commits = touches.since(baseline, &member.name)?;
        states.push(CrateState {
            name: member.name.clone(),
            version: member.version.clone(),
            publish: member.publish,
            shares_workspace_version: member.shares_workspace_version,
            last_release: last.map(|(v, _)| v),
            last_tag: last_tags.get(&member.name).cloned(),
            commits,
        });
    }
    Ok((states, unfinished))
}

/// Which commits touch which members, each commit read once, and the walks from each
/// baseline, shared by the members released from it.
struct Touches<'r> {
    repo: &'r Repository,
    prefix: &'r Path,
    graph: &'r WorkspaceGraph,
    rules: &'r Rules,
    history: &'r History,
    by_commit: HashMap<Oid, BTreeSet<String>>,
    walks: HashMap<Option<Oid>, Vec<Oid>>,
}

impl Touches<'_> {
    /// The commits after `baseline` (from the beginning, for `None`) that touch `member`.
    fn since(&mut self, baseline: Option<Oid>, member: &str) -> Result<Vec<Commit>, Error> {
        let history = self.history;
        let walk = self
            .walks
            .entry(baseline)
            .or_insert_with(|| history.since(baseline));
        let mut commits = Vec::new();
        for oid in walk.iter() {
            let names = match self.by_commit.entry(*oid) {
                Entry::Occupied(names) => names.into_mut(),
                Entry::Vacant(slot) => slot.insert(touched(
                    self.repo,
                    self.prefix,
                    self.graph,
                    self.rules,
                    *oid,
                )?),
            };
            if names.contains(member) {
                commits.push(Commit::parse(&oid.to_string()[..7], history.message(*oid)));
            }
        }
        Ok(commits)
    }
}

/// The last release of `member` and the commit it was made from: `found` in the tags and
/// release commits, else its manifest version when `registry` has it (above what was found)
/// or when it is never published and was never tagged.
fn last_release(
    repo: &Repository,
    prefix: &Path,
    head: Oid,
    member: &Member,
    found: Option<(semver::Version, Option<Oid>)>,
    registry: Option<RegistryProbe<'_>>,
) -> Result<Option<(semver::Version, Option<Oid>)>, Error> {
    let above = found.as_ref().is_none_or(|(v, _)| member.version > *v);
    let published =
        above && member.publish && registry.is_some_and(|has| has(&member.name, &member.version));
    // Never tagged nor published: its manifest version is as released as it gets, from the
    // commit that set it (the release commit of its group, or the one that added it), so that
    // only later changes move the group it belongs to.
    let never_released = !member.publish && found.is_none();
    if published || never_released {
        let set_by = commit_that_set_version(repo, prefix, head, member)?;
        return Ok(Some((member.version.clone(), set_by)));
    }
    Ok(found)
}

/// Release commits reachable from `head` whose tags are missing for versions above the crates'
/// last tags and not above their manifest versions (a reverted release owes nothing): the tags
/// they owe, each with its changelog section as the commit wrote it. Each such crate's last
/// release moves to that commit.
fn unfinished_releases<'m>(
    repo: &Repository,
    prefix: &Path,
    history: &History,
    config: &ReleaseConfig,
    members: &'m [Member],
    tag_names: &BTreeSet<&str>,
    last: &mut HashMap<&'m str, (semver::Version, Option<Oid>)>,
) -> Result<Vec<UnfinishedTag>, Error> {
    let tagged: HashMap<&str, semver::Version> = last
        .iter()
        .map(|(name, (v, _))| (*name, v.clone()))
        .collect();
    let mut owed: BTreeMap<String, UnfinishedTag> = BTreeMap::new();
    // Newest first, so that the latest release commit of a version owes its tag.
    for (oid, message) in history.newest_first().filter(|(_, m)| is_release_commit(m)) {
        let commit = repo
            .find_commit(oid)
            .map_err(Error::git(format!("reading commit {oid}")))?;
        for (name, version) in recorded_versions(message) {
            let Some(member) = members.iter().find(|m| m.name == name && m.publish) else {
                continue;
            };
            let tag = config.tag(&name, &version);
            let behind = tagged.get(name.as_str()).is_none_or(|v| *v < version);
            // A version above the manifest's was undone after the commit (a revert, or the
            // version set back by hand): that release was abandoned and owes no tag.
            let undone = version > member.version;
            if tag_names.contains(tag.as_str()) || !behind || undone {
                continue;
            }
            let section = changelog_section(repo, prefix, &commit, member, &version);
            let entry = owed.entry(tag.clone()).or_insert_with(|| UnfinishedTag {
                tag,
                commit: oid.to_string(),
                crates: Vec::new(),
                message: String::new(),
            });
            if entry.commit != oid.to_string() {
                continue;
            }
            entry.message = match config.train {
                true => format!("{}{name}\n\n{section}\n", entry.message),
                false => section,
            };
            entry.crates.push((name.clone(), version.clone()));
            if last.get(name.as_str()).is_none_or(|(v, _)| *v < version) {
                last.insert(&member.name, (version, Some(oid)));
            }
        }
    }
    Ok(owed.into_values().collect())
}

/// The section of `version` in the member's changelog at `commit`, or a line naming the release
/// when the changelog has none.
fn changelog_section(
    repo: &Repository,
    prefix: &Path,
    commit: &git2::Commit<'_>,
    member: &Member,
    version: &semver::Version,
) -> String {
    let path = prefix.join(member.changelog());
    let text = commit
        .tree()
        .ok()
        .and_then(|t| t.get_path(&path).ok())
        .and_then(|e| e.to_object(repo).ok())
        .and_then(|o| o.peel_to_blob().ok())
        .map(|b| String::from_utf8_lossy(b.content()).replace("\r\n", "\n"));
    text.and_then(|t| changelog::section_of(&t, version))
        .unwrap_or_else(|| format!("{} {version}\n", member.name))
}

/// The oldest commit of the first-parent line from `head` at which the member's manifest
/// already had its current version: the commit that set it.
fn commit_that_set_version(
    repo: &Repository,
    prefix: &Path,
    head: Oid,
    member: &Member,
) -> Result<Option<Oid>, Error> {
    let manifest = prefix.join(&member.manifest);
    let root = prefix.join("Cargo.toml");
    let read = |commit: &git2::Commit<'_>, path: &Path| -> Option<toml::Table> {
        let tree = commit.tree().ok()?;
        let blob = tree
            .get_path(path)
            .ok()?
            .to_object(repo)
            .ok()?
            .peel_to_blob()
            .ok()?;
        toml::from_str(std::str::from_utf8(blob.content()).ok()?).ok()
    };
    let version_at = |commit: &git2::Commit<'_>| -> Option<semver::Version> {
        let package = read(commit, &manifest)?.get("package")?.clone();
        let text = match package.get("version")? {
            toml::Value::String(s) => s.clone(),
            _ => read(commit, &root)?
                .get("workspace")?
                .get("package")?
                .get("version")?
                .as_str()?
                .to_owned(),
        };
        semver::Version::parse(&text).ok()
    };
    let mut commit = repo
        .find_commit(head)
        .map_err(Error::git(format!("reading commit {head}")))?;
    let mut set_by = None;
    while version_at(&commit).as_ref() == Some(&member.version) {
        set_by = Some(commit.id());
        match commit.parent(0) {
            Ok(parent) => commit = parent,
            Err(_) => break,
        }
    }
    Ok(set_by)
}

/// Each member's latest release reachable from `head`: the highest version among its tags.
/// Tags are matched to members by the text before `{version}` in their tag format, so the
/// cost grows with the number of tags, not tags times members.
fn last_releases<'m>(
    history: &History,
    tags: &[(String, Oid)],
    config: &ReleaseConfig,
    members: &'m [Member],
) -> HashMap<&'m str, (semver::Version, Option<Oid>)> {
    // A train still knows each crate's own tags, from before it became a train.
    let own = ReleaseConfig {
        train: false,
        ..config.clone()
    };
    let formats = if config.train {
        vec![config, &own]
    } else {
        vec![config]
    };
    let mut by_prefix: HashMap<String, Vec<(&str, &ReleaseConfig)>> = HashMap::new();
    for member in members {
        for format in &formats {
            by_prefix
                .entry(format.tag_prefix(&member.name))
                .or_default()
                .push((&member.name, format));
        }
    }
    let mut last: HashMap<&str, (semver::Version, Option<Oid>)> = HashMap::new();
    for (tag, commit) in tags {
        for (i, _) in tag.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
            let Some(names) = by_prefix.get(&tag[..i]) else {
                continue;
            };
            for (name, format) in names {
                let Some(version) = format.version_in_tag(name, tag) else {
                    continue;
                };
                if history.contains(*commit) && last.get(name).is_none_or(|(v, _)| *v < version) {
                    last.insert(name, (version, Some(*commit)));
                }
            }
        }
    }
    last
}

/// Every tag with the commit it points at.
fn tags(repo: &Repository) -> Result<Vec<(String, Oid)>, Error> {
    Ok(names(repo)?
        .into_iter()
        .filter_map(|name| {
            let commit = repo
                .revparse_single(&format!("refs/tags/{name}"))
                .ok()?
                .peel_to_commit()
                .ok()?;
            Some((name, commit.id()))
        })
        .collect())
}

/// The names of every tag: the one listing of tags.
fn names(repo: &Repository) -> Result<BTreeSet<String>, Error> {
    let names = repo.tag_names(None).map_err(Error::git("listing tags"))?;
    Ok(names
        .iter()
        .flatten()
        .flatten()
        .map(str::to_owned)
        .collect())
}

/// The names of every tag in the repository of `graph`.
pub(crate) fn tag_names(graph: &WorkspaceGraph) -> Result<BTreeSet<String>, Error> {
    tag_names_at(graph.root())
}

/// The names of every tag in the repository around `root`.
pub(crate) fn tag_names_at(root: &Path) -> Result<BTreeSet<String>, Error> {
    names(&git::open(root)?.0)
}

/// The commits reachable from `HEAD`, read once: their order, parents and messages. Every
/// question about reachability and "commits since" is answered from it, in memory.
struct History {
    /// Oldest first, parents before children.
    order: Vec<Oid>,
    /// Each commit's position in `order`, its parents and message.
    commits: HashMap<Oid, (Vec<Oid>, String)>,
}

impl History {
    fn walk(repo: &Repository, head: Oid) -> Result<History, Error> {
        let mut walk = repo.revwalk().map_err(Error::git("walking history"))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
            .map_err(Error::git("walking history"))?;
        walk.push(head).map_err(Error::git("walking history"))?;
        let mut order = Vec::new();
        let mut commits = HashMap::new();
        for oid in walk {
            let oid = oid.map_err(Error::git("walking history"))?;
            let commit = repo
                .find_commit(oid)
                .map_err(Error::git(format!("reading commit {oid}")))?;
            let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
            commits.insert(oid, (commit.parent_ids().collect(), message));
            order.push(oid);
        }
        Ok(History { order, commits })
    }

    fn contains(&self, oid: Oid) -> bool {
        self.commits.contains_key(&oid)
    }

    fn message(&self, oid: Oid) -> &str {
        self.commits.get(&oid).map_or("", |(_, m)| m.as_str())
    }

    /// Every commit with its message, newest first.
    fn newest_first(&self) -> impl Iterator<Item = (Oid, &str)> {
        self.order
            .iter()
            .rev()
            .map(|oid| (*oid, self.message(*oid)))
    }

    /// The non-merge commits not reachable from `baseline`, oldest first, without the release
    /// commits this tool writes.
    fn since(&self, baseline: Option<Oid>) -> Vec<Oid> {
        let mut hidden: std::collections::HashSet<Oid> = std::collections::HashSet::new();
        let mut stack: Vec<Oid> = baseline.into_iter().collect();
        while let Some(oid) = stack.pop() {
            if hidden.insert(oid)
                && let Some((parents, _)) = self.commits.get(&oid)
            {
                stack.extend(parents.iter().copied());
            }
        }
        self.order
            .iter()
            .filter(|oid| !hidden.contains(oid))
            .filter(|oid| {
                let (parents, message) = &self.commits[oid];
                parents.len() <= 1 && !is_release_commit(message)
            })
            .copied()
            .collect()
    }
}

/// The members whose shipped content commit `oid` changed.
fn touched(
    repo: &Repository,
    prefix: &Path,
    graph: &WorkspaceGraph,
    rules: &Rules,
    oid: Oid,
) -> Result<BTreeSet<String>, Error> {
    let commit = repo
        .find_commit(oid)
        .map_err(Error::git(format!("reading commit {oid}")))?;
    let tree = commit
        .tree()
        .map_err(Error::git(format!("reading the tree of {oid}")))?;
    let parent = commit
        .parents()
        .next()
        .map(|p| p.tree())
        .transpose()
        .map_err(Error::git("reading a parent tree"))?;
    let mut changes = git::change_set(repo, prefix, parent.as_ref(), Some(&tree))?;
    if let Some(lock) = changes.lockfile.as_mut()
        && let (Some(base), Some(head)) = (&lock.base, &lock.head)
    {
        let (base, head) = lock_sections::without_common_packages(base, head);
        (lock.base, lock.head) = (Some(base), Some(head));
    }
    Ok(changed_members(graph, &changes, rules)
        .into_iter()
        .map(|ix| graph.package(ix).name.clone())
        .collect())
}
