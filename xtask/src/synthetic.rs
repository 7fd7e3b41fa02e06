//! Synthetic workspaces for benchmarks: N crates in a random DAG with realistic fan-in, in a
//! git repository, and the time each phase of `affected` takes on them.

use std::fmt::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use workspace_tools::git;
use workspace_tools::metadata::{self, LoadPhase};
use workspace_tools::release as steps;
use workspace_tools::{Error, affected};

/// The name of crate `i` of a synthetic workspace.
pub(crate) fn crate_name(i: usize) -> String {
    format!("crate-{i:04}")
}

/// A small deterministic generator (xorshift64*), so a seed always gives the same workspace.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An index below `n`, skewed towards 0: the first crates are the core that many use.
    fn skewed_below(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64) * u * u) as usize
    }
}

/// Writes a workspace of `crates` crates under `dir`. Crate `i` depends only on crates with a
/// lower index (0 to 4 normal dependencies, sometimes a build- or dev-dependency), chosen with
/// a bias towards the first crates, so a few core crates have a large fan-in.
pub(crate) fn generate(dir: &Path, crates: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(seed.max(1));
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n\n[workspace.package]\nedition = \"2024\"\n",
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n")?;
    for i in 0..crates {
        let name = crate_name(i);
        let mut manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition.workspace = true\n\n[dependencies]\n"
        );
        let mut deps = std::collections::BTreeSet::new();
        for _ in 0..rng.below(5).min(i) {
            deps.insert(rng.skewed_below(i));
        }
        for d in &deps {
            let _ = writeln!(
                manifest,
                "{} = {{ path = \"../{}\", version = \"0.1.0\" }}",
                crate_name(*d),
                crate_name(*d)
            );
        }
        for section in ["build-dependencies", "dev-dependencies"] {
            if i > 0 && rng.below(8) == 0 {
                let d = rng.skewed_below(i);
                if !deps.contains(&d) {
                    let _ = write!(
                        manifest,
                        "\n[{section}]\n{} = {{ path = \"../{}\", version = \"0.1.0\" }}\n",
                        crate_name(d),
                        crate_name(d)
                    );
                }
            }
        }
        let crate_dir = dir.join("crates").join(&name);
        std::fs::create_dir_all(crate_dir.join("src"))?;
        std::fs::write(crate_dir.join("Cargo.toml"), manifest)?;
        std::fs::write(crate_dir.join("README.md"), format!("# {name}\n"))?;
        std::fs::write(crate_dir.join("src/lib.rs"), lib_source(i))?;
    }
    std::fs::create_dir_all(dir.join("data"))?;
    for k in 0..7 {
        std::fs::write(dir.join(format!("data/table-{k}.txt")), format!("{k}\n"))?;
    }
    Ok(())
}

/// The `lib.rs` of crate `i`. Every crate includes its README; one in ten also reads a shared
/// data file, so the reads scan has real work to do.
fn lib_source(i: usize) -> String {
    let mut lib = "#![doc = include_str!(\"../README.md\")]\n".to_owned();
    if i.is_multiple_of(10) {
        let _ = writeln!(
            lib,
            "pub const TABLE: &str = include_str!(\"../../../data/table-{}.txt\");",
            i % 7
        );
    }
    let _ = writeln!(lib, "pub fn id() -> usize {{ {i} }}");
    lib
}

/// Writes `Cargo.lock` (path crates only, so no network), as a real repository commits it.
fn generate_lockfile(dir: &Path) -> std::io::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["generate-lockfile", "--offline", "--quiet"])
        .current_dir(dir)
        .status()?;
    match status.success() {
        true => Ok(()),
        false => Err(std::io::Error::other("cargo generate-lockfile failed")),
    }
}

/// Runs `git` with `args` in `dir`, failing on a non-zero exit.
pub(crate) fn git(dir: &Path, args: &[&str]) -> std::io::Result<()> {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@localhost",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()?;
    match status.success() {
        true => Ok(()),
        false => Err(std::io::Error::other(format!(
            "git {} failed",
            args.join(" ")
        ))),
    }
}

