//! `cargo xtask release`: plan, show, and with `--execute` carry out a release.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use workspace_tools::git::GitCli;
use workspace_tools::release::Registry;
use workspace_tools::release::{self as steps, Allow, FileChange, Prepared};
use workspace_tools::release::{BumpSpec, ReleasePlan, collect_bumps};

use crate::{exit_code, output};

/// Arguments of `release`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Bump a crate explicitly: major, minor, patch, alpha, beta, rc, release or X.Y.Z (repeatable)
    #[arg(long, value_name = "CRATE=BUMP", value_parser = parse_bump)]
    bump: Vec<(String, BumpSpec)>,
    /// Output format of the plan
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Carry the release out; without it, only the plan and the diff are shown
    #[arg(long)]
    execute: bool,
    /// Do not push the release commit and tags
    #[arg(long)]
    no_push: bool,
    /// Do not publish to the registry
    #[arg(long)]
    no_publish: bool,
    /// The registry to publish to, by its name in cargo's configuration [default: cargo's default registry]
    #[arg(long, value_name = "NAME")]
    registry: Option<String>,
    /// Seconds to wait for each published crate to appear in the index
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    index_timeout: u64,
    /// Release even though the working tree has uncommitted changes
    #[arg(long)]
    allow_dirty: bool,
    /// Do not build each crate while publishing (`cargo publish --no-verify`): for CI, which
    /// verifies the packages with `cargo package` in a step that holds no registry token
    #[arg(long)]
    no_verify: bool,
    /// Release from a detached HEAD
    #[arg(long)]
    allow_detached: bool,
    /// Keep tags that already exist instead of refusing
    #[arg(long)]
    allow_existing_tags: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// A table and, in a dry run, the diff
    Text,
    /// `{"releases": [{"name", "from", "to", "reasons", ...}], ...}`, documented in docs/release.md
    Json,
}

fn parse_bump(s: &str) -> Result<(String, BumpSpec), String> {
    let (name, spec) = s
        .split_once('=')
        .ok_or_else(|| format!("invalid bump `{s}`: expected CRATE=BUMP"))?;
    Ok((name.to_owned(), spec.parse()?))
}

/// Plans, prints, and with `--execute` records, pushes and publishes.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let mut prepared =
        steps::prepare_with_registry(args.manifest_path.as_deref(), args.registry.as_deref())?;
    let bumps: BTreeMap<String, BumpSpec> =
        collect_bumps(&args.bump).map_err(workspace_tools::Error::from)?;
    let plan = prepared.plan(&bumps)?;
    let date = steps::today();
    let changes = prepared.file_changes(&plan, &date)?;
    match args.format {
        Format::Json => {
            let mut json = serde_json::to_value(&plan)?;
            json["dry_run"] = (!args.execute).into();
            json["files"] = changes.iter().map(|c| c.path.clone()).collect();
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::Text => print_table(&plan),
    }
    if !args.execute {
        if matches!(args.format, Format::Text) {
            print_diff(&changes);
        }
        if plan.is_empty() {
            output::status("Finished", "nothing to release");
        } else {
            output::status("Dry run", "nothing was changed; pass --execute to release");
        }
        return Ok(exit_code::SUCCESS);
    }

    if plan.is_empty() {
        output::status("Finished", "nothing to release");
    } else {
        record(&args, &prepared, &plan, &changes, &date)?;
        prepared.recorded(&plan, &changes)?;
    }
    if !args.no_publish {
        publish(&args, &prepared)?;
    }
    Ok(exit_code::SUCCESS)
}

/// Checks, commits and tags the release, then pushes it unless `--no-push`.
fn record(
    args: &Args,
    prepared: &Prepared,
    plan: &ReleasePlan,
    changes: &[FileChange],
    date: &str,
) -> anyhow::Result<()> {
    let allow = Allow {
        dirty: args.allow_dirty,
        detached: args.allow_detached,
        existing_tags: args.allow_existing_tags,
    };
    steps::check(prepared, plan, allow)?;
    let vcs = GitCli::new(prepared.root());
    let tags = steps::record(&vcs, prepared, plan, changes, date, allow)?;
    let (verb, what) = match plan.releases.is_empty() {
        true => ("Finished", "the earlier release commit".to_owned()),
        false => (
            "Committed",
            format!("release of {} crate(s)", plan.releases.len()),
        ),
    };
    output::status(verb, &format!("{what}, tagged {}", tags.join(", ")));
    if !args.no_push {
        let remote = steps::push(&vcs, &tags)?;
        output::status(
            "Pushed",
            &format!("the release commit and {} tag(s) to {remote}", tags.len()),
        );
    }
    Ok(())
}

/// Publishes every tagged crate the registry lacks; after an interrupted run this resumes.
fn publish(args: &Args, prepared: &Prepared) -> anyhow::Result<()> {
    let pending = steps::tagged_crates(prepared)?;
    let registry = Registry {
        name: args.registry.clone(),
        manifest_path: steps::manifest_path(prepared),
        index_timeout: Duration::from_secs(args.index_timeout),
        backoff: Duration::from_secs(2),
        retries: 5,
        allow_dirty: args.allow_dirty,
        no_verify: args.no_verify,
    };
    let pending = steps::publish_order(prepared, &pending, &registry)?;
    let done = steps::publish_all(&registry, &pending, &mut |verb, line| {
        output::status(verb, line);
    })?;
    let published = done
        .iter()
        .filter(|(_, o)| *o == workspace_tools::release::Outcome::Published)
        .count();
    output::status(
        "Finished",
        &format!(
            "{published} crate(s) published, {} already there",
            done.len() - published
        ),
    );
    Ok(())
}

fn print_table(plan: &ReleasePlan) {
    for owed in &plan.unfinished {
        let commit = &owed.commit[..owed.commit.len().min(10)];
        println!(
            "release commit {commit} was not tagged: create {} (then rerun for anything newer)",
            owed.tag
        );
    }
    if plan.releases.is_empty() {
        return;
    }
    let width = plan
        .releases
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let from_width = plan
        .releases
        .iter()
        .map(|r| r.from.to_string().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let to_width = plan
        .releases
        .iter()
        .map(|r| r.to.to_string().len())
        .max()
        .unwrap_or(2)
        .max(2);
    println!(
        "{:width$}  {:from_width$}     {:to_width$}  reason",
        "crate", "from", "to"
    );
    for r in &plan.releases {
        let publish = if r.publish { "" } else { " (not published)" };
        println!(
            "{:width$}  {:from_width$}  →  {:to_width$}  {}{publish}",
            r.name,
            r.from.to_string(),
            r.to.to_string(),
            r.reasons.join("; ")
        );
    }
    if let Some(tag) = &plan.train_tag {
        println!("\nrelease train, tag {tag}");
    }
}

fn print_diff(changes: &[FileChange]) {
    for change in changes {
        let old = change.old.as_deref().unwrap_or("");
        let diff = similar::TextDiff::from_lines(old, &change.new);
        let a = if change.old.is_some() {
            format!("a/{}", change.path)
        } else {
            "/dev/null".to_owned()
        };
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(2)
                .header(&a, &format!("b/{}", change.path))
        );
    }
}
