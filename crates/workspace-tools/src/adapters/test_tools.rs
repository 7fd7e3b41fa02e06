//! The tools a workspace's tests run (`[workspace.metadata.workspace-tools.test-tools]`,
//! crate name to exact version), installed once with `cargo install --locked` into
//! `<target-dir>/tools` so a fresh clone needs nothing installed by hand.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::{Error, LoadError, TestError};

/// One pinned tool: the crate `cargo install` builds, at exactly this version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestTool {
    /// The crate name, which is also the binary's name (`cargo-nextest`).
    pub name: String,
    /// The pinned version.
    pub version: semver::Version,
}

impl TestTool {
    /// The command that prints the tool's version: `cargo nextest --version` for a cargo
    /// subcommand (whose binary expects the subcommand's name first), else `NAME --version`.
    fn version_command(&self, path: &OsString) -> Command {
        let mut command = match self.name.strip_prefix("cargo-") {
            Some(sub) => {
                let mut c = Command::new(super::cargo_program());
                c.arg(sub);
                c
            }
            None => Command::new(&self.name),
        };
        command
            .arg("--version")
            .env("PATH", path)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        command
    }
}

/// Reads the `test-tools` table: every value must be an exact version.
pub(crate) fn from_config(
    manifest: &Path,
    table: BTreeMap<String, String>,
) -> Result<Vec<TestTool>, Error> {
    table
        .into_iter()
        .map(|(name, version)| {
            if !is_crate_name(&name) {
                return Err(LoadError::Config {
                    path: manifest.to_owned(),
                    message: format!(
                        "test-tools.\"{name}\" is not a crate name (a letter, then letters, digits, `-` or `_`)"
                    ),
                }
                .into());
            }
            let version = semver::Version::parse(&version).map_err(|e| LoadError::Config {
                path: manifest.to_owned(),
                message: format!("test-tools.{name} = \"{version}\" is not an exact version: {e}"),
            })?;
            Ok(TestTool { name, version })
        })
        .collect()
}

/// Whether `name` can be a registry crate's name; anything else would reach `cargo install` as a
/// flag (`--path=.`) or be run as a path (`../bin/tool`).
fn is_crate_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where the tools of a workspace whose target directory is `target_dir` are installed.
pub fn root(target_dir: &Path) -> PathBuf {
    target_dir.join("tools")
}

/// `PATH` with `<root>/bin` first, so the runner and the tests find the pinned tools.
pub fn path_with(root: &Path) -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(root.join("bin")).chain(std::env::split_paths(&current));
    std::env::join_paths(dirs).unwrap_or(current)
}

/// The tools that are neither installed in `root` at their pinned version nor found on `PATH`
/// (with `root/bin` first) answering `--version` with it.
pub fn missing<'a>(tools: &'a [TestTool], root: &Path) -> Vec<&'a TestTool> {
    let installed = installed(root);
    let path = path_with(root);
    tools
        .iter()
        .filter(|tool| {
            let key = (tool.name.clone(), tool.version.to_string());
            !installed.contains(&key) && !answers_with_version(tool, &path)
        })
        .collect()
}

/// Installs `tool` into `root` with `cargo install --locked`, letting cargo's progress through
/// to the terminal (stderr).
pub fn install(tool: &TestTool, root: &Path) -> Result<(), Error> {
    let mut command = Command::new(super::cargo_program());
    command
        // `--force`: only missing tools are installed, and a binary of one that cargo never
        // recorded (an interrupted install, a copy by hand) would otherwise stop it for good.
        .args(["install", "--locked", "--force", "--root"])
        .arg(root)
        .arg(&tool.name)
        .arg("--version")
        .arg(format!("={}", tool.version))
        // With the folder on PATH, cargo does not suggest adding it.
        .env("PATH", path_with(root))
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let shown = format!(
        "cargo install --locked --force --root {} {} --version ={}",
        root.display(),
        tool.name,
        tool.version
    );
    let status = command
        .status()
        .map_err(|e| Error::starting_cargo(&super::cargo_program(), e))?;
    if status.success() {
        Ok(())
    } else {
        // Offline, cargo says only that it could not find the crate.
        let offline = std::env::var_os("CARGO_NET_OFFLINE").is_some_and(|v| v == "true");
        Err(TestError::ToolInstall {
            tool: tool.name.clone(),
            version: tool.version.to_string(),
            command: shown,
            offline,
        }
        .into())
    }
}

