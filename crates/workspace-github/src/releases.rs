//! GitHub releases, one per tag, with the tag's changelog section as the body; and the tags of a
//! merged release pull request, checked against the plan it recorded. Rerunning creates nothing
//! twice.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::release_pr::{self, Recorded};
use crate::{Error, Forge, PullRequest};
use workspace_tools::git::{NewTag, Vcs};
use workspace_tools::release::Prepared;

/// A GitHub release to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The tag, also the release's name.
    pub tag: String,
    /// The changelog section(s).
    pub body: String,
    /// Whether the version is a pre-release.
    pub prerelease: bool,
}

/// The section of `version` in a changelog: from its `## [VERSION]` heading to the next
/// `## ` heading, without the heading itself.
pub(crate) fn changelog_section(changelog: &str, version: &str) -> Option<String> {
    let heading = format!("## [{version}]");
    let mut lines = changelog.lines().skip_while(|l| !l.starts_with(&heading));
    lines.next()?;
    let section: Vec<&str> = lines.take_while(|l| !l.starts_with("## ")).collect();
    Some(section.join("\n").trim().to_owned())
}

/// The changelog section of each member at its current version (empty when missing).
fn sections(prepared: &Prepared) -> BTreeMap<String, String> {
    prepared
        .members
        .iter()
        .map(|m| {
            let text = prepared
                .changelog_path(&m.name)
                .and_then(|p| std::fs::read_to_string(prepared.root().join(p)).ok())
                .unwrap_or_default();
            let section = changelog_section(&text, &m.version.to_string()).unwrap_or_default();
            (m.name.clone(), section)
        })
        .collect()
}

/// The releases of the tags of the members' current versions that exist in the repository:
/// one per crate tag, or one for a train tag with every crate's section.
pub fn wanted(vcs: &dyn Vcs, prepared: &Prepared) -> Result<Vec<Wanted>, Error> {
    let sections = sections(prepared);
    let tags = vcs.tags()?;
    let mut by_tag: BTreeMap<String, Wanted> = BTreeMap::new();
    for member in prepared.members.iter().filter(|m| m.publish) {
        let tag = prepared
            .workspace
            .release
            .tag(&member.name, &member.version);
        if !tags.contains(&tag) {
            continue;
        }
        let section = &sections[&member.name];
        let entry = by_tag.entry(tag.clone()).or_insert_with(|| Wanted {
            tag,
            body: String::new(),
            prerelease: !member.version.pre.is_empty(),
        });
        if prepared.workspace.release.train {
            let _ = write!(
                entry.body,
                "## {} {}\n\n{section}\n\n",
                member.name, member.version
            );
        } else {
            entry.body = section.clone();
        }
    }
    Ok(by_tag
        .into_values()
        .map(|mut w| {
            w.body = w.body.trim().to_owned();
            w
        })
        .collect())
}

/// What happened to one release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Done {
    /// It was created.
    Created {
        /// The tag.
        tag: String,
        /// Its address.
        url: String,
    },
    /// It already existed and was left alone.
    Exists {
        /// The tag.
        tag: String,
        /// Its address.
        url: String,
    },
}

/// Creates the releases of `wanted` that do not exist yet.
pub fn ensure(forge: &dyn Forge, wanted: &[Wanted]) -> Result<Vec<Done>, Error> {
    let mut done = Vec::new();
    for w in wanted {
        done.push(match forge.release_by_tag(&w.tag)? {
            Some(existing) => Done::Exists {
                tag: w.tag.clone(),
                url: existing.html_url,
            },
            None => {
                let created = forge.create_release(w)?;
                Done::Created {
                    tag: w.tag.clone(),
                    url: created.html_url,
                }
            }
        });
    }
    Ok(done)
}

/// Checks that `pr` is a merged release pull request from `branch` whose merge commit is
/// `head`, and returns the plan it recorded.
pub fn merged_plan(pr: &PullRequest, branch: &str, head: &str) -> Result<Recorded, Error> {
    let refuse = |message: String| Error::ReleaseMismatch {
        number: pr.number,
        message,
    };
    if pr.merged_at.is_none() {
        return Err(refuse("it is not merged".to_owned()));
    }
    if pr.head.name != branch {
        return Err(refuse(format!(
            "it merges `{}`, not the release branch `{branch}`",
            pr.head.name
        )));
    }
    if pr.merge_commit_sha.as_deref() != Some(head) {
        return Err(refuse(format!(
            "its merge commit is {}, but {head} is checked out",
            pr.merge_commit_sha.as_deref().unwrap_or("unknown")
        )));
    }
    release_pr::recorded(pr.body.as_deref().unwrap_or_default())
        .ok_or_else(|| refuse("its body has no recorded release plan".to_owned()))
}

