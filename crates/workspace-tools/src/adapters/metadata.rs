//! The cargo adapter: runs `cargo metadata` and turns guppy's package graph into a
//! [`WorkspaceGraph`], reading the members' manifests for `workspace = true` entries.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use guppy::graph::{DependencyReq, PackageGraph, PackageMetadata};
use guppy::platform::PlatformStatus;
use guppy::{CargoMetadata, MetadataCommand};
use target_spec::TargetSpec;

use crate::adapters::test_tools::TestTool;
use crate::engine::graph::{DepKind, Dependency, Package, PackageKind, WorkspaceGraph};
use crate::{Error, LoadError, ReleaseConfig, Rules};

/// A loaded workspace: its graph and the configuration in its root manifest.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The package graph.
    pub graph: WorkspaceGraph,
    /// The path rules in force.
    pub rules: Rules,
    /// How crates are versioned and tagged.
    pub release: ReleaseConfig,
    /// The pinned tools the tests run.
    pub test_tools: Vec<TestTool>,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
}

/// The configuration in `[workspace.metadata.workspace-tools]`, checked against the graph.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// The path rules in force.
    pub rules: Rules,
    /// How crates are versioned and tagged.
    pub release: ReleaseConfig,
    /// The pinned tools the tests run.
    pub test_tools: Vec<TestTool>,
}

/// Loads the workspace around `manifest_path` (or around the current directory); cargo may
/// write a missing or stale `Cargo.lock`, as a release that rewrites it anyway expects.
pub fn load(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
    load_with(manifest_path, Lock::MayWrite)
}

/// Loads the workspace without writing anything: `cargo metadata --locked`, so a missing or
/// stale `Cargo.lock` is an error ([`LoadError::StaleLock`]) instead of a rewrite.
pub fn load_locked(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
    load_with(manifest_path, Lock::Locked)
}

/// Whether `cargo metadata` may write `Cargo.lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// `--locked`: read-only.
    Locked,
    /// Cargo writes a missing or stale lock file.
    MayWrite,
}

fn load_with(manifest_path: Option<&Path>, lock: Lock) -> Result<Workspace, Error> {
    load_observed(manifest_path, lock, &mut |_, _| {})
}

/// A phase of loading a workspace, reported with its duration by [`load_observed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadPhase {
    /// Running `cargo metadata`.
    CargoMetadata,
    /// Building the graph from the metadata (guppy and ours) and reading the configuration.
    Graph,
    /// Scanning the packages' files for the files their builds read.
    Reads,
}

/// [`load`] or [`load_locked`] (by `lock`), telling `observe` how long each phase took: the
/// benchmarks report cargo's share and our own code apart.
pub fn load_observed(
    manifest_path: Option<&Path>,
    lock: Lock,
    observe: &mut dyn FnMut(LoadPhase, Duration),
) -> Result<Workspace, Error> {
    let start = Instant::now();
    let json = cargo_metadata(manifest_path, lock)?;
    observe(LoadPhase::CargoMetadata, start.elapsed());
    let start = Instant::now();
    let mut workspace = workspace_from_json(&json, manifest_path)?;
    observe(LoadPhase::Graph, start.elapsed());
    let start = Instant::now();
    scan_reads(&mut workspace.graph);
    observe(LoadPhase::Reads, start.elapsed());
    Ok(workspace)
}

/// The workspace described by `cargo metadata` JSON, with the configuration in its root manifest
/// (the reads index is left empty: see [`scan_reads`]).
pub(crate) fn workspace_from_json(
    json: &str,
    manifest_path: Option<&Path>,
) -> Result<Workspace, Error> {
    let package_graph = package_graph(json, manifest_path)?;
    let graph = from_guppy(&package_graph)?;
    let config = load_config(&graph)?;
    let target_dir = package_graph
        .workspace()
        .target_directory()
        .as_std_path()
        .to_owned();
    Ok(Workspace {
        graph,
        rules: config.rules,
        release: config.release,
        test_tools: config.test_tools,
        target_dir,
    })
}

/// Fills the reads index of `graph` by scanning its local packages' files on disk.
pub(crate) fn scan_reads(graph: &mut WorkspaceGraph) {
    let index = crate::adapters::reads_scan::scan(graph);
    graph.set_reads(index);
}

