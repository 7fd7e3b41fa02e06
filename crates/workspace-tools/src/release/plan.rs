//! The release plan: which crates move to which versions, and which requirements follow.
//! Pure: the crates' states and requirements in, a [`ReleasePlan`] out.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;
use serde::Serialize;

use super::commits::Commit;
use super::version::{self, BumpSpec, Level};
use crate::{DepKind, ReleaseConfig};

/// A workspace member as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateState {
    /// The crate name.
    pub name: String,
    /// The version in its manifest.
    pub version: Version,
    /// `false` for `publish = false`.
    pub publish: bool,
    /// Its version is `version.workspace = true`.
    pub shares_workspace_version: bool,
    /// The last released version found in the tags.
    pub last_release: Option<Version>,
    /// The commits since that release that changed the crate itself, oldest first.
    pub commits: Vec<Commit>,
}

/// Where a requirement is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "in", rename_all = "kebab-case")]
pub enum ReqLocation {
    /// In a member's manifest: `table` is the path of the dependency table, such as
    /// `["target", "cfg(windows)", "dependencies"]`, and `key` the entry's key.
    Member {
        /// The manifest, relative to the workspace root.
        manifest: String,
        /// The table path.
        table: Vec<String>,
        /// The dependency's key in that table.
        key: String,
    },
    /// In `[workspace.dependencies]` of the root manifest.
    Workspace {
        /// The entry's key.
        key: String,
    },
}

/// A version requirement of one member on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The dependent crate.
    pub from: String,
    /// The dependency.
    pub to: String,
    /// Normal, build or dev.
    pub kind: DepKind,
    /// The requirement as written, such as `0.4` or `=0.4.0`.
    pub req: String,
    /// Where it is written.
    pub location: ReqLocation,
}

/// One crate's release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// The crate name.
    pub name: String,
    /// Its version now.
    pub from: Version,
    /// Its version after the release.
    pub to: Version,
    /// Why it is released, such as `depends on control-interface 0.5.0 (breaking)`.
    pub reasons: Vec<String>,
    /// The commits that changed it since its last release.
    pub commits: Vec<Commit>,
    /// Whether it is published (`publish = false` crates move only with a group).
    pub publish: bool,
    /// Its tag, unless the release is a train or the crate is not published.
    pub tag: Option<String>,
    /// Released only because dependencies or a group moved.
    pub dependency_only: bool,
    /// Released dependencies it now requires: name and new version.
    pub updated_dependencies: Vec<(String, Version)>,
}

/// A requirement moved to a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementEdit {
    /// Where it is written.
    pub location: ReqLocation,
    /// The dependency it names.
    pub dependency: String,
    /// The requirement before.
    pub old: String,
    /// The requirement after.
    pub new: String,
}

/// Everything a release changes, before anything is touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleasePlan {
    /// The released crates in publish order: every crate after its normal and build dependencies.
    pub releases: Vec<Release>,
    /// Requirements to rewrite.
    pub requirement_edits: Vec<RequirementEdit>,
    /// The new `[workspace.package].version`, when crates inheriting it are released.
    pub workspace_version: Option<Version>,
    /// The single tag of a train release.
    pub train_tag: Option<String>,
}

impl ReleasePlan {
    /// Whether there is nothing to release.
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty()
    }

    /// Every tag the release creates.
    pub fn tags(&self) -> Vec<String> {
        self.train_tag
            .iter()
            .cloned()
            .chain(self.releases.iter().filter_map(|r| r.tag.clone()))
            .collect()
    }
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A `--bump` or a group names a crate that is not a member.
    #[error("`{name}` is not a workspace member ({context})")]
    UnknownCrate {
        /// The name.
        name: String,
        /// Where it was named.
        context: String,
    },
    /// A `--bump` cannot be applied.
    #[error("cannot bump {name}: {message}")]
    Bump {
        /// The crate.
        name: String,
        /// Why.
        message: String,
    },
}

/// What a crate needs: an exact version or at least a level, and why.
#[derive(Default)]
struct Want {
    exact: Option<Version>,
    level: Option<Level>,
    /// The version of its lockstep group, which it cannot stay below.
    floor: Option<Version>,
    reasons: Vec<String>,
    dependency_only: bool,
}

