//! The release pull request: one pull request from a `release` branch holding the manifests,
//! `Cargo.lock` and changelogs of the next release, with the plan in its body, recorded as JSON
//! behind a hidden marker so the release workflow tags exactly that plan.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Error, Forge, PullRequest, PullRequestDraft, comment, git};
use crate::release::ReleasePlan;
use crate::release::commits::is_release_commit;
use crate::release::execute::{FileChange, commit_message};

/// The hidden marker in front of the recorded plan.
pub const MARKER: &str = "<!-- workspace-tools:release-plan ";

/// The plan as the pull request records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The commit of the base branch the release branch was built on.
    pub base: String,
    /// The released crates, in publish order.
    pub releases: Vec<RecordedRelease>,
    /// The tag of a train release.
    pub train_tag: Option<String>,
}

/// One crate of a recorded plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRelease {
    /// The crate.
    pub name: String,
    /// Its version before.
    pub from: String,
    /// Its version after.
    pub to: String,
    /// Its tag, if it has its own.
    pub tag: Option<String>,
}

impl Recorded {
    /// The record of `plan`, built on commit `base`.
    pub fn new(plan: &ReleasePlan, base: &str) -> Recorded {
        Recorded {
            base: base.to_owned(),
            releases: plan
                .releases
                .iter()
                .map(|r| RecordedRelease {
                    name: r.name.clone(),
                    from: r.from.to_string(),
                    to: r.to.to_string(),
                    tag: r.tag.clone(),
                })
                .collect(),
            train_tag: plan.train_tag.clone(),
        }
    }

    /// Every tag the release creates.
    pub fn tags(&self) -> Vec<String> {
        self.train_tag
            .iter()
            .cloned()
            .chain(self.releases.iter().filter_map(|r| r.tag.clone()))
            .collect()
    }
}

/// The pull request's title and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The title: the release commit's summary line.
    pub title: String,
    /// The body: the plan table, what merging does, and the recorded plan.
    pub body: String,
}

/// The title and body proposing `plan`, built on commit `base`.
pub fn proposal(plan: &ReleasePlan, base: &str) -> Proposal {
    let message = commit_message(plan);
    let title = message.lines().next().unwrap_or_default().to_owned();
    let recorded = Recorded::new(plan, base);
    // `--` cannot appear inside an HTML comment; JSON allows the escape in strings.
    let json = serde_json::to_string(&recorded)
        .unwrap_or_default()
        .replace("--", "-\\u002d");
    let tags: Vec<String> = recorded.tags().iter().map(|t| format!("`{t}`")).collect();
    let body = format!(
        "This pull request releases the crates below. It was opened by `cargo xtask release-pr` \
         from `{}` and is rebuilt on every push to the base branch; edits to it are overwritten.\n\n\
         {}\nMerging it tags the merge commit ({}), publishes the tagged crates with \
         `cargo xtask release --execute` and creates a GitHub release for each tag.\n\n\
         {MARKER}{json} -->\n",
        &base[..base.len().min(10)],
        comment::plan_table(plan),
        tags.join(", ")
    );
    Proposal { title, body }
}

/// The plan recorded in a pull request's body.
pub fn recorded(body: &str) -> Option<Recorded> {
    let start = body.find(MARKER)? + MARKER.len();
    let end = start + body[start..].find("-->")?;
    serde_json::from_str(body[start..end].trim()).ok()
}

/// The commit checked out at `root`, and whether it is a merged release: a release commit
/// written by this tool (a squash or rebase merge), or a merge commit whose merged parent is one.
/// The release workflow tags such a commit; proposing another release from it would bump twice.
pub fn head(root: &Path) -> Result<(String, bool), Error> {
    let parents = git::run(
        root,
        &["rev-list", "--parents", "-n", "1", "HEAD"],
        None,
        &[],
    )?;
    let ids: Vec<&str> = parents.split_whitespace().collect();
    let mut merged_release = false;
    for id in [ids.first(), ids.get(2)].into_iter().flatten() {
        let message = git::run(root, &["log", "-1", "--format=%B", id], None, &[])?;
        merged_release |= is_release_commit(&message);
    }
    let sha = ids.first().copied().unwrap_or_default().to_owned();
    Ok((sha, merged_release))
}

