//! Files read across package boundaries, root packages, deleted packages, workspaces in a
//! subfolder and submodules: each change must affect exactly the packages whose build can see it.

mod fixture;

use fixture::{Fixture, MEMBERS, set};

/// The fixture with reads of every kind committed on `main`:
/// - `right` includes `data/table.txt` (outside every package) and `crates/base/fixtures/sample.json`
///   (a file of `base`);
/// - `extra` includes the root `README.md` as its docs;
/// - `codegen` compiles `shared/util.rs` through `#[path]`;
/// - `left`'s build script reruns on `proto/` (a folder);
/// - `winonly` holds a symlink to `assets/logo.txt`;
/// - `testkit`'s library is `common/testkit.rs`, outside its folder;
/// - `base` includes `schemas/base.json` through `concat!(env!("CARGO_MANIFEST_DIR"), ...)`;
/// - `fixture-only` has a read the scan cannot resolve.
fn with_reads() -> Fixture {
    let f = Fixture::new();
    f.write("schemas/base.json", "{}\n");
    f.write(
        "crates/base/src/schema.rs",
        "pub const S: &str =\n    include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../schemas/base.json\"));\n",
    );
    f.write("data/table.txt", "1,2\n");
    f.write("crates/base/fixtures/sample.json", "{}\n");
    f.write(
        "crates/right/src/data.rs",
        "pub const TABLE: &str = include_str!(\"../../../data/table.txt\");\n\
         pub const SAMPLE: &[u8] = include_bytes!(\"../../base/fixtures/sample.json\");\n",
    );
    f.write(
        "crates/extra/src/docs.rs",
        "#![doc = include_str!(\"../../../README.md\")]\n",
    );
    f.write("shared/util.rs", "pub fn util() {}\n");
    f.write(
        "crates/codegen/src/shared.rs",
        "#[path = \"../../../shared/util.rs\"]\nmod util;\n",
    );
    f.write("proto/api.proto", "syntax = \"proto3\";\n");
    f.replace(
        "crates/left/build.rs",
        "fn main() {\n",
        "fn main() {\n    println!(\"cargo:rerun-if-changed=../../proto\");\n",
    );
    f.write("assets/logo.txt", "logo\n");
    std::os::unix::fs::symlink(
        "../../assets/logo.txt",
        f.path().join("crates/winonly/logo.txt"),
    )
    .unwrap();
    f.write("common/testkit.rs", "pub fn kit() {}\n");
    f.replace(
        "crates/testkit/Cargo.toml",
        "edition.workspace = true\n",
        "edition.workspace = true\n\n[lib]\npath = \"../../common/testkit.rs\"\n",
    );
    f.write(
        "crates/fixture-only/src/gen.rs",
        "include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));\n",
    );
    f.rebase_main("reads");
    f
}

#[test]
fn a_file_outside_every_package_affects_its_readers_only() {
    for (changed, expected) in [
        ("data/table.txt", &["app", "right", "top"][..]),
        ("shared/util.rs", &["app", "codegen", "left", "top"]),
        ("proto/api.proto", &["app", "left", "top"]),
        ("proto/nested/types.proto", &["app", "left", "top"]),
        ("assets/logo.txt", &["app", "right", "top", "winonly"]),
        ("common/testkit.rs", &["app", "testkit"]),
        (
            "schemas/base.json",
            &["app", "base", "left", "right", "top"],
        ),
    ] {
        let f = with_reads();
        if f.path().join(changed).exists() {
            f.touch(changed);
        } else {
            f.write(changed, "new\n");
        }
        f.commit("change");
        assert_eq!(f.affected(&[]), set(expected), "changing {changed}");
    }
}

