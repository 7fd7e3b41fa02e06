//! The affected set: which members a change can break, each with its reasons.
//!
//! A member is affected when its test build contains a changed package or a changed lock
//! entry. Its test build is the member itself, its normal and build dependencies
//! transitively, and its own dev-dependencies with their normal and build dependencies.
//! The dev-dependencies of its dependencies are never built for it.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::Serialize;

use crate::graph::{DepKind, PackageIx, WorkspaceGraph};
use crate::rules::{Effect, Rule, Rules};
use crate::{ChangeSet, FileStatus, lockfile, manifest_diff};

/// The affected members of a workspace, and the rest.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedSet {
    /// Affected members, sorted by name.
    #[serde(rename = "affected")]
    pub packages: Vec<AffectedPackage>,
    /// Names of the members that are not affected, sorted.
    pub unaffected: Vec<String>,
}

/// One affected member.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedPackage {
    /// The package name.
    pub name: String,
    /// The package version.
    pub version: String,
    /// Its directory relative to the workspace root (empty for the root package).
    pub path: String,
    /// Why it is affected; never empty.
    pub reasons: Vec<Reason>,
}

/// Why a package is affected: a sentence for people and the details for machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The reason as a sentence, e.g. `depends on wascap, changed by crates/wascap/src/lib.rs`.
    pub message: String,
    /// The same, as data.
    #[serde(flatten)]
    pub detail: ReasonDetail,
}

/// The kinds of reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ReasonDetail {
    /// Files of the package itself changed.
    ChangedFiles {
        /// The changed paths.
        paths: Vec<String>,
    },
    /// An entry of `[workspace.dependencies]` that the package inherits changed.
    WorkspaceDependency {
        /// The entry's key.
        dependency: String,
    },
    /// The package's own `Cargo.lock` entry, or that of a package in its test build, changed.
    LockEntry {
        /// The locked package.
        package: String,
        /// Its version at head.
        version: String,
    },
    /// A path rule matched a changed path.
    Rule {
        /// The changed path.
        path: String,
        /// The rule, or the table of the root manifest, that matched.
        rule: String,
    },
    /// A package in its test build is affected.
    Dependency {
        /// The path from this package to the changed one, nearest first.
        via: Vec<Hop>,
        /// Why the last package of `via` changed.
        cause: Box<Reason>,
    },
}

/// One step of a dependency chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The dependency's name.
    pub name: String,
    /// The kind of the edge that leads to it.
    pub kind: DepKind,
}

impl Reason {
    fn changed_files(paths: Vec<String>) -> Reason {
        const SHOWN: usize = 3;
        let mut message = format!("changed by {}", paths[..paths.len().min(SHOWN)].join(", "));
        if paths.len() > SHOWN {
            message.push_str(&format!(" and {} more", paths.len() - SHOWN));
        }
        Reason {
            message,
            detail: ReasonDetail::ChangedFiles { paths },
        }
    }

    fn rule(path: &str, rule: String, all: bool) -> Reason {
        let message = match all {
            true => format!("{path} changed ({rule}), which affects every package"),
            false => format!("{path} changed ({rule})"),
        };
        Reason {
            message,
            detail: ReasonDetail::Rule {
                path: path.to_owned(),
                rule,
            },
        }
    }

    fn dependency(via: Vec<Hop>, cause: Reason) -> Reason {
        let names: Vec<&str> = via.iter().map(|h| h.name.as_str()).collect();
        let message = format!(
            "{} {}, {}",
            via[0].kind.verb(),
            names.join(" → "),
            cause.message
        );
        Reason {
            message,
            detail: ReasonDetail::Dependency {
                via,
                cause: Box::new(cause),
            },
        }
    }
}

/// Why a package changed, and whether the change reaches its dependents.
#[derive(Default)]
struct Seed {
    reasons: Vec<Reason>,
    /// False when only the package's own tests see the change (a dev-only workspace dependency).
    propagates: bool,
}

#[derive(Default)]
struct Classified {
    seeds: BTreeMap<PackageIx, Seed>,
    files: BTreeMap<PackageIx, Vec<String>>,
    everything: Vec<Reason>,
}

impl Classified {
    fn seed(&mut self, ix: PackageIx, reason: Reason, propagates: bool) {
        let seed = self.seeds.entry(ix).or_default();
        seed.propagates |= propagates;
        if !seed.reasons.contains(&reason) {
            seed.reasons.push(reason);
        }
    }

