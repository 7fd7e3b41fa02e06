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

/// Whether `message` is a release commit written by this tool.
pub fn is_release_commit(message: &str) -> bool {
    message.lines().any(|l| l.trim() == RELEASE_TRAILER)
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
    }
}