#[test]
fn a_file_of_one_package_read_by_another_affects_both() {
    let f = with_reads();
    f.touch("crates/base/fixtures/sample.json");
    f.commit("sample");
    let json = f.affected_json(&[]);
    assert_eq!(
        fixture::names(&json),
        set(&["app", "base", "left", "right", "top"])
    );
    let right = json["affected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "right")
        .unwrap();
    assert_eq!(right["reasons"][0]["kind"], "reads");
    assert_eq!(
        right["reasons"][0]["read"]["by"],
        "include_bytes! in crates/right/src/data.rs:2"
    );
}

#[test]
fn markdown_outside_packages_that_a_crate_includes_affects_it() {
    let f = with_reads();
    f.touch("README.md");
    f.touch("docs/guide.md");
    f.commit("readme");
    assert_eq!(f.affected(&[]), set(&["app", "extra", "top"]));
}

#[test]
fn unresolved_reads_are_listed_in_explain_and_graph_json() {
    let f = with_reads();
    f.touch("crates/fixture-only/src/lib.rs");
    f.commit("change");
    let out = f.xtask(&["affected", "--base", "main", "--explain"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("fixture-only: crates/fixture-only/src/gen.rs:1: include!: include!(concat!"),
        "{stderr}"
    );
    let out = f.xtask(&["graph", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = json["packages"].as_array().unwrap();
    let find = |name: &str| packages.iter().find(|p| p["name"] == name).unwrap();
    assert_eq!(
        find("fixture-only")["unknown_reads"][0]["location"],
        "crates/fixture-only/src/gen.rs:1"
    );
    let reads: Vec<&str> = find("right")["reads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        reads,
        ["data/table.txt", "crates/base/fixtures/sample.json"]
    );
}

#[test]
fn a_deleted_packages_surviving_files_lie_outside_every_package() {
    // `vendored` is a path dependency of `left`, outside the members' glob.
    let unhook = |f: &Fixture| {
        f.git(&["rm", "-q", "vendor/vendored/Cargo.toml"]);
        f.replace(
            "crates/left/Cargo.toml",
            "vendored = { path = \"../../vendor/vendored\" }\n",
            "",
        );
        fixture::cargo(
            f.path(),
            &["metadata", "--format-version", "1", "--offline"],
        );
    };
    // Nobody reads the surviving file: it could be anything, so everything.
    let f = Fixture::new();
    unhook(&f);
    f.touch("vendor/vendored/src/lib.rs");
    f.commit("unhook vendored");
    assert_eq!(f.affected(&[]), set(&MEMBERS));
    // Deleted with the package, it affects nothing by itself (left changed its manifest).
    let f = Fixture::new();
    unhook(&f);
    f.git(&["rm", "-q", "-r", "vendor/vendored"]);
    f.commit("remove vendored");
    assert_eq!(f.affected(&[]), set(&["app", "left", "top"]));
    // A package reads it: that package (and left, whose manifest changed).
    let f = Fixture::new();
    f.write(
        "crates/testkit/src/notes.rs",
        "pub const N: &str = include_str!(\"../../../vendor/vendored/notes.txt\");\n",
    );
    f.write("vendor/vendored/notes.txt", "a\n");
    f.rebase_main("testkit reads vendored's notes");
    unhook(&f);
    f.touch("vendor/vendored/notes.txt");
    f.commit("unhook vendored");
    assert_eq!(f.affected(&[]), set(&["app", "left", "testkit", "top"]));
}

fn root_package() -> Fixture {
    let files: Vec<(String, String)> = [
        (
            "Cargo.toml",
            "[package]\nname = \"root\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nmember = { path = \"member\" }\n\n[workspace]\nmembers = [\"member\", \"other\", \"third\"]\n",
        ),
        ("src/lib.rs", "pub fn root() {}\n"),
        ("tools/table.txt", "1\n"),
        ("data/shared.csv", "a,b\n"),
        ("member/Cargo.toml", "[package]\nname = \"member\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("member/src/lib.rs", "pub const T: &str = include_str!(\"../../tools/table.txt\");\n"),
        ("other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("other/src/lib.rs", "\n"),
        ("other/build.rs", "fn main() {\n    println!(\"cargo::rerun-if-changed=../data/shared.csv\");\n}\n"),
        ("third/Cargo.toml", "[package]\nname = \"third\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ("third/src/lib.rs", "\n"),
        (".gitignore", "/target\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let f = Fixture::from_files(&files);
    fixture::cargo(f.path(), &["generate-lockfile", "--offline"]);
    f.rebase_main("lock");
    f
}

#[test]
fn root_level_files_a_member_reads_affect_it_as_well_as_the_root() {
    for (changed, expected) in [
        ("tools/table.txt", &["member", "root"][..]),
        ("data/shared.csv", &["other", "root"]),
        ("src/lib.rs", &["root"]),
    ] {
        let f = root_package();
        f.touch(changed);
        f.commit("change");
        assert_eq!(f.affected(&[]), set(expected), "changing {changed}");
    }
}

#[test]
fn a_workspace_in_a_subfolder_ignores_its_neighbours_but_not_cargo_or_ci_files_above() {
    let extra = [
        ("go-service/main.go", "package main\n"),
        (
            "other-ws/Cargo.toml",
            "[package]\nname = \"other\"\nversion = \"0.1.0\"\n",
        ),
        ("other-ws/src/lib.rs", "\n"),
        ("schemas/s.json", "{}\n"),
        (".github/workflows/ci.yml", "on: push\n"),
        ("notes.txt", "n\n"),
    ];
    let all = &MEMBERS[..];
    for (changed, expected) in [
        ("go-service/main.go", &[][..]),
        ("other-ws/src/lib.rs", &[]),
        ("notes.txt", &[]),
        ("schemas/s.json", &["app", "right", "top"]),
        (".github/workflows/ci.yml", all),
        (".cargo/config.toml", all),
        ("rust-toolchain.toml", all),
        ("ws/.cargo/config.toml", all),
        ("ws/wit/api.wit", all),
    ] {
        let f = Fixture::in_folder("ws", &extra);
        f.write(
            "ws/crates/right/src/schema.rs",
            "pub const S: &str = include_str!(\"../../../../schemas/s.json\");\n",
        );
        f.rebase_main("schema");
        f.write(changed, "# changed\n");
        f.commit("change");
        let manifest = f.path().join("ws/Cargo.toml");
        let out = fixture::xtask_in(
            f.path(),
            &["affected", "--format", "json", "--base", "main"],
            &manifest,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(fixture::names(&json), set(expected), "changing {changed}");
    }
}

#[test]
fn a_submodule_that_is_a_package_maps_to_that_package() {
    let sub = tempfile::tempdir().unwrap();
    let sub_files = [
        (
            "Cargo.toml",
            "[package]\nname = \"vendored-sub\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("src/lib.rs", "pub fn sub() {}\n"),
    ];
    for (path, text) in sub_files {
        let path = sub.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    fixture::git(sub.path(), &["init", "-q", "-b", "main"]);
    fixture::git(sub.path(), &["add", "-A"]);
    fixture::git(sub.path(), &["commit", "-q", "-m", "sub"]);

    let f = Fixture::new();
    let url = format!("file://{}", sub.path().display());
    f.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "crates/sub",
    ]);
    f.replace(
        "crates/right/Cargo.toml",
        "[dependencies]\n",
        "[dependencies]\nvendored-sub = { path = \"../sub\" }\n",
    );
    fixture::cargo(
        f.path(),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.rebase_main("submodule");

    let inner = f.path().join("crates/sub");
    std::fs::write(inner.join("src/lib.rs"), "pub fn sub() -> u8 { 1 }\n").unwrap();
    fixture::git(&inner, &["commit", "-q", "-am", "change"]);
    f.commit("bump submodule");
    assert_eq!(
        f.affected(&[]),
        set(&["app", "right", "top", "vendored-sub"])
    );
    // Comparing another head copies the submodule at its recorded commit too.
    f.git(&["checkout", "-q", "main"]);
    assert_eq!(
        f.affected(&["--head", "change"]),
        set(&["app", "right", "top", "vendored-sub"])
    );
}

#[test]
fn dep_info_of_a_previous_build_follows_reads_the_scan_cannot_resolve() {
    let f = Fixture::new();
    f.write("data/hidden.txt", "hidden\n");
    f.write(
        "crates/right/src/hidden.rs",
        "pub const H: &str = include_str!(concat!(\"../../../data\", \"/hidden.txt\"));\n",
    );
    f.replace(
        "crates/right/src/lib.rs",
        "pub const NAME",
        "pub mod hidden;\npub const NAME",
    );
    f.rebase_main("a hidden read");
    // A build of the base leaves dep-info files in `target/`, which git ignores.
    fixture::cargo(
        f.path(),
        &["build", "--offline", "--quiet", "--package", "right"],
    );
    f.touch("data/hidden.txt");
    f.commit("change it");
    // The scan only knows that right has a read it cannot resolve: the file affects everything.
    assert_eq!(f.affected(&[]), set(&MEMBERS));
    let json = f.affected_json(&["--dep-info", "target"]);
    assert_eq!(
        fixture::names(&json),
        set(&["app", "right", "top"]),
        "{json:#}"
    );
}

/// Independent packages `a` to `l` (no dependencies between them), each reading across package
/// boundaries in a way rustc resolves less simply than "relative to the holding file".
fn compiled_from_elsewhere() -> Fixture {
    let mut files: Vec<(String, String)> = "abcdefghijkl"
        .chars()
        .map(|p| {
            (
                format!("crates/{p}/Cargo.toml"),
                format!("[package]\nname = \"{p}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            )
        })
        .collect();
    let lib = |p: &str, text: &str| (format!("crates/{p}/src/lib.rs"), text.to_owned());
    files.extend([
        (
            "Cargo.toml".to_owned(),
            "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n".to_owned(),
        ),
        (".gitignore".to_owned(), "/target\n".to_owned()),
        // A `#[path]` file is a `mod.rs`: its `mod types;` is `proto/types.rs`, in `b`.
        lib("a", "#[path = \"../../b/src/proto/mod.rs\"]\nmod proto;\n"),
        lib("b", "\n"),
        ("crates/b/src/proto/mod.rs".to_owned(), "mod types;\n".to_owned()),
        ("crates/b/src/proto/types.rs".to_owned(), "pub struct T;\n".to_owned()),
        ("crates/b/table.txt".to_owned(), "1\n".to_owned()),
        // Inside an inline module of a `mod.rs`-like file, `#[path]` starts from `src/outer/`.
        lib(
            "c",
            "mod outer {\n    mod other;\n    #[path = \"../../../d/src/top/x.rs\"]\n    mod x;\n}\n",
        ),
        ("crates/c/src/outer/other.rs".to_owned(), "\n".to_owned()),
        lib("d", "\n"),
        ("crates/d/src/top/x.rs".to_owned(), "\n".to_owned()),
        ("crates/d/src/cfg/y.rs".to_owned(), "\n".to_owned()),
        ("crates/d/src/deep/z.rs".to_owned(), "\n".to_owned()),
        // ... and in `gen.rs` (not a `mod.rs`), from `src/gen/inner/`.
        lib("e", "mod gen;\n"),
        (
            "crates/e/src/gen.rs".to_owned(),
            "/* mod fake { */ const S: &str = \"}\";\nmod inner {\n    #[path = \"../../../../d/src/deep/z.rs\"]\n    mod z;\n}\n"
                .to_owned(),
        ),
        ("crates/e/src/gen/inner/keep.txt".to_owned(), "\n".to_owned()),
        // `path` set through `cfg_attr`.
        lib("f", "#[cfg_attr(unix, path = \"../../d/src/cfg/y.rs\")]\nmod y;\n"),
        ("crates/f/src/y.rs".to_owned(), "\n".to_owned()),
        // A library outside its package: its own modules are scanned too.
        ("common/kit.rs".to_owned(), "mod sub;\n".to_owned()),
        (
            "common/sub.rs".to_owned(),
            "pub const T: &str = include_str!(\"../crates/b/table.txt\");\n".to_owned(),
        ),
        lib("h", "pub const X: &str = include_str!(\"../../../shared/x.txt\");\n"),
        lib("i", "pub const X: &str = include_str!(\"../../b/current/x.txt\");\n"),
        ("crates/b/data/x.txt".to_owned(), "x\n".to_owned()),
        // A build script hands a file to a helper (protobuf, C compiler) that reads it.
        lib("k", "\n"),
        (
            "crates/k/build.rs".to_owned(),
            "fn main() {\n    helper::compile(&[\"../b/proto/api.proto\"], &[\"missing/dir\"]);\n}\n"
                .to_owned(),
        ),
        ("crates/b/proto/api.proto".to_owned(), "syntax = \"proto3\";\n".to_owned()),
        // ... from a module of a build script that is not `build.rs`.
        lib("l", "\n"),
        ("crates/l/build/main.rs".to_owned(), "mod protos;\nfn main() {}\n".to_owned()),
        (
            "crates/l/build/protos.rs".to_owned(),
            "pub const P: &str = \"../b/proto\";\n".to_owned(),
        ),
        // Code pulled in with `include!` is scanned too: its own reads are relative to it.
        lib("j", "include!(\"../../../gen/consts.rs\");\n"),
        (
            "gen/consts.rs".to_owned(),
            "pub const T: &str = include_str!(\"../crates/b/data2/x.txt\");\n".to_owned(),
        ),
        ("crates/b/data2/x.txt".to_owned(), "x2\n".to_owned()),
    ]);
    let f = Fixture::from_files(&files);
    f.replace(
        "crates/l/Cargo.toml",
        "edition = \"2021\"\n",
        "edition = \"2021\"\nbuild = \"build/main.rs\"\n",
    );
    f.replace(
        "crates/g/Cargo.toml",
        "edition = \"2021\"\n",
        "edition = \"2021\"\n\n[lib]\npath = \"../../common/kit.rs\"\n",
    );
    // (Each module above sits in a folder of its own: the folder of a module compiled from
    // elsewhere is read as a whole, since its `mod` children live there.)
    // `h` reads `shared/x.txt` where `shared` links to `crates/b/data`; `d/assets` links there
    // through a chain; `i` reads through `b/current`, a link inside `b`.
    let link =
        |target: &str, at: &str| std::os::unix::fs::symlink(target, f.path().join(at)).unwrap();
    link("crates/b/data", "shared");
    link("shared", "link2");
    link("../../link2", "crates/d/assets");
    link("data", "crates/b/current");
    fixture::cargo(f.path(), &["generate-lockfile", "--offline"]);
    f.rebase_main("reads");
    f
}

#[test]
fn modules_compiled_from_another_folder_are_resolved_as_rustc_does() {
    let f = compiled_from_elsewhere();
    for (changed, expected) in [
        ("crates/b/src/proto/types.rs", &["a", "b"][..]),
        ("crates/d/src/top/x.rs", &["c", "d"]),
        ("crates/d/src/deep/z.rs", &["d", "e"]),
        ("crates/d/src/cfg/y.rs", &["d", "f"]),
        ("crates/b/table.txt", &["b", "g"]),
        ("crates/b/data2/x.txt", &["b", "j"]),
    ] {
        f.touch(changed);
        f.commit("change");
        assert_eq!(f.affected(&[]), set(expected), "changing {changed}");
        f.git(&["reset", "-q", "--hard", "main"]);
    }
}

#[test]
fn a_build_script_that_names_a_file_of_another_package_reads_it() {
    let f = compiled_from_elsewhere();
    f.touch("crates/b/proto/api.proto");
    f.commit("change");
    assert_eq!(f.affected(&[]), set(&["b", "k", "l"]));
}

#[test]
fn reads_through_symlinks_reach_the_files_they_point_at() {
    let f = compiled_from_elsewhere();
    f.touch("crates/b/data/x.txt");
    f.commit("change");
    assert_eq!(f.affected(&[]), set(&["b", "d", "h", "i"]));
    f.git(&["reset", "-q", "--hard", "main"]);
    // Retargeting a link that a read goes through changes what the reader reads.
    std::fs::remove_file(f.path().join("crates/b/current")).unwrap();
    std::os::unix::fs::symlink("data2", f.path().join("crates/b/current")).unwrap();
    f.commit("retarget");
    assert_eq!(f.affected(&[]), set(&["b", "i"]));
}

#[test]
fn a_submodule_holding_packages_affects_their_dependents_and_readers() {
    let sub = tempfile::tempdir().unwrap();
    let sub_files = [
        (
            "crates/p/Cargo.toml",
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("crates/p/src/lib.rs", "pub fn p() {}\n"),
        ("data/x.json", "{}\n"),
    ];
    for (path, text) in sub_files {
        let path = sub.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    fixture::git(sub.path(), &["init", "-q", "-b", "main"]);
    fixture::git(sub.path(), &["add", "-A"]);
    fixture::git(sub.path(), &["commit", "-q", "-m", "sub"]);

    // The workspace sits in `ws/`, the submodule beside it in `upstream/`.
    let f = Fixture::in_folder("ws", &[]);
    let url = format!("file://{}", sub.path().display());
    f.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "upstream",
    ]);
    f.replace(
        "ws/crates/right/Cargo.toml",
        "[dependencies]\n",
        "[dependencies]\np = { path = \"../../../upstream/crates/p\" }\n",
    );
    f.write(
        "ws/crates/extra/src/data.rs",
        "pub const X: &str = include_str!(\"../../../../upstream/data/x.json\");\n",
    );
    fixture::cargo(
        &f.path().join("ws"),
        &["metadata", "--format-version", "1", "--offline"],
    );
    f.rebase_main("submodule");

    let inner = f.path().join("upstream");
    std::fs::write(
        inner.join("crates/p/src/lib.rs"),
        "pub fn p() -> u8 { 1 }\n",
    )
    .unwrap();
    fixture::git(&inner, &["commit", "-q", "-am", "change"]);
    f.commit("bump submodule");
    let out = fixture::xtask_in(
        f.path(),
        &["affected", "--format", "json", "--base", "main"],
        &f.path().join("ws/Cargo.toml"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // `right` depends on `p`; `top` and `app` on `right`; `extra` reads a file of the submodule.
    assert_eq!(
        fixture::names(&json),
        set(&["app", "extra", "right", "top"])
    );
}

#[test]
fn a_member_that_is_a_symlink_owns_the_files_of_the_folder_it_points_at() {
    // `ws/crates/real` links to `pkgs/real`, beside the workspace; `a` depends on it.
    let files: Vec<(String, String)> = [
        (
            "ws/Cargo.toml",
            "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n",
        ),
        (
            "ws/crates/a/Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nreal = { path = \"../real\" }\n",
        ),
        ("ws/crates/a/src/lib.rs", "\n"),
        (
            "ws/crates/b/Cargo.toml",
            "[package]\nname = \"b\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("ws/crates/b/src/lib.rs", "\n"),
        (
            "pkgs/real/Cargo.toml",
            "[package]\nname = \"real\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("pkgs/real/src/lib.rs", "\n"),
        (".gitignore", "target/\n"),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let f = Fixture::from_files(&files);
    std::os::unix::fs::symlink("../../pkgs/real", f.path().join("ws/crates/real")).unwrap();
    fixture::cargo(&f.path().join("ws"), &["generate-lockfile", "--offline"]);
    f.rebase_main("link");
    f.touch("pkgs/real/src/lib.rs");
    f.commit("change");
    let out = fixture::xtask_in(
        f.path(),
        &["affected", "--format", "json", "--base", "main"],
        &f.path().join("ws/Cargo.toml"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fixture::names(&json), set(&["a", "real"]));
}

#[test]
fn a_deleted_project_that_was_no_package_is_like_any_other_outside_file() {
    // `fixtures/proj` has a manifest but is in no graph (a test opens it at run time): its
    // deletion changes no manifest and no lock entry, so nothing else says who used it.
    let f = Fixture::new();
    f.write(
        "fixtures/proj/Cargo.toml",
        "[package]\nname = \"proj\"\nversion = \"0.1.0\"\n",
    );
    f.write("fixtures/proj/src/lib.rs", "\n");
    f.rebase_main("fixture project");
    f.git(&["rm", "-q", "-r", "fixtures/proj"]);
    f.commit("remove the fixture project");
    assert_eq!(f.affected(&[]), set(&MEMBERS));
}

#[test]
fn a_module_folder_named_target_is_scanned_unlike_a_build_output_folder() {
    let f = Fixture::new();
    f.write("crates/testkit/data.txt", "1\n");
    f.write(
        "crates/extra/src/target/mod.rs",
        "pub const D: &str = include_str!(\"../../../testkit/data.txt\");\n",
    );
    f.replace(
        "crates/extra/src/lib.rs",
        "pub const NAME",
        "pub mod target;\npub const NAME",
    );
    f.rebase_main("a module named target");
    // A build leaves `target/` (with its `CACHEDIR.TAG`); it is not scanned.
    fixture::cargo(
        f.path(),
        &["build", "--offline", "--quiet", "--package", "extra"],
    );
    f.touch("crates/testkit/data.txt");
    f.commit("change");
    assert_eq!(f.affected(&[]), set(&["app", "extra", "testkit", "top"]));
}
