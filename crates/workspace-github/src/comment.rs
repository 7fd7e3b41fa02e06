//! The pull-request comment: what a change affects and why, the release plan it implies, and a
//! Mermaid graph of the affected part of the workspace. One comment per pull request, found again
//! by a hidden marker among the comments the token's own identity wrote (anyone can type the
//! marker), updated in place, deleted (or turned into "nothing affected") when the change no
//! longer affects anything.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use crate::{Comment, Error, Forge};
use workspace_tools::release::ReleasePlan;
use workspace_tools::{AffectedSet, ReasonDetail, WorkspaceGraph, render};

/// The hidden first line that marks the bot's own comment.
pub(crate) const MARKER: &str = "<!-- workspace-tools:pr-comment -->";

/// GitHub refuses comments longer than 65,536 characters; stay below.
const MAX_BODY: usize = 60_000;

/// What the comment describes.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    /// The workspace graph.
    pub graph: &'a WorkspaceGraph,
    /// The affected members.
    pub set: &'a AffectedSet,
    /// The release plan at the pull request's head, if it was computed.
    pub plan: Option<&'a ReleasePlan>,
    /// The merge-base commit compared against.
    pub base: &'a str,
    /// The head commit to name: the pull request's head, not the merge commit GitHub builds
    /// to test it.
    pub head: &'a str,
    /// How many files changed.
    pub changed_files: usize,
}

/// The comment to have on the pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Desired {
    /// Its body, starting with the hidden marker `<!-- workspace-tools:pr-comment -->`.
    pub body: String,
    /// Whether anything is affected; when not, the comment is deleted or kept as a note.
    pub affected: bool,
}

/// A comment computed where the pull request's code ran, saved to be posted by a job that
/// holds a write token but runs none of that code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The pull request.
    pub pull_request: u64,
    /// The pull request's head commit the comment was computed for.
    pub head_sha: String,
    /// The comment.
    #[serde(flatten)]
    pub desired: Desired,
}

/// What to do with the comment when nothing is affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnEmpty {
    /// Delete it.
    Delete,
    /// Keep it, saying that nothing is affected.
    Update,
}

/// One step towards the desired comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Post a new comment.
    Create(String),
    /// Replace the body of comment `id`.
    Update(u64, String),
    /// Comment `id` already says this.
    Keep(u64),
    /// Delete comment `id` (a stale comment, or a duplicate from a race).
    Delete(u64),
}

/// What was done, for the command's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Done {
    /// A comment was posted.
    Created {
        /// Its id.
        id: u64,
        /// Its address.
        url: String,
    },
    /// A comment was edited.
    Updated {
        /// Its id.
        id: u64,
        /// Its address.
        url: String,
    },
    /// A comment already said this.
    Unchanged {
        /// Its id.
        id: u64,
    },
    /// A comment was deleted.
    Deleted {
        /// Its id.
        id: u64,
    },
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `1 crate`, `2 crates`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

/// The comment's body.
pub fn render(report: &Report<'_>) -> Desired {
    let set = report.set;
    let total = set.packages.len() + set.unaffected.len();
    let files = report.changed_files;
    let range = format!("`{}`…`{}`", short(report.base), short(report.head));
    let mut body = format!("{MARKER}\n### Affected crates\n\n");
    let crates = count(total, "crate", "crates");
    if set.packages.is_empty() {
        let _ = match files {
            0 => writeln!(body, "Nothing affected: no file changed between {range}."),
            1 => writeln!(
                body,
                "Nothing affected: the changed file between {range} affects none of the {crates}."
            ),
            n => writeln!(
                body,
                "Nothing affected: the {n} changed files between {range} affect none of the {crates}."
            ),
        };
    } else {
        let n = set.packages.len();
        let _ = write!(
            body,
            "**{n} of {crates}** {} affected by {} between {range}.\n\n\
             | crate | why |\n|---|---|\n",
            if n == 1 { "is" } else { "are" },
            count(files, "changed file", "changed files"),
        );
        for package in &set.packages {
            let reasons: Vec<String> = package.reasons.iter().map(|r| cell(&r.message)).collect();
            let _ = writeln!(body, "| `{}` | {} |", package.name, reasons.join("<br>"));
        }
        let changed = set
            .packages
            .iter()
            .filter(|p| {
                p.reasons
                    .iter()
                    .any(|r| !matches!(r.detail, ReasonDetail::Dependency { .. }))
            })
            .count();
        let _ = write!(
            body,
            "\n<details><summary>Graph of the affected crates ({changed} changed directly, highlighted)</summary>\n\n\
             ```mermaid\n{}```\n\n</details>\n",
            render::affected_mermaid(report.graph, set)
        );
    }
    if let Some(plan) = report.plan {
        body.push_str("\n### Release plan after merging\n\n");
        body.push_str(&plan_table(plan));
    }
    body.push_str("\n<sub>Updated by `cargo xtask pr-comment` on every push.</sub>\n");
    fit(&mut body);
    Desired {
        body,
        affected: !set.packages.is_empty(),
    }
}

