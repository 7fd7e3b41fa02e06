//! The workspace as a graph of packages: a plain value that tests can build by hand.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::engine::reads::{Read, ReadsIndex, UnknownRead};

/// Index of a package in a [`WorkspaceGraph`].
pub type PackageIx = NodeIndex<u32>;

/// Where a package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageKind {
    /// A member of the workspace.
    Member,
    /// A path dependency that is not a member.
    Path,
    /// A package from a registry or a git repository.
    External,
}

/// One package of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// The package version.
    pub version: String,
    /// Member, path dependency or external package.
    pub kind: PackageKind,
    /// The directory of its manifest, relative to the workspace root with `/` separators
    /// (empty for a package at the root, `../x` outside it); `None` for external packages.
    pub root: Option<String>,
    /// Keys of `[workspace.dependencies]` this package inherits with `workspace = true`,
    /// with whether any of them is a normal or build dependency (`true`) or only a dev one.
    pub inherited: Vec<(String, bool)>,
    /// Whether it has a binary target.
    pub binary: bool,
    /// The source files of its targets (`src_path` in `cargo metadata`), relative to the
    /// workspace root; the reads scan follows those that lie outside the package.
    pub targets: Vec<String>,
    /// Its build script's source file, relative to the workspace root, if it has one.
    pub build_script: Option<String>,
}

impl Package {
    /// A workspace member at `root` (relative to the workspace root).
    pub fn member(name: &str, version: &str, root: &str) -> Package {
        Package {
            name: name.to_owned(),
            version: version.to_owned(),
            kind: PackageKind::Member,
            root: Some(root.to_owned()),
            inherited: Vec::new(),
            binary: false,
            targets: Vec::new(),
            build_script: None,
        }
    }

    /// A package from a registry, for graphs tests build by hand (feature `test-support`); the
    /// metadata adapter builds the real ones.
    #[cfg(any(test, feature = "test-support"))]
    pub fn external(name: &str, version: &str) -> Package {
        Package {
            name: name.to_owned(),
            version: version.to_owned(),
            kind: PackageKind::External,
            root: None,
            inherited: Vec::new(),
            binary: false,
            targets: Vec::new(),
            build_script: None,
        }
    }

    /// Whether this package is a workspace member.
    pub fn is_member(&self) -> bool {
        self.kind == PackageKind::Member
    }
}

/// The kind of a dependency edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[build-dependencies]`.
    Build,
    /// `[dev-dependencies]`.
    Dev,
}

impl DepKind {
    /// The word used in reasons: `depends on`, `build-depends on`, `dev-depends on`.
    pub fn verb(self) -> &'static str {
        match self {
            DepKind::Normal => "depends on",
            DepKind::Build => "build-depends on",
            DepKind::Dev => "dev-depends on",
        }
    }
}

/// A dependency edge from a package to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    /// Normal, build or dev.
    pub kind: DepKind,
    /// Enabled only through a feature.
    pub optional: bool,
    /// The `cfg(..)` or target triple it is limited to, if any.
    pub target: Option<String>,
}

impl Dependency {
    /// An unconditional dependency of `kind`.
    pub fn new(kind: DepKind) -> Dependency {
        Dependency {
            kind,
            optional: false,
            target: None,
        }
    }
}

/// The packages of a workspace and their dependency edges (dependent → dependency).
#[derive(Debug, Clone)]
pub struct WorkspaceGraph {
    root: PathBuf,
    graph: DiGraph<Package, Dependency>,
    reads: ReadsIndex,
}

impl WorkspaceGraph {
    /// An empty graph for the workspace at `root`.
    pub fn new(root: impl Into<PathBuf>) -> WorkspaceGraph {
        WorkspaceGraph {
            root: root.into(),
            graph: DiGraph::new(),
            reads: ReadsIndex::default(),
        }
    }

    /// Records that the build of `ix` reads `read.path` (a file, or a folder and everything
    /// under it) outside its own folder.
    pub fn add_read(&mut self, ix: PackageIx, read: Read) {
        self.reads.add(ix, read);
    }

    /// What `ix` reads outside its own folder.
    pub fn reads(&self, ix: PackageIx) -> &[Read] {
        self.reads.reads(ix)
    }

    /// The reads of `ix` that the scan could not resolve.
    pub fn unknown_reads(&self, ix: PackageIx) -> &[UnknownRead] {
        self.reads.unknown(ix)
    }

    /// The packages that read `path` (or a folder holding it), each with the read.
    pub fn readers<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (PackageIx, &'a Read)> {
        self.reads.readers(path)
    }

