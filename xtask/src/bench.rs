//! `cargo xtask bench-affected` and `bench-release`: time `affected` and a release on
//! synthetic workspaces and print Markdown tables for docs/benchmarks.md.

use std::time::Duration;

use workspace_tools::synthetic::{self, ReleaseTimings, Timings};

/// Arguments of `bench-affected`.
#[derive(clap::Args)]
pub struct Args {
    /// Workspace sizes to measure, in crates
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1000])]
    crates: Vec<usize>,
    /// Runs per size; the median of each phase is reported
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seed of the random dependency graph
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Generates each workspace, changes its most depended-on crate, and times every phase.
pub fn run(args: Args) -> anyhow::Result<i32> {
    println!(
        "| crates | affected | cargo metadata | git | graph build | affected engine | own code |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for crates in args.crates {
        let dir = tempfile::tempdir()?;
        crate::output::status(
            "Generating",
            &format!("{crates} crates in {}", dir.path().display()),
        );
        synthetic::repository(dir.path(), crates, args.seed, 0)?;
        // The first run warms the caches (cargo writes Cargo.lock); it is not counted.
        synthetic::measure(dir.path())?;
        let runs: Vec<Timings> = (0..args.runs.max(1))
            .map(|_| synthetic::measure(dir.path()))
            .collect::<Result<_, _>>()?;
        let median = |f: fn(&Timings) -> Duration| {
            let mut v: Vec<Duration> = runs.iter().map(f).collect();
            v.sort();
            ms(v[v.len() / 2])
        };
        println!(
            "| {crates} | {} | {} | {} | {} | {} | {} |",
            runs[0].affected_count,
            median(|t| t.cargo_metadata),
            median(|t| t.git),
            median(|t| t.graph),
            median(|t| t.affected),
            median(|t| t.own_code()),
        );
    }
    Ok(crate::exit_code::SUCCESS)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Generates each workspace with every crate tagged, commits a breaking change to its most
/// depended-on crate, and times planning and applying the release.
pub fn run_release(args: Args) -> anyhow::Result<i32> {
    println!(
        "| crates | released | cargo metadata | prepare (graph, manifests, tags, history) | plan | apply (manifests, lock, changelogs, written) | beyond cargo metadata |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for crates in args.crates {
        let dir = tempfile::tempdir()?;
        crate::output::status(
            "Generating",
            &format!("{crates} crates in {}", dir.path().display()),
        );
        synthetic::release_repository(dir.path(), crates, args.seed, 0)?;
        synthetic::measure_release(dir.path())?;
        let runs: Vec<ReleaseTimings> = (0..args.runs.max(1))
            .map(|_| synthetic::measure_release(dir.path()))
            .collect::<Result<_, _>>()?;
        let median = |f: fn(&ReleaseTimings) -> Duration| {
            let mut v: Vec<Duration> = runs.iter().map(f).collect();
            v.sort();
            ms(v[v.len() / 2])
        };
        println!(
            "| {crates} | {} | {} | {} | {} | {} | {} |",
            runs[0].released,
            median(|t| t.cargo_metadata),
            median(|t| t.prepare),
            median(|t| t.plan),
            median(|t| t.apply),
            median(|t| t.prepare + t.plan + t.apply),
        );
    }
    Ok(crate::exit_code::SUCCESS)
}
