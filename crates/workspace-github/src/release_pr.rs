//! The release pull request: one pull request from a `release` branch holding the manifests,
//! `Cargo.lock` and changelogs of the next release, with the plan in its body, recorded as JSON
//! behind a hidden marker so the release workflow tags exactly that plan.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::releases::changelog_section;
use crate::{Error, Forge, PullRequest, PullRequestDraft, PullRequestEdit, comment};
use workspace_tools::git::{GitCli, Lease, Vcs};
use workspace_tools::release::ReleasePlan;
use workspace_tools::release::{FileChange, Prepared, commit_message};
use workspace_tools::release::{RELEASE_TRAILER, is_release_commit};

/// The hidden marker in front of the recorded plan.
pub(crate) const MARKER: &str = "<!-- workspace-tools:release-plan ";

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
        workspace_tools::release::tags(
            self.train_tag.as_ref(),
            self.releases.iter().map(|r| r.tag.as_ref()),
        )
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

/// GitHub refuses bodies over 65,536 characters; the changelogs get at most this much of one.
const MAX_CHANGELOGS: usize = 50_000;

/// The changelog section each release in `plan` writes, by crate, read from `changes` (the
/// files the release commit holds).
pub fn changelogs(
    prepared: &Prepared,
    plan: &ReleasePlan,
    changes: &[FileChange],
) -> BTreeMap<String, String> {
    plan.releases
        .iter()
        .filter_map(|r| {
            let path = prepared.changelog_path(&r.name)?;
            let change = changes.iter().find(|c| c.path == path)?;
            let section = changelog_section(&change.new, &r.to.to_string())?;
            (!section.is_empty()).then(|| (r.name.clone(), section))
        })
        .collect()
}

/// Each crate's changelog section, collapsed, in publish order; past [`MAX_CHANGELOGS`] the
/// rest are named only.
fn changelog_details(plan: &ReleasePlan, changelogs: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut left_out = Vec::new();
    for r in &plan.releases {
        let Some(section) = changelogs.get(&r.name) else {
            continue;
        };
        let details = format!(
            "<details><summary><code>{}</code> {}</summary>\n\n{section}\n\n</details>\n",
            r.name, r.to
        );
        if out.len() + details.len() > MAX_CHANGELOGS {
            left_out.push(format!("`{}`", r.name));
        } else {
            out.push_str(&details);
        }
    }
    if !left_out.is_empty() {
        let _ = write!(
            out,
            "\nThe changelogs of {} are in the branch only: the body would be too long.\n",
            left_out.join(", ")
        );
    }
    match out.is_empty() {
        true => out,
        false => format!("### Changelogs\n\n{out}\n"),
    }
}

/// The title and body proposing `plan`, built on commit `base`, with each crate's new
/// changelog section from `changelogs`.
pub fn proposal(plan: &ReleasePlan, base: &str, changelogs: &BTreeMap<String, String>) -> Proposal {
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
         {}\n{}Merging it tags the merge commit ({}), publishes the tagged crates with \
         `cargo xtask release --execute`, then creates a GitHub release for each tag.\n\n\
         {MARKER}{json} -->\n",
        &base[..base.len().min(10)],
        comment::plan_table(plan),
        changelog_details(plan, changelogs),
        tags.join(", ")
    );
    Proposal { title, body }
}

/// The plan recorded in a pull request's body.
pub(crate) fn recorded(body: &str) -> Option<Recorded> {
    // The last marker: a changelog quoted above it could hold the marker's text.
    let start = body.rfind(MARKER)? + MARKER.len();
    let end = start + body[start..].find("-->")?;
    serde_json::from_str(body[start..end].trim()).ok()
}

/// The commit checked out, and whether it is a merged release: a release commit
/// written by this tool (a squash or rebase merge), or a merge commit whose merged parent is one.
/// The release workflow tags such a commit; proposing another release from it would bump twice.
pub fn head(vcs: &GitCli) -> Result<(String, bool), Error> {
    let parents = vcs.git(&["rev-list", "--parents", "-n", "1", "HEAD"], None)?;
    let ids: Vec<&str> = parents.split_whitespace().collect();
    let mut merged_release = false;
    for id in [ids.first(), ids.get(2)].into_iter().flatten() {
        let message = vcs.git(&["log", "-1", "--format=%B", id], None)?;
        merged_release |= is_release_commit(&message);
    }
    let sha = ids.first().copied().unwrap_or_default().to_owned();
    Ok((sha, merged_release))
}

