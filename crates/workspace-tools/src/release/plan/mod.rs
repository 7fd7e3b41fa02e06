//! The release plan: which crates move to which versions, and which requirements follow.
//! Pure: the crates' states and requirements in, a [`ReleasePlan`] out. Its submodules are pure
//! too: version arithmetic, conventional commits, changelog sections, manifest edits as text.

pub(crate) mod changelog;
pub(crate) mod commits;
pub(crate) mod dev_order;
pub(crate) mod lock_sections;
pub(crate) mod manifests;
pub(crate) mod version;

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;
use serde::Serialize;

use crate::{DepKind, ReleaseConfig};
use commits::{Commit, RELEASE_TRAILER};
use version::{BumpSpec, Level};

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
    /// The last released version: its highest tag reachable from `HEAD`, or a later version a
    /// release commit recorded or the registry has. A manifest version above it (or with none)
    /// was never released.
    pub last_release: Option<Version>,
    /// Its highest tag, named when it is above the manifest version.
    pub last_tag: Option<String>,
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

/// A version requirement of one member on another, through a path dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The dependent crate; the dependency itself, with kind `Dev`, for a
    /// `[workspace.dependencies]` entry no member inherits (it must follow, but forces nothing).
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

impl CrateState {
    /// Whether its manifest version was never released.
    pub fn unreleased(&self) -> bool {
        self.last_release.as_ref().is_none_or(|l| self.version > *l)
    }
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
    /// Tags of earlier release commits that were never created, which this run creates first
    /// instead of planning anew.
    pub unfinished: Vec<UnfinishedTag>,
}

/// A tag an earlier release commit should have created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnfinishedTag {
    /// The tag.
    pub tag: String,
    /// The release commit it goes on (the full id).
    pub commit: String,
    /// The crates and versions that commit recorded for this tag.
    pub crates: Vec<(String, Version)>,
    /// The tag's message: the changelog section of that release, as the commit wrote it.
    pub message: String,
}

/// The tags of a release, the train tag first: from a plan, or from the plan a release pull
/// request recorded.
pub fn tags<'t>(
    train: Option<&'t String>,
    crate_tags: impl Iterator<Item = Option<&'t String>>,
) -> Vec<String> {
    train
        .into_iter()
        .chain(crate_tags.flatten())
        .cloned()
        .collect()
}

impl ReleasePlan {
    /// Whether there is nothing to release.
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty() && self.unfinished.is_empty()
    }

    /// Every tag the release creates.
    pub fn tags(&self) -> Vec<String> {
        tags(
            self.train_tag.as_ref(),
            self.releases.iter().map(|r| r.tag.as_ref()),
        )
    }
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// A bump or a group names a crate that is not a member.
    #[error("`{name}` is not a workspace member ({context})")]
    UnknownCrate {
        /// The name.
        name: String,
        /// Where it was named.
        context: String,
    },
    /// A bump cannot be applied.
    #[error("cannot bump {name}: {message}")]
    Bump {
        /// The crate.
        name: String,
        /// Why.
        message: String,
    },
    /// Two different bumps were asked for one crate, or for one lockstep group.
    #[error("cannot bump {name}: conflicting bumps {} for one version", asked.join(", "))]
    ConflictingBumps {
        /// The crate or the group.
        name: String,
        /// The bumps asked, as `crate=bump`.
        asked: Vec<String>,
    },
    /// A bump was asked while an earlier release commit still owes a tag: that release is
    /// finished first.
    #[error("cannot bump {name}: release commit {commit} still owes tag {tag}")]
    Unfinished {
        /// The crate asked to bump.
        name: String,
        /// The release commit, abbreviated.
        commit: String,
        /// The tag it owes.
        tag: String,
    },
    /// A crate's tag is above its manifest version: releasing would go backwards.
    #[error(
        "{name}: tag {tag} is above the manifest version {version}; set the version to at least \
         the tag's, or delete the tag if it was a mistake"
    )]
    TagAhead {
        /// The crate.
        name: String,
        /// The tag.
        tag: String,
        /// The manifest version.
        version: String,
    },
    /// The release would leave the workspace inconsistent: a requirement that does not match
    /// its target's new version, or a workspace `cargo metadata --locked` cannot resolve.
    #[error("{message}; nothing was written")]
    Inconsistent {
        /// What is wrong, naming the file.
        message: String,
    },
    /// Versioned dev-dependencies make publishing impossible to order.
    #[error(
        "publishing cannot be ordered: {cycle} (cargo publish resolves a dev-dependency with a \
         version from the registry); {fix}"
    )]
    DevCycle {
        /// The cycle, such as `x1 → x2 → x1`.
        cycle: String,
        /// How to break it.
        fix: String,
    },
    /// A stable release would require a pre-release planned in the same release.
    #[error(
        "{name} {version} would be a stable release requiring the pre-release {dependency} \
         {dependency_version}; bump {name} to a pre-release too"
    )]
    StableOnPreRelease {
        /// The dependent.
        name: String,
        /// Its planned version.
        version: String,
        /// The dependency.
        dependency: String,
        /// Its planned pre-release.
        dependency_version: String,
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
    /// The pre-release label of a dependency it follows: it becomes a pre-release too.
    pre: Option<String>,
}

