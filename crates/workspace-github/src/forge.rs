//! The narrow set of GitHub calls the bots make, and the data they exchange. Only the fields the
//! bots read are kept; GitHub's answers carry many more.

use serde::Deserialize;

use crate::Error;

/// The login of GitHub Actions' `GITHUB_TOKEN`, which cannot read its own identity.
pub(crate) const ACTIONS_BOT_LOGIN: &str = "github-actions[bot]";

/// The account that wrote something.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Author {
    /// Its login, such as `octocat` or `github-actions[bot]`.
    pub login: String,
}

/// A comment on an issue or pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Comment {
    /// The comment id.
    pub id: u64,
    /// Its Markdown body.
    #[serde(default)]
    pub body: String,
    /// Its address on the web.
    pub html_url: String,
    /// Who wrote it (GitHub sends `null` for deleted accounts).
    #[serde(default)]
    pub user: Option<Author>,
}

impl Comment {
    /// Whether `login` wrote it (logins are case-insensitive).
    pub fn written_by(&self, login: &str) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.login.eq_ignore_ascii_case(login))
    }
}

/// One end of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Branch {
    /// The branch name.
    #[serde(rename = "ref")]
    pub name: String,
    /// The commit it points at.
    pub sha: String,
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// Its address on the web.
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    /// Its title.
    pub title: String,
    /// Its Markdown body.
    #[serde(default)]
    pub body: Option<String>,
    /// The branch it merges.
    pub head: Branch,
    /// The branch it merges into.
    pub base: Branch,
    /// When it was merged, if it was.
    #[serde(default)]
    pub merged_at: Option<String>,
    /// The commit its merge made on the base branch.
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
}

/// A pull request to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestDraft {
    /// Its title.
    pub title: String,
    /// The branch it merges.
    pub head: String,
    /// The branch it merges into.
    pub base: String,
    /// Its Markdown body.
    pub body: String,
}

/// New title and body for pull request `number`; `close` also closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullRequestEdit<'a> {
    /// The pull request.
    pub number: u64,
    /// Its title.
    pub title: &'a str,
    /// Its Markdown body.
    pub body: &'a str,
    /// Whether to close it.
    pub close: bool,
}

/// A GitHub release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReleaseInfo {
    /// The release id.
    pub id: u64,
    /// Its tag.
    pub tag_name: String,
    /// Its address on the web.
    pub html_url: String,
}

/// What the bots need from a forge, for one repository.
pub trait Forge {
    /// The login the token acts as: what `GET /user` says, else (for `GITHUB_TOKEN`, which may
    /// not read it) `github-actions[bot]`, unless the client was told the login.
    fn login(&self) -> Result<String, Error>;
    /// Every comment on issue or pull request `number`, oldest first.
    fn comments(&self, number: u64) -> Result<Vec<Comment>, Error>;
    /// Adds a comment to `number`.
    fn create_comment(&self, number: u64, body: &str) -> Result<Comment, Error>;
    /// Replaces the body of comment `id`.
    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error>;
    /// Deletes comment `id`.
    fn delete_comment(&self, id: u64) -> Result<(), Error>;
    /// Pull request `number`.
    fn pull_request(&self, number: u64) -> Result<PullRequest, Error>;
    /// The open pull requests from branch `head` of this repository into `base`.
    fn open_pull_requests(&self, head: &str, base: &str) -> Result<Vec<PullRequest>, Error>;
    /// Opens a pull request.
    fn create_pull_request(&self, draft: &PullRequestDraft) -> Result<PullRequest, Error>;
    /// Sets the title and body of a pull request, and closes it if asked.
    fn update_pull_request(&self, edit: PullRequestEdit<'_>) -> Result<PullRequest, Error>;
    /// The release of `tag`, if there is one.
    fn release_by_tag(&self, tag: &str) -> Result<Option<ReleaseInfo>, Error>;
    /// Creates the release of an existing tag, named after it.
    fn create_release(&self, release: &crate::releases::Wanted) -> Result<ReleaseInfo, Error>;
}