/// The crate the generated changes touch: the first, which every other crate depends on.
const CHANGED: usize = 0;

/// Generates a workspace in `dir`, commits it on `main`, then commits one change to the source
/// of its most depended-on crate.
pub(crate) fn repository(dir: &Path, crates: usize, seed: u64) -> std::io::Result<()> {
    initial_commit(dir, crates, seed)?;
    git(dir, &["checkout", "-q", "-b", "change"])?;
    let lib = format!("pub fn id() -> usize {{ {CHANGED} + 0 }}\n");
    commit_change(dir, CHANGED, &lib, "change")
}

/// Generates a workspace of `crates` crates in `dir` with its lock file, and commits it on
/// `main`.
fn initial_commit(dir: &Path, crates: usize, seed: u64) -> std::io::Result<()> {
    generate(dir, crates, seed)?;
    generate_lockfile(dir)?;
    git(dir, &["init", "-q", "-b", "main"])?;
    git(dir, &["add", "-A"])?;
    git(dir, &["commit", "-q", "-m", "initial"])
}

/// Commits `lib` as the new `lib.rs` of crate `changed`, with `message`.
fn commit_change(dir: &Path, changed: usize, lib: &str, message: &str) -> std::io::Result<()> {
    let path = dir
        .join("crates")
        .join(crate_name(changed))
        .join("src/lib.rs");
    std::fs::write(&path, lib)?;
    git(dir, &["commit", "-q", "-am", message])
}

/// Generates a workspace in `dir`, commits it on `main` with every crate tagged as released at
/// 0.1.0, then commits a breaking change (`feat!:`) to its most depended-on crate: the input
/// of a release.
pub(crate) fn release_repository(dir: &Path, crates: usize, seed: u64) -> std::io::Result<()> {
    initial_commit(dir, crates, seed)?;
    let tags: String = (0..crates)
        .map(|i| format!("create refs/tags/{}-v0.1.0 HEAD\n", crate_name(i)))
        .collect();
    let mut child = Command::new("git")
        .args(["update-ref", "--stdin"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    std::io::Write::write_all(child.stdin.as_mut().expect("piped"), tags.as_bytes())?;
    if !child.wait()?.success() {
        return Err(std::io::Error::other("git update-ref failed"));
    }
    let lib = format!("pub fn id() -> u64 {{ {CHANGED} }}\n");
    commit_change(dir, CHANGED, &lib, "feat!: ids are u64")
}

/// Time spent in each phase of planning and applying one release.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReleaseTimings {
    /// Loading the workspace.
    pub(crate) load: LoadTimes,
    /// Building the graph and reading the manifests, the tags and the history.
    pub(crate) prepare: Duration,
    /// Planning.
    pub(crate) plan: Duration,
    /// Rewriting manifests, `Cargo.lock` and changelogs in memory and writing them atomically.
    pub(crate) apply: Duration,
    /// How many crates the plan releases.
    pub(crate) released: usize,
}

/// Runs `f`, returning its result and how long it took.
fn timed<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<(T, Duration), Error> {
    let start = Instant::now();
    let value = f()?;
    Ok((value, start.elapsed()))
}

/// The workspace at `dir`, loaded by the engine's loader, with the time of each phase.
fn load_timed(dir: &Path) -> Result<(metadata::Workspace, LoadTimes), Error> {
    let mut times = LoadTimes::default();
    let workspace = metadata::load_observed(
        Some(&dir.join("Cargo.toml")),
        metadata::Lock::Locked,
        &mut |phase, took| match phase {
            LoadPhase::CargoMetadata => times.cargo_metadata = took,
            LoadPhase::Graph => times.graph = took,
            LoadPhase::Reads => times.reads = took,
        },
    )?;
    Ok((workspace, times))
}

/// How long each phase of loading a workspace took.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LoadTimes {
    /// Running `cargo metadata`.
    pub(crate) cargo_metadata: Duration,
    /// Building the graph from the metadata (guppy and ours) and reading the rules.
    pub(crate) graph: Duration,
    /// Scanning the packages' sources for the files they read.
    pub(crate) reads: Duration,
}

