//! A real fixture workspace in a temporary git repository, and helpers to change it.
//!
//! The graph (arrows point at dependencies):
//!
//! ```text
//! app ──> top ──> left ──> base ··dev··> fixture-only
//!  ·       │  └─> right ─┘
//!  ·dev    │       ├──> base64 (registry, via [workspace.dependencies])
//!  v       │       └──> winonly  [target.'cfg(windows)']
//! testkit  └──> extra (optional)
//! left ──build──> codegen;  left ──> vendored (path dependency, not a member)
//! ```
use std::path::{Path, PathBuf};

use super::{git, write_files};

/// Every member of the fixture.
pub const MEMBERS: [&str; 10] = [
    "app",
    "base",
    "codegen",
    "extra",
    "fixture-only",
    "left",
    "right",
    "testkit",
    "top",
    "winonly",
];

const ROOT_MANIFEST: &str = r#"[workspace]
resolver = "3"
members = ["crates/*"]
exclude = ["vendor/vendored"]

[workspace.package]
version = "0.1.0"
edition = "2021"

[workspace.dependencies]
base64 = ">=0.22, <0.24"
fixture-only = { path = "crates/fixture-only" }
# Inherited by nobody.
memchr = "2"

[profile.dev]
debug = 0
"#;

fn manifest(name: &str, rest: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n{rest}"
    )
}

fn lib(name: &str) -> String {
    let snake = name.replace('-', "_");
    let upper = snake.to_uppercase();
    format!(
        "pub const NAME: &str = \"{name}\";\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn in_{snake}() {{\n        \
         assert!(std::env::var(\"FAIL_{upper}\").is_err(), \"asked to fail\");\n    }}\n}}\n"
    )
}

fn files() -> Vec<(String, String)> {
    let mut files = vec![
        ("Cargo.toml".to_owned(), ROOT_MANIFEST.to_owned()),
        (".gitignore".to_owned(), "/target\n".to_owned()),
        ("README.md".to_owned(), "# fixture\n".to_owned()),
        ("docs/guide.md".to_owned(), "# guide\n".to_owned()),
        (
            "wit/api.wit".to_owned(),
            "package fixture:api;\n".to_owned(),
        ),
        (
            "vendor/vendored/Cargo.toml".to_owned(),
            "[package]\nname = \"vendored\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".to_owned(),
        ),
        ("vendor/vendored/src/lib.rs".to_owned(), lib("vendored")),
        (
            "crates/left/build.rs".to_owned(),
            "fn main() {\n    let _ = codegen::NAME;\n}\n".to_owned(),
        ),
        (
            "crates/left/src/util.rs".to_owned(),
            "pub fn util() {}\n".to_owned(),
        ),
        ("crates/left/README.md".to_owned(), "# left\n".to_owned()),
        (
            "crates/codegen/src/extra.rs".to_owned(),
            "pub fn extra() {}\n".to_owned(),
        ),
        (
            "crates/left/tests/fixtures/proj/Cargo.toml".to_owned(),
            "[package]\nname = \"proj\"\nversion = \"0.1.0\"\n\n[workspace]\n".to_owned(),
        ),
        (
            "crates/left/tests/fixtures/proj/src/lib.rs".to_owned(),
            "\n".to_owned(),
        ),
    ];
    let manifests = [
        (
            "base",
            "\n[dev-dependencies]\nfixture-only.workspace = true\n",
        ),
        ("fixture-only", ""),
        ("codegen", ""),
        (
            "left",
            "\n[dependencies]\nbase = { path = \"../base\" }\nvendored = { path = \"../../vendor/vendored\" }\n\n[build-dependencies]\ncodegen = { path = \"../codegen\" }\n",
        ),
        (
            "right",
            "\n[dependencies]\nbase = { path = \"../base\" }\nbase64.workspace = true\n\n[target.'cfg(windows)'.dependencies]\nwinonly = { path = \"../winonly\" }\n",
        ),
        ("winonly", ""),
        (
            "top",
            "\n[dependencies]\nleft = { path = \"../left\" }\nright = { path = \"../right\" }\nextra = { path = \"../extra\", optional = true }\n",
        ),
        ("extra", ""),
        (
            "app",
            "\n[dependencies]\ntop = { path = \"../top\" }\n\n[dev-dependencies]\ntestkit = { path = \"../testkit\" }\n",
        ),
        ("testkit", ""),
    ];
    for (name, rest) in manifests {
        files.push((format!("crates/{name}/Cargo.toml"), manifest(name, rest)));
        files.push((format!("crates/{name}/src/lib.rs"), lib(name)));
    }
    files
}

/// The fixture's `Cargo.lock`, committed so that no test needs the registry: its registry
/// crates are versions the project's own `Cargo.lock` holds (`base64` 0.22.1, and 0.23.1 for
/// the lock-change tests), so they are in cargo's cache once the project's dependencies are.
const LOCKFILE: &str = include_str!("fixture.lock");

/// The standard fixture's files, its `Cargo.lock` included.
pub fn standard_files() -> Vec<(String, String)> {
    let mut all = files();
    all.push(("Cargo.lock".to_owned(), LOCKFILE.to_owned()));
    all
}

/// A fixture repository: the workspace committed on `main`, with a branch `change` checked out.
pub struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// The standard fixture.
    pub fn standard() -> Fixture {
        Fixture::from_files(&standard_files())
    }

    /// The standard fixture with its files moved under `folder` and `extra` files beside it.
    pub fn in_folder(folder: &str, extra: &[(&str, &str)]) -> Fixture {
        let mut all: Vec<(String, String)> = standard_files()
            .into_iter()
            .map(|(p, t)| (format!("{folder}/{p}"), t))
            .collect();
        all.extend(extra.iter().map(|(p, t)| (p.to_string(), t.to_string())));
        Fixture::from_files(&all)
    }

    /// A repository holding `files`, committed on `main`, on a new branch `change`.
    pub fn from_files(files: &[(String, String)]) -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        write_files(fixture.path(), files);
        fixture.git(&["init", "-q", "-b", "main"]);
        fixture.commit("initial");
        fixture.git(&["checkout", "-q", "-b", "change"]);
        fixture
    }

    /// The workspace root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git in the repository.
    pub fn git(&self, args: &[&str]) {
        git(self.path(), args);
    }

    /// Stages everything and commits.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    /// Writes `text` to `path` (creating directories).
    pub fn write(&self, path: &str, text: &str) {
        write_files(self.path(), &[(path.to_owned(), text.to_owned())]);
    }

    /// Makes the current commit the base, `main`, as if the setup had been there all along.
    pub fn rebase_main(&self, message: &str) {
        self.commit(message);
        self.git(&["branch", "-q", "-f", "main"]);
    }

    /// Appends a line to `path`.
    pub fn touch(&self, path: &str) {
        let file = self.path().join(path);
        let mut text = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str("// changed\n");
        std::fs::write(file, text).unwrap();
    }

    /// Replaces `from` by `to` in `path`, which must contain it.
    pub fn replace(&self, path: &str, from: &str, to: &str) {
        let file = self.path().join(path);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{path} lacks {from:?}");
        std::fs::write(file, text.replace(from, to)).unwrap();
    }

    /// The root manifest path.
    pub fn manifest(&self) -> PathBuf {
        self.path().join("Cargo.toml")
    }
}
