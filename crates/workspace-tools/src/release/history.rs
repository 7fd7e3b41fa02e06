//! The git adapter of a release: each crate's last release from the tags, and the commits
//! since then that changed the crate itself, judged by the same path rules as `affected`.

use std::collections::{BTreeSet, HashMap};

use git2::{Oid, Repository, Sort};

use super::commits::{Commit, is_release_commit};
use super::manifests::Member;
use super::plan::CrateState;
use crate::{Error, ReleaseConfig, Rules, WorkspaceGraph, changed_members, git};

/// The state of every member: its version, its last release and the commits since.
pub fn crate_states(
    graph: &WorkspaceGraph,
    rules: &Rules,
    config: &ReleaseConfig,
    members: &[Member],
) -> Result<Vec<CrateState>, Error> {
    let (repo, prefix) = git::open(graph.root())?;
    let head = git::resolve(&repo, "HEAD")?.id();
    let mut last_releases = last_releases(&repo, head, &tags(&repo)?, config, members);
    let mut touched_by: HashMap<Oid, BTreeSet<String>> = HashMap::new();
    let mut walks: HashMap<Option<Oid>, Vec<Oid>> = HashMap::new();
    let mut states = Vec::with_capacity(members.len());
    for member in members {
        let last = last_releases.remove(member.name.as_str());
        let baseline = last.as_ref().map(|(_, commit)| *commit);
        if let std::collections::hash_map::Entry::Vacant(slot) = walks.entry(baseline) {
            slot.insert(commits_since(&repo, head, baseline)?);
        }
        let mut commits = Vec::new();
        for oid in &walks[&baseline] {
            if !touched_by.contains_key(oid) {
                touched_by.insert(*oid, touched(&repo, &prefix, graph, rules, *oid)?);
            }
            if touched_by[oid].contains(&member.name) {
                let commit = repo
                    .find_commit(*oid)
                    .map_err(Error::git(format!("reading commit {oid}")))?;
                let id = oid.to_string()[..7].to_owned();
                commits.push(Commit::parse(&id, commit.message().unwrap_or_default()));
            }
        }
        states.push(CrateState {
            name: member.name.clone(),
            version: member.version.clone(),
            publish: member.publish,
            shares_workspace_version: member.shares_workspace_version,
            last_release: last.map(|(v, _)| v),
            last_tag: None,
            commits,
        });
    }
    Ok(states)
}

/// Each member's latest release reachable from `head`: the highest version among its tags.
/// Tags are matched to members by the text before `{version}` in their tag format, so the
/// cost grows with the number of tags, not tags times members.
fn last_releases<'m>(
    repo: &Repository,
    head: Oid,
    tags: &[(String, Oid)],
    config: &ReleaseConfig,
    members: &'m [Member],
) -> HashMap<&'m str, (semver::Version, Oid)> {
    let mut by_prefix: HashMap<String, Vec<&str>> = HashMap::new();
    for member in members {
        by_prefix
            .entry(config.tag_prefix(&member.name))
            .or_default()
            .push(&member.name);
    }
    let mut reachable: HashMap<Oid, bool> = HashMap::new();
    let mut last: HashMap<&str, (semver::Version, Oid)> = HashMap::new();
    for (tag, commit) in tags {
        for (i, _) in tag.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
            let Some(names) = by_prefix.get(&tag[..i]) else {
                continue;
            };
            for name in names {
                let Some(version) = config.version_in_tag(name, tag) else {
                    continue;
                };
                let ok = *reachable.entry(*commit).or_insert_with(|| {
                    *commit == head || repo.graph_descendant_of(head, *commit).unwrap_or(false)
                });
                if ok && last.get(name).is_none_or(|(v, _)| *v < version) {
                    last.insert(name, (version, *commit));
                }
            }
        }
    }
    last
}

/// Every tag with the commit it points at.
fn tags(repo: &Repository) -> Result<Vec<(String, Oid)>, Error> {
    let names = repo.tag_names(None).map_err(Error::git("listing tags"))?;
    Ok(names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|name| {
            let commit = repo
                .revparse_single(&format!("refs/tags/{name}"))
                .ok()?
                .peel_to_commit()
                .ok()?;
            Some((name.to_owned(), commit.id()))
        })
        .collect())
}

/// The names of every tag in the repository of `graph`.
pub fn tag_names(graph: &WorkspaceGraph) -> Result<BTreeSet<String>, Error> {
    let (repo, _) = git::open(graph.root())?;
    let names = repo.tag_names(None).map_err(Error::git("listing tags"))?;
    Ok(names
        .iter()
        .flatten()
        .flatten()
        .map(str::to_owned)
        .collect())
}

/// The non-merge commits reachable from `head` but not from `baseline`, oldest first, without
/// the release commits this tool writes.
fn commits_since(repo: &Repository, head: Oid, baseline: Option<Oid>) -> Result<Vec<Oid>, Error> {
    let mut walk = repo.revwalk().map_err(Error::git("walking history"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(Error::git("walking history"))?;
    walk.push(head).map_err(Error::git("walking history"))?;
    if let Some(baseline) = baseline {
        walk.hide(baseline).map_err(Error::git("walking history"))?;
    }
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(Error::git("walking history"))?;
        let commit = repo
            .find_commit(oid)
            .map_err(Error::git(format!("reading commit {oid}")))?;
        if commit.parent_count() <= 1 && !is_release_commit(commit.message().unwrap_or_default()) {
            out.push(oid);
        }
    }
    Ok(out)
}

/// The members whose shipped content commit `oid` changed.
fn touched(
    repo: &Repository,
    prefix: &std::path::Path,
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
    let changes = git::change_set(repo, prefix, parent.as_ref(), Some(&tree))?;
    Ok(changed_members(graph, &changes, rules)
        .into_iter()
        .map(|ix| graph.package(ix).name.clone())
        .collect())
}