    fn apply(&mut self, graph: &WorkspaceGraph, path: &str, rule: &Rule) {
        match &rule.effect {
            Effect::None => {}
            Effect::All => {
                self.everything
                    .push(Reason::rule(path, format!("rule `{}`", rule.label()), true))
            }
            Effect::Packages(names) => {
                for ix in names.iter().filter_map(|n| graph.member_by_name(n)) {
                    self.seed(
                        ix,
                        Reason::rule(path, format!("rule `{}`", rule.label()), false),
                        true,
                    );
                }
            }
        }
    }
}

/// Computes the affected members of `graph` for `changes` under `rules`.
pub fn affected(graph: &WorkspaceGraph, changes: &ChangeSet, rules: &Rules) -> AffectedSet {
    let classified = classify(graph, changes, rules);
    let (via, dev_via) = propagate(graph, &classified.seeds);

    let mut packages = Vec::new();
    let mut unaffected = Vec::new();
    for ix in graph.members() {
        let package = graph.package(ix);
        let mut reasons: Vec<Reason> = classified
            .seeds
            .get(&ix)
            .map(|s| s.reasons.clone())
            .unwrap_or_default();
        if let Some(chain) = chain(graph, ix, &via, &dev_via, &classified.seeds) {
            reasons.push(chain);
        }
        reasons.extend(classified.everything.iter().cloned());
        if reasons.is_empty() {
            unaffected.push(package.name.clone());
        } else {
            packages.push(AffectedPackage {
                name: package.name.clone(),
                version: package.version.clone(),
                path: package.root.clone().unwrap_or_default(),
                reasons,
            });
        }
    }
    AffectedSet {
        packages,
        unaffected,
    }
}

/// Sorts every changed path into seeds (packages changed directly) and workspace-wide reasons.
fn classify(graph: &WorkspaceGraph, changes: &ChangeSet, rules: &Rules) -> Classified {
    let roots: HashMap<&str, PackageIx> = graph
        .packages()
        .filter_map(|(ix, p)| p.root.as_deref().map(|r| (r, ix)))
        .collect();
    let removed_dirs: BTreeSet<&str> = changes
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Deleted)
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml"))
        .filter(|dir| !roots.contains_key(dir))
        .collect();

    let mut out = Classified::default();
    for file in &changes.files {
        let path = file.path.as_str();
        if let Some(rule) = rules.user_rule(path) {
            out.apply(graph, path, rule);
        } else if path == "Cargo.toml" {
            root_manifest(graph, changes, &roots, &mut out);
        } else if path == "Cargo.lock" {
            lock_file(graph, changes, &mut out);
        } else if let Some(rule) = rules.workspace_rule(path) {
            out.apply(graph, path, rule);
        } else if let Some(ix) = owner(&roots, path) {
            out.files.entry(ix).or_default().push(path.to_owned());
        } else if ancestors(path).any(|dir| removed_dirs.contains(dir)) {
            // The file belonged to a package deleted by this change; its former dependents
            // had to change their manifests, so they are affected through those.
        } else if let Some(rule) = rules.outside_rule(path) {
            out.apply(graph, path, rule);
        } else {
            out.everything
                .push(Reason::rule(path, "outside every package".to_owned(), true));
        }
    }
    for (ix, paths) in std::mem::take(&mut out.files) {
        out.seed(ix, Reason::changed_files(paths), true);
    }
    out
}

/// The directories that contain `path`, deepest first; the workspace root (``) last, except
/// for paths outside it.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let outside = path.starts_with("../");
    let dirs = path.rmatch_indices('/').map(move |(i, _)| &path[..i]);
    dirs.chain((!outside).then_some(""))
}

/// The package whose root is the deepest directory containing `path`.
fn owner(roots: &HashMap<&str, PackageIx>, path: &str) -> Option<PackageIx> {
    ancestors(path).find_map(|dir| roots.get(dir).copied())
}