/// Plans and applies a release of the workspace at `dir` once, timing each phase, then puts
/// the files back as they were.
pub(crate) fn measure_release(dir: &Path) -> Result<ReleaseTimings, Error> {
    let (workspace, load) = load_timed(dir)?;
    let (prepared, read) = timed(|| steps::prepare_from(workspace))?;
    let (plan, plan_time) = timed(|| prepared.plan(&Default::default()))?;
    let (changes, apply) = timed(|| {
        let changes = prepared.file_changes(&plan, "2026-01-01")?;
        steps::write_files(dir, &changes)?;
        Ok(changes)
    })?;
    steps::restore(dir, &changes.iter().collect::<Vec<_>>());
    Ok(ReleaseTimings {
        load,
        prepare: load.graph + read,
        plan: plan_time,
        apply,
        released: plan.releases.len(),
    })
}

/// Carries out the planned release of the workspace at `dir` (commit and tags, no push), as
/// `release --execute --no-push --no-publish` would.
pub(crate) fn release_once(dir: &Path) -> Result<(), Error> {
    let prepared = steps::prepare(Some(&dir.join("Cargo.toml")))?;
    let plan = prepared.plan(&Default::default())?;
    let changes = prepared.file_changes(&plan, "2026-01-01")?;
    let allow = steps::Allow {
        dirty: true,
        detached: true,
        existing_tags: false,
    };
    let vcs = git::GitCli::new(prepared.root());
    steps::record(&vcs, &prepared, &plan, &changes, "2026-01-01", allow)?;
    Ok(())
}

/// Time spent in each phase of one `affected` run.
#[derive(Debug)]
pub(crate) struct Timings {
    /// Loading the workspace.
    pub(crate) load: LoadTimes,
    /// Reading the change with git2.
    pub(crate) git: Duration,
    /// Computing the affected set.
    pub(crate) affected: Duration,
    /// How many members were affected.
    pub(crate) affected_count: usize,
}

impl Timings {
    /// Our own code: building the graph, scanning the reads and computing the affected set.
    pub(crate) fn own_code(&self) -> Duration {
        self.load.graph + self.load.reads + self.affected
    }
}

/// Runs `affected` on the workspace at `dir` against `main` once, timing each phase.
pub(crate) fn measure(dir: &Path) -> Result<Timings, Error> {
    let (workspace, load) = load_timed(dir)?;
    let range = git::Range {
        base: Some("main".to_owned()),
        ..Default::default()
    };
    let (diff, git_time) = timed(|| git::diff(dir, &range))?;
    let start = Instant::now();
    let set = affected(&workspace.graph, &diff.changes, &workspace.rules);
    let affected_time = start.elapsed();
    Ok(Timings {
        load,
        git: git_time,
        affected: affected_time,
        affected_count: set.packages.len(),
    })
}

/// The shape of a real-size release history for [`history_repository`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct HistoryShape {
    /// Workspace members.
    pub(crate) crates: usize,
    /// Commits after the initial one.
    pub(crate) commits: usize,
    /// Release tags (one release commit each).
    pub(crate) tags: usize,
    /// Third-party entries in the historical lock files, whose versions churn.
    pub(crate) locked: usize,
}

