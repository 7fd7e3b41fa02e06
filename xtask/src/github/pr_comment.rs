//! `cargo xtask pr-comment`: the affected crates, the release plan and a graph, in one comment
//! on the pull request, kept up to date.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::ValueEnum;
use workspace_github::comment::{self, Desired, Done, OnEmpty, Report, Saved};
use workspace_github::{self as gh, context};
use workspace_tools::release as steps;
use workspace_tools::{git, metadata};

use super::{Common, Format, env};
use crate::{exit_code, output};

/// Arguments of `pr-comment`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Compare against the merge-base of this revision and the head [default: origin/main, else main]
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// The revision whose changes to describe
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    head: String,
    /// The pull request [default: from the event at $GITHUB_EVENT_PATH]
    #[arg(long, value_name = "N")]
    pr: Option<u64>,
    /// When nothing is affected: delete the comment, or update it to say so
    #[arg(long, value_enum, default_value_t = OnEmptyArg::Delete)]
    on_empty: OnEmptyArg,
    /// Leave the release plan out of the comment
    #[arg(long)]
    no_plan: bool,
    /// Write the comment to PATH ("-" for stdout) as JSON instead of posting it; needs no token
    #[arg(long, value_name = "PATH", conflicts_with = "from")]
    save: Option<PathBuf>,
    /// Post a comment saved with --save instead of computing one
    #[arg(long, value_name = "PATH")]
    from: Option<PathBuf>,
    /// With --from: refuse unless the pull request's head is this commit (from a trusted event)
    #[arg(long, value_name = "SHA", requires = "from")]
    expect_head: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnEmptyArg {
    /// Delete the earlier comment
    Delete,
    /// Keep it, saying that nothing is affected
    Update,
}

/// Computes the comment, then saves or posts it.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let on_empty = match args.on_empty {
        OnEmptyArg::Delete => OnEmpty::Delete,
        OnEmptyArg::Update => OnEmpty::Update,
    };
    if let Some(path) = &args.from {
        let text = std::fs::read_to_string(path).map_err(|source| gh::Error::Io {
            path: path.clone(),
            source,
        })?;
        let saved: Saved =
            serde_json::from_str(&text).map_err(|source| gh::Error::SavedComment {
                path: path.clone(),
                source,
            })?;
        let client = args.common.connection.client()?;
        let done = comment::sync_saved(&client, &saved, args.expect_head.as_deref(), on_empty)?;
        report(args.common.format, saved.pull_request, &done)?;
        return Ok(exit_code::SUCCESS);
    }

    let number = context::pull_request_number(args.pr, &env)?;
    let Some(path) = &args.save else {
        // Fail on a missing token or repository before the slow part.
        let client = args.common.connection.client()?;
        let (desired, _) = compute(&args, number)?;
        let done = comment::sync(&client, number, &desired, on_empty)?;
        report(args.common.format, number, &done)?;
        return Ok(exit_code::SUCCESS);
    };
    let (desired, head) = compute(&args, number)?;
    let saved = Saved {
        pull_request: number,
        head_sha: head,
        desired,
    };
    let json = serde_json::to_string_pretty(&saved)?;
    if path.as_os_str() == "-" {
        println!("{json}");
    } else {
        std::fs::write(path, json + "\n").map_err(|source| gh::Error::Io {
            path: path.clone(),
            source,
        })?;
        output::status("Saved", &path.display().to_string());
    }
    Ok(exit_code::SUCCESS)
}

/// The comment for the selection, and the pull request's head commit it describes.
fn compute(args: &Args, number: u64) -> anyhow::Result<(Desired, String)> {
    let manifest = args.manifest_path.as_deref();
    let workspace = metadata::load(manifest)?;
    let range = git::Range {
        base: args.base.clone(),
        head: Some(args.head.clone()),
        include_uncommitted: false,
    };
    let diff = git::diff(workspace.graph.root(), &range)?;
    let set = workspace_tools::affected(&workspace.graph, &diff.changes, &workspace.rules);
    let plan = match args.no_plan {
        true => None,
        // The release plan reads the graph already loaded: cargo metadata runs once.
        false => Some(steps::prepare_from(workspace.clone())?.plan(&BTreeMap::new())?),
    };
    // On `pull_request`, Actions checks out a merge of the head into the base branch, a commit
    // nobody wrote: name the pull request's head from the event instead (unless `--head` names
    // another revision).
    let head = match args.head.as_str() {
        "HEAD" => context::event_head_sha(&env),
        _ => None,
    }
    .unwrap_or_else(|| diff.head.clone());
    let desired = comment::render(&Report {
        graph: &workspace.graph,
        set: &set,
        plan: plan.as_ref(),
        base: &diff.base,
        head: &head,
        changed_files: diff.changes.files.len(),
    });
    output::status(
        "Computed",
        &format!(
            "the comment for pull request #{number} ({})",
            if desired.affected {
                "crates affected"
            } else {
                "nothing affected"
            }
        ),
    );
    Ok((desired, head))
}

fn report(format: Format, number: u64, done: &[Done]) -> anyhow::Result<()> {
    if format == Format::Json {
        let json = serde_json::json!({ "pull_request": number, "actions": done });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    if done.is_empty() {
        output::status(
            "Finished",
            &format!("nothing affected and no comment on #{number}"),
        );
    }
    for step in done {
        match step {
            Done::Created { url, .. } => output::status("Commented", url),
            Done::Updated { url, .. } => output::status("Updated", url),
            Done::Unchanged { id } => output::status("Unchanged", &format!("comment {id}")),
            Done::Deleted { id } => output::status("Deleted", &format!("comment {id}")),
        }
    }
    Ok(())
}