/// `(name, version)` of every crate `cargo install --root root` recorded, from its
/// `.crates2.json`, when the binaries it recorded are still there.
fn installed(root: &Path) -> Vec<(String, String)> {
    #[derive(Deserialize)]
    struct Record {
        installs: BTreeMap<String, Install>,
    }
    #[derive(Deserialize)]
    struct Install {
        bins: Vec<String>,
    }
    let Ok(text) = std::fs::read_to_string(root.join(".crates2.json")) else {
        return Vec::new();
    };
    let Ok(record) = serde_json::from_str::<Record>(&text) else {
        return Vec::new();
    };
    record
        .installs
        .into_iter()
        .filter(|(_, install)| {
            install
                .bins
                .iter()
                .all(|b| root.join("bin").join(b).is_file())
        })
        .filter_map(|(key, _)| {
            // "cargo-nextest 0.9.143 (registry+...)"
            let mut words = key.split_whitespace();
            Some((words.next()?.to_owned(), words.next()?.to_owned()))
        })
        .collect()
}

fn answers_with_version(tool: &TestTool, path: &OsString) -> bool {
    let Ok(output) = tool.version_command(path).output() else {
        return false;
    };
    // Some tools print their version and then complain about missing arguments, so the exit
    // status is not looked at.
    let version = tool.version.to_string();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .is_some_and(|line| line.split_whitespace().any(|w| w == version))
}

/// `cargo fetch`: downloads every dependency (for all targets), so the tests can run offline.
pub fn fetch(manifest: &Path) -> Result<(), Error> {
    let cargo = super::cargo_program();
    let status = Command::new(&cargo)
        .arg("fetch")
        .arg("--manifest-path")
        .arg(manifest)
        .status()
        .map_err(|e| Error::starting_cargo(&cargo, e))?;
    match status.success() {
        true => Ok(()),
        false => Err(TestError::Fetch {
            manifest: manifest.to_owned(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_must_be_exact() {
        let table = BTreeMap::from([("cargo-nextest".to_owned(), "0.9".to_owned())]);
        let err = from_config(Path::new("Cargo.toml"), table).unwrap_err();
        assert!(
            err.to_string()
                .contains("test-tools.cargo-nextest = \"0.9\" is not an exact version"),
            "{err}"
        );
    }

    #[test]
    fn names_must_be_crate_names() {
        // Each would reach `cargo install` as a flag or run as a path.
        for name in [
            "-h",
            "--path=.",
            "../bin/tool",
            "cargo nextest",
            "",
            "1tool",
        ] {
            let table = BTreeMap::from([(name.to_owned(), "1.0.0".to_owned())]);
            let err = from_config(Path::new("Cargo.toml"), table).unwrap_err();
            assert!(
                err.to_string()
                    .contains(&format!("test-tools.\"{name}\" is not a crate name")),
                "{name}: {err}"
            );
        }
        let table = BTreeMap::from([("cargo-http_registry2".to_owned(), "1.0.0".to_owned())]);
        assert_eq!(
            from_config(Path::new("Cargo.toml"), table).unwrap().len(),
            1
        );
    }

    #[test]
    fn a_recorded_install_counts_only_while_its_binaries_exist() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join(".crates2.json"),
            r#"{"installs":{"tool-a 1.2.3 (registry+x)":{"bins":["tool-a"]},"tool-b 0.1.0 (registry+x)":{"bins":["tool-b"]}}}"#,
        )
        .unwrap();
        std::fs::create_dir(root.path().join("bin")).unwrap();
        std::fs::write(root.path().join("bin/tool-a"), "").unwrap();
        assert_eq!(
            installed(root.path()),
            [("tool-a".to_owned(), "1.2.3".to_owned())]
        );
        let tools = [
            TestTool {
                name: "tool-a".to_owned(),
                version: semver::Version::new(1, 2, 3),
            },
            TestTool {
                name: "tool-a-not-on-path".to_owned(),
                version: semver::Version::new(1, 2, 3),
            },
        ];
        let missing: Vec<_> = missing(&tools, root.path())
            .into_iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(missing, ["tool-a-not-on-path"]);
    }
}