/// Cuts `body` to what GitHub accepts.
fn fit(body: &mut String) {
    if body.len() <= MAX_BODY {
        return;
    }
    let mut end = MAX_BODY;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body.truncate(end);
    body.push_str("\n\n… (truncated: run `cargo xtask affected --explain` for the full list)\n");
}

/// A release plan as a Markdown table, or a sentence when it is empty.
pub(crate) fn plan_table(plan: &ReleasePlan) -> String {
    if plan.is_empty() {
        return "Nothing to release.\n".to_owned();
    }
    let mut out = String::from("| crate | from | to | why |\n|---|---|---|---|\n");
    for r in &plan.releases {
        let publish = if r.publish { "" } else { " (not published)" };
        let _ = writeln!(
            out,
            "| `{}` | {} | **{}** | {}{publish} |",
            r.name,
            r.from,
            r.to,
            cell(&r.reasons.join("; "))
        );
    }
    if let Some(tag) = &plan.train_tag {
        let _ = write!(out, "\nOne release train, tagged `{tag}`.\n");
    }
    out
}

/// The steps from the `existing` comments to the `desired` one. Only comments that `login`
/// wrote and that start with the hidden marker are the bot's: anyone else's is left alone.
pub(crate) fn decide(
    existing: &[Comment],
    login: &str,
    desired: &Desired,
    on_empty: OnEmpty,
) -> Vec<Action> {
    let mut ours = existing
        .iter()
        .filter(|c| c.written_by(login) && c.body.trim_start().starts_with(MARKER));
    let first = ours.next();
    let mut actions: Vec<Action> = match (first, desired.affected, on_empty) {
        (None, false, _) => vec![],
        (Some(c), false, OnEmpty::Delete) => vec![Action::Delete(c.id)],
        (None, true, _) => vec![Action::Create(desired.body.clone())],
        (Some(c), _, _) if c.body == desired.body => vec![Action::Keep(c.id)],
        (Some(c), _, _) => vec![Action::Update(c.id, desired.body.clone())],
    };
    actions.extend(ours.map(|c| Action::Delete(c.id)));
    actions
}

/// Brings pull request `number`'s comment to `desired`.
pub fn sync(
    forge: &dyn Forge,
    number: u64,
    desired: &Desired,
    on_empty: OnEmpty,
) -> Result<Vec<Done>, Error> {
    let existing = forge.comments(number)?;
    let login = forge.login()?;
    let mut done = Vec::new();
    for action in decide(&existing, &login, desired, on_empty) {
        done.push(match action {
            Action::Create(body) => {
                let c = forge.create_comment(number, &body)?;
                Done::Created {
                    id: c.id,
                    url: c.html_url,
                }
            }
            Action::Update(id, body) => {
                let c = forge.update_comment(id, &body)?;
                Done::Updated {
                    id: c.id,
                    url: c.html_url,
                }
            }
            Action::Keep(id) => Done::Unchanged { id },
            Action::Delete(id) => {
                forge.delete_comment(id)?;
                Done::Deleted { id }
            }
        });
    }
    Ok(done)
}