/// Collects the bumps asked, refusing two different ones for one crate.
pub fn collect_bumps(list: &[(String, BumpSpec)]) -> Result<BTreeMap<String, BumpSpec>, PlanError> {
    let mut bumps: BTreeMap<String, BumpSpec> = BTreeMap::new();
    for (name, spec) in list {
        match bumps.get(name) {
            Some(earlier) if earlier != spec => {
                return Err(PlanError::ConflictingBumps {
                    name: name.clone(),
                    asked: vec![format!("{name}={earlier}"), format!("{name}={spec}")],
                });
            }
            _ => {
                bumps.insert(name.clone(), spec.clone());
            }
        }
    }
    Ok(bumps)
}

/// Plans a release of `crates` given their `requirements`, the `config` and explicit `bumps`.
// Public only to the tests, through the `test-support` feature.
#[cfg_attr(not(any(test, feature = "test-support")), allow(unreachable_pub))]
pub fn plan(
    crates: &[CrateState],
    requirements: &[Requirement],
    config: &ReleaseConfig,
    bumps: &BTreeMap<String, BumpSpec>,
) -> Result<ReleasePlan, PlanError> {
    let by_name: BTreeMap<&str, &CrateState> =
        crates.iter().map(|c| (c.name.as_str(), c)).collect();
    if let Some(name) = bumps.keys().find(|n| !by_name.contains_key(n.as_str())) {
        return Err(PlanError::UnknownCrate {
            name: name.clone(),
            context: "--bump".to_owned(),
        });
    }
    let groups = groups(crates, config, &by_name)?;
    let inputs = Inputs {
        crates,
        requirements,
        config,
        grouped: groups.iter().flat_map(|(_, m)| m.iter().copied()).collect(),
        by_name,
    };
    inputs.check(bumps)?;
    let mut wants = inputs.own_wants(bumps)?;
    check_group_bumps(&groups, &wants)?;
    let versions = inputs.follow_requirements(&groups, &mut wants);

    let releases = inputs.releases(&versions, &mut wants);
    check_stable_on_pre(&releases, requirements, &versions)?;
    let workspace_version = crates
        .iter()
        .filter(|c| c.shares_workspace_version)
        .find_map(|c| versions.get(c.name.as_str()).cloned());
    let train_tag = (config.train && !releases.is_empty()).then(|| config.tag("", &releases[0].to));
    let released: BTreeSet<&str> = releases.iter().map(|r| r.name.as_str()).collect();
    Ok(ReleasePlan {
        requirement_edits: requirement_edits(requirements, &versions, &released),
        releases,
        workspace_version,
        train_tag,
        unfinished: Vec::new(),
    })
}

/// What the planner works from: the crates (also by name), their requirements, the
/// configuration, and the members of release groups.
struct Inputs<'a> {
    crates: &'a [CrateState],
    requirements: &'a [Requirement],
    config: &'a ReleaseConfig,
    by_name: BTreeMap<&'a str, &'a CrateState>,
    grouped: BTreeSet<&'a str>,
}

impl<'a> Inputs<'a> {
    /// A crate that can be released: published, or in a release group.
    fn eligible(&self, c: &CrateState) -> bool {
        c.publish || self.grouped.contains(c.name.as_str())
    }

    /// Refuses a tag above its manifest version, and a bump of a crate that is never released.
    fn check(&self, bumps: &BTreeMap<String, BumpSpec>) -> Result<(), PlanError> {
        for c in self.crates {
            if let (Some(last), Some(tag)) = (&c.last_release, &c.last_tag)
                && *last > c.version
            {
                return Err(PlanError::TagAhead {
                    name: c.name.clone(),
                    tag: tag.clone(),
                    version: c.version.to_string(),
                });
            }
            if bumps.contains_key(&c.name) && !self.eligible(c) {
                return Err(PlanError::Bump {
                    name: c.name.clone(),
                    message: "it is not published (publish = false) and in no release group, so \
                              it is never released"
                        .to_owned(),
                });
            }
        }
        Ok(())
    }

