//! Running the tests of affected packages: one runner invocation for all of them, and a
//! deterministic split across CI machines.

use std::ffi::OsString;
use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;

use crate::Error;

/// The test runner to invoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// `cargo test`.
    Cargo,
    /// `cargo nextest run`.
    Nextest,
}

/// Machine `index` of `count` (1-based), as in `--partition 2/3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// This machine's share, from 1 to `count`.
    pub index: usize,
    /// How many machines share the work.
    pub count: usize,
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        let parse = |part: &str| part.trim().parse::<usize>().ok();
        match s.split_once('/').map(|(k, n)| (parse(k), parse(n))) {
            Some((Some(index), Some(count))) if (1..=count).contains(&index) => {
                Ok(Partition { index, count })
            }
            _ => Err(format!(
                "invalid partition `{s}`: expected K/N with 1 <= K <= N, such as 1/3"
            )),
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The packages of `names` that fall to `partition`: sorted by name and dealt round-robin,
/// so every machine computes the same split from the same affected set.
pub fn partition(names: &[String], partition: Partition) -> Vec<String> {
    let mut sorted = names.to_vec();
    sorted.sort();
    sorted
        .into_iter()
        .skip(partition.index - 1)
        .step_by(partition.count)
        .collect()
}

/// The package ID spec of the local package at `dir`: `path+file:///abs/dir#name@version`.
/// Unlike a bare name, cargo never finds it ambiguous, even when a registry crate in the graph
/// shares the member's name.
pub fn package_spec(dir: &Path, name: &str, version: &str) -> String {
    // Cargo matches the folder exactly: no trailing `/` (a root package's `root.join("")`)
    // and no `.` parts, which collecting the components drops.
    let dir: std::path::PathBuf = dir.components().collect();
    // The spec is a URL: escape what would end or break it.
    let path = dir
        .display()
        .to_string()
        .replace('%', "%25")
        .replace(' ', "%20")
        .replace('#', "%23")
        .replace('?', "%3F");
    format!("path+file://{path}#{name}@{version}")
}

/// Fails with [`TestError::RunnerNotFound`](crate::TestError::RunnerNotFound) when `runner` is not installed under the `PATH` it will
/// run with, so that a missing tool is never mistaken for failing tests.
pub fn check_installed(runner: Runner, path: &std::ffi::OsStr) -> Result<(), Error> {
    if runner == Runner::Cargo {
        return Ok(());
    }
    let installed = Command::new(super::cargo_program())
        .args(["nextest", "--version"])
        .env("PATH", path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    match installed {
        true => Ok(()),
        false => Err(crate::TestError::RunnerNotFound {
            runner: "cargo nextest".to_owned(),
        }
        .into()),
    }
}

/// One runner invocation that tests `packages` (package ID specs or names) of the workspace at
/// `manifest_path`, with `extra` arguments appended (test filters, `--`, runner flags).
///
/// Snapshot tests run with `INSTA_UPDATE=no`, whatever the caller's environment says: a
/// missing or changed snapshot fails the run instead of being written, as in CI. insta has
/// other ways to pass such a test (`INSTA_FORCE_PASS=1`, and `INSTA_FORCE_UPDATE=1`, which it
/// turns into `INSTA_UPDATE=force`); they are pinned off too.
pub fn command(
    runner: Runner,
    manifest_path: &Path,
    packages: &[String],
    extra: &[OsString],
) -> Command {
    let mut command = Command::new(super::cargo_program());
    match runner {
        Runner::Cargo => command.arg("test"),
        Runner::Nextest => command.args(["nextest", "run"]),
    };
    command.arg("--manifest-path").arg(manifest_path);
    for package in packages {
        command.arg("--package").arg(package);
    }
    command.args(extra);
    command.env("INSTA_UPDATE", "no");
    for passes_anyway in [
        "INSTA_FORCE_PASS",
        "INSTA_FORCE_UPDATE",
        "INSTA_FORCE_UPDATE_SNAPSHOTS",
    ] {
        command.env(passes_anyway, "0");
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cover_every_package_once() {
        let names: Vec<String> = ["e", "a", "d", "b", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let parts: Vec<Vec<String>> = (1..=3)
            .map(|k| partition(&names, Partition { index: k, count: 3 }))
            .collect();
        assert_eq!(parts, [vec!["a", "d"], vec!["b", "e"], vec!["c"]]);
    }

    #[test]
    fn partition_syntax() {
        assert_eq!("2/3".parse(), Ok(Partition { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn package_specs_are_urls() {
        assert_eq!(
            package_spec(Path::new("/w/my crates/a#1"), "a", "0.1.0"),
            "path+file:///w/my%20crates/a%231#a@0.1.0"
        );
        assert_eq!(
            package_spec(&Path::new("/w/ws").join(""), "root", "1.0.0"),
            "path+file:///w/ws#root@1.0.0"
        );
    }

    #[test]
    fn one_invocation_for_all_packages() {
        let cmd = command(
            Runner::Nextest,
            Path::new("w/Cargo.toml"),
            &["a".into(), "b".into()],
            &["--no-fail-fast".into()],
        );
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "nextest",
                "run",
                "--manifest-path",
                "w/Cargo.toml",
                "--package",
                "a",
                "--package",
                "b",
                "--no-fail-fast"
            ]
        );
    }

    #[test]
    fn both_runners_run_snapshot_tests_without_writing_snapshots() {
        for runner in [Runner::Cargo, Runner::Nextest] {
            let cmd = command(runner, Path::new("w/Cargo.toml"), &[], &[]);
            let insta: std::collections::BTreeMap<_, _> = cmd
                .get_envs()
                .filter(|(name, _)| name.to_string_lossy().starts_with("INSTA_"))
                .map(|(name, value)| {
                    let value = value.map(|v| v.to_string_lossy().into_owned());
                    (name.to_string_lossy().into_owned(), value)
                })
                .collect();
            // Each variable by which a caller's environment could make a missing or changed
            // snapshot pass (insta turns `INSTA_FORCE_UPDATE=1` into `INSTA_UPDATE=force`,
            // which writes the snapshot and passes) is set to the value that fails.
            let failing = |name: &str, value: &str| (name.to_owned(), Some(value.to_owned()));
            assert_eq!(
                insta,
                std::collections::BTreeMap::from([
                    failing("INSTA_FORCE_PASS", "0"),
                    failing("INSTA_FORCE_UPDATE", "0"),
                    failing("INSTA_FORCE_UPDATE_SNAPSHOTS", "0"),
                    failing("INSTA_UPDATE", "no"),
                ])
            );
        }
    }
}
