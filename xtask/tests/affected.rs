//! The affected set on a real fixture workspace in a real git repository, through the CLI.

mod fixture;

use fixture::{Fixture, MEMBERS, set};

#[test]
fn a_leaf_change_affects_only_the_leaf() {
    let f = Fixture::new();
    f.touch("crates/app/src/lib.rs");
    f.commit("leaf");
    assert_eq!(f.affected(&[]), set(&["app"]));
}

#[test]
fn a_change_in_the_crate_everything_depends_on() {
    let f = Fixture::new();
    f.touch("crates/base/src/lib.rs");
    f.commit("base");
    // Not codegen, winonly, extra, testkit or fixture-only: base is in none of their builds.
    assert_eq!(
        f.affected(&[]),
        set(&["app", "base", "left", "right", "top"])
    );
}

#[test]
fn reasons_name_the_chain_and_the_file() {
    let f = Fixture::new();
    f.touch("crates/base/src/lib.rs");
    f.commit("base");
    let json = f.affected_json(&[]);
    let top = json["affected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "top")
        .unwrap();
    let reason = &top["reasons"][0];
    assert_eq!(reason["kind"], "dependency");
    assert_eq!(
        reason["message"],
        "depends on left → base, changed by crates/base/src/lib.rs"
    );
    assert_eq!(reason["cause"]["paths"][0], "crates/base/src/lib.rs");
    let base = json["affected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "base")
        .unwrap();
    assert_eq!(base["reasons"][0]["kind"], "changed-files");
    assert_eq!(json["unaffected"].as_array().unwrap().len(), 5);

    let out = f.xtask(&["affected", "--base", "main", "--explain"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("app\n    depends on top → left → base, changed by crates/base/src/lib.rs\n"),
        "{text}"
    );
}

#[test]
fn dev_dependencies_of_dependencies_are_not_followed() {
    let f = Fixture::new();
    f.touch("crates/fixture-only/src/lib.rs");
    f.commit("fixture-only");
    // base dev-depends on fixture-only; left and right depend on base but never build its
    // dev-dependencies.
    assert_eq!(f.affected(&[]), set(&["base", "fixture-only"]));

    let f = Fixture::new();
    f.touch("crates/testkit/src/lib.rs");
    f.commit("testkit");
    assert_eq!(f.affected(&[]), set(&["app", "testkit"]));
}

#[test]
fn build_target_specific_optional_and_outside_path_dependencies_are_followed() {
    for (changed, expected) in [
        (
            "crates/codegen/src/lib.rs",
            &["app", "codegen", "left", "top"][..],
        ),
        (
            "crates/winonly/src/lib.rs",
            &["app", "right", "top", "winonly"],
        ),
        ("crates/extra/src/lib.rs", &["app", "extra", "top"]),
        ("vendor/vendored/src/lib.rs", &["app", "left", "top"]),
    ] {
        let f = Fixture::new();
        f.touch(changed);
        f.commit("change");
        assert_eq!(f.affected(&[]), set(expected), "changing {changed}");
    }
}

#[test]
fn markdown_inside_a_crate_affects_the_crate() {
    let f = Fixture::new();
    f.touch("crates/left/README.md");
    f.commit("readme");
    assert_eq!(f.affected(&[]), set(&["app", "left", "top"]));
}

#[test]
fn docs_only_changes_affect_nothing() {
    let f = Fixture::new();
    f.touch("docs/guide.md");
    f.touch("README.md");
    f.write("docs/new/page.md", "new\n");
    f.commit("docs");
    assert_eq!(f.affected(&[]), set(&[]));
    let out = f.xtask(&["affected", "--base", "main"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "");
}

#[test]
fn a_file_outside_every_package_affects_everything() {
    let f = Fixture::new();
    f.touch("wit/api.wit");
    f.commit("wit");
    let json = f.affected_json(&[]);
    assert_eq!(fixture::names(&json), set(&MEMBERS));
    assert_eq!(json["affected"][0]["reasons"][0]["kind"], "rule");
    assert_eq!(json["affected"][0]["reasons"][0]["path"], "wit/api.wit");
}

#[test]
fn rust_toolchain_affects_everything() {
    let f = Fixture::new();
    f.write("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n");
    f.commit("toolchain");
    assert_eq!(f.affected(&[]), set(&MEMBERS));
}

#[test]
fn a_lock_change_of_one_crate_affects_only_its_users() {
    let f = Fixture::new();
    fixture::cargo(
        f.path(),
        &[
            "update",
            "--offline",
            "--package",
            "base64",
            "--precise",
            "0.23.1",
        ],
    );
    f.commit("bump base64");
    let json = f.affected_json(&[]);
    assert_eq!(fixture::names(&json), set(&["app", "right", "top"]));
    let right = json["affected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "right")
        .unwrap();
    assert_eq!(
        right["reasons"][0]["message"],
        "depends on base64, Cargo.lock entry of base64 0.23.1 changed"
    );
}

#[test]
fn one_workspace_dependency_entry_affects_its_inheritors() {
    let f = Fixture::new();
    f.replace(
        "Cargo.toml",
        "base64 = \">=0.22, <0.24\"",
        "base64 = { version = \">=0.22, <0.24\", default-features = false }",
    );
    f.commit("base64 entry");
    assert_eq!(f.affected(&[]), set(&["app", "right", "top"]));

    // Inherited only as a dev-dependency (by base): base's own tests, nothing downstream.
    let f = Fixture::new();
    f.replace(
        "Cargo.toml",
        "fixture-only = { path = \"crates/fixture-only\" }",
        "fixture-only = { path = \"crates/fixture-only\", version = \"0.1\" }",
    );
    f.commit("fixture-only entry");
    assert_eq!(f.affected(&[]), set(&["base"]));

    // An entry nobody inherits, and a comment: nothing.
    let f = Fixture::new();
    f.replace("Cargo.toml", "memchr = \"2\"", "memchr = \"2.7\"");
    f.replace(
        "Cargo.toml",
        "# Inherited by nobody.",
        "# Inherited by no package.",
    );
    f.commit("unused entry");
    assert_eq!(f.affected(&[]), set(&[]));
}

#[test]
fn other_workspace_tables_affect_everything() {
    let f = Fixture::new();
    f.replace("Cargo.toml", "debug = 0", "debug = 1");
    f.commit("profile");
    let json = f.affected_json(&[]);
    assert_eq!(fixture::names(&json), set(&MEMBERS));
    assert_eq!(json["affected"][0]["reasons"][0]["rule"], "[profile.dev]");
}

#[test]
fn a_moved_file_affects_both_crates() {
    let f = Fixture::new();
    f.git(&["mv", "crates/left/src/util.rs", "crates/right/src/util.rs"]);
    f.commit("move");
    assert_eq!(f.affected(&[]), set(&["app", "left", "right", "top"]));
}

#[test]
fn a_deleted_file_affects_its_crate() {
    let f = Fixture::new();
    f.git(&["rm", "-q", "crates/codegen/src/extra.rs"]);
    f.commit("delete");
    assert_eq!(f.affected(&[]), set(&["app", "codegen", "left", "top"]));
}

#[test]
fn a_deleted_crate_affects_its_former_dependents_only() {
    let f = Fixture::new();
    f.git(&["rm", "-q", "-r", "crates/extra"]);
    f.replace(
        "crates/top/Cargo.toml",
        "extra = { path = \"../extra\", optional = true }\n",
        "",
    );
    fixture::cargo(f.path(), &["metadata", "--format-version", "1"]);
    f.commit("remove extra");
    assert_eq!(f.affected(&[]), set(&["app", "top"]));
}

#[test]
fn a_nested_project_belongs_to_the_package_around_it() {
    let f = Fixture::new();
    f.touch("crates/left/tests/fixtures/proj/src/lib.rs");
    f.commit("nested");
    assert_eq!(f.affected(&[]), set(&["app", "left", "top"]));
}

#[test]
fn uncommitted_changes_count_only_when_asked() {
    let f = Fixture::new();
    f.touch("crates/winonly/src/lib.rs");
    f.write("crates/extra/src/new.rs", "pub fn new() {}\n");
    assert_eq!(f.affected(&[]), set(&[]));
    assert_eq!(
        f.affected(&["--include-uncommitted"]),
        set(&["app", "extra", "right", "top", "winonly"])
    );
}

#[test]
fn the_default_base_is_the_merge_base_with_main() {
    let f = Fixture::new();
    f.touch("crates/app/src/lib.rs");
    f.commit("on the branch");
    // main moves on after the branch point: its change is not the branch's.
    f.git(&["checkout", "-q", "main"]);
    f.touch("crates/base/src/lib.rs");
    f.commit("on main");
    f.git(&["checkout", "-q", "change"]);
    let out = f.xtask(&["affected", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fixture::names(&json), set(&["app"]));
}

#[test]
fn configured_rules_come_first() {
    let f = Fixture::new();
    f.replace(
        "Cargo.toml",
        "[profile.dev]",
        "[workspace.metadata.workspace-tools.affected]\nrules = [{ paths = [\"wit/**\"], affects = [\"right\"] }]\n\n[profile.dev]",
    );
    f.commit("configure");
    f.git(&["branch", "-q", "-f", "main"]);
    f.touch("wit/api.wit");
    f.commit("wit");
    assert_eq!(f.affected(&[]), set(&["app", "right", "top"]));
}

#[test]
fn github_matrix_lists_affected_packages() {
    let f = Fixture::new();
    f.touch("crates/right/src/lib.rs");
    f.commit("right");
    let out = f.xtask(&["affected", "--base", "main", "--format", "github-matrix"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"include": [
            {"package": "app", "spec": "app@0.1.0", "manifest_path": "crates/app/Cargo.toml"},
            {"package": "right", "spec": "right@0.1.0", "manifest_path": "crates/right/Cargo.toml"},
            {"package": "top", "spec": "top@0.1.0", "manifest_path": "crates/top/Cargo.toml"},
        ]})
    );
}

#[test]
fn a_root_package_owns_its_files_but_workspace_files_keep_their_rules() {
    let files: Vec<(String, String)> = [
        (
            "Cargo.toml",
            "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\ndescription = \"a\"\n\n\
             [dependencies]\nmember = { path = \"member\" }\n\n[workspace]\nmembers = [\"member\", \"other\"]\n",
        ),
        ("src/lib.rs", "pub fn root() {}\n"),
        ("docs/notes.md", "notes\n"),
        ("member/Cargo.toml", "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("member/src/lib.rs", "\n"),
        ("other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("other/src/lib.rs", "\n"),
        (".gitignore", "/target\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    type Change = dyn Fn(&Fixture);
    let cases: [(&Change, &[&str]); 5] = [
        (&|f| f.touch("src/lib.rs"), &["root"]),
        (&|f| f.touch("docs/notes.md"), &["root"]),
        (&|f| f.touch("member/src/lib.rs"), &["member", "root"]),
        (
            &|f| f.replace("Cargo.toml", "description = \"a\"", "description = \"b\""),
            &["root"],
        ),
        (
            &|f| f.write("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n"),
            &["member", "other", "root"],
        ),
    ];
    for (i, (change, expected)) in cases.into_iter().enumerate() {
        let f = Fixture::from_files(&files);
        fixture::cargo(f.path(), &["generate-lockfile", "--offline"]);
        f.commit("lock");
        f.git(&["branch", "-q", "-f", "main"]);
        change(&f);
        f.commit("change");
        assert_eq!(f.affected(&[]), set(expected), "case {i}");
    }
}