fn root_manifest(
    graph: &WorkspaceGraph,
    changes: &ChangeSet,
    roots: &HashMap<&str, PackageIx>,
    out: &mut Classified,
) {
    let versions = changes.root_manifest.clone().unwrap_or_default();
    let diff = manifest_diff::diff(versions.base.as_deref(), versions.head.as_deref());
    for table in &diff.workspace_tables {
        out.everything
            .push(Reason::rule("Cargo.toml", table.clone(), true));
    }
    for dependency in &diff.workspace_dependencies {
        for (ix, package) in graph.packages() {
            if let Some((_, normal)) = package
                .inherited
                .iter()
                .find(|(name, _)| name == dependency)
            {
                let reason = Reason {
                    message: format!(
                        "inherits workspace dependency `{dependency}`, changed in Cargo.toml"
                    ),
                    detail: ReasonDetail::WorkspaceDependency {
                        dependency: dependency.clone(),
                    },
                };
                out.seed(ix, reason, *normal);
            }
        }
    }
    if !diff.package_tables.is_empty() {
        match roots.get("") {
            Some(root) => out
                .files
                .entry(*root)
                .or_default()
                .push("Cargo.toml".to_owned()),
            None => out.everything.push(Reason::rule(
                "Cargo.toml",
                diff.package_tables.join(", "),
                true,
            )),
        }
    }
}

fn lock_file(graph: &WorkspaceGraph, changes: &ChangeSet, out: &mut Classified) {
    let versions = changes.lockfile.clone().unwrap_or_default();
    let Some(entries) =
        lockfile::changed_entries(versions.base.as_deref(), versions.head.as_deref())
    else {
        out.everything.push(Reason::rule(
            "Cargo.lock",
            "unreadable lock file".to_owned(),
            true,
        ));
        return;
    };
    for (ix, package) in graph.packages() {
        if entries.contains(&(package.name.clone(), package.version.clone())) {
            let reason = Reason {
                message: format!(
                    "Cargo.lock entry of {} {} changed",
                    package.name, package.version
                ),
                detail: ReasonDetail::LockEntry {
                    package: package.name.clone(),
                    version: package.version.clone(),
                },
            };
            out.seed(ix, reason, true);
        }
    }
}

type Via = HashMap<PackageIx, (PackageIx, DepKind)>;

/// Breadth-first from the seeds over reverse normal and build edges, then one dev edge.
/// `via` maps each package reached to the dependency that led to it (shortest chains first);
/// `dev_via` does the same for packages reached only through one of their dev-dependencies.
fn propagate(graph: &WorkspaceGraph, seeds: &BTreeMap<PackageIx, Seed>) -> (Via, Via) {
    let mut reached: Vec<PackageIx> = seeds
        .iter()
        .filter(|(_, s)| s.propagates)
        .map(|(ix, _)| *ix)
        .collect();
    let mut seen: BTreeSet<PackageIx> = reached.iter().copied().collect();
    let mut via = Via::new();
    let mut queue: VecDeque<PackageIx> = reached.iter().copied().collect();
    while let Some(ix) = queue.pop_front() {
        // Visit dependents in index (name) order so that chains are the same on every run.
        let mut dependents: Vec<_> = graph.dependents(ix).collect();
        dependents.sort_by_key(|(p, _)| *p);
        for (dependent, dep) in dependents {
            if dep.kind != DepKind::Dev && seen.insert(dependent) {
                via.insert(dependent, (ix, dep.kind));
                reached.push(dependent);
                queue.push_back(dependent);
            }
        }
    }
    let mut dev_via = Via::new();
    for ix in reached {
        for (dependent, dep) in graph.dependents(ix) {
            if dep.kind == DepKind::Dev && !seen.contains(&dependent) {
                dev_via.entry(dependent).or_insert((ix, DepKind::Dev));
            }
        }
    }
    (via, dev_via)
}

/// The dependency reason of `ix`, when a dependency (not `ix` itself) brought it in.
fn chain(
    graph: &WorkspaceGraph,
    ix: PackageIx,
    via: &Via,
    dev_via: &Via,
    seeds: &BTreeMap<PackageIx, Seed>,
) -> Option<Reason> {
    let mut step = via.get(&ix).or_else(|| dev_via.get(&ix)).copied()?;
    let mut hops = Vec::new();
    loop {
        let (next, kind) = step;
        hops.push(Hop {
            name: graph.package(next).name.clone(),
            kind,
        });
        match via.get(&next) {
            Some(s) => step = *s,
            None => {
                let cause = seeds.get(&next).and_then(|s| s.reasons.first()).cloned()?;
                return Some(Reason::dependency(hops, cause));
            }
        }
    }
}
