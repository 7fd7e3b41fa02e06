//! A small workspace in a git repository for the release tests, with its own `CARGO_HOME` and,
//! when asked, a registry on loopback that is cargo's default.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

use crate::registry::{Registry, git, run};

/// A workspace in a git repository (no remote: runs use `--no-push`), with its own
/// `CARGO_HOME` and, for some cases, a registry on loopback that is cargo's default.
pub(crate) struct Ws {
    dir: tempfile::TempDir,
    pub(crate) cargo_home: tempfile::TempDir,
    registry: Option<(Registry, tempfile::TempDir)>,
}

/// A member's manifest: `[package]` and whatever `extra` adds.
pub(crate) fn manifest(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
         description = \"{name}\"\n{extra}"
    )
}

pub(crate) const ROOT: &str = "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n";

impl Ws {
    pub(crate) fn new(files: &[(&str, String)]) -> Ws {
        Ws::build(files, false)
    }

    pub(crate) fn with_registry(files: &[(&str, String)]) -> Ws {
        Ws::build(files, true)
    }

    pub(crate) fn build(files: &[(&str, String)], with_registry: bool) -> Ws {
        let mut ws = Ws {
            dir: tempfile::tempdir().unwrap(),
            cargo_home: tempfile::tempdir().unwrap(),
            registry: None,
        };
        if with_registry {
            let dir = tempfile::tempdir().unwrap();
            let registry = Registry::start(dir.path(), None);
            ws.write(".cargo/config.toml", &registry.cargo_config());
            ws.registry = Some((registry, dir));
        }
        ws.write(".gitignore", "/target\n");
        for (path, text) in files {
            ws.write(path, text);
            if let Some(dir) = path.strip_suffix("Cargo.toml").filter(|d| !d.is_empty()) {
                ws.write(&format!("{dir}src/lib.rs"), "\n");
            }
        }
        for args in [
            &["init", "-q", "-b", "main"][..],
            &["config", "user.name", "Release Test"],
            &["config", "user.email", "release@localhost"],
            &["config", "commit.gpgsign", "false"],
            &["config", "tag.gpgsign", "false"],
        ] {
            ws.git(args);
        }
        // The workspace's manifest: the shallowest one (a workspace may live in a subdirectory).
        let root_manifest = files
            .iter()
            .map(|(path, _)| *path)
            .filter(|path| path.ends_with("Cargo.toml"))
            .min_by_key(|path| path.matches('/').count())
            .unwrap();
        ws.cargo(&[
            "generate-lockfile",
            "--offline",
            "--manifest-path",
            root_manifest,
        ]);
        ws.git(&["add", "-A"]);
        ws.git(&["commit", "-q", "-m", "initial"]);
        ws
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The registry of a workspace made [`Ws::with_registry`].
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry.as_ref().expect("made with a registry").0
    }

    pub(crate) fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry.as_mut().expect("made with a registry").0
    }

    /// Starts the registry again on the same address and storage, as after an outage.
    pub(crate) fn restart_registry(&mut self) {
        let (registry, dir) = self.registry.as_mut().expect("made with a registry");
        registry.stop();
        *registry = Registry::start(dir.path(), Some(registry.addr));
    }

    pub(crate) fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub(crate) fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).unwrap()
    }

    pub(crate) fn git(&self, args: &[&str]) -> String {
        git(self.root(), args)
    }

    pub(crate) fn cargo(&self, args: &[&str]) -> std::process::Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = run(self.root(), self.cargo_home.path(), &cargo, args);
        assert!(out.status.success(), "cargo {args:?}: {}", stderr(&out));
        out
    }

    /// Appends a line to `path` and commits it with `message`.
    pub(crate) fn commit(&self, path: &str, message: &str) {
        let file = self.root().join(path);
        let mut text = std::fs::read_to_string(&file).unwrap_or_default();
        text.push_str("// changed\n");
        std::fs::write(&file, text).unwrap();
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub(crate) fn release(&self, args: &[&str]) -> std::process::Output {
        let manifest = self.root().join("Cargo.toml");
        let mut all = vec!["release", "--manifest-path", manifest.to_str().unwrap()];
        all.extend(args);
        run(
            self.root(),
            self.cargo_home.path(),
            env!("CARGO_BIN_EXE_xtask"),
            &all,
        )
    }

    /// The JSON plan of a dry run with `args`; panics unless it succeeds.
    pub(crate) fn plan(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend(args);
        let out = self.release(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `--execute --no-push --no-publish` with `args`; panics unless it succeeds.
    pub(crate) fn execute(&self, args: &[&str]) -> String {
        let mut all = vec!["--execute", "--no-push", "--no-publish"];
        all.extend(args);
        let out = self.release(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    }

    pub(crate) fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// The workspace resolves exactly as its lock file says, offline.
    pub(crate) fn assert_resolves(&self) {
        self.cargo(&["metadata", "--format-version", "1", "--locked", "--offline"]);
    }
}

pub(crate) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `name from -> to` of each planned release.
pub(crate) fn moves(plan: &Value) -> Vec<String> {
    plan["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {}",
                r["name"].as_str().unwrap(),
                r["from"].as_str().unwrap(),
                r["to"].as_str().unwrap()
            )
        })
        .collect()
}

/// A `[dependencies]` table with a path dependency on `name` at the requirement `spec`.
pub(crate) fn dep(name: &str, spec: &str) -> String {
    format!("\n[dependencies]\n{name} = {{ path = \"../{name}\", version = \"{spec}\" }}\n")
}
