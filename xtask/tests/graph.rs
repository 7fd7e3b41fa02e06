//! `graph` prints the fixture's real edges, with kinds, in dependency order.

mod fixture;

use fixture::Fixture;

#[test]
fn json_has_every_local_package_and_edge_kind_in_dependency_order() {
    let f = Fixture::new();
    let out = f.xtask(&["graph", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = json["packages"].as_array().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        11,
        "ten members and the vendored path dependency: {names:?}"
    );
    let position = |n: &str| names.iter().position(|x| *x == n).unwrap();
    for (dependent, dependency) in [
        ("left", "base"),
        ("left", "codegen"),
        ("top", "right"),
        ("app", "top"),
        ("left", "vendored"),
    ] {
        assert!(
            position(dependency) < position(dependent),
            "{dependency} before {dependent}: {names:?}"
        );
    }
    let edge = |from: &str, to: &str| {
        let package = packages.iter().find(|p| p["name"] == from).unwrap();
        package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == to)
            .unwrap()
            .clone()
    };
    assert_eq!(edge("left", "codegen")["kind"], "build");
    assert_eq!(edge("app", "testkit")["kind"], "dev");
    assert_eq!(edge("top", "extra")["optional"], true);
    assert_eq!(edge("right", "winonly")["target"], "cfg(windows)");
    assert_eq!(edge("top", "left")["kind"], "normal");
    let vendored = packages.iter().find(|p| p["name"] == "vendored").unwrap();
    assert_eq!(vendored["kind"], "path");
    assert_eq!(vendored["path"], "vendor/vendored");
}

#[test]
fn text_dot_and_mermaid_show_the_edges() {
    let f = Fixture::new();
    let run = |format: &str| {
        let out = f.xtask(&["graph", "--format", format]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("text");
    assert!(
        text.contains("app 0.1.0 (crates/app)\n  → testkit (dev)\n  → top\n"),
        "{text}"
    );
    let dot = run("dot");
    assert!(dot.starts_with("digraph workspace {"));
    assert!(
        dot.contains("\"left\" -> \"codegen\" [style=dotted, label=\"build\"];"),
        "{dot}"
    );
    let mermaid = run("mermaid");
    assert!(mermaid.starts_with("graph TD\n"));
    assert!(
        mermaid.contains("[\"winonly\"]") && mermaid.contains(".-> "),
        "{mermaid}"
    );
}
