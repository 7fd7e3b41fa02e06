//! `cargo xtask affected` and `cargo xtask affected-test`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::ValueEnum;
use workspace_tools::test_run::{self, Partition, Runner};
use workspace_tools::{AffectedSet, git, metadata, render};

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
    /// `{"include": [{"package": NAME}, ...]}` for a GitHub Actions matrix
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
    manifest_path: PathBuf,
    workspace: metadata::Workspace,
}

fn compute(selection: &Selection) -> anyhow::Result<Computed> {
    let workspace = metadata::load(selection.manifest_path.as_deref())?;
    let range = git::Range {
        base: selection.base.clone(),
        head: Some(selection.head.clone()),
        include_uncommitted: selection.include_uncommitted,
    };
    let diff = git::diff(workspace.graph.root(), &range)?;
    let set = workspace_tools::affected(&workspace.graph, &diff.changes, &workspace.rules);
    let manifest_path = selection
        .manifest_path
        .clone()
        .unwrap_or_else(|| workspace.graph.root().join("Cargo.toml"));
    Ok(Computed {
        set,
        diff,
        manifest_path,
        workspace,
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

fn explain(set: &AffectedSet) {
    for package in &set.packages {
        for reason in &package.reasons {
            output::detail(&format!("{}: {}", package.name, reason.message));
        }
    }
}

/// Prints the affected packages.
pub(crate) fn run(args: AffectedArgs) -> anyhow::Result<i32> {
    let computed = compute(&args.selection)?;
    let set = &computed.set;
    match args.format {
        Format::Text => {
            output::status("Affected", &summary(&computed));
            for package in &set.packages {
                println!("{}", package.name);
                if args.explain {
                    for reason in &package.reasons {
                        println!("    {}", reason.message);
                    }
                }
            }
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
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::GithubMatrix => println!("{}", render::github_matrix(set)),
    }
    Ok(exit_code::SUCCESS)
}

/// Runs the tests of the affected packages and exits with the runner's status.
pub(crate) fn run_tests(args: TestArgs) -> anyhow::Result<i32> {
    let computed = compute(&args.selection)?;
    let mut names: Vec<String> = computed
        .set
        .packages
        .iter()
        .map(|p| p.name.clone())
        .collect();
    output::status("Affected", &summary(&computed));
    explain(&computed.set);
    if let Some(partition) = args.partition {
        names = test_run::partition(&names, partition);
        output::status(
            "Partition",
            &format!(
                "{partition}: {}",
                if names.is_empty() {
                    "-".to_owned()
                } else {
                    names.join(", ")
                }
            ),
        );
    }
    if names.is_empty() {
        output::status("Finished", "nothing affected, no tests to run");
        return Ok(exit_code::SUCCESS);
    }
    let path = test::ensure_tools(&computed.workspace)?;
    let mut command = test_run::command(
        args.runner.runner(),
        &computed.manifest_path,
        &names,
        &args.args,
    );
    command.env("PATH", path);
    let code = test::run_runner(command)?;
    if code != exit_code::SUCCESS {
        output::warning(&format!("tests failed in: {}", names.join(", ")));
    }
    Ok(code)
}