/// A commit on the release branch that `release-pr` did not write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Foreign {
    /// The commit.
    pub sha: String,
    /// Its author's name.
    pub author: String,
    /// Its summary line.
    pub summary: String,
}

/// The release branch on the remote, as found before rebuilding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteBranch {
    /// Where it is, or `None` when it does not exist.
    pub tip: Option<String>,
    /// Its commits that are neither in `HEAD`'s history nor the release commit this tool wrote
    /// on a base commit, newest first: a maintainer's fixes, which a rebuild would throw away.
    pub foreign: Vec<Foreign>,
}

/// Fetches `branch` from `remote` and lists the commits on it that this tool did not write.
pub fn inspect_branch(vcs: &GitCli, remote: &str, branch: &str) -> Result<RemoteBranch, Error> {
    let Some(tip) = vcs.fetch_branch(remote, branch)? else {
        return Ok(RemoteBranch {
            tip: None,
            foreign: vec![],
        });
    };
    let listed = vcs.git(
        &[
            "log",
            "--format=%H%x1f%P%x1f%an%x1f%B%x1e",
            &tip,
            "--not",
            "HEAD",
        ],
        None,
    )?;
    let commits: Vec<[&str; 4]> = listed
        .split('\x1e')
        .filter_map(|entry| {
            let mut fields = entry.trim_start_matches('\n').splitn(4, '\x1f');
            Some([
                fields.next()?,
                fields.next()?,
                fields.next()?,
                fields.next()?,
            ])
        })
        .filter(|[sha, ..]| !sha.is_empty())
        .collect();
    let on_branch = |sha: &str| commits.iter().any(|[s, ..]| *s == sha);
    // The tool writes one commit straight on a base commit, its trailer the last line. Anything
    // on top of another branch commit, or quoting the trailer elsewhere, is someone else's.
    let by_tool = |parents: &str, message: &str| {
        let parents: Vec<&str> = parents.split_whitespace().collect();
        parents.len() == 1
            && !on_branch(parents[0])
            && message.trim_end().lines().last() == Some(RELEASE_TRAILER)
    };
    let foreign = commits
        .iter()
        .filter(|[_, parents, _, message]| !by_tool(parents, message))
        .map(|[sha, _, author, message]| Foreign {
            sha: (*sha).to_owned(),
            author: (*author).to_owned(),
            summary: message.lines().next().unwrap_or_default().to_owned(),
        })
        .collect();
    Ok(RemoteBranch {
        tip: Some(tip),
        foreign,
    })
}

/// Writes `changes` as one release commit on top of `HEAD` and force-pushes it to `branch` on
/// `remote`, provided the branch is still where `found` saw it; returns the commit.
pub fn push_branch(
    vcs: &dyn Vcs,
    plan: &ReleasePlan,
    changes: &[FileChange],
    remote: &str,
    branch: &str,
    found: &RemoteBranch,
) -> Result<String, Error> {
    let files: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c.path.as_str(), c.new.as_str()))
        .collect();
    let commit = vcs.commit_beside(&files, &commit_message(plan))?;
    let lease = Lease {
        branch,
        expected: found.tip.as_deref(),
    };
    vcs.push_branch(remote, &commit, lease)?;
    Ok(commit)
}

const KEPT_START: &str = "<!-- workspace-tools:release-branch-kept -->";
const KEPT_END: &str = "<!-- /workspace-tools:release-branch-kept -->";