/// Runs `cargo metadata --all-features` (with `--locked` for [`Lock::Locked`]) and returns its
/// JSON.
pub(crate) fn cargo_metadata(manifest_path: Option<&Path>, lock: Lock) -> Result<String, Error> {
    let mut command = MetadataCommand::new();
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    if lock == Lock::Locked {
        command.other_options(["--locked".to_owned()]);
    }
    let mut command = command.cargo_command();
    let cargo = command.get_program().to_owned();
    let output = command
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::starting_cargo(&cargo, e))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if let Some(error) = stale_lock(&stderr) {
            return Err(error);
        }
        return Err(LoadError::Metadata {
            manifest: describe(manifest_path),
            message: first_error(&stderr),
        }
        .into());
    }
    String::from_utf8(output.stdout).map_err(|e| {
        LoadError::MetadataOutput {
            manifest: describe(manifest_path),
            source: e.into(),
        }
        .into()
    })
}

/// Cargo's refusal to create or update the lock file under `--locked`.
fn stale_lock(stderr: &str) -> Option<Error> {
    let line = stderr
        .lines()
        .find(|l| l.contains("because --locked was passed"))?;
    let missing = line.contains("cannot create");
    let path = line
        .split("lock file ")
        .nth(1)?
        .split(" because")
        .next()?
        .to_owned();
    Some(
        LoadError::StaleLock {
            path: PathBuf::from(path),
            missing,
        }
        .into(),
    )
}

fn describe(manifest_path: Option<&Path>) -> String {
    manifest_path.map_or_else(
        || "the current directory".to_owned(),
        |p| p.display().to_string(),
    )
}

/// Cargo's error on one line: the `error:` line, the first cause, and the file location.
fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut message = lines
        .iter()
        .find_map(|l| l.strip_prefix("error: "))
        .or(lines.first().copied())
        .unwrap_or("no error message")
        .to_owned();
    if let Some(cause) = lines
        .iter()
        .position(|l| *l == "Caused by:")
        .and_then(|i| lines.get(i + 1))
    {
        message = format!("{message}: {cause}");
    }
    if let Some(location) = lines.iter().find_map(|l| l.strip_prefix("--> ")) {
        message = format!("{message} (at {location})");
    }
    message
}

/// guppy's package graph of `cargo metadata` JSON.
fn package_graph(json: &str, manifest_path: Option<&Path>) -> Result<PackageGraph, Error> {
    CargoMetadata::parse_json(json)
        .and_then(CargoMetadata::build_graph)
        .map_err(|e| {
            LoadError::MetadataOutput {
                manifest: describe(manifest_path),
                source: e.into(),
            }
            .into()
        })
}

fn from_guppy(pg: &PackageGraph) -> Result<WorkspaceGraph, Error> {
    let root = pg.workspace().root().as_std_path();
    let mut graph = WorkspaceGraph::new(root);
    let mut packages: Vec<PackageMetadata<'_>> = pg.packages().collect();
    packages.sort_by(|a, b| (a.name(), a.version()).cmp(&(b.name(), b.version())));
    let mut index = std::collections::HashMap::with_capacity(packages.len());
    for meta in &packages {
        index.insert(meta.id().clone(), graph.add_package(package(root, meta)?));
    }
    for meta in &packages {
        let from = index[meta.id()];
        for link in meta.direct_links() {
            let to = index[link.to().id()];
            for (kind, req) in [
                (DepKind::Normal, link.normal()),
                (DepKind::Build, link.build()),
                (DepKind::Dev, link.dev()),
            ] {
                if req.is_present() {
                    graph.add_dependency(from, to, dependency(kind, &req));
                }
            }
        }
    }
    Ok(graph)
}