/// Generates a workspace with a long release history in `dir`: `shape.commits` commits (fixes
/// and features to random crates, one in five also moving a third-party entry of a lock file
/// of `shape.locked` packages), `shape.tags` of them release commits that bump one crate and
/// tag it, and a few changes after the last releases. Written with `git fast-import`, in
/// seconds. Every fifth crate has a binary target, so lock file changes count for it.
pub(crate) fn history_repository(
    dir: &Path,
    shape: HistoryShape,
    seed: u64,
) -> std::io::Result<()> {
    let mut rng = Rng(seed.max(1));
    generate(dir, shape.crates, seed)?;
    for i in (0..shape.crates).step_by(5) {
        let src = dir.join("crates").join(crate_name(i)).join("src/main.rs");
        std::fs::write(src, "fn main() {}\n")?;
    }
    generate_lockfile(dir)?;
    let real_lock = std::fs::read_to_string(dir.join("Cargo.lock"))?;
    let mut files: Vec<(String, String)> = Vec::new();
    collect_files(dir, dir, &mut files)?;
    let locked = (0..shape.locked).map(|_| rng.below(20) as u64).collect();
    let mut history = History {
        shape,
        rng,
        files,
        real_lock,
        versions: vec![1; shape.crates],
        locked,
        edits: vec![0; shape.crates],
        stream: String::new(),
        mark: 0,
        tags: shape.crates,
    };
    history.initial();
    let every = (shape.commits / shape.tags.saturating_sub(shape.crates).max(1)).max(2);
    for c in 1..=shape.commits {
        let k = history.rng.skewed_below(shape.crates);
        if c % every == 0 && history.tags < shape.tags && c + 20 < shape.commits {
            history.release(k);
        } else {
            history.change(c, k);
        }
    }
    import(dir, &history.stream)
}

/// A release history being written as a `git fast-import` stream.
struct History {
    shape: HistoryShape,
    rng: Rng,
    /// The generated workspace's files, as the initial commit holds them.
    files: Vec<(String, String)>,
    /// The lock file cargo wrote for it.
    real_lock: String,
    /// Each crate's next patch number (0.1.x); 0.1.0 is tagged first.
    versions: Vec<u64>,
    /// The patch numbers of the third-party lock file entries.
    locked: Vec<u64>,
    /// How many times each crate's source was edited.
    edits: Vec<usize>,
    /// The fast-import stream so far.
    stream: String,
    mark: usize,
    tags: usize,
}

impl History {
    /// The lock file with the members at 0.1.`versions` and the third-party entries at
    /// 1.0.`locked`.
    fn lock(&self, versions: &[u64], locked: &[u64]) -> String {
        let mut text = self.real_lock.clone();
        for (i, v) in versions.iter().enumerate() {
            text = text.replace(
                &format!("name = \"{}\"\nversion = \"0.1.0\"", crate_name(i)),
                &format!("name = \"{}\"\nversion = \"0.1.{v}\"", crate_name(i)),
            );
        }
        for (i, v) in locked.iter().enumerate() {
            let _ = write!(
                text,
                "\n[[package]]\nname = \"dep-{i:03}\"\nversion = \"1.0.{v}\"\nsource = \"registry+https://example.invalid/index\"\nchecksum = \"{:064x}\"\n",
                v + i as u64
            );
        }
        text
    }

