//! Test helpers shared by this crate's tests, xtask's and workspace-github's (cargo feature
//! `test-support`): the standard fixture workspace in a temporary git repository, the one way
//! the tests run `git` and `cargo`, and the release planner's inputs and outputs. Never part of a release
//! build.

use std::path::Path;
use std::process::Command;

use semver::Version;

use crate::DepKind;
use crate::release::{
    Commit, CrateState, Release, ReleasePlan, ReqLocation, Requirement, RequirementEdit,
};

mod fixture;
mod surface;

pub use fixture::{Fixture, MEMBERS, standard_files};
pub use surface::{rust_files, unused_exports};

/// Writes each `(path, text)` under `root`, creating folders.
pub fn write_files(root: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Runs `command`, panicking with its stderr unless it succeeds; returns its stdout.
fn succeed(mut command: Command, what: &str) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs git in `dir` with a test identity and no signing, panicking with its stderr on failure;
/// returns its stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut command = Command::new("git");
    command
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@localhost",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir);
    succeed(command, &format!("git {args:?}"))
}

/// Runs cargo in `dir` without the network, panicking with its stderr on failure.
pub fn cargo(dir: &Path, args: &[&str]) {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_NET_OFFLINE", "true");
    succeed(command, &format!("cargo {args:?}"));
}

/// A published crate `name` at `version`, last released (and tagged `name-vversion`) at that
/// version, with `commits` since (ids `c0`, `c1`, …): the planner's input for one crate.
pub fn crate_state(name: &str, version: &str, commits: &[&str]) -> CrateState {
    let version = Version::parse(version).expect("a valid version");
    CrateState {
        name: name.to_owned(),
        last_release: Some(version.clone()),
        last_tag: Some(format!("{name}-v{version}")),
        version,
        publish: true,
        shares_workspace_version: false,
        commits: commits
            .iter()
            .enumerate()
            .map(|(i, m)| Commit::parse(&format!("c{i}"), m))
            .collect(),
    }
}

/// `from`'s requirement `req` on `to`, by path, in its `kind` table of `crates/{from}`.
pub fn requirement(from: &str, to: &str, kind: DepKind, req: &str) -> Requirement {
    let table = match kind {
        DepKind::Normal => "dependencies",
        DepKind::Build => "build-dependencies",
        DepKind::Dev => "dev-dependencies",
    };
    Requirement {
        from: from.to_owned(),
        to: to.to_owned(),
        kind,
        req: req.to_owned(),
        location: ReqLocation::Member {
            manifest: format!("crates/{from}/Cargo.toml"),
            table: vec![table.to_owned()],
            key: to.to_owned(),
        },
    }
}

/// `name` released from `from` to `to`, published, with no reason, commit or tag: a plan's
/// entry for the tests of what writes or carries out a plan (set the other fields by struct
/// update).
pub fn release(name: &str, from: &str, to: &str) -> Release {
    Release {
        name: name.to_owned(),
        from: Version::parse(from).expect("a valid version"),
        to: Version::parse(to).expect("a valid version"),
        reasons: Vec::new(),
        commits: Vec::new(),
        publish: true,
        tag: None,
        dependency_only: false,
        updated_dependencies: Vec::new(),
    }
}

/// A plan of `releases` and `requirement_edits`, with no workspace version, train or owed tag.
pub fn release_plan(
    releases: Vec<Release>,
    requirement_edits: Vec<RequirementEdit>,
) -> ReleasePlan {
    ReleasePlan {
        releases,
        requirement_edits,
        workspace_version: None,
        train_tag: None,
        unfinished: Vec::new(),
    }
}