/// Writes `changes` as one release commit on top of `HEAD` and force-pushes it (with a lease)
/// to `branch` on `remote`; returns the commit.
pub fn push_branch(
    root: &Path,
    plan: &ReleasePlan,
    changes: &[FileChange],
    remote: &str,
    branch: &str,
) -> Result<String, Error> {
    let files: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c.path.as_str(), c.new.as_str()))
        .collect();
    let commit = git::commit_on_head(root, &files, &commit_message(plan))?;
    git::push_branch(root, remote, &commit, branch)?;
    Ok(commit)
}

/// What happened to the release pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Done {
    /// It was opened.
    Opened {
        /// Its number.
        number: u64,
        /// Its address.
        url: String,
    },
    /// It was updated.
    Updated {
        /// Its number.
        number: u64,
        /// Its address.
        url: String,
    },
    /// It was closed: nothing is left to release.
    Closed {
        /// Its number.
        number: u64,
    },
    /// There is nothing to release and no pull request.
    Nothing,
}

/// Opens or updates the pull request from `branch` into `base` with `proposal`, or closes it
/// when there is no proposal.
pub fn sync(
    forge: &dyn Forge,
    branch: &str,
    base: &str,
    proposal: Option<&Proposal>,
) -> Result<Done, Error> {
    let open: Vec<PullRequest> = forge.open_pull_requests(branch, base)?;
    Ok(match (open.first(), proposal) {
        (Some(pr), Some(p)) => {
            let pr = forge.update_pull_request(pr.number, &p.title, &p.body, false)?;
            Done::Updated {
                number: pr.number,
                url: pr.html_url,
            }
        }
        (None, Some(p)) => {
            let pr = forge.create_pull_request(&PullRequestDraft {
                title: p.title.clone(),
                head: branch.to_owned(),
                base: base.to_owned(),
                body: p.body.clone(),
            })?;
            Done::Opened {
                number: pr.number,
                url: pr.html_url,
            }
        }
        (Some(pr), None) => {
            let body = "Nothing is left to release: closed by `cargo xtask release-pr`.";
            forge.update_pull_request(pr.number, &pr.title, body, true)?;
            Done::Closed { number: pr.number }
        }
        (None, None) => Done::Nothing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Commit, Release};
    use semver::Version;

    fn plan() -> ReleasePlan {
        ReleasePlan {
            releases: vec![Release {
                name: "host".into(),
                from: Version::new(0, 1, 0),
                to: Version::new(0, 2, 0),
                reasons: vec!["1 commit since 0.1.0 (feature)".into()],
                commits: vec![Commit::parse("abc1234", "feat: start actors")],
                publish: true,
                tag: Some("host--v0.2.0".into()),
                dependency_only: false,
                updated_dependencies: vec![],
            }],
            requirement_edits: vec![],
            workspace_version: None,
            train_tag: None,
        }
    }

    #[test]
    fn the_body_records_the_plan_it_shows() {
        let p = proposal(&plan(), "0123456789abcdef");
        assert_eq!(p.title, "chore(release): host 0.2.0");
        assert!(
            p.body
                .contains("| `host` | 0.1.0 | **0.2.0** | 1 commit since 0.1.0 (feature) |")
        );
        assert!(p.body.contains("tags the merge commit (`host--v0.2.0`)"));
        let marker = &p.body[p.body.find(MARKER).unwrap()..];
        assert!(
            !marker[MARKER.len()..marker.len() - 4].contains("--"),
            "{marker}"
        );
        let recorded = recorded(&p.body).unwrap();
        assert_eq!(recorded, Recorded::new(&plan(), "0123456789abcdef"));
        assert_eq!(recorded.tags(), ["host--v0.2.0"]);
        assert_eq!(super::recorded("no marker here"), None);
    }
}
