//! `cargo xtask test`: installs the pinned test tools, then runs the whole test suite. The
//! tool set-up is shared with `affected-test`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use workspace_tools::metadata::{self, Workspace};
use workspace_tools::test_run;
use workspace_tools::{Error, test_tools};

use crate::affected::RunnerArg;
use crate::{exit_code, output};

/// Arguments of `test`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The test runner
    #[arg(long, value_enum, default_value_t = RunnerArg::Cargo)]
    runner: RunnerArg,
    /// Arguments passed to the runner after `--workspace --all-features`
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

/// Installs the test tools, runs every test of the workspace and exits with the runner's status.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let workspace = metadata::load(args.manifest_path.as_deref())?;
    let path = ensure_tools(&workspace)?;
    test_run::check_installed(args.runner.runner(), &path)?;
    let manifest = args
        .manifest_path
        .unwrap_or_else(|| workspace.graph.root().join("Cargo.toml"));
    test_tools::fetch(&manifest)?;
    let mut extra: Vec<OsString> = vec!["--workspace".into(), "--all-features".into()];
    extra.extend(args.args);
    let mut command = test_run::command(args.runner.runner(), &manifest, &[], &extra);
    // The suite is hermetic: with the dependencies fetched, it needs no network, and running
    // it offline keeps it that way.
    command.env("PATH", path).env("CARGO_NET_OFFLINE", "true");
    run_runner(command)
}

/// Installs the workspace's pinned test tools that are missing, showing progress, and returns
/// the `PATH` under which the runner finds them.
pub(crate) fn ensure_tools(workspace: &Workspace) -> anyhow::Result<OsString> {
    let root = test_tools::root(&workspace.target_dir);
    for tool in test_tools::missing(&workspace.test_tools, &root) {
        output::status(
            "Installing",
            &format!(
                "{} {} into {} (first run only; this builds it)",
                tool.name,
                tool.version,
                root.display()
            ),
        );
        test_tools::install(tool, &root)?;
    }
    Ok(test_tools::path_with(&root))
}

/// Shows the runner's command line, runs it and returns its exit status.
pub(crate) fn run_runner(mut command: Command) -> anyhow::Result<i32> {
    let program = std::path::Path::new(command.get_program())
        .file_name()
        .unwrap_or_default();
    let shown: Vec<String> = std::iter::once(program)
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    output::status("Running", &shown.join(" "));
    let status = command
        .status()
        .map_err(|e| Error::starting_cargo(command.get_program(), e))?;
    Ok(status.code().unwrap_or(exit_code::FAILURE))
}
