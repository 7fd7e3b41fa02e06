//! `cargo xtask release-pr`: open or update the release pull request on pushes to the base
//! branch.

use std::collections::BTreeMap;
use std::path::PathBuf;

use workspace_github::release_pr::{self, Done};
use workspace_tools::git::GitCli;
use workspace_tools::release::{self as steps, Allow};

use super::{Common, Format, env};
use crate::{exit_code, output};

/// Arguments of `release-pr`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The branch that holds the release commit
    #[arg(long, value_name = "NAME", default_value = "release")]
    branch: String,
    /// The branch the release merges into [default: $GITHUB_REF_NAME, else main]
    #[arg(long, value_name = "NAME")]
    base_branch: Option<String>,
    /// The remote to push the release branch to
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// Propose a release even though the working tree has uncommitted changes
    #[arg(long)]
    allow_dirty: bool,
    #[command(flatten)]
    common: Common,
}

/// Plans the release at `HEAD`, pushes the release branch and opens, updates or closes the
/// pull request.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let client = args.common.connection.client()?;
    let base_branch = args
        .base_branch
        .clone()
        .or_else(|| env("GITHUB_REF_NAME"))
        .unwrap_or_else(|| "main".to_owned());
    let prepared = steps::prepare(args.manifest_path.as_deref())?;
    let vcs = GitCli::new(prepared.root());
    let (head, is_release) = release_pr::head(&vcs)?;
    if is_release {
        output::status(
            "Skipped",
            "HEAD is a release commit: the release workflow tags and publishes it",
        );
        print_json(
            args.common.format,
            &serde_json::json!({ "action": "skipped", "head": head }),
        )?;
        return Ok(exit_code::SUCCESS);
    }
    let plan = prepared.plan(&BTreeMap::new())?;
    if let Some(owed) = plan.unfinished.first() {
        output::status(
            "Skipped",
            &format!(
                "a merged release commit is not tagged yet ({}): the release workflow tags it first",
                owed.tag
            ),
        );
        print_json(
            args.common.format,
            &serde_json::json!({ "action": "skipped", "head": head, "untagged": owed.tag }),
        )?;
        return Ok(exit_code::SUCCESS);
    }
    let done = match plan.is_empty() {
        true => release_pr::sync(&client, &args.branch, &base_branch, None)?,
        false => propose(&args, &client, &prepared, &plan, &head, &base_branch)?,
    };
    report(&args, &done);
    print_json(args.common.format, &serde_json::to_value(&done)?)?;
    Ok(exit_code::SUCCESS)
}

/// Pushes the release branch with the release commit of `plan` and opens or updates its pull
/// request; a branch holding someone else's commits is kept, and the pull request says so.
fn propose(
    args: &Args,
    client: &workspace_github::Client,
    prepared: &steps::Prepared,
    plan: &steps::ReleasePlan,
    head: &str,
    base_branch: &str,
) -> anyhow::Result<Done> {
    let allow = Allow {
        dirty: args.allow_dirty,
        detached: true,
        existing_tags: false,
    };
    steps::check(prepared, plan, allow)?;
    let vcs = GitCli::new(prepared.root());
    let found = release_pr::inspect_branch(&vcs, &args.remote, &args.branch)?;
    if !found.foreign.is_empty() {
        return Ok(release_pr::keep(
            client,
            &args.branch,
            base_branch,
            head,
            &found.foreign,
        )?);
    }
    let changes = prepared.file_changes(plan, &steps::today())?;
    let commit = release_pr::push_branch(&vcs, plan, &changes, &args.remote, &args.branch, &found)?;
    output::status(
        "Pushed",
        &format!(
            "release commit {} ({} file(s)) to {} {}",
            &commit[..10],
            changes.len(),
            args.remote,
            args.branch
        ),
    );
    let changelogs = release_pr::changelogs(prepared, plan, &changes);
    let proposal = release_pr::proposal(plan, head, &changelogs);
    Ok(release_pr::sync(
        client,
        &args.branch,
        base_branch,
        Some(&proposal),
    )?)
}

/// Says what happened to the release pull request.
fn report(args: &Args, done: &Done) {
    match done {
        Done::Opened { url, .. } => output::status("Opened", url),
        Done::Updated { url, .. } => output::status("Updated", url),
        Done::Closed { number } => output::status(
            "Closed",
            &format!("release pull request #{number}: nothing to release"),
        ),
        Done::Nothing => output::status("Finished", "nothing to release"),
        Done::Kept { number, foreign } => {
            let commits: Vec<String> = foreign
                .iter()
                .map(|c| format!("{} ({})", &c.sha[..10], c.summary))
                .collect();
            output::warning(&format!(
                "{} {} has commits release-pr did not write, left as it is: {}{}",
                args.remote,
                args.branch,
                commits.join(", "),
                number.map_or(String::new(), |n| format!("; said so on pull request #{n}"))
            ));
        }
    }
}

fn print_json(format: Format, value: &serde_json::Value) -> anyhow::Result<()> {
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(value)?);
    }
    Ok(())
}
