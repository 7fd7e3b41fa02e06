//! Renderings of the graph and of affected sets for people and machines.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;

use crate::engine::graph::{DepKind, Dependency, PackageIx, PackageKind, WorkspaceGraph};
use crate::{AffectedSet, Package, Read, ReasonDetail, UnknownRead};

/// A local package and its edges to other local packages, as `graph --format json` prints it.
#[derive(Serialize)]
struct GraphPackage<'g> {
    name: &'g str,
    version: &'g str,
    path: &'g str,
    kind: PackageKind,
    dependencies: Vec<GraphEdge<'g>>,
    /// Files and folders outside the package that its build reads.
    reads: &'g [Read],
    /// Reads whose path the scan could not work out.
    unknown_reads: &'g [UnknownRead],
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

/// Text for a quoted Mermaid string (`["..."]`, `-. "..." .->`). Mermaid has no backslash
/// escapes: a `"` ends the string whatever precedes it, so it and every character Mermaid or
/// the HTML it renders to treat specially are written as Mermaid entity codes (`#quot;`,
/// `#35;`); line breaks become spaces. `cfg(target_os = "linux")` stays one label.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for a quoted Graphviz string: `"` and `\` escaped with a backslash, line breaks as `\n`.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n")
}

/// A Mermaid edge from `from` to `to`, dotted with its label when it has one.
fn mermaid_edge(out: &mut String, from: &str, to: &str, dep: &Dependency) {
    let _ = match edge_label(dep) {
        None => writeln!(out, "  {from} --> {to}"),
        Some(label) => writeln!(out, "  {from} -. \"{}\" .-> {to}", mermaid_text(&label)),
    };
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
        .map(|(ix, p, deps)| GraphPackage {
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
            reads: graph.reads(ix),
            unknown_reads: graph.unknown_reads(ix),
        })
        .collect();
    serde_json::json!({ "packages": packages })
}

/// `graph --format dot`: Graphviz, dev edges dashed, build edges dotted.
pub fn graph_dot(graph: &WorkspaceGraph) -> String {
    let mut out = String::from("digraph workspace {\n  rankdir=LR;\n  node [shape=box];\n");
    for (_, package, deps) in local_view(graph) {
        let _ = writeln!(out, "  \"{}\";", dot_text(&package.name));
        for (_, dep, edge) in deps {
            let style = match edge.kind {
                DepKind::Normal => "solid",
                DepKind::Build => "dotted",
                DepKind::Dev => "dashed",
            };
            let label = edge_label(edge)
                .map(|l| format!(", label=\"{}\"", dot_text(&l)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [style={style}{label}];",
                dot_text(&package.name),
                dot_text(&dep.name)
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
        let _ = writeln!(out, "  {}[\"{}\"]", id(*ix), mermaid_text(&package.name));
    }
    for (ix, _, deps) in &view {
        for (to, _, edge) in deps {
            mermaid_edge(&mut out, &id(*ix), &id(*to), edge);
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
        let _ = writeln!(out, "  {}[\"{}\"]", id(*ix), mermaid_text(&package.name));
    }
    for (ix, _, deps) in &view {
        for (to, dep, edge) in deps {
            if affected.contains_key(dep.name.as_str()) {
                mermaid_edge(&mut out, &id(*ix), &id(*to), edge);
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

/// `affected --format github-matrix`:
/// `{"include":[{"package":"host","spec":"host@0.1.0","manifest_path":"crates/host/Cargo.toml"},...]}`,
/// for `strategy.matrix: ${{ fromJSON(...) }}`. A job runs
/// `cargo test --manifest-path MANIFEST_PATH --package SPEC`: `--package NAME` is ambiguous to
/// cargo when a registry crate in the graph shares the name, and the manifest path alone selects
/// the workspace's default members, not the package, when it is the root's.
pub fn github_matrix(set: &AffectedSet) -> serde_json::Value {
    let include: Vec<_> = set
        .packages
        .iter()
        .map(|p| {
            let manifest_path = match p.path.as_str() {
                "" => "Cargo.toml".to_owned(),
                dir => format!("{dir}/Cargo.toml"),
            };
            serde_json::json!({
                "package": p.name,
                "spec": format!("{}@{}", p.name, p.version),
                "manifest_path": manifest_path,
            })
        })
        .collect();
    serde_json::json!({ "include": include })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::graph::Package;

    #[test]
    fn mermaid_strings_hold_no_character_that_ends_or_breaks_them() {
        assert_eq!(
            mermaid_text(r#"cfg(target_os = "linux")"#),
            "cfg(target_os = #quot;linux#quot;)"
        );
        assert_eq!(
            mermaid_text("a<b>&c#1`x`\nnext"),
            "a#lt;b#gt;#amp;c#35;1#96;x#96; next"
        );
        assert_eq!(mermaid_text("build, optional"), "build, optional");
    }

    #[test]
    fn matrix_entries_name_each_package_by_its_manifest() {
        let package = |name: &str, path: &str| crate::AffectedPackage {
            name: name.to_owned(),
            version: "0.1.0".to_owned(),
            path: path.to_owned(),
            reasons: Vec::new(),
        };
        let set = AffectedSet {
            packages: vec![package("root", ""), package("wascap", "crates/wascap")],
            unaffected: Vec::new(),
        };
        assert_eq!(
            github_matrix(&set),
            serde_json::json!({"include": [
                {"package": "root", "spec": "root@0.1.0", "manifest_path": "Cargo.toml"},
                {"package": "wascap", "spec": "wascap@0.1.0", "manifest_path": "crates/wascap/Cargo.toml"},
            ]})
        );
    }

    #[test]
    fn dot_strings_escape_quotes_and_backslashes() {
        assert_eq!(dot_text(r#"cfg(a = "b\c")"#), r#"cfg(a = \"b\\c\")"#);
        assert_eq!(dot_text("a\nb"), "a\\nb");
    }

    #[test]
    fn every_mermaid_label_is_escaped() {
        let mut graph = WorkspaceGraph::new("/repo");
        let app = graph.add_package(Package::member("app", "0.1.0", "crates/app"));
        let net = graph.add_package(Package::member("net", "0.1.0", "crates/net"));
        let mut dep = Dependency::new(DepKind::Normal);
        dep.target = Some(r#"cfg(target_os = "linux")"#.to_owned());
        graph.add_dependency(app, net, dep);
        let out = graph_mermaid(&graph);
        assert!(
            out.contains(r#" -. "cfg(target_os = #quot;linux#quot;)" .-> "#),
            "{out}"
        );
    }
}