    /// The packages that read something under the folder `path`, each with the read.
    pub fn readers_under<'a>(
        &'a self,
        path: &'a str,
    ) -> impl Iterator<Item = (PackageIx, &'a Read)> {
        self.reads.readers_under(path)
    }

    /// Replaces the reads with those `index` found.
    pub(crate) fn set_reads(&mut self, index: ReadsIndex) {
        self.reads = index;
    }

    /// Adds a package and returns its index.
    pub fn add_package(&mut self, package: Package) -> PackageIx {
        self.graph.add_node(package)
    }

    /// Adds an edge: `from` depends on `to`.
    pub fn add_dependency(&mut self, from: PackageIx, to: PackageIx, dep: Dependency) {
        self.graph.add_edge(from, to, dep);
    }

    /// The workspace root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The package at `ix`.
    pub fn package(&self, ix: PackageIx) -> &Package {
        &self.graph[ix]
    }

    /// Every package with its index, in insertion order.
    pub fn packages(&self) -> impl Iterator<Item = (PackageIx, &Package)> {
        self.graph
            .node_indices()
            .map(move |ix| (ix, &self.graph[ix]))
    }

    /// The workspace members, sorted by name.
    pub fn members(&self) -> Vec<PackageIx> {
        let mut members: Vec<_> = self
            .packages()
            .filter(|(_, p)| p.is_member())
            .map(|(ix, _)| ix)
            .collect();
        members.sort_by(|a, b| self.graph[*a].name.cmp(&self.graph[*b].name));
        members
    }

    /// The member called `name`.
    pub fn member_by_name(&self, name: &str) -> Option<PackageIx> {
        self.packages()
            .find(|(_, p)| p.is_member() && p.name == name)
            .map(|(ix, _)| ix)
    }

    /// The direct dependencies of `ix`, with the edge.
    pub fn dependencies(&self, ix: PackageIx) -> impl Iterator<Item = (PackageIx, &Dependency)> {
        self.graph
            .edges_directed(ix, Direction::Outgoing)
            .map(|e| (e.target(), e.weight()))
    }

    /// The direct dependents of `ix`, with the edge.
    pub fn dependents(&self, ix: PackageIx) -> impl Iterator<Item = (PackageIx, &Dependency)> {
        self.graph
            .edges_directed(ix, Direction::Incoming)
            .map(|e| (e.source(), e.weight()))
    }

    /// Every package that reaches one of `seeds` through normal and build edges, seeds first,
    /// in breadth-first order. Each comes with the dependency it was reached through (`None` for
    /// a seed), so following those steps gives a shortest chain back to a seed. Dependents are
    /// visited in index order, so the chains are the same on every run.
    pub fn reverse_closure(
        &self,
        seeds: impl IntoIterator<Item = PackageIx>,
    ) -> Vec<(PackageIx, Option<(PackageIx, DepKind)>)> {
        let mut closure: Vec<(PackageIx, Option<(PackageIx, DepKind)>)> = Vec::new();
        let mut seen = BTreeSet::new();
        for seed in seeds {
            if seen.insert(seed) {
                closure.push((seed, None));
            }
        }
        let mut next = 0;
        while let Some(&(ix, _)) = closure.get(next) {
            next += 1;
            let mut dependents: Vec<_> = self
                .dependents(ix)
                .filter(|(_, d)| d.kind != DepKind::Dev)
                .collect();
            dependents.sort_by_key(|(p, _)| *p);
            for (dependent, dep) in dependents {
                if seen.insert(dependent) {
                    closure.push((dependent, Some((ix, dep.kind))));
                }
            }
        }
        closure
    }

    /// Local packages (members and path dependencies) in dependency order: every package comes
    /// after the packages it depends on through normal and build edges. Dev edges may form
    /// cycles and are ignored. Ties are broken by name, so the order is stable.
    pub fn topological_order(&self) -> Vec<PackageIx> {
        let local = |ix: PackageIx| self.graph[ix].kind != PackageKind::External;
        let mut pending: Vec<PackageIx> =
            self.graph.node_indices().filter(|ix| local(*ix)).collect();
        pending.sort_by(|a, b| self.graph[*a].name.cmp(&self.graph[*b].name));
        in_rounds(pending, |ix, placed| {
            self.dependencies(ix).all(|(dep, d)| {
                d.kind == DepKind::Dev || !local(dep) || dep == ix || placed.contains(&dep)
            })
        })
    }
}

/// `pending` in dependency order, the one topological sort: in rounds, each taking (in the
/// given order, which breaks ties) every item `ready` to go after those already placed. A
/// cycle, which cargo rejects for normal and build edges, keeps the rest in the given order
/// rather than loop.
pub(crate) fn in_rounds<T: Copy + Ord>(
    mut pending: Vec<T>,
    ready: impl Fn(T, &BTreeSet<T>) -> bool,
) -> Vec<T> {
    let mut placed = BTreeSet::new();
    let mut order = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let round: Vec<T> = pending
            .iter()
            .copied()
            .filter(|t| ready(*t, &placed))
            .collect();
        if round.is_empty() {
            order.append(&mut pending);
            break;
        }
        pending.retain(|t| !round.contains(t));
        placed.extend(round.iter().copied());
        order.extend(round);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_puts_dependencies_first_and_ignores_dev_cycles() {
        let mut g = WorkspaceGraph::new("/w");
        let a = g.add_package(Package::member("a", "1.0.0", "a"));
        let b = g.add_package(Package::member("b", "1.0.0", "b"));
        let c = g.add_package(Package::member("c", "1.0.0", "c"));
        let ext = g.add_package(Package::external("serde", "1.0.0"));
        g.add_dependency(a, b, Dependency::new(DepKind::Normal));
        g.add_dependency(b, c, Dependency::new(DepKind::Build));
        g.add_dependency(c, a, Dependency::new(DepKind::Dev));
        g.add_dependency(c, ext, Dependency::new(DepKind::Normal));
        assert_eq!(g.topological_order(), [c, b, a]);
        let closure: Vec<_> = g
            .reverse_closure([c])
            .into_iter()
            .map(|(ix, _)| ix)
            .collect();
        assert_eq!(closure, [c, b, a]);
        assert_eq!(
            g.reverse_closure([ext])[1],
            (c, Some((ext, DepKind::Normal)))
        );
    }
}
