//! Every Mermaid graph the tools print is one flowchart whatever the labels hold: `graph
//! --format mermaid` and the pull-request comment's graph, on a workspace whose edges carry
//! `cfg(...)` targets with quotes and other characters Mermaid reads as syntax.
//!
//! With `WORKSPACE_TOOLS_MERMAID_OUT=DIR`, each graph is also written to `DIR/NAME.mmd`, for
//! `.ci/mermaid.mjs` to parse with Mermaid's own parser.

mod fixture;

use std::fmt::Write as _;

use fixture::Fixture;

/// Targets that break a Mermaid string unless escaped, and the edges that carry them.
const TARGETS: [(&str, &str, &str); 4] = [
    ("net", "dependencies", r#"cfg(target_os = "linux")"#),
    (
        "sys",
        "build-dependencies",
        r#"cfg(all(unix, not(target_env = "musl")))"#,
    ),
    (
        "html",
        "dev-dependencies",
        r#"cfg(feature = "a<b>&c#1`x`")"#,
    ),
    ("win", "dependencies", "x86_64-pc-windows-msvc"),
];

fn workspace() -> Fixture {
    let mut app =
        String::from("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    let mut files = vec![(
        "Cargo.toml".to_owned(),
        "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n".to_owned(),
    )];
    for (name, table, target) in TARGETS {
        // TOML literal strings take the quotes as they are.
        let _ = write!(
            app,
            "\n[target.'{target}'.{table}]\n{name} = {{ path = \"../{name}\" }}\n"
        );
        files.push((
            format!("crates/{name}/Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ));
        files.push((format!("crates/{name}/src/lib.rs"), String::new()));
    }
    files.push(("crates/app/Cargo.toml".to_owned(), app));
    files.push(("crates/app/src/lib.rs".to_owned(), String::new()));
    let f = Fixture::from_files(&files);
    fixture::cargo(f.path(), &["generate-lockfile", "--offline"]);
    f.commit("lockfile");
    f
}

/// Mermaid's entity codes back to text.
fn unescape(text: &str) -> String {
    [
        ("#quot;", "\""),
        ("#lt;", "<"),
        ("#gt;", ">"),
        ("#amp;", "&"),
        ("#96;", "`"),
        ("#35;", "#"),
    ]
    .iter()
    .fold(text.to_owned(), |t, (code, c)| t.replace(code, c))
}

/// Checks that `graph` is a flowchart whose every line is a node, a plain edge or a labelled
/// edge with one well-formed quoted label; returns the labels, unescaped. Saves the graph when
/// `WORKSPACE_TOOLS_MERMAID_OUT` is set.
fn labels(name: &str, graph: &str) -> Vec<String> {
    if let Some(dir) = std::env::var_os("WORKSPACE_TOOLS_MERMAID_OUT") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{name}.mmd")),
            graph,
        )
        .unwrap();
    }
    let mut lines = graph.lines();
    assert_eq!(lines.next(), Some("graph TD"), "{graph}");
    let mut found = Vec::new();
    for line in lines.map(str::trim) {
        let quoted = line.split('"').count() - 1;
        if let Some((_, rest)) = line.split_once(" -. \"") {
            let (label, end) = rest.split_once("\" .-> ").expect(line);
            assert!(!label.contains('"') && !end.contains('"'), "{line}");
            found.push(unescape(label));
        } else if line.contains(" --> ") || line.starts_with("class") {
            assert_eq!(quoted, 0, "{line}");
        } else {
            assert!(line.ends_with("\"]") && quoted == 2, "a node: {line}");
        }
    }
    found
}

fn expected_labels() -> Vec<String> {
    let kind = |table: &str| match table {
        "build-dependencies" => "build, ",
        "dev-dependencies" => "dev, ",
        _ => "",
    };
    let mut all: Vec<String> = TARGETS
        .iter()
        .map(|(_, table, target)| format!("{}{target}", kind(table)))
        .collect();
    all.sort();
    all
}

#[test]
fn graph_labels_with_quotes_stay_inside_their_string() {
    let f = workspace();
    let out = f.xtask(&["graph", "--format", "mermaid"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let graph = String::from_utf8(out.stdout).unwrap();
    let mut found = labels("graph", &graph);
    found.sort();
    assert_eq!(found, expected_labels(), "{graph}");

    // Graphviz has the same trap: its strings escape `"` with a backslash.
    let out = f.xtask(&["graph", "--format", "dot"]);
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(
        dot.contains(r#"label="cfg(target_os = \"linux\")""#),
        "{dot}"
    );
}

#[cfg(feature = "github")]
#[test]
fn the_comments_graph_keeps_its_labels_inside_their_strings() {
    let f = workspace();
    for (name, _, _) in TARGETS {
        f.touch(&format!("crates/{name}/src/lib.rs"));
    }
    f.commit("change every dependency");
    let out = f.xtask(&[
        "pr-comment",
        "--base",
        "main",
        "--pr",
        "1",
        "--no-plan",
        "--save",
        "-",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = saved["body"].as_str().unwrap();
    let start = body.find("```mermaid\n").expect(body) + "```mermaid\n".len();
    let graph = &body[start..start + body[start..].find("```").unwrap()];
    let mut found = labels("pr-comment", graph);
    found.sort();
    assert_eq!(found, expected_labels(), "{graph}");
    assert!(
        graph.contains("class "),
        "the changed crates are highlighted: {graph}"
    );
}