/// Posts a [`Saved`] comment, after checking that pull request `saved.pull_request` still has
/// the head `expected_head` (taken from the trusted event, not from the saved file), so a saved
/// file cannot steer the comment to another pull request or post a stale one.
pub fn sync_saved(
    forge: &dyn Forge,
    saved: &Saved,
    expected_head: Option<&str>,
    on_empty: OnEmpty,
) -> Result<Vec<Done>, Error> {
    let pr = forge.pull_request(saved.pull_request)?;
    for expected in expected_head.into_iter().chain([saved.head_sha.as_str()]) {
        if pr.head.sha != expected {
            return Err(Error::HeadMoved {
                number: saved.pull_request,
                expected: expected.to_owned(),
                actual: pr.head.sha,
            });
        }
    }
    let mut desired = saved.desired.clone();
    if !desired.body.trim_start().starts_with(MARKER) {
        desired.body = format!("{MARKER}\n{}", desired.body);
    }
    fit(&mut desired.body);
    sync(forge, saved.pull_request, &desired, on_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_tools::{
        ChangeSet, ChangedFile, DepKind, Dependency, FileStatus, Package, Rules,
    };

    const BOT: &str = "github-actions[bot]";

    fn comment_by(login: &str, id: u64, body: &str) -> Comment {
        Comment {
            id,
            body: body.to_owned(),
            html_url: format!("https://github.com/o/r/pull/1#issuecomment-{id}"),
            user: Some(crate::Author {
                login: login.to_owned(),
            }),
        }
    }

    fn comment(id: u64, body: &str) -> Comment {
        comment_by(BOT, id, body)
    }

    fn desired(body: &str, affected: bool) -> Desired {
        Desired {
            body: format!("{MARKER}\n{body}"),
            affected,
        }
    }

    #[test]
    fn decisions_create_update_keep_and_delete() {
        let human = comment(1, "LGTM");
        let ours = comment(2, &format!("{MARKER}\nold"));
        let new = desired("new", true);
        assert_eq!(
            decide(std::slice::from_ref(&human), BOT, &new, OnEmpty::Delete),
            [Action::Create(new.body.clone())]
        );
        assert_eq!(
            decide(&[human.clone(), ours.clone()], BOT, &new, OnEmpty::Delete),
            [Action::Update(2, new.body.clone())]
        );
        let same = Desired {
            body: ours.body.clone(),
            affected: true,
        };
        assert_eq!(
            decide(std::slice::from_ref(&ours), BOT, &same, OnEmpty::Delete),
            [Action::Keep(2)]
        );
        let nothing = desired("nothing affected", false);
        assert_eq!(
            decide(std::slice::from_ref(&ours), BOT, &nothing, OnEmpty::Delete),
            [Action::Delete(2)]
        );
        assert_eq!(
            decide(std::slice::from_ref(&ours), BOT, &nothing, OnEmpty::Update),
            [Action::Update(2, nothing.body.clone())]
        );
        assert_eq!(decide(&[human], BOT, &nothing, OnEmpty::Update), []);
        let duplicate = comment(3, &format!("{MARKER}\nrace"));
        assert_eq!(
            decide(&[ours, duplicate], BOT, &new, OnEmpty::Delete),
            [Action::Update(2, new.body.clone()), Action::Delete(3)]
        );
    }

    #[test]
    fn comments_with_the_marker_by_anyone_else_are_not_the_bots() {
        let new = desired("new", true);
        let quoted = comment_by("octocat", 1, &format!("{MARKER}\nquoting the bot"));
        let other_bot = comment_by("renovate[bot]", 2, &format!("{MARKER}\nold"));
        let ours = comment(3, &format!("{MARKER}\nold"));
        let deleted_account = Comment {
            user: None,
            ..comment(4, &format!("{MARKER}\nold"))
        };
        assert_eq!(
            decide(
                &[quoted.clone(), other_bot.clone(), deleted_account.clone()],
                BOT,
                &new,
                OnEmpty::Delete
            ),
            [Action::Create(new.body.clone())],
            "nobody else's comment is edited or deleted"
        );
        assert_eq!(
            decide(
                &[quoted, ours, other_bot, deleted_account],
                "GitHub-Actions[bot]",
                &new,
                OnEmpty::Delete
            ),
            [Action::Update(3, new.body.clone())],
            "logins compare without case"
        );
    }

    #[test]
    fn bodies_list_reasons_the_plan_and_a_graph_of_the_affected_part() {
        let mut graph = WorkspaceGraph::new("/repo");
        let wascap = graph.add_package(Package::member("wascap", "0.1.0", "crates/wascap"));
        let host = graph.add_package(Package::member("host", "0.1.0", "crates/host"));
        graph.add_package(Package::member("other", "0.1.0", "crates/other"));
        graph.add_dependency(host, wascap, Dependency::new(DepKind::Normal));
        let changes = ChangeSet::from_files([ChangedFile::new(
            "crates/wascap/src/a|b.rs",
            FileStatus::Modified,
        )]);
        let set = workspace_tools::affected(&graph, &changes, &Rules::default());
        let plan = workspace_tools::test_support::release_plan(vec![], vec![]);
        let report = Report {
            graph: &graph,
            set: &set,
            plan: Some(&plan),
            base: "1b94eec2c7aaaaaaaa",
            head: "6e8ef9a0bbbbbbbb",
            changed_files: 1,
        };
        let out = render(&report);
        assert!(out.affected);
        assert!(out.body.starts_with(MARKER));
        assert!(out.body.contains(
            "**2 of 3 crates** are affected by 1 changed file between `1b94eec2c7`…`6e8ef9a0bb`"
        ));
        assert!(
            out.body
                .contains("| `host` | depends on wascap, changed by crates/wascap/src/a\\|b.rs |"),
            "{}",
            out.body
        );
        assert!(out.body.contains("```mermaid\ngraph TD\n"));
        assert!(
            !out.body.contains("\"other\""),
            "unaffected crates stay out of the graph"
        );
        assert!(out.body.contains("Nothing to release."));

        let nothing = workspace_tools::affected(&graph, &ChangeSet::default(), &Rules::default());
        let out = render(&Report {
            set: &nothing,
            plan: None,
            changed_files: 0,
            ..report
        });
        assert!(!out.affected);
        assert!(
            out.body
                .contains("Nothing affected: no file changed between `1b94eec2c7`…`6e8ef9a0bb`."),
            "{}",
            out.body
        );
        let one = render(&Report {
            set: &nothing,
            plan: None,
            changed_files: 1,
            ..report
        });
        assert!(
            one.body.contains(
                "the changed file between `1b94eec2c7`…`6e8ef9a0bb` affects none of the 3 crates."
            ),
            "{}",
            one.body
        );
        let two = render(&Report {
            set: &nothing,
            plan: None,
            changed_files: 2,
            ..report
        });
        assert!(
            two.body.contains("the 2 changed files between"),
            "{}",
            two.body
        );
        assert!(two.body.contains("affect none of the 3 crates."));
        assert!(!out.body.contains("mermaid"));
    }
}