/// Our package for guppy's `meta`, in the workspace at `root`: a member's inherited
/// dependencies are read from its manifest.
fn package(root: &Path, meta: &PackageMetadata<'_>) -> Result<Package, Error> {
    let kind = match (meta.in_workspace(), meta.source().local_path()) {
        (true, _) => PackageKind::Member,
        (false, Some(_)) => PackageKind::Path,
        (false, None) => PackageKind::External,
    };
    Ok(Package {
        name: meta.name().to_owned(),
        version: meta.version().to_string(),
        kind,
        root: meta.source().local_path().map(|p| {
            p.as_str()
                .replace('\\', "/")
                .trim_start_matches("./")
                .to_owned()
        }),
        inherited: match kind {
            PackageKind::Member => inherited_dependencies(meta.manifest_path().as_std_path())?,
            _ => Vec::new(),
        },
        binary: meta
            .build_targets()
            .any(|t| matches!(t.id(), guppy::graph::BuildTargetId::Binary(_))),
        targets: match kind {
            PackageKind::External => Vec::new(),
            _ => meta
                .build_targets()
                .filter_map(|t| relative_to(root, t.path().as_std_path()))
                // Cargo keeps a manifest's `..` as written: `crates/t/../../common/t.rs`.
                .filter_map(|t| crate::engine::reads::resolve("", &t))
                .collect(),
        },
        build_script: meta
            .build_target(&guppy::graph::BuildTargetId::BuildScript)
            .filter(|_| kind != PackageKind::External)
            .and_then(|t| relative_to(root, t.path().as_std_path()))
            .and_then(|t| crate::engine::reads::resolve("", &t)),
    })
}

/// `path` relative to `root`, with `/` separators and `../` where it lies outside.
pub(crate) fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let root: Vec<_> = root.components().collect();
    let path: Vec<_> = path.components().collect();
    let common = root.iter().zip(&path).take_while(|(a, b)| a == b).count();
    (common > 0).then(|| {
        std::iter::repeat_n("..".to_owned(), root.len() - common)
            .chain(
                path[common..]
                    .iter()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned()),
            )
            .collect::<Vec<_>>()
            .join("/")
    })
}

fn dependency(kind: DepKind, req: &DependencyReq<'_>) -> Dependency {
    let status = req.status();
    let optional = status.required_status().is_never();
    let active = if optional {
        status.optional_status()
    } else {
        status.required_status()
    };
    let target = match active {
        PlatformStatus::PlatformDependent { eval } => Some(
            eval.target_specs()
                .iter()
                .map(target_spec_text)
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        _ => None,
    };
    Dependency {
        kind,
        optional,
        target,
    }
}

/// A target spec as written in a manifest: `cfg(windows)` or a triple.
fn target_spec_text(spec: &TargetSpec) -> String {
    match spec {
        TargetSpec::Expression(expression) => format!("cfg({expression})"),
        TargetSpec::PlainString(triple) => triple.as_str().to_owned(),
    }
}

/// The `workspace = true` entries of a member's dependency tables, with whether each is a
/// normal or build dependency anywhere (`true`) or only a dev-dependency.
fn inherited_dependencies(manifest: &Path) -> Result<Vec<(String, bool)>, Error> {
    let text = std::fs::read_to_string(manifest).map_err(|source| Error::Io {
        path: manifest.to_owned(),
        source,
    })?;
    let doc: toml::Table =
        toml::from_str(&text).map_err(|e| Error::manifest(manifest)(e.into()))?;
    let mut tables: Vec<&toml::Table> = vec![&doc];
    if let Some(toml::Value::Table(targets)) = doc.get("target") {
        tables.extend(targets.values().filter_map(toml::Value::as_table));
    }
    let mut inherited: Vec<(String, bool)> = Vec::new();
    for table in tables {
        // With the `build_dependencies`, `dev_dependencies` spellings Cargo reads before 2024.
        for (section, normal) in [
            ("dependencies", true),
            ("build-dependencies", true),
            ("build_dependencies", true),
            ("dev-dependencies", false),
            ("dev_dependencies", false),
        ] {
            let Some(deps) = table.get(section).and_then(toml::Value::as_table) else {
                continue;
            };
            for (name, spec) in deps {
                if spec.get("workspace").and_then(toml::Value::as_bool) != Some(true) {
                    continue;
                }
                match inherited.iter_mut().find(|(n, _)| n == name) {
                    Some(entry) => entry.1 |= normal,
                    None => inherited.push((name.clone(), normal)),
                }
            }
        }
    }
    inherited.sort();
    Ok(inherited)
}

/// Reads the path rules and the release configuration from the root manifest of `graph`, in
/// one parse of `[workspace.metadata.workspace-tools]`.
pub(crate) fn load_config(graph: &WorkspaceGraph) -> Result<Config, Error> {
    let manifest = graph.root().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|source| Error::Io {
        path: manifest.clone(),
        source,
    })?;
    let config = crate::config::parse(&manifest, &text)?;
    Ok(Config {
        rules: Rules::from_config(&manifest, config.affected, graph)?,
        release: config.release,
        test_tools: crate::adapters::test_tools::from_config(&manifest, config.test_tools)?,
    })
}
