//! `cargo xtask affected` and `cargo xtask affected-test`.

use std::ffi::OsString;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use workspace_tools::test_run::{self, Partition, Runner};
use workspace_tools::{AffectedPackage, AffectedSet, UnknownRead, WorkspaceGraph, render};
use workspace_tools::{dep_info, git, metadata};

use crate::{exit_code, output, test};

/// Which change to look at.
#[derive(clap::Args)]
pub(crate) struct Selection {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Compare against the merge-base of this revision and the head [default: origin/main, else main]
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// The revision whose changes to look at
    #[arg(
        long,
        value_name = "REV",
        default_value = "HEAD",
        conflicts_with = "include_uncommitted"
    )]
    head: String,
    /// Also count staged, unstaged and untracked changes in the working tree
    #[arg(long)]
    include_uncommitted: bool,
    /// Also follow the files a previous build read, from rustc's dep-info files (`*.d`) under
    /// this folder (e.g. `target`)
    #[arg(long, value_name = "DIR")]
    dep_info: Option<PathBuf>,
}

/// Arguments of `affected`.
#[derive(clap::Args)]
pub(crate) struct AffectedArgs {
    #[command(flatten)]
    selection: Selection,
    /// Print why each package is affected
    #[arg(long)]
    explain: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One package name per line (with --explain, its reasons)
    Text,
    /// `{"affected": [{"name", "version", "path", "reasons"}], ...}`, documented in docs/affected.md
    Json,
    /// `{"include": [{"package": NAME, "spec": NAME@VERSION, "manifest_path": PATH}, ...]}` for a
    /// GitHub Actions matrix
    GithubMatrix,
}