/// The note that heads the pull request while the branch holds `foreign` commits.
fn kept_note(branch: &str, head: &str, foreign: &[Foreign]) -> String {
    let list: Vec<String> = foreign
        .iter()
        .map(|c| {
            format!(
                "- {} {} ({})",
                &c.sha[..c.sha.len().min(10)],
                c.summary,
                c.author
            )
        })
        .collect();
    format!(
        "{KEPT_START}\n> [!WARNING]\n> `{branch}` has commits that `cargo xtask release-pr` did not write, so it was \
         left as it is instead of being rebuilt on `{}`:\n>\n{}\n>\n> Merge it as it is, or delete the \
         branch (or move those commits to the base branch) to let the next push rebuild it.\n{KEPT_END}\n\n",
        &head[..head.len().min(10)],
        list.iter()
            .map(|l| format!("> {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// `body` without a note from an earlier run.
fn without_note(body: &str) -> &str {
    match body.find(KEPT_END) {
        Some(end) if body.starts_with(KEPT_START) => body[end + KEPT_END.len()..].trim_start(),
        _ => body,
    }
}

/// Leaves `branch` as it is because it holds `foreign` commits, and says so at the top of its
/// open pull request into `base`, whose recorded plan still matches the branch.
pub fn keep(
    forge: &dyn Forge,
    branch: &str,
    base: &str,
    head: &str,
    foreign: &[Foreign],
) -> Result<Done, Error> {
    let open = forge.open_pull_requests(branch, base)?;
    let Some(pr) = open.first() else {
        return Ok(Done::Kept {
            number: None,
            foreign: foreign.to_vec(),
        });
    };
    let old = pr.body.as_deref().unwrap_or_default();
    let body = format!("{}{}", kept_note(branch, head, foreign), without_note(old));
    if body != old {
        forge.update_pull_request(PullRequestEdit {
            number: pr.number,
            title: &pr.title,
            body: &body,
            close: false,
        })?;
    }
    Ok(Done::Kept {
        number: Some(pr.number),
        foreign: foreign.to_vec(),
    })
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
    /// The release branch holds commits this tool did not write: it was left as it is.
    Kept {
        /// The open pull request, which now says so.
        number: Option<u64>,
        /// Those commits.
        foreign: Vec<Foreign>,
    },
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
            let pr = forge.update_pull_request(PullRequestEdit {
                number: pr.number,
                title: &p.title,
                body: &p.body,
                close: false,
            })?;
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
            forge.update_pull_request(PullRequestEdit {
                number: pr.number,
                title: &pr.title,
                body,
                close: true,
            })?;
            Done::Closed { number: pr.number }
        }
        (None, None) => Done::Nothing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_tools::release::{Commit, Release};
    use workspace_tools::test_support::{release, release_plan};

    fn plan() -> ReleasePlan {
        let host = Release {
            reasons: vec!["1 commit since 0.1.0 (feature)".into()],
            commits: vec![Commit::parse("abc1234", "feat: start actors")],
            tag: Some("host--v0.2.0".into()),
            ..release("host", "0.1.0", "0.2.0")
        };
        release_plan(vec![host], vec![])
    }

    #[test]
    fn the_body_records_the_plan_it_shows() {
        let notes = BTreeMap::from([(
            "host".to_owned(),
            "### Added\n\n- start actors (abc1234)".to_owned(),
        )]);
        let p = proposal(&plan(), "0123456789abcdef", &notes);
        assert!(
            p.body.contains(
                "<details><summary><code>host</code> 0.2.0</summary>\n\n### Added\n\n- start actors (abc1234)\n\n</details>"
            ),
            "{}",
            p.body
        );
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

    #[test]
    fn changelogs_too_long_for_the_body_are_named_only() {
        let mut plan = plan();
        let mut second = plan.releases[0].clone();
        second.name = "wash".into();
        plan.releases.push(second);
        let notes = BTreeMap::from([
            ("host".to_owned(), "- h\n".repeat(MAX_CHANGELOGS / 4)),
            ("wash".to_owned(), "- w".to_owned()),
        ]);
        let p = proposal(&plan, "0123456789abcdef", &notes);
        assert!(p.body.len() < 65_536);
        assert!(p.body.contains("<code>wash</code>"));
        assert!(
            p.body
                .contains("The changelogs of `host` are in the branch only"),
            "{}",
            &p.body[..300]
        );
        assert_eq!(recorded(&p.body).unwrap().releases.len(), 2);
    }

    /// Runs git in `work` with the tests' identity; panics on failure. Trimmed, as `git::run`.
    fn test_git(work: &std::path::Path, args: &[&str]) -> String {
        workspace_tools::test_support::git(work, args)
            .trim()
            .to_owned()
    }

    #[test]
    fn the_lease_is_the_commit_that_was_inspected() {
        let dir = tempfile::tempdir().unwrap();
        let (origin, work) = (dir.path().join("origin.git"), dir.path().join("work"));
        std::fs::create_dir_all(&work).unwrap();
        let git = |args: &[&str]| test_git(&work, args);
        git(&["init", "-q", "--bare", origin.to_str().unwrap()]);
        git(&["init", "-q", "-b", "main"]);
        git(&["commit", "-q", "--allow-empty", "-m", "initial"]);
        git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        git(&["push", "-q", "origin", "HEAD:refs/heads/release"]);
        let vcs = GitCli::new(&work);
        let found = inspect_branch(&vcs, "origin", "release").unwrap();
        assert_eq!(
            found.tip.as_deref(),
            Some(git(&["rev-parse", "HEAD"]).as_str())
        );
        assert!(found.foreign.is_empty());

        // A maintainer pushes after the inspection: the push must not overwrite it.
        git(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "docs: a maintainer's fix",
        ]);
        let theirs = git(&["rev-parse", "HEAD"]);
        git(&["push", "-q", "origin", "HEAD:refs/heads/release"]);
        git(&["reset", "-q", "--hard", "HEAD~1"]);
        git(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "chore(release): x\n\nRelease-Tool: cargo-xtask-release",
        ]);
        let ours = git(&["rev-parse", "HEAD"]);
        let lease = Lease {
            branch: "release",
            expected: found.tip.as_deref(),
        };
        let err = vcs.push_branch("origin", &ours, lease);
        assert!(err.is_err(), "the stale lease was accepted");
        let remote = GitCli::new(&origin)
            .git(&["rev-parse", "release"], None)
            .unwrap();
        assert_eq!(remote, theirs);
        let again = inspect_branch(&vcs, "origin", "release").unwrap();
        assert_eq!(again.foreign.len(), 1);
        assert_eq!(again.foreign[0].summary, "docs: a maintainer's fix");
        assert_eq!(again.foreign[0].sha, theirs);
    }

    #[test]
    fn only_the_tools_own_commit_on_the_base_is_the_tools() {
        let dir = tempfile::tempdir().unwrap();
        let (origin, work) = (dir.path().join("origin.git"), dir.path().join("work"));
        std::fs::create_dir_all(&work).unwrap();
        let git = |args: &[&str]| test_git(&work, args);
        let commit = |message: &str| {
            git(&["commit", "-q", "--allow-empty", "-m", message]);
            git(&["rev-parse", "HEAD"])
        };
        git(&["init", "-q", "--bare", origin.to_str().unwrap()]);
        git(&["init", "-q", "-b", "main"]);
        let base = commit("initial");
        git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        let trailer = RELEASE_TRAILER;
        let tool = commit(&format!("chore(release): x\n\n- host 0.2.0\n\n{trailer}\n"));
        // Maintainers' commits that quote the trailer, on top of the tool's commit.
        let quoted = commit(&format!(
            "docs: explain the release commit\n\nThe tool marks its commit with\n\n    {trailer}\n\nso keep it."
        ));
        let reused = commit(&format!("chore(release): x, reworded\n\n{trailer}\n"));
        git(&["push", "-q", "origin", "HEAD:refs/heads/release"]);
        // One straight on the base, the trailer in its middle.
        git(&["reset", "-q", "--hard", &base]);
        let direct = commit(&format!("fix: by hand\n\n{trailer}\n\nSigned-off-by: t"));
        git(&["push", "-q", "origin", "HEAD:refs/heads/other"]);
        git(&["reset", "-q", "--hard", &base]);

        let foreign = |branch: &str| -> Vec<String> {
            let found = inspect_branch(&GitCli::new(&work), "origin", branch).unwrap();
            found.foreign.into_iter().map(|c| c.sha).collect()
        };
        assert_eq!(
            foreign("release"),
            [reused, quoted],
            "the tool's commit {tool} is not listed"
        );
        assert_eq!(foreign("other"), [direct]);
    }

    #[test]
    fn a_note_replaces_the_one_before_it() {
        let foreign = [Foreign {
            sha: "0123456789abcdef".into(),
            author: "Jane".into(),
            summary: "docs: reword the changelog".into(),
        }];
        let first = format!("{}body", kept_note("release", "aaaa", &foreign));
        let second = format!(
            "{}{}",
            kept_note("release", "bbbb", &foreign),
            without_note(&first)
        );
        assert!(second.ends_with("\n\nbody"), "{second}");
        assert_eq!(second.matches(KEPT_START).count(), 1);
        assert!(second.contains("- 0123456789 docs: reword the changelog (Jane)"));
    }
}