    /// What each eligible crate wants for itself: its `--bump`, else its commits' level and
    /// whether its manifest version was never released.
    fn own_wants(
        &self,
        bumps: &BTreeMap<String, BumpSpec>,
    ) -> Result<BTreeMap<&'a str, Want>, PlanError> {
        let mut wants = BTreeMap::new();
        for c in self.crates.iter().filter(|c| self.eligible(c)) {
            let want = match bumps.get(&c.name) {
                Some(spec) => Some(bump_want(c, spec)?),
                None => commits_want(c),
            };
            if let Some(want) = want {
                wants.insert(c.name.as_str(), want);
            }
        }
        Ok(wants)
    }

    /// The target versions once every crate whose requirement no longer matches a dependency's
    /// new version follows it, and the groups move together; repeated until nothing changes.
    fn follow_requirements(
        &self,
        groups: &[(String, BTreeSet<&'a str>)],
        wants: &mut BTreeMap<&'a str, Want>,
    ) -> BTreeMap<&'a str, Version> {
        loop {
            let mut versions = targets(wants, &self.by_name);
            let mut changed = unify_groups(groups, wants, &mut versions, &self.by_name);
            for r in self.requirements.iter().filter(|r| r.kind != DepKind::Dev) {
                changed |= self.follow(r, &versions, wants);
            }
            if !changed {
                return versions;
            }
        }
    }

    /// Makes the dependent of `r` follow its dependency's new version when `r` no longer
    /// matches it; whether that raised what the dependent wants.
    fn follow(
        &self,
        r: &Requirement,
        versions: &BTreeMap<&str, Version>,
        wants: &mut BTreeMap<&'a str, Want>,
    ) -> bool {
        let (Some(new), Some(from)) = (
            versions.get(r.to.as_str()),
            self.by_name.get(r.from.as_str()),
        ) else {
            return false;
        };
        if version::matches(&r.req, new) || !self.eligible(from) {
            return false;
        }
        let breaking = version::is_breaking(&self.by_name[r.to.as_str()].version, new);
        let public = self
            .config
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
        let mut changed = false;
        if !new.pre.is_empty() && want.pre.is_none() {
            want.pre = Some(version::pre_label(new));
            changed = true;
        }
        if want.exact.is_none() && want.level < Some(level) {
            want.level = Some(level);
            changed = true;
        }
        changed
    }

    /// The releases, in publish order, of the crates that move to a new version.
    fn releases(
        &self,
        versions: &BTreeMap<&str, Version>,
        wants: &mut BTreeMap<&'a str, Want>,
    ) -> Vec<Release> {
        publish_order(self.crates, self.requirements)
            .iter()
            .filter_map(|name| {
                let (c, to, want) = (
                    self.by_name[name.as_str()],
                    versions.get(name.as_str())?,
                    wants.remove(name.as_str())?,
                );
                let updated_dependencies = self
                    .requirements
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
                    tag: (c.publish && !self.config.train).then(|| self.config.tag(&c.name, to)),
                    dependency_only: want.dependency_only,
                    updated_dependencies,
                })
            })
            .collect()
    }
}

/// The exact version the bump `spec` asks of `c`.
fn bump_want(c: &CrateState, spec: &BumpSpec) -> Result<Want, PlanError> {
    let exact = match spec {
        // An unreleased manifest version can be released as it is.
        BumpSpec::Exact(v) if c.unreleased() && *v == c.version => Ok(v.clone()),
        _ => version::apply_spec(&c.version, spec),
    }
    .map_err(|message| PlanError::Bump {
        name: c.name.clone(),
        message,
    })?;
    Ok(Want {
        exact: Some(exact),
        reasons: vec![format!("--bump {spec}")],
        ..Want::default()
    })
}

/// What `c`'s own commits, and a manifest version never released, ask for; `None` for nothing.
fn commits_want(c: &CrateState) -> Option<Want> {
    let level = c.commits.iter().map(Commit::level).max();
    let mut reasons = Vec::new();
    if let Some(level) = level {
        let since = c
            .last_release
            .as_ref()
            .map_or("the beginning".to_owned(), |v| v.to_string());
        let n = c.commits.len();
        reasons.push(format!(
            "{n} commit{} since {since} ({})",
            if n == 1 { "" } else { "s" },
            level_word(level)
        ));
    }
    if c.unreleased() {
        reasons.push(match &c.last_release {
            Some(last) => format!(
                "{} is above the last release {last} and was never released",
                c.version
            ),
            None => format!("{} was never released", c.version),
        });
    }
    (!reasons.is_empty()).then(|| Want {
        level,
        reasons,
        ..Want::default()
    })
}

