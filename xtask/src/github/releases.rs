//! `cargo xtask github-release`: a GitHub release for each release tag at the current versions;
//! with `--pr`, first tag the merged release pull request's plan (`--tag-only`: and stop there,
//! so the crates can be published before their releases exist).

use std::path::PathBuf;

use workspace_github::releases::{self, Done};
use workspace_github::{Forge, release_pr};
use workspace_tools::git::GitCli;
use workspace_tools::release as steps;

use super::{Common, Format};
use crate::{exit_code, output};

/// Arguments of `github-release`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Path to Cargo.toml of the workspace [default: the workspace around the current directory]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// First tag the plan recorded in this merged release pull request, after checking that the
    /// checkout is its merge commit and holds exactly that plan, and push the tags
    #[arg(long, value_name = "N")]
    pr: Option<u64>,
    /// The release branch the pull request must come from
    #[arg(long, value_name = "NAME", default_value = "release")]
    branch: String,
    /// The remote to push the tags to
    #[arg(long, value_name = "NAME", default_value = "origin")]
    remote: String,
    /// With --pr: tag and push the tags, but create no GitHub release yet (publish first, then
    /// run again without it)
    #[arg(long, requires = "pr")]
    tag_only: bool,
    #[command(flatten)]
    common: Common,
}

/// Tags (with `--pr`), then creates the missing GitHub releases.
pub(crate) fn run(args: Args) -> anyhow::Result<i32> {
    let client = args.common.connection.client()?;
    let manifest = args.manifest_path.as_deref();
    let mut only: Option<Vec<String>> = None;
    let mut tagged = Vec::new();
    let mut prepared = steps::prepare(manifest)?;
    let vcs = GitCli::new(prepared.root());
    if let Some(number) = args.pr {
        let (head, _) = release_pr::head(&vcs)?;
        let pr = client.pull_request(number)?;
        let recorded = releases::merged_plan(&pr, &args.branch, &head)?;
        tagged = releases::tag_recorded(&vcs, &mut prepared, number, &recorded, &args.remote)?;
        let all = recorded.tags();
        output::status(
            "Tagged",
            &format!(
                "{} ({} new), pushed to {}",
                all.join(", "),
                tagged.len(),
                args.remote
            ),
        );
        only = Some(all);
        if args.tag_only {
            if args.common.format == Format::Json {
                let json = serde_json::json!({ "tagged": tagged, "releases": [] });
                println!("{}", serde_json::to_string_pretty(&json)?);
            }
            return Ok(exit_code::SUCCESS);
        }
    }
    let wanted: Vec<_> = releases::wanted(&vcs, &prepared)?
        .into_iter()
        .filter(|w| only.as_ref().is_none_or(|tags| tags.contains(&w.tag)))
        .collect();
    let done = releases::ensure(&client, &wanted)?;
    if args.common.format == Format::Json {
        let json = serde_json::json!({ "tagged": tagged, "releases": done });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        for step in &done {
            match step {
                Done::Created { url, .. } => output::status("Released", url),
                Done::Exists { tag, .. } => {
                    output::status("Exists", &format!("release {tag} (left as it is)"));
                }
            }
        }
        if done.is_empty() {
            output::status("Finished", "no release tag at the current versions");
        }
    }
    Ok(exit_code::SUCCESS)
}
