//! Conventional commits: what a commit message says about the next version.

use serde::Serialize;

use super::version::Level;

/// The trailer this tool writes on its release commits, which never count as changes.
pub const RELEASE_TRAILER: &str = "Release-Tool: cargo-xtask-release";

/// One commit that touched a crate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// The abbreviated commit id.
    pub id: String,
    /// The conventional type (`feat`, `fix`, ...), or `None` for a free-form message.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Marked breaking with `!` or a `BREAKING CHANGE:` footer.
    pub breaking: bool,
    /// The description (the summary line without `type(scope)!: `).
    pub description: String,
}

impl Commit {
    /// Reads a commit message.
    pub fn parse(id: &str, message: &str) -> Commit {
        let summary = message.lines().next().unwrap_or_default().trim().to_owned();
        match git_conventional::Commit::parse(message.trim()) {
            Ok(c) => Commit {
                id: id.to_owned(),
                kind: Some(c.type_().as_str().to_ascii_lowercase()),
                breaking: c.breaking(),
                description: c.description().to_owned(),
            },
            Err(_) => Commit {
                id: id.to_owned(),
                kind: None,
                // git-conventional rejects some breaking footers it cannot parse; keep the rule.
                breaking: message.lines().any(|l| {
                    l.starts_with("BREAKING CHANGE:") || l.starts_with("BREAKING-CHANGE:")
                }),
                description: summary,
            },
        }
    }

    /// The level this commit asks for: `!`/`BREAKING CHANGE:` breaking, `feat` minor, the rest
    /// (`fix`, `perf`, other types, free-form messages) patch.
    pub fn level(&self) -> Level {
        match (self.breaking, self.kind.as_deref()) {
            (true, _) => Level::Breaking,
            (false, Some("feat")) => Level::Minor,
            _ => Level::Patch,
        }
    }
}

/// Whether `message` is a release commit written by this tool: a `chore(release):` summary and
/// the trailer in the message's trailer block (its last paragraph, all `Key: value` lines), as
/// git reads trailers. A commit that merely quotes the trailer (a squash of several commits)
/// is not one.
pub fn is_release_commit(message: &str) -> bool {
    if !message.contains(RELEASE_TRAILER) {
        return false;
    }
    let message = message.trim_end();
    let Some((summary, _)) = message.split_once('\n') else {
        return false;
    };
    let Some((_, block)) = message.rsplit_once("\n\n") else {
        return false;
    };
    let is_trailer = |line: &str| {
        line.starts_with([' ', '\t'])
            || line.split_once(": ").is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
    };
    summary.starts_with("chore(release)")
        && block.lines().all(is_trailer)
        && block.lines().any(|l| l.trim_end() == RELEASE_TRAILER)
}

/// The crates and versions a release commit's message records (`- name from → to` lines).
pub(crate) fn recorded_versions(message: &str) -> Vec<(String, semver::Version)> {
    message
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("- ")?;
            let (left, to) = rest.split_once(" → ")?;
            let (name, _from) = left.split_once(' ')?;
            Some((name.to_owned(), semver::Version::parse(to.trim()).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_messages() {
        let level = |m: &str| Commit::parse("abc", m).level();
        assert_eq!(level("feat(host): start actors"), Level::Minor);
        assert_eq!(level("fix: off by one"), Level::Patch);
        assert_eq!(level("perf: faster"), Level::Patch);
        assert_eq!(level("feat!: new protocol"), Level::Breaking);
        assert_eq!(
            level("refactor: x\n\nBREAKING CHANGE: the API moved"),
            Level::Breaking
        );
        assert_eq!(level("Update things"), Level::Patch);
        assert_eq!(level("docs: typo"), Level::Patch);
        let c = Commit::parse("abc", "feat(wash): sign modules\n\nbody");
        assert_eq!(
            (c.kind.as_deref(), c.description.as_str()),
            (Some("feat"), "sign modules")
        );
    }

    #[test]
    fn release_commits_are_recognised_by_their_trailer() {
        assert!(is_release_commit(&format!(
            "chore(release): host 0.2.0\n\n{RELEASE_TRAILER}\n"
        )));
        assert!(!is_release_commit("chore(release): by hand"));
        let squash = format!(
            "feat!: new protocol (#12)\n\n* chore(release): host 0.2.0\n\n    {RELEASE_TRAILER}\n\n* feat!: x\n"
        );
        assert!(!is_release_commit(&squash));
        let quoted = format!("feat!: x\n\nthe tool writes {RELEASE_TRAILER} on its commits\n");
        assert!(!is_release_commit(&quoted));
        let squashed_last = format!("feat!: x (#3)\n\n* chore(release): a\n\n{RELEASE_TRAILER}\n");
        assert!(!is_release_commit(&squashed_last));
        let with_more = format!(
            "chore(release): a 0.2.0\n\n- a 0.1.0 → 0.2.0\n\n{RELEASE_TRAILER}\nSigned-off-by: A <a@b>\n"
        );
        assert!(is_release_commit(&with_more));
        assert_eq!(
            recorded_versions(&with_more),
            [("a".to_owned(), semver::Version::new(0, 2, 0))]
        );
    }
}