    /// The manifest of crate `i` at 0.1.`v`.
    fn manifest(&self, i: usize, v: u64) -> (String, String) {
        let path = format!("crates/{}/Cargo.toml", crate_name(i));
        let text = self
            .files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.replacen("version = \"0.1.0\"", &format!("version = \"0.1.{v}\""), 1))
            .unwrap_or_default();
        (path, text)
    }

    /// Appends a commit on `main` writing `files`, ten minutes after the previous one; returns
    /// its mark.
    fn commit(&mut self, message: &str, files: &[(&str, &str)]) -> usize {
        self.mark += 1;
        let time = 1_700_000_000 + self.mark as u64 * 600;
        let _ = write!(
            self.stream,
            "commit refs/heads/main\nmark :{}\ncommitter bench <bench@localhost> {time} +0000\ndata {}\n{message}\n",
            self.mark,
            message.len()
        );
        for (path, text) in files {
            let _ = write!(
                self.stream,
                "M 644 inline {path}\ndata {}\n{text}\n",
                text.len()
            );
        }
        self.stream.push('\n');
        self.mark
    }

    /// The initial workspace at 0.1.0 (the lock with third-party entries), every crate tagged.
    fn initial(&mut self) {
        let lock = self.lock(&vec![0; self.shape.crates], &self.locked);
        let files: Vec<(String, String)> = self
            .files
            .iter()
            .map(|(path, text)| match path.as_str() {
                "Cargo.lock" => (path.clone(), lock.clone()),
                _ => (path.clone(), text.clone()),
            })
            .collect();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let first = self.commit("initial", &refs);
        for i in 0..self.shape.crates {
            let _ = write!(
                self.stream,
                "reset refs/tags/{}-v0.1.0\nfrom :{first}\n\n",
                crate_name(i)
            );
        }
    }

    /// A release commit bumping crate `k` by a patch, and its tag.
    fn release(&mut self, k: usize) {
        let (from, to) = (self.versions[k] - 1, self.versions[k]);
        let name = crate_name(k);
        let message = format!(
            "chore(release): {name} 0.1.{to}\n\n- {name} 0.1.{from} → 0.1.{to}\n\nRelease-Tool: cargo-xtask-release"
        );
        let (path, text) = self.manifest(k, to);
        let mut now: Vec<u64> = self.versions.iter().map(|v| v - 1).collect();
        now[k] = to;
        let lock = self.lock(&now, &self.locked);
        let m = self.commit(&message, &[(&path, &text), ("Cargo.lock", &lock)]);
        let _ = write!(
            self.stream,
            "reset refs/tags/{name}-v0.1.{to}\nfrom :{m}\n\n"
        );
        self.versions[k] += 1;
        self.tags += 1;
    }

    /// Commit `c`: a change to crate `k`'s source, one in five also moving a third-party lock
    /// entry. The last commit drops the third-party entries, as cargo would, so the head
    /// resolves.
    fn change(&mut self, c: usize, k: usize) {
        self.edits[k] += 1;
        let kind = ["fix", "feat", "chore", "fix", "refactor"][self.rng.below(5)];
        let message = format!("{kind}: change {c} to {}", crate_name(k));
        let path = format!("crates/{}/src/lib.rs", crate_name(k));
        let text = format!("pub fn id() -> usize {{ {k} + {} }}\n", self.edits[k]);
        let churn = self.rng.below(5) == 0;
        if churn {
            let d = self.rng.below(self.shape.locked.max(1));
            if let Some(v) = self.locked.get_mut(d) {
                *v += 1;
            }
        }
        let released: Vec<u64> = self.versions.iter().map(|v| v - 1).collect();
        let lock = match c == self.shape.commits {
            true => Some(self.lock(&released, &[])),
            false => churn.then(|| self.lock(&released, &self.locked)),
        };
        let mut files = vec![(path.as_str(), text.as_str())];
        if let Some(lock) = &lock {
            files.push(("Cargo.lock", lock));
        }
        self.commit(&message, &files);
    }
}

/// Writes `stream` into a new repository at `dir` with `git fast-import` and checks out
/// `main`, with the benchmark's identity.
fn import(dir: &Path, stream: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    git(dir, &["init", "-q", "-b", "main"])?;
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .as_mut()
        .expect("piped")
        .write_all(stream.as_bytes())?;
    drop(child.stdin.take());
    if !child.wait()?.success() {
        return Err(std::io::Error::other("git fast-import failed"));
    }
    git(dir, &["reset", "-q", "--hard", "main"])?;
    for (key, value) in [
        ("user.name", "bench"),
        ("user.email", "bench@localhost"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ] {
        git(dir, &["config", key, value])?;
    }
    Ok(())
}

/// Every file under `dir` (but `.git` and `target`), relative to `root`.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == ".git" || name == "target" {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            out.push((rel, std::fs::read_to_string(&path)?));
        }
    }
    Ok(())
}