/// Plans a release of `crates` given their `requirements`, the `config` and explicit `bumps`.
pub fn plan(
    crates: &[CrateState],
    requirements: &[Requirement],
    config: &ReleaseConfig,
    bumps: &BTreeMap<String, BumpSpec>,
) -> Result<ReleasePlan, PlanError> {
    let by_name: BTreeMap<&str, &CrateState> =
        crates.iter().map(|c| (c.name.as_str(), c)).collect();
    let unknown = |name: &str, context: String| PlanError::UnknownCrate {
        name: name.to_owned(),
        context,
    };
    if let Some(name) = bumps.keys().find(|n| !by_name.contains_key(n.as_str())) {
        return Err(unknown(name, "--bump".to_owned()));
    }
    let groups = groups(crates, config, &by_name)?;
    let grouped: BTreeSet<&str> = groups.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let eligible = |c: &CrateState| c.publish || grouped.contains(c.name.as_str());

    let mut wants: BTreeMap<&str, Want> = BTreeMap::new();
    for c in crates.iter().filter(|c| eligible(c)) {
        if let Some(spec) = bumps.get(&c.name) {
            let exact =
                version::apply_spec(&c.version, spec).map_err(|message| PlanError::Bump {
                    name: c.name.clone(),
                    message,
                })?;
            let reasons = vec![format!("--bump {spec}")];
            wants.insert(
                &c.name,
                Want {
                    exact: Some(exact),
                    reasons,
                    ..Want::default()
                },
            );
        } else if let Some(level) = c.commits.iter().map(Commit::level).max() {
            let since = c
                .last_release
                .as_ref()
                .map_or("the beginning".to_owned(), |v| v.to_string());
            let n = c.commits.len();
            let reason = format!(
                "{n} commit{} since {since} ({})",
                if n == 1 { "" } else { "s" },
                level_word(level)
            );
            wants.insert(
                &c.name,
                Want {
                    level: Some(level),
                    reasons: vec![reason],
                    ..Want::default()
                },
            );
        }
    }

    let versions = loop {
        let mut versions = targets(&wants, &by_name);
        let mut changed = unify_groups(&groups, &mut wants, &mut versions, &by_name);
        for r in requirements.iter().filter(|r| r.kind != DepKind::Dev) {
            let (Some(new), Some(from)) =
                (versions.get(r.to.as_str()), by_name.get(r.from.as_str()))
            else {
                continue;
            };
            if version::matches(&r.req, new) || !eligible(from) {
                continue;
            }
            let breaking = version::is_breaking(&by_name[r.to.as_str()].version, new);
            let public = config
                .crates
                .get(&r.from)
                .is_some_and(|c| c.public_dependencies.contains(&r.to));
            let level = if public && breaking {
                Level::Breaking
            } else {
                Level::Patch
            };
            let want = wants.entry(&from.name).or_insert_with(|| Want {
                dependency_only: true,
                ..Want::default()
            });
            let note = if breaking {
                "breaking"
            } else {
                "requirement no longer matches"
            };
            let reason = format!("depends on {} {new} ({note})", r.to);
            if !want.reasons.contains(&reason) {
                want.reasons.push(reason);
            }
            if want.exact.is_none() && want.level < Some(level) {
                want.level = Some(level);
                changed = true;
            }
        }
        if !changed {
            break versions;
        }
    };

    let order = publish_order(crates, requirements);
    let workspace_version = crates
        .iter()
        .filter(|c| c.shares_workspace_version)
        .find_map(|c| versions.get(c.name.as_str()).cloned());
    let releases: Vec<Release> = order
        .iter()
        .filter_map(|name| {
            let (c, to, want) = (
                by_name[name.as_str()],
                versions.get(name.as_str())?,
                wants.remove(name.as_str())?,
            );
            let updated_dependencies = requirements
                .iter()
                .filter(|r| r.from == c.name && r.kind != DepKind::Dev)
                .filter_map(|r| {
                    versions
                        .get(r.to.as_str())
                        .map(|v| (r.to.clone(), v.clone()))
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            Some(Release {
                name: c.name.clone(),
                from: c.version.clone(),
                to: to.clone(),
                reasons: want.reasons,
                commits: c.commits.clone(),
                publish: c.publish,
                tag: (c.publish && !config.train).then(|| config.tag(&c.name, to)),
                dependency_only: want.dependency_only,
                updated_dependencies,
            })
        })
        .collect();
    let train_tag = (config.train && !releases.is_empty()).then(|| config.tag("", &releases[0].to));
    let released: BTreeSet<&str> = releases.iter().map(|r| r.name.as_str()).collect();
    Ok(ReleasePlan {
        requirement_edits: requirement_edits(requirements, &versions, &released),
        releases,
        workspace_version,
        train_tag,
    })
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Breaking => "breaking",
        Level::Minor => "feature",
        Level::Patch => "fix",
    }
}

/// Lockstep groups: the configured ones, the crates sharing `[workspace.package].version`, and in
/// a train every publishable crate. Overlapping groups are merged.
fn groups<'a>(
    crates: &'a [CrateState],
    config: &'a ReleaseConfig,
    by_name: &BTreeMap<&str, &CrateState>,
) -> Result<Vec<(String, BTreeSet<&'a str>)>, PlanError> {
    let mut groups: Vec<(String, BTreeSet<&str>)> = Vec::new();
    for (label, members) in &config.groups {
        if let Some(name) = members.iter().find(|n| !by_name.contains_key(n.as_str())) {
            return Err(PlanError::UnknownCrate {
                name: name.clone(),
                context: format!("release group `{label}`"),
            });
        }
        groups.push((
            format!("lockstep group `{label}`"),
            members.iter().map(String::as_str).collect(),
        ));
    }
    let shared: BTreeSet<&str> = crates
        .iter()
        .filter(|c| c.shares_workspace_version)
        .map(|c| c.name.as_str())
        .collect();
    if !shared.is_empty() {
        groups.push(("shares the workspace version".to_owned(), shared));
    }
    if config.train {
        let all = crates
            .iter()
            .filter(|c| c.publish)
            .map(|c| c.name.as_str())
            .collect();
        groups.push(("release train".to_owned(), all));
    }
    // Merge groups that share a crate until none do.
    let mut merged: Vec<(String, BTreeSet<&str>)> = Vec::new();
    for (label, members) in groups {
        let (overlapping, rest): (Vec<_>, Vec<_>) = merged
            .into_iter()
            .partition(|(_, m)| !m.is_disjoint(&members));
        let mut union = (label, members);
        for (other_label, other) in overlapping {
            union.0 = format!("{}, {other_label}", union.0);
            union.1.extend(other);
        }
        merged = rest;
        merged.push(union);
    }
    Ok(merged)
}

