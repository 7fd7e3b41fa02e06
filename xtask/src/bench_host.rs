//! `cargo xtask bench-host`: runs the host benchmark, which lives in the host crate (its
//! `bench_host` example) so that xtask itself never compiles tokio or the host.

use std::path::Path;
use std::process::Command;

/// Arguments of `bench-host`: passed on to the benchmark.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Options for the benchmark, e.g. `--clients 1000 --requests 20 --idle 1000 --callers 8
    /// --calls 500 --uploaders 4 --upload-mib 10 --upload-seconds 10`; `-- --help` lists them
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    options: Vec<String>,
}

/// Builds the benchmark in release mode and runs it; exits with its status.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The host's own manifest selects it: `-p host` would be ambiguous to cargo as soon as a
    // registry crate called `host` entered the graph.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/host/Cargo.toml");
    let status = Command::new(&cargo)
        .args(["run", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .args(["--example", "bench_host", "--"])
        .args(&args.options)
        .status()
        .map_err(|e| anyhow::anyhow!("could not run cargo for the host benchmark: {e}"))?;
    Ok(status.code().unwrap_or(crate::exit_code::FAILURE))
}
