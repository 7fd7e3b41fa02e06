//! `cargo xtask bench-affected` and `bench-release`: time `affected` and a release on
//! synthetic workspaces and print Markdown tables for docs/benchmarks.md.

use std::path::Path;
use std::time::Duration;

use crate::synthetic::{self, ReleaseTimings, Timings};
use workspace_tools::git;

/// Arguments of `bench-affected`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Workspace sizes to measure, in crates
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1000])]
    crates: Vec<usize>,
    /// Runs per size; the median of each phase is reported
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seed of the random dependency graph
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// bench-release: time a real-size history instead (31 crates, 4,000 commits, 500 tags,
    /// lock file churn): the first plan, then a rerun right after releasing it
    #[arg(long)]
    history: bool,
}

/// The median of one phase over the timed runs, formatted in milliseconds.
type Median<'a, T> = dyn Fn(&dyn Fn(&T) -> Duration) -> String + 'a;

/// Prints a Markdown table: for each size, a workspace made by `setup`, one warm-up run of
/// `measure` (cargo writes Cargo.lock then) and `args.runs` timed runs, reported by `row`.
fn table<T>(
    args: &Args,
    header: &str,
    setup: fn(&Path, usize, u64) -> std::io::Result<()>,
    measure: fn(&Path) -> Result<T, workspace_tools::Error>,
    row: fn(&[T], &Median<'_, T>) -> String,
) -> anyhow::Result<i32> {
    println!("| crates | {header} |");
    println!(
        "|---:|{}",
        "---:|".repeat(header.matches(" | ").count() + 1)
    );
    for crates in &args.crates {
        let dir = tempfile::tempdir()?;
        crate::output::status(
            "Generating",
            &format!("{crates} crates in {}", dir.path().display()),
        );
        setup(dir.path(), *crates, args.seed)?;
        measure(dir.path())?;
        let runs: Vec<T> = (0..args.runs.max(1))
            .map(|_| measure(dir.path()))
            .collect::<Result<_, _>>()?;
        let median = |f: &dyn Fn(&T) -> Duration| {
            let mut v: Vec<Duration> = runs.iter().map(f).collect();
            v.sort();
            format!("{:.1} ms", v[v.len() / 2].as_secs_f64() * 1000.0)
        };
        println!("| {crates} | {} |", row(&runs, &median));
    }
    Ok(crate::exit_code::SUCCESS)
}

/// Generates each workspace, changes its most depended-on crate, and times every phase; then
/// times materialising the head of the repository around the current folder, as `--head` does.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    table(
        &args,
        "affected | cargo metadata | git | graph build | reads scan | affected engine | own code",
        synthetic::repository,
        synthetic::measure,
        |runs: &[Timings], median| {
            let cells = [
                median(&|t: &Timings| t.load.cargo_metadata),
                median(&|t: &Timings| t.git),
                median(&|t: &Timings| t.load.graph),
                median(&|t: &Timings| t.load.reads),
                median(&|t: &Timings| t.affected),
                median(&|t: &Timings| t.own_code()),
            ];
            format!("{} | {}", runs[0].affected_count, cells.join(" | "))
        },
    )?;
    materialise(&args)
}

/// Times copying HEAD of the repository around the current folder to a temporary folder and
/// removing it again, then the same with `cargo metadata --locked` and the reads scan in it.
fn materialise(args: &Args) -> anyhow::Result<i32> {
    let dir = std::env::current_dir()?;
    let mut copy_only = Vec::new();
    let mut with_graph = Vec::new();
    for _ in 0..args.runs.max(1) {
        let start = std::time::Instant::now();
        let checkout = git::copy(&dir, "HEAD")?;
        let copied = start.elapsed();
        workspace_tools::metadata::load_locked(Some(&checkout.dir.join("Cargo.toml")))?;
        drop(checkout);
        copy_only.push(copied);
        with_graph.push(start.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        format!("{:.1} ms", v[v.len() / 2].as_secs_f64() * 1000.0)
    };
    println!();
    println!("| materialise HEAD of | copy | copy + cargo metadata + reads scan + removal |");
    println!("|---|---:|---:|");
    println!(
        "| {} | {} | {} |",
        dir.display(),
        median(&mut copy_only),
        median(&mut with_graph)
    );
    Ok(crate::exit_code::SUCCESS)
}

/// Generates each workspace with every crate tagged, commits a breaking change to its most
/// depended-on crate, and times planning and applying the release.
pub(crate) fn run_release(args: Args) -> anyhow::Result<i32> {
    if args.history {
        return run_history(&args);
    }
    table(
        &args,
        "released | cargo metadata | prepare | plan | apply | beyond cargo metadata",
        synthetic::release_repository,
        synthetic::measure_release,
        |runs: &[ReleaseTimings], median| {
            let cells = [
                median(&|t: &ReleaseTimings| t.load.cargo_metadata),
                median(&|t: &ReleaseTimings| t.prepare),
                median(&|t: &ReleaseTimings| t.plan),
                median(&|t: &ReleaseTimings| t.apply),
                median(&|t: &ReleaseTimings| t.prepare + t.plan + t.apply),
            ];
            format!("{} | {}", runs[0].released, cells.join(" | "))
        },
    )
}

/// Times the first plan on a real-size history, releases it, and times the rerun that finds
/// nothing to release.
fn run_history(args: &Args) -> anyhow::Result<i32> {
    let shape = synthetic::HistoryShape {
        crates: 31,
        commits: 4_000,
        tags: 500,
        locked: 400,
    };
    let dir = tempfile::tempdir()?;
    crate::output::status(
        "Generating",
        &format!(
            "{} crates, {} commits, {} tags in {}",
            shape.crates,
            shape.commits,
            shape.tags,
            dir.path().display()
        ),
    );
    synthetic::history_repository(dir.path(), shape, args.seed)?;
    println!(
        "| run | released | cargo metadata | prepare | plan | apply | beyond cargo metadata |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let row = |label: &str| -> anyhow::Result<()> {
        synthetic::measure_release(dir.path())?;
        let runs: Vec<ReleaseTimings> = (0..args.runs.max(1))
            .map(|_| synthetic::measure_release(dir.path()))
            .collect::<Result<_, _>>()?;
        let median = |f: &dyn Fn(&ReleaseTimings) -> Duration| {
            let mut v: Vec<Duration> = runs.iter().map(f).collect();
            v.sort();
            format!("{:.1} ms", v[v.len() / 2].as_secs_f64() * 1000.0)
        };
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            runs[0].released,
            median(&|t| t.load.cargo_metadata),
            median(&|t| t.prepare),
            median(&|t| t.plan),
            median(&|t| t.apply),
            median(&|t| t.prepare + t.plan + t.apply),
        );
        Ok(())
    };
    row("first plan")?;
    synthetic::release_once(dir.path())?;
    row("rerun, nothing to release")?;
    Ok(crate::exit_code::SUCCESS)
}