fn targets<'a>(
    wants: &BTreeMap<&'a str, Want>,
    by_name: &BTreeMap<&str, &CrateState>,
) -> BTreeMap<&'a str, Version> {
    wants
        .iter()
        .filter_map(|(name, want)| {
            let current = &by_name[name].version;
            let own = want
                .exact
                .clone()
                .or_else(|| want.level.map(|l| version::next_for_level(current, l)));
            let target = own.into_iter().chain(want.floor.clone()).max()?;
            Some((*name, target))
        })
        .collect()
}

/// Gives every member of a group with a release the group's version: the highest target of its
/// members. Returns whether a crate joined a release or a group's version rose.
fn unify_groups<'a>(
    groups: &[(String, BTreeSet<&'a str>)],
    wants: &mut BTreeMap<&'a str, Want>,
    versions: &mut BTreeMap<&'a str, Version>,
    by_name: &BTreeMap<&str, &CrateState>,
) -> bool {
    let mut changed = false;
    for (label, members) in groups {
        let Some(mut top) = members
            .iter()
            .filter_map(|m| versions.get(m))
            .max()
            .cloned()
        else {
            continue;
        };
        // The group's version must be above every member's current one.
        if let Some(highest) = members
            .iter()
            .map(|m| &by_name[m].version)
            .max()
            .filter(|h| **h >= top)
        {
            top = version::next_for_level(highest, Level::Patch);
        }
        for member in members {
            let want = wants.entry(member).or_insert_with(|| Want {
                dependency_only: true,
                ..Want::default()
            });
            if versions.get(member) != Some(&top) {
                let others: Vec<&str> = members.iter().filter(|m| *m != member).copied().collect();
                let reason = format!("{label} ({}) moves to {top}", others.join(", "));
                if !want.reasons.contains(&reason) {
                    want.reasons.push(reason);
                }
            }
            if want.floor.as_ref() < Some(&top) {
                want.floor = Some(top.clone());
                changed = true;
            }
            versions.insert(member, top.clone());
        }
    }
    changed
}

/// Crate names with every crate after its normal and build dependencies; ties by name.
pub(crate) fn publish_order(crates: &[CrateState], requirements: &[Requirement]) -> Vec<String> {
    let mut pending: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    pending.sort();
    let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in requirements
        .iter()
        .filter(|r| r.kind != DepKind::Dev && r.from != r.to)
    {
        deps.entry(r.from.as_str()).or_default().push(r.to.as_str());
    }
    let mut order: Vec<String> = Vec::with_capacity(pending.len());
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while !pending.is_empty() {
        let ready: Vec<&str> = pending
            .iter()
            .copied()
            .filter(|n| {
                deps.get(n)
                    .is_none_or(|ds| ds.iter().all(|d| placed.contains(d)))
            })
            .collect();
        if ready.is_empty() {
            // A cycle through normal or build edges, which cargo rejects; keep name order.
            order.extend(pending.drain(..).map(str::to_owned));
            break;
        }
        pending.retain(|n| !ready.contains(n));
        placed.extend(ready.iter().copied());
        order.extend(ready.into_iter().map(str::to_owned));
    }
    order
}

/// Requirements that no longer match their target's new version, and compatible ones of crates
/// released in this plan, moved to the new version in their own style.
fn requirement_edits(
    requirements: &[Requirement],
    versions: &BTreeMap<&str, Version>,
    released: &BTreeSet<&str>,
) -> Vec<RequirementEdit> {
    let mut seen = BTreeSet::new();
    let mut edits = Vec::new();
    for r in requirements {
        let Some(new_version) = versions.get(r.to.as_str()) else {
            continue;
        };
        let new = version::retarget(&r.req, new_version);
        let forced = !version::matches(&r.req, new_version);
        let follows = released.contains(r.from.as_str()) && new != r.req;
        if (forced || follows) && seen.insert(r.location.clone()) {
            edits.push(RequirementEdit {
                location: r.location.clone(),
                dependency: r.to.clone(),
                old: r.req.clone(),
                new,
            });
        }
    }
    edits
}
