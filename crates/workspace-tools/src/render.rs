//! Renderings of the graph and of affected sets for people and machines.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;

use crate::graph::{DepKind, Dependency, PackageIx, PackageKind, WorkspaceGraph};
use crate::{AffectedSet, Package, ReasonDetail};

/// A local package and its edges to other local packages, as `graph --format json` prints it.
#[derive(Serialize)]
struct GraphPackage<'g> {
    name: &'g str,
    version: &'g str,
    path: &'g str,
    kind: PackageKind,
    dependencies: Vec<GraphEdge<'g>>,
}

#[derive(Serialize)]
struct GraphEdge<'g> {
    name: &'g str,
    #[serde(flatten)]
    dependency: &'g Dependency,
}

/// Local packages in dependency order, each with its local dependencies.
type LocalDeps<'g> = Vec<(PackageIx, &'g Package, &'g Dependency)>;

fn local_view(graph: &WorkspaceGraph) -> Vec<(PackageIx, &Package, LocalDeps<'_>)> {
    graph
        .topological_order()
        .into_iter()
        .map(|ix| {
            let mut deps: LocalDeps<'_> = graph
                .dependencies(ix)
                .map(|(to, d)| (to, graph.package(to), d))
                .filter(|(_, p, _)| p.kind != PackageKind::External)
                .collect();
            deps.sort_by(|a, b| (&a.1.name, a.2.kind).cmp(&(&b.1.name, b.2.kind)));
            (ix, graph.package(ix), deps)
        })
        .collect()
}

fn edge_label(dep: &Dependency) -> Option<String> {
    let mut parts = Vec::new();
    match dep.kind {
        DepKind::Normal => {}
        DepKind::Build => parts.push("build".to_owned()),
        DepKind::Dev => parts.push("dev".to_owned()),
    }
    if dep.optional {
        parts.push("optional".to_owned());
    }
    parts.extend(dep.target.clone());
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `graph --format text`: packages in dependency order, each with its local dependencies.
pub fn graph_text(graph: &WorkspaceGraph) -> String {
    let mut out = String::new();
    for (_, package, deps) in local_view(graph) {
        let path = package
            .root
            .as_deref()
            .filter(|r| !r.is_empty())
            .unwrap_or(".");
        let _ = writeln!(out, "{} {} ({path})", package.name, package.version);
        for (_, dep, edge) in deps {
            let label = edge_label(edge)
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  → {}{label}", dep.name);
        }
    }
    out
}

/// `graph --format json`: `{"packages": [...]}` in dependency order.
pub fn graph_json(graph: &WorkspaceGraph) -> serde_json::Value {
    let packages: Vec<GraphPackage<'_>> = local_view(graph)
        .into_iter()
        .map(|(_, p, deps)| GraphPackage {
            name: &p.name,
            version: &p.version,
            path: p.root.as_deref().unwrap_or_default(),
            kind: p.kind,
            dependencies: deps
                .into_iter()
                .map(|(_, to, dependency)| GraphEdge {
                    name: &to.name,
                    dependency,
                })
                .collect(),
        })
        .collect();
    serde_json::json!({ "packages": packages })
}

/// `graph --format dot`: Graphviz, dev edges dashed, build edges dotted.
pub fn graph_dot(graph: &WorkspaceGraph) -> String {
    let mut out = String::from("digraph workspace {\n  rankdir=LR;\n  node [shape=box];\n");
    for (_, package, deps) in local_view(graph) {
        let _ = writeln!(out, "  \"{}\";", package.name);
        for (_, dep, edge) in deps {
            let style = match edge.kind {
                DepKind::Normal => "solid",
                DepKind::Build => "dotted",
                DepKind::Dev => "dashed",
            };
            let label = edge_label(edge)
                .map(|l| format!(", label=\"{l}\""))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [style={style}{label}];",
                package.name, dep.name
            );
        }
    }
    out.push_str("}\n");
    out
}

/// `graph --format mermaid`: a flowchart, dev and build edges dotted with a label.
pub fn graph_mermaid(graph: &WorkspaceGraph) -> String {
    let view = local_view(graph);
    let id = |ix: PackageIx| format!("p{}", ix.index());
    let mut out = String::from("graph TD\n");
    for (ix, package, _) in &view {
        let _ = writeln!(out, "  {}[\"{}\"]", id(*ix), package.name);
    }
    for (ix, _, deps) in &view {
        for (to, _, edge) in deps {
            match edge_label(edge) {
                None => _ = writeln!(out, "  {} --> {}", id(*ix), id(*to)),
                Some(label) => _ = writeln!(out, "  {} -. \"{label}\" .-> {}", id(*ix), id(*to)),
            }
        }
    }
    out
}

/// A Mermaid flowchart of the affected members and the edges between them, for the pull-request
/// comment. Members affected by their own changes (not only through a dependency) are
/// highlighted.
pub fn affected_mermaid(graph: &WorkspaceGraph, set: &AffectedSet) -> String {
    let affected: HashMap<&str, bool> = set
        .packages
        .iter()
        .map(|p| {
            let own = p
                .reasons
                .iter()
                .any(|r| !matches!(r.detail, ReasonDetail::Dependency { .. }));
            (p.name.as_str(), own)
        })
        .collect();
    let view: Vec<_> = local_view(graph)
        .into_iter()
        .filter(|(_, p, _)| p.is_member() && affected.contains_key(p.name.as_str()))
        .collect();
    let id = |ix: PackageIx| format!("p{}", ix.index());
    let mut out = String::from("graph TD\n");
    for (ix, package, _) in &view {
        let _ = writeln!(out, "  {}[\"{}\"]", id(*ix), package.name);
    }
    for (ix, _, deps) in &view {
        for (to, dep, edge) in deps {
            if !affected.contains_key(dep.name.as_str()) {
                continue;
            }
            match edge_label(edge) {
                None => _ = writeln!(out, "  {} --> {}", id(*ix), id(*to)),
                Some(label) => _ = writeln!(out, "  {} -. \"{label}\" .-> {}", id(*ix), id(*to)),
            }
        }
    }
    let changed: Vec<String> = view
        .iter()
        .filter(|(_, p, _)| affected[p.name.as_str()])
        .map(|(ix, _, _)| id(*ix))
        .collect();
    if !changed.is_empty() {
        out.push_str("  classDef changed fill:#fde68a,stroke:#b45309\n");
        let _ = writeln!(out, "  class {} changed", changed.join(","));
    }
    out
}

/// `affected --format github-matrix`: `{"include":[{"package":"host"},...]}`, for
/// `strategy.matrix: ${{ fromJSON(...) }}`.
pub fn github_matrix(set: &AffectedSet) -> serde_json::Value {
    let include: Vec<_> = set
        .packages
        .iter()
        .map(|p| serde_json::json!({ "package": p.name }))
        .collect();
    serde_json::json!({ "include": include })
}