/// Arguments of `affected-test`.
#[derive(clap::Args)]
pub(crate) struct TestArgs {
    #[command(flatten)]
    selection: Selection,
    /// The test runner
    #[arg(long, value_enum, default_value_t = RunnerArg::Cargo)]
    runner: RunnerArg,
    /// Run only share K of N of the affected packages (sorted by name, dealt round-robin)
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
    /// Arguments passed to the runner after the package selection
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RunnerArg {
    /// cargo test
    Cargo,
    /// cargo nextest run
    Nextest,
}

impl RunnerArg {
    pub(crate) fn runner(self) -> Runner {
        match self {
            RunnerArg::Cargo => Runner::Cargo,
            RunnerArg::Nextest => Runner::Nextest,
        }
    }
}

/// The affected set of a selection, with the names of the compared revisions.
struct Computed {
    set: AffectedSet,
    diff: git::Diff,
    workspace: metadata::Workspace,
    /// The workspace root in the user's work tree (where tests run).
    work_tree_root: PathBuf,
}

/// Loads the graph of the head revision (from a temporary copy when the work tree does not
/// hold it), reads the change, and computes the affected set.
fn compute(selection: &Selection) -> anyhow::Result<Computed> {
    let start = match selection.manifest_path.as_deref().map(Path::parent) {
        Some(Some(dir)) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => std::env::current_dir()?,
    };
    let head = (!selection.include_uncommitted).then_some(selection.head.as_str());
    let checkout = git::checkout(&start, head)?;
    let manifest = match checkout.copy_root() {
        Some(copy) => Some(nearest_manifest(&checkout.dir, copy, selection)?),
        None => selection.manifest_path.clone(),
    };
    let mut workspace =
        metadata::load_locked(manifest.as_deref()).map_err(|e| match checkout.copy_root() {
            Some(copy) => e.in_revision(copy, &selection.head),
            None => e,
        })?;
    // Build output and test tools belong in the work tree's target folder, not in the copy.
    workspace.target_dir = checkout.in_work_tree(&workspace.target_dir);
    let range = git::Range {
        base: selection.base.clone(),
        head: Some(selection.head.clone()),
        include_uncommitted: selection.include_uncommitted,
    };
    let diff = checkout.diff(workspace.graph.root(), &range)?;
    let work_tree_root = checkout.in_work_tree(workspace.graph.root());
    if let Some(dir) = &selection.dep_info {
        let described = dep_info::add_reads(
            &mut workspace.graph,
            dir,
            &work_tree_root,
            checkout.work_tree_root(),
        )?;
        output::status(
            "Dep-info",
            &format!(
                "{described} compilations of local crates read from {}",
                dir.display()
            ),
        );
    }
    let set = workspace_tools::affected(&workspace.graph, &diff.changes, &workspace.rules);
    Ok(Computed {
        set,
        diff,
        workspace,
        work_tree_root,
    })
}

/// The manifest cargo would start from in the copy: the one named by --manifest-path, else the
/// nearest `Cargo.toml` at or above the current folder.
fn nearest_manifest(dir: &Path, copy: &Path, selection: &Selection) -> anyhow::Result<PathBuf> {
    if let Some(name) = selection.manifest_path.as_deref().and_then(Path::file_name) {
        return Ok(dir.join(name));
    }
    dir.ancestors()
        .take_while(|d| d.starts_with(copy))
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
        .ok_or_else(|| {
            workspace_tools::Error::from(workspace_tools::LoadError::NoWorkspace {
                place: format!("revision `{}`", selection.head),
            })
            .into()
        })
}

fn summary(computed: &Computed) -> String {
    let total = computed.set.packages.len() + computed.set.unaffected.len();
    let files = computed.diff.changes.files.len();
    let diff = &computed.diff;
    format!(
        "{} of {total} packages, {files} file{} changed between {} (merge-base {}) and {}",
        computed.set.packages.len(),
        if files == 1 { "" } else { "s" },
        diff.base_name,
        &diff.base[..10],
        diff.head_name,
    )
}

/// The reads the scan could not resolve, by package name, in name order.
fn unknown_reads(graph: &WorkspaceGraph) -> Vec<(&str, &UnknownRead)> {
    let mut all: Vec<(&str, &UnknownRead)> = graph
        .members()
        .into_iter()
        .flat_map(|ix| {
            let name = graph.package(ix).name.as_str();
            graph.unknown_reads(ix).iter().map(move |r| (name, r))
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all
}

/// On stderr: why each package is affected, then the reads nobody could follow.
fn explain(computed: &Computed, reasons: bool) {
    if reasons {
        for package in &computed.set.packages {
            for reason in &package.reasons {
                output::detail(&format!("{}: {}", package.name, reason.message));
            }
        }
    }
    let unknown = unknown_reads(&computed.workspace.graph);
    if !unknown.is_empty() {
        output::status(
            "Unresolved",
            &format!(
                "{} read{} with a computed path, not followed:",
                unknown.len(),
                if unknown.len() == 1 { "" } else { "s" }
            ),
        );
        for (name, read) in unknown {
            output::detail(&format!("{name}: {}: {}", read.location, read.text));
        }
    }
}

/// Prints the affected packages.
pub(crate) fn run(args: AffectedArgs) -> anyhow::Result<i32> {
    let computed = compute(&args.selection)?;
    let set = &computed.set;
    let text = match args.format {
        Format::Text => {
            output::status("Affected", &summary(&computed));
            let mut text = String::new();
            for package in &set.packages {
                text.push_str(&package.name);
                text.push('\n');
                if args.explain {
                    for reason in &package.reasons {
                        let _ = writeln!(text, "    {}", reason.message);
                    }
                }
            }
            if args.explain {
                explain(&computed, false);
            }
            text
        }
        Format::Json => {
            let mut json = serde_json::to_value(set)?;
            json["base"] = computed.diff.base.clone().into();
            json["head"] = computed.diff.head.clone().into();
            json["changed_files"] = computed
                .diff
                .changes
                .files
                .iter()
                .map(|f| f.path.clone())
                .collect();
            json["unknown_reads"] = unknown_reads(&computed.workspace.graph)
                .into_iter()
                .map(|(name, read)| {
                    serde_json::json!({"package": name, "location": read.location, "text": read.text})
                })
                .collect();
            if args.explain {
                explain(&computed, false);
            }
            format!("{}\n", serde_json::to_string_pretty(&json)?)
        }
        Format::GithubMatrix => format!("{}\n", render::github_matrix(set)),
    };
    output::print(&text)?;
    Ok(exit_code::SUCCESS)
}

/// Runs the tests of the affected packages and exits with the runner's status.
pub(crate) fn run_tests(args: TestArgs) -> anyhow::Result<i32> {
    let selection = &args.selection;
    if !selection.include_uncommitted {
        let start = match selection.manifest_path.as_deref().map(Path::parent) {
            Some(Some(dir)) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => std::env::current_dir()?,
        };
        if !git::is_head(&start, &selection.head)? {
            output::error(&format!(
                "affected-test runs the tests of the work tree, but `{}` is not the checked-out \
                 commit; check it out first, or list its affected packages with `affected --head {}`",
                selection.head, selection.head
            ));
            return Ok(exit_code::USAGE);
        }
    }
    let computed = compute(selection)?;
    output::status("Affected", &summary(&computed));
    explain(&computed, true);
    let mut packages: Vec<&AffectedPackage> = computed.set.packages.iter().collect();
    if let Some(partition) = args.partition {
        let names: Vec<String> = packages.iter().map(|p| p.name.clone()).collect();
        let share = test_run::partition(&names, partition);
        packages.retain(|p| share.contains(&p.name));
        output::status(
            "Partition",
            &format!(
                "{partition}: {}",
                if share.is_empty() {
                    "-".to_owned()
                } else {
                    share.join(", ")
                }
            ),
        );
    }
    if packages.is_empty() {
        output::status("Finished", "nothing affected, no tests to run");
        return Ok(exit_code::SUCCESS);
    }
    let runner = args.runner.runner();
    let path = test::ensure_tools(&computed.workspace)?;
    test_run::check_installed(runner, &path)?;
    let specs: Vec<String> = packages
        .iter()
        .map(|p| {
            test_run::package_spec(&computed.work_tree_root.join(&p.path), &p.name, &p.version)
        })
        .collect();
    let manifest = computed.work_tree_root.join("Cargo.toml");
    let mut command = test_run::command(runner, &manifest, &specs, &args.args);
    command.env("PATH", path);
    test::run_runner(command)
}