/// Refuses two different exact versions asked within one release group.
fn check_group_bumps(
    groups: &[(String, BTreeSet<&str>)],
    wants: &BTreeMap<&str, Want>,
) -> Result<(), PlanError> {
    for (label, members) in groups {
        let asked: BTreeMap<&Version, &str> = members
            .iter()
            .filter_map(|m| wants.get(m).and_then(|w| w.exact.as_ref()).map(|v| (v, *m)))
            .collect();
        if asked.len() > 1 {
            return Err(PlanError::ConflictingBumps {
                name: label.clone(),
                asked: asked.iter().map(|(v, m)| format!("{m}={v}")).collect(),
            });
        }
    }
    Ok(())
}

/// Refuses a stable release that requires a pre-release planned in the same release.
fn check_stable_on_pre(
    releases: &[Release],
    requirements: &[Requirement],
    versions: &BTreeMap<&str, Version>,
) -> Result<(), PlanError> {
    for release in releases.iter().filter(|r| r.to.pre.is_empty()) {
        let on_pre = requirements
            .iter()
            .filter(|r| r.from == release.name && r.kind != DepKind::Dev)
            .find_map(|r| {
                versions
                    .get(r.to.as_str())
                    .filter(|v| !v.pre.is_empty())
                    .map(|v| (r, v))
            });
        if let Some((r, v)) = on_pre {
            return Err(PlanError::StableOnPreRelease {
                name: release.name.clone(),
                version: release.to.to_string(),
                dependency: r.to.clone(),
                dependency_version: v.to_string(),
            });
        }
    }
    Ok(())
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

/// Each wanted crate's version: an explicit one, or its level applied, at least its group's
/// version. A level moves an unreleased manifest version only when the change since the last
/// release calls for more (0.14.1 + breaking is 0.15.0, which an unreleased 0.15.0 already is).
fn targets<'a>(
    wants: &BTreeMap<&'a str, Want>,
    by_name: &BTreeMap<&str, &CrateState>,
) -> BTreeMap<&'a str, Version> {
    wants
        .iter()
        .map(|(name, want)| {
            let c = by_name[name];
            let by_level = |level: Level| match (c.unreleased(), &c.last_release) {
                (false, _) => version::next_for_level(&c.version, level),
                (true, Some(last)) => version::next_for_level(last, level).max(c.version.clone()),
                (true, None) => c.version.clone(),
            };
            let own = want
                .exact
                .clone()
                .or_else(|| want.level.map(by_level))
                .unwrap_or_else(|| by_level(Level::Patch));
            let mut target = own.max(want.floor.clone().unwrap_or(Version::new(0, 0, 0)));
            if let (Some(label), None) = (&want.pre, &want.exact) {
                target = version::as_pre(&target, label);
            }
            (*name, target)
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
        // The group's version must be above every member's released version, and at least
        // every unreleased one.
        let floor = members
            .iter()
            .map(|m| match by_name[m].unreleased() {
                true => by_name[m].version.clone(),
                false => version::next_for_level(&by_name[m].version, Level::Patch),
            })
            .max();
        let too_low = members.iter().any(|m| match by_name[m].unreleased() {
            true => top < by_name[m].version,
            false => top <= by_name[m].version,
        });
        if let Some(floor) = floor.filter(|_| too_low) {
            top = floor;
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

/// A crate the release has tagged at its current version, waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The crate.
    pub name: String,
    /// Its current version.
    pub version: Version,
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
    crate::engine::graph::in_rounds(pending, |name, placed| {
        deps.get(name)
            .is_none_or(|ds| ds.iter().all(|d| placed.contains(d)))
    })
    .into_iter()
    .map(str::to_owned)
    .collect()
}

/// Requirements that no longer match their target's new version, and compatible normal and
/// build ones of crates released in this plan, moved to the new version in their own style.
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
        // A dev-dependency that still matches stays: raising it gives users nothing, and
        // `cargo publish` resolves a versioned one from the registry, where a requirement only
        // this release meets can leave no publish order (x1 dev-depends on x2, x2 on x1).
        let dev = r.kind == DepKind::Dev && r.from != r.to;
        let follows = released.contains(r.from.as_str()) && new != r.req && !dev;
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

/// The release commit's message: a summary line, one line per crate, and the trailer that
/// keeps it out of the next release's changes.
pub fn commit_message(plan: &ReleasePlan) -> String {
    let names: Vec<String> = plan
        .releases
        .iter()
        .map(|r| format!("{} {}", r.name, r.to))
        .collect();
    let summary = match &plan.train_tag {
        Some(tag) => format!("chore(release): {tag}"),
        None if names.len() <= 3 => format!("chore(release): {}", names.join(", ")),
        None => format!("chore(release): {} crates", names.len()),
    };
    let lines: Vec<String> = plan
        .releases
        .iter()
        .map(|r| format!("- {} {} → {}", r.name, r.from, r.to))
        .collect();
    format!("{summary}\n\n{}\n\n{RELEASE_TRAILER}\n", lines.join("\n"))
}