/// Tags `HEAD` with the tags of `recorded` after checking that the checkout holds exactly
/// that plan: every released crate at its planned version, and nothing else left to release
/// once tagged. Pushes the tags to `remote`; returns the tags created by this run (a rerun
/// creates none). `prepared` is the workspace as loaded before; its history is read again
/// once tagged.
pub fn tag_recorded(
    vcs: &dyn Vcs,
    prepared: &mut Prepared,
    number: u64,
    recorded: &Recorded,
    remote: &str,
) -> Result<Vec<String>, Error> {
    let refuse = |message: String| Error::ReleaseMismatch { number, message };
    for release in &recorded.releases {
        let member = prepared
            .members
            .iter()
            .find(|m| m.name == release.name)
            .ok_or_else(|| refuse(format!("`{}` is not a workspace member", release.name)))?;
        if member.version.to_string() != release.to {
            return Err(refuse(format!(
                "it plans {} {}, but the checkout has {}",
                release.name, release.to, member.version
            )));
        }
    }
    let created = tag_missing(vcs, recorded, &sections(prepared))?;
    // Tagged, the checkout must have nothing left to release: otherwise `release --execute`
    // would release more than the pull request showed.
    prepared.reread_history()?;
    let after = prepared.plan(&BTreeMap::new())?;
    if !after.is_empty() {
        vcs.rollback(&created);
        let extra: Vec<String> = after
            .releases
            .iter()
            .map(|r| format!("{} {}", r.name, r.to))
            .collect();
        return Err(refuse(format!(
            "the merge holds changes the plan did not include (would also release {}); nothing was tagged: \
             revert the merge and let release-pr propose the release again",
            extra.join(", ")
        )));
    }
    let refs: Vec<String> = recorded
        .tags()
        .iter()
        .map(|t| format!("refs/tags/{t}"))
        .collect();
    vcs.push(remote, &refs)?;
    Ok(created)
}

/// Creates the tags of `recorded` that do not exist yet on `HEAD`, all or none: a tag left by
/// a failed run would escape the rollback of a later refusal. Returns the tags created.
fn tag_missing(
    vcs: &dyn Vcs,
    recorded: &Recorded,
    sections: &BTreeMap<String, String>,
) -> Result<Vec<String>, Error> {
    let existing = vcs.tags()?;
    let head = vcs.head()?;
    let missing: Vec<(String, String)> = recorded
        .tags()
        .into_iter()
        .filter(|tag| !existing.contains(tag))
        .map(|tag| {
            let message = tag_message(recorded, sections, &tag);
            (tag, message)
        })
        .collect();
    let new: Vec<NewTag<'_>> = missing
        .iter()
        .map(|(name, message)| NewTag {
            name,
            commit: &head,
            message,
        })
        .collect();
    Ok(vcs.tag_all(&new)?)
}

/// The message of `tag`: each crate it releases with its changelog section, headed by the
/// tag's name for a train tag.
fn tag_message(recorded: &Recorded, sections: &BTreeMap<String, String>, tag: &str) -> String {
    let train = recorded.train_tag.as_deref() == Some(tag);
    let crates: Vec<String> = recorded
        .releases
        .iter()
        .filter(|r| train || r.tag.as_deref() == Some(tag))
        .map(|r| format!("{} {}\n\n{}", r.name, r.to, sections[&r.name]))
        .collect();
    match train {
        true => format!("{tag}\n\n{}\n", crates.join("\n\n")),
        false => format!("{}\n", crates.join("\n\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_cut_at_the_next_release() {
        let changelog = "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-05-01\n\n### Added\n\n- start actors (abc1234)\n\n## [0.1.0] - 2026-01-01\n\n- first\n";
        assert_eq!(
            changelog_section(changelog, "0.2.0").unwrap(),
            "### Added\n\n- start actors (abc1234)"
        );
        assert_eq!(changelog_section(changelog, "0.1.0").unwrap(), "- first");
        assert_eq!(changelog_section(changelog, "0.3.0"), None);
        assert_eq!(changelog_section(changelog, "0.2"), None);
    }
}
