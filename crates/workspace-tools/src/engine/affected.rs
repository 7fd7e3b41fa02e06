//! The affected set: which members a change can break, each with its reasons.
//!
//! A member is affected when its test build contains a changed package or a changed lock
//! entry. Its test build is the member itself, its normal and build dependencies
//! transitively, and its own dev-dependencies with their normal and build dependencies.
//! The dev-dependencies of its dependencies are never built for it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use super::{lockfile, manifest_diff};
use crate::engine::graph::{DepKind, PackageIx, WorkspaceGraph};
use crate::engine::rules::{Effect, Rule, Rules};
use crate::{ChangeSet, FileStatus, Read};

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
    /// The package's build reads a changed file outside its own folder.
    Reads {
        /// The changed path.
        path: String,
        /// The read that covers it: the file or folder read, and where.
        read: Read,
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
            let _ = write!(message, " and {} more", paths.len() - SHOWN);
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

    fn reads(path: &str, read: &Read) -> Reason {
        let what = match read.path == path {
            true => String::new(),
            false => format!(" under {}", read.path),
        };
        Reason {
            message: format!("reads {path}{what} ({}), changed", read.by),
            detail: ReasonDetail::Reads {
                path: path.to_owned(),
                read: read.clone(),
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
    /// Reasons that affect every package, each with whether it changes what crates ship (a
    /// toolchain file changes how they are tested, `[workspace.package]` what they publish).
    everything: Vec<(Reason, bool)>,
}

impl Classified {
    fn seed(&mut self, ix: PackageIx, reason: Reason, propagates: bool) {
        let seed = self.seeds.entry(ix).or_default();
        seed.propagates |= propagates;
        if !seed.reasons.contains(&reason) {
            seed.reasons.push(reason);
        }
    }

    fn apply(&mut self, graph: &WorkspaceGraph, path: &str, rule: &Rule, ships: bool) {
        match rule.effect() {
            Effect::None => {}
            Effect::All => self.everything.push((
                Reason::rule(path, format!("rule `{}`", rule.label()), true),
                ships,
            )),
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
        reasons.extend(classified.everything.iter().map(|(r, _)| r.clone()));
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

/// The members whose shipped content `changes` alters, as a release sees it: their own files,
/// the `[workspace.dependencies]` entries they inherit, workspace tables that end up in
/// published manifests, and user rules; a changed `Cargo.lock` entry counts only for members
/// that ship a binary and build it, since a library's lock file never reaches its users. Changes
/// that only alter how packages are tested (toolchain, CI, files outside every package) do
/// not count, and neither do changes of dependencies: a release propagates those itself.
pub(crate) fn changed_members(
    graph: &WorkspaceGraph,
    changes: &ChangeSet,
    rules: &Rules,
) -> BTreeSet<PackageIx> {
    let classified = classify(graph, changes, rules);
    if classified.everything.iter().any(|(_, ships)| *ships) {
        return graph.members().into_iter().collect();
    }
    let is_lock = |r: &Reason| matches!(r.detail, ReasonDetail::LockEntry { .. });
    let mut changed: BTreeSet<PackageIx> = classified
        .seeds
        .iter()
        .filter(|(ix, seed)| graph.package(**ix).is_member() && !seed.reasons.iter().all(is_lock))
        .map(|(ix, _)| *ix)
        .collect();
    let locked = classified
        .seeds
        .iter()
        .filter(|(_, s)| s.reasons.iter().any(is_lock))
        .map(|(ix, _)| *ix);
    changed.extend(
        graph
            .reverse_closure(locked)
            .into_iter()
            .map(|(ix, _)| ix)
            .filter(|ix| graph.package(*ix).is_member() && graph.package(*ix).binary),
    );
    changed
}

/// Sorts every changed path into seeds (packages changed directly) and workspace-wide reasons.
fn classify(graph: &WorkspaceGraph, changes: &ChangeSet, rules: &Rules) -> Classified {
    let roots: HashMap<&str, PackageIx> = graph
        .packages()
        .filter_map(|(ix, p)| p.root.as_deref().map(|r| (r, ix)))
        .collect();
    let sorted_roots: BTreeMap<&str, PackageIx> = roots.iter().map(|(r, ix)| (*r, *ix)).collect();
    let removed_dirs = removed_package_dirs(changes, &roots);

    let mut out = Classified::default();
    for file in &changes.files {
        let path = file.path.as_str();
        if let Some(rule) = rules.user_rule(path) {
            out.apply(graph, path, rule, true);
            continue;
        }
        let read = seed_readers(graph, path, &mut out);
        for ix in packages_under(&sorted_roots, path) {
            out.files.entry(ix).or_default().push(path.to_owned());
        }
        if path == "Cargo.toml" {
            root_manifest(graph, changes, &roots, &mut out);
        } else if path == "Cargo.lock" {
            lock_file(graph, changes, &mut out);
        } else if let Some(rule) = rules.workspace_rule(path) {
            out.apply(graph, path, rule, false);
        } else if let Some(ix) = owner(&roots, path) {
            out.files.entry(ix).or_default().push(path.to_owned());
        } else if read {
            // Outside every package, and its readers are known: they are what it affects.
        } else if file.status == FileStatus::Deleted
            && ancestors(path).any(|dir| removed_dirs.contains(dir))
        {
            // The file belonged to a package deleted by this change; its former dependents
            // had to change their manifests, so they are affected through those. Files of that
            // package that survive lie outside every package from now on, and fall through.
        } else if path.starts_with("../") {
            // Outside the workspace root, no package holds it or reads it, and it is not a
            // cargo or CI file of a folder above (those are workspace rules): another project
            // of the repository.
        } else if let Some(rule) = rules.outside_rule(path) {
            out.apply(graph, path, rule, false);
        } else {
            let reason = Reason::rule(path, "outside every package".to_owned(), true);
            out.everything.push((reason, false));
        }
    }
    for (ix, paths) in std::mem::take(&mut out.files) {
        out.seed(ix, Reason::changed_files(paths), true);
    }
    out
}

/// The folders of packages this change deletes. Every local package has a `Cargo.lock`
/// entry: a deleted manifest that changes no lock file was in no graph (a fixture project a
/// test opens), and its files are like any other.
fn removed_package_dirs<'c>(
    changes: &'c ChangeSet,
    roots: &HashMap<&str, PackageIx>,
) -> BTreeSet<&'c str> {
    let lock_changed = changes.files.iter().any(|f| f.path == "Cargo.lock");
    changes
        .files
        .iter()
        .filter(|f| lock_changed && f.status == FileStatus::Deleted)
        .filter_map(|f| f.path.strip_suffix("/Cargo.toml"))
        .filter(|dir| !roots.contains_key(dir))
        .collect()
}

/// Seeds the packages that read `path`, or read something under it; whether any reads `path`
/// itself.
fn seed_readers(graph: &WorkspaceGraph, path: &str, out: &mut Classified) -> bool {
    // A file another package reads affects that package, whoever owns the file.
    let mut read = false;
    for (ix, by) in graph.readers(path) {
        out.seed(ix, Reason::reads(path, by), true);
        read = true;
    }
    // A folder as one path (a submodule, a symlink to a folder): what lies under it may have
    // changed, so the packages and reads under it count, and the path itself goes on through
    // the rules.
    for (ix, by) in graph.readers_under(path) {
        let mut reason = Reason::reads(path, by);
        reason.message = format!("reads {} ({}), in {path}, changed", by.path, by.by);
        out.seed(ix, reason, true);
    }
    read
}

/// The packages whose root lies under the folder `path`.
fn packages_under(roots: &BTreeMap<&str, PackageIx>, path: &str) -> Vec<PackageIx> {
    let prefix = format!("{path}/");
    roots
        .range(prefix.as_str()..)
        .take_while(|(root, _)| root.starts_with(&prefix))
        .map(|(_, ix)| *ix)
        .collect()
}

/// The directories that contain `path`, deepest first; the workspace root (``) last, except
/// for paths outside it.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let outside = path.starts_with("../");
    let dirs = path.rmatch_indices('/').map(move |(i, _)| &path[..i]);
    dirs.chain((!outside).then_some(""))
}

/// The package whose root is the deepest directory containing `path`, or `path` itself (a
/// git submodule shows up as one path, its folder).
fn owner(roots: &HashMap<&str, PackageIx>, path: &str) -> Option<PackageIx> {
    std::iter::once(path)
        .chain(ancestors(path))
        .find_map(|dir| roots.get(dir).copied())
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
        // Inherited package fields and lints end up in every published manifest.
        let ships = table == "Cargo.toml"
            || table.starts_with("[workspace.package")
            || table.starts_with("[workspace.lints");
        out.everything
            .push((Reason::rule("Cargo.toml", table.clone(), true), ships));
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
            None => out.everything.push((
                Reason::rule("Cargo.toml", diff.package_tables.join(", "), true),
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
        let reason = Reason::rule("Cargo.lock", "unreadable lock file".to_owned(), true);
        out.everything.push((reason, true));
        return;
    };
    // Versions by name, so each package is looked up without copying its name and version.
    let mut versions: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (name, version) in &entries {
        versions.entry(name).or_default().insert(version);
    }
    for (ix, package) in graph.packages() {
        if versions
            .get(package.name.as_str())
            .is_some_and(|v| v.contains(package.version.as_str()))
        {
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

/// The reverse closure of the propagating seeds over normal and build edges, then one reverse
/// dev edge. `via` maps each package reached to the dependency that led to it (shortest chains);
/// `dev_via` does the same for packages reached only through one of their own dev-dependencies.
fn propagate(graph: &WorkspaceGraph, seeds: &BTreeMap<PackageIx, Seed>) -> (Via, Via) {
    let closure = graph.reverse_closure(
        seeds
            .iter()
            .filter(|(_, s)| s.propagates)
            .map(|(ix, _)| *ix),
    );
    let via: Via = closure
        .iter()
        .filter_map(|(ix, step)| step.map(|s| (*ix, s)))
        .collect();
    let reached: BTreeSet<PackageIx> = closure.iter().map(|(ix, _)| *ix).collect();
    let mut dev_via = Via::new();
    for (ix, _) in &closure {
        for (dependent, dep) in graph.dependents(*ix) {
            if dep.kind == DepKind::Dev && !reached.contains(&dependent) {
                dev_via.entry(dependent).or_insert((*ix, DepKind::Dev));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::{Dependency, Package, PackageKind};
    use crate::{ChangedFile, FileVersions};

    /// `top → left, right → base`, `base ··dev··> helper`, and `outside` at `../outside`
    /// used by `left`. `base` inherits workspace dependencies `serde` and (dev only) `proptest`.
    fn diamond() -> WorkspaceGraph {
        let mut g = WorkspaceGraph::new("/w/ws");
        let ix: Vec<PackageIx> = ["base", "helper", "left", "right", "top"]
            .iter()
            .map(|n| {
                let mut package = Package::member(n, "1.0.0", &format!("crates/{n}"));
                if *n == "base" {
                    package.inherited =
                        vec![("proptest".to_owned(), false), ("serde".to_owned(), true)];
                }
                g.add_package(package)
            })
            .collect();
        let outside = g.add_package(Package {
            kind: PackageKind::Path,
            ..Package::member("outside", "1.0.0", "../outside")
        });
        let normal = || Dependency::new(DepKind::Normal);
        g.add_dependency(ix[2], ix[0], normal());
        g.add_dependency(ix[3], ix[0], normal());
        g.add_dependency(ix[4], ix[2], normal());
        g.add_dependency(ix[4], ix[3], normal());
        g.add_dependency(ix[0], ix[1], Dependency::new(DepKind::Dev));
        g.add_dependency(ix[2], outside, normal());
        g
    }

    fn names(set: &AffectedSet) -> Vec<&str> {
        set.packages.iter().map(|p| p.name.as_str()).collect()
    }

    fn run(graph: &WorkspaceGraph, files: &[(&str, FileStatus)]) -> AffectedSet {
        let changes = ChangeSet::from_files(files.iter().map(|(p, s)| ChangedFile::new(*p, *s)));
        affected(graph, &changes, &Rules::default())
    }

    #[test]
    fn chains_are_shortest_with_ties_broken_by_name() {
        let set = run(
            &diamond(),
            &[("crates/base/src/lib.rs", FileStatus::Modified)],
        );
        assert_eq!(names(&set), ["base", "left", "right", "top"]);
        let top = &set.packages[3];
        assert_eq!(
            top.reasons[0].message,
            "depends on left → base, changed by crates/base/src/lib.rs"
        );
        assert_eq!(set.unaffected, ["helper"]);
    }

    #[test]
    fn a_dev_dependency_change_stops_at_the_dependent() {
        let set = run(
            &diamond(),
            &[("crates/helper/src/lib.rs", FileStatus::Modified)],
        );
        assert_eq!(names(&set), ["base", "helper"]);
        assert_eq!(
            set.packages[0].reasons[0].message,
            "dev-depends on helper, changed by crates/helper/src/lib.rs"
        );
    }

    #[test]
    fn paths_outside_the_workspace_root() {
        let set = run(
            &diamond(),
            &[("../outside/src/lib.rs", FileStatus::Modified)],
        );
        assert_eq!(names(&set), ["left", "top"]);
        // Another project beside the workspace: nothing. Cargo and CI files above it: all.
        let set = run(&diamond(), &[("../shared/data.json", FileStatus::Modified)]);
        assert!(set.packages.is_empty());
        for above in [
            "../.cargo/config.toml",
            "../../rust-toolchain",
            "../.github/workflows/ci.yml",
        ] {
            assert_eq!(
                run(&diamond(), &[(above, FileStatus::Modified)])
                    .packages
                    .len(),
                5
            );
        }
    }

    #[test]
    fn readers_of_a_changed_file_are_affected_with_its_owner() {
        let mut g = diamond();
        let left = g.member_by_name("left").unwrap();
        let read = |path: &str| Read {
            path: path.to_owned(),
            by: "include_str! in crates/left/src/lib.rs:1".to_owned(),
        };
        g.add_read(left, read("crates/helper/data.json"));
        g.add_read(left, read("data"));
        let set = run(&g, &[("crates/helper/data.json", FileStatus::Modified)]);
        assert_eq!(names(&set), ["base", "helper", "left", "top"]);
        // Outside every package: the readers only, not everything.
        let set = run(&g, &[("data/x.csv", FileStatus::Added)]);
        assert_eq!(names(&set), ["left", "top"]);
        assert_eq!(
            set.packages[0].reasons[0].message,
            "reads data/x.csv under data (include_str! in crates/left/src/lib.rs:1), changed"
        );
    }

    #[test]
    fn files_of_a_deleted_package_affect_nothing_by_themselves() {
        // The lock file changed (its entries as read did not: they affect nothing here).
        let with_lock = |files: &[(&str, FileStatus)]| {
            let lock = ChangedFile::new("Cargo.lock", FileStatus::Modified);
            let files = files.iter().map(|(p, s)| ChangedFile::new(*p, *s));
            let mut changes = ChangeSet::from_files(files.chain([lock]));
            changes.lockfile = Some(FileVersions {
                base: Some(String::new()),
                head: Some(String::new()),
            });
            affected(&diamond(), &changes, &Rules::default())
        };
        let deleted = [
            ("crates/gone/Cargo.toml", FileStatus::Deleted),
            ("crates/gone/src/lib.rs", FileStatus::Deleted),
        ];
        assert!(with_lock(&deleted).packages.is_empty());
        // Without a lock change it was in no graph: its files are outside every package.
        assert_eq!(run(&diamond(), &deleted).packages.len(), 5);
        // A file that survives the package lies outside every package.
        let survived = [
            ("crates/gone/Cargo.toml", FileStatus::Deleted),
            ("crates/gone/data.json", FileStatus::Modified),
        ];
        assert_eq!(with_lock(&survived).packages.len(), 5);
        // A manifest deleted inside a live package is that package's change.
        let set = run(
            &diamond(),
            &[("crates/top/fixtures/p/Cargo.toml", FileStatus::Deleted)],
        );
        assert_eq!(names(&set), ["top"]);
    }

    #[test]
    fn a_root_manifest_without_its_contents_affects_everything() {
        let mut changes =
            ChangeSet::from_files([ChangedFile::new("Cargo.toml", FileStatus::Modified)]);
        assert_eq!(
            affected(&diamond(), &changes, &Rules::default())
                .packages
                .len(),
            5
        );
        changes.root_manifest = Some(FileVersions {
            base: Some("[workspace]\n".into()),
            head: Some("[workspace] # x\n".into()),
        });
        assert!(
            affected(&diamond(), &changes, &Rules::default())
                .packages
                .is_empty()
        );
    }

    #[test]
    fn a_dev_only_workspace_dependency_does_not_propagate() {
        let g = diamond();
        let manifest = || {
            Some(
                "[workspace]\n[workspace.dependencies]\nproptest = \"1\"\nserde = \"1\"\n"
                    .to_owned(),
            )
        };
        let mut changes =
            ChangeSet::from_files([ChangedFile::new("Cargo.toml", FileStatus::Modified)]);
        changes.root_manifest = Some(FileVersions {
            base: manifest(),
            head: manifest().map(|m| m.replace("proptest = \"1\"", "proptest = \"1.5\"")),
        });
        assert_eq!(names(&affected(&g, &changes, &Rules::default())), ["base"]);
        changes.root_manifest = Some(FileVersions {
            base: manifest(),
            head: manifest().map(|m| m.replace("serde = \"1\"", "serde = \"1.0.200\"")),
        });
        assert_eq!(
            names(&affected(&g, &changes, &Rules::default())),
            ["base", "left", "right", "top"]
        );
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;
    use crate::engine::graph::{Dependency, Package};
    use crate::{ChangedFile, FileVersions};

    #[test]
    fn a_lock_change_counts_for_binaries_only_and_test_files_for_nobody() {
        let mut g = WorkspaceGraph::new("/w");
        let lib = g.add_package(Package::member("lib", "1.0.0", "crates/lib"));
        let cli = g.add_package(Package {
            binary: true,
            ..Package::member("cli", "1.0.0", "crates/cli")
        });
        let serde = g.add_package(Package::external("serde", "1.0.1"));
        g.add_dependency(lib, serde, Dependency::new(DepKind::Normal));
        g.add_dependency(cli, lib, Dependency::new(DepKind::Normal));
        let lock = |v: &str| {
            Some(format!(
                "[[package]]\nname = \"serde\"\nversion = \"{v}\"\nsource = \"x\"\n"
            ))
        };
        let mut changes = ChangeSet::from_files([
            ChangedFile::new("Cargo.lock", FileStatus::Modified),
            ChangedFile::new("rust-toolchain.toml", FileStatus::Modified),
            ChangedFile::new("wit/api.wit", FileStatus::Modified),
        ]);
        changes.lockfile = Some(FileVersions {
            base: lock("1.0.0"),
            head: lock("1.0.1"),
        });
        let rules = Rules::default();
        // For tests, everything is affected; for a release, only the binary that ships the lock.
        assert_eq!(affected(&g, &changes, &rules).packages.len(), 2);
        assert_eq!(changed_members(&g, &changes, &rules), BTreeSet::from([cli]));

        let own = ChangeSet::from_files([ChangedFile::new(
            "crates/lib/src/lib.rs",
            FileStatus::Modified,
        )]);
        assert_eq!(changed_members(&g, &own, &rules), BTreeSet::from([lib]));
    }
}
