//! Errors of the GitHub adapter: each names the endpoint, repository or pull request at fault,
//! and none ever contains the token.

/// Everything that can go wrong while talking to GitHub or preparing what to send. The command
/// line phrases the advice (which flag or variable to set, when to rerun).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the token is missing, expired or invalid.
    #[error("github rejected the token (401 unauthorized) for {endpoint}")]
    Unauthorized {
        /// The refused request, such as `GET /repos/o/r/pulls/5`.
        endpoint: String,
    },
    /// 403 that is not a rate limit: the token lacks a permission.
    #[error(
        "github refused {endpoint} (403 forbidden): {message}; the token lacks a permission this needs"
    )]
    Forbidden {
        /// The refused request.
        endpoint: String,
        /// GitHub's message.
        message: String,
    },
    /// 404: the repository, pull request or release does not exist, or the token cannot see it.
    #[error("github has no {endpoint} (404 not found), or the token cannot read it")]
    NotFound {
        /// The request.
        endpoint: String,
    },
    /// Another answer that retrying cannot fix (422 and the like).
    #[error("github answered {status} to {endpoint}: {message}")]
    Status {
        /// The request.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The retries ran out on 5xx answers, rate limits or connection failures.
    #[error("github kept failing on {endpoint} after {attempts} attempt(s): {last}")]
    Exhausted {
        /// The request.
        endpoint: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// GitHub asked to wait longer before retrying than the retry policy allows.
    #[error(
        "github asked to wait {wait_secs} s before retrying {endpoint}, longer than the {max_secs} s allowed"
    )]
    WaitRefused {
        /// The request.
        endpoint: String,
        /// The wait GitHub asked for.
        wait_secs: u64,
        /// The longest wait allowed.
        max_secs: u64,
    },
    /// An answer that could not be read, or a request that could not be built.
    #[error("unexpected exchange with github on {endpoint}: {message}")]
    Response {
        /// The request.
        endpoint: String,
        /// What was wrong.
        message: String,
    },
    /// The API address given is not a usable address.
    #[error("invalid github api url `{url}`: {message}")]
    ApiUrl {
        /// The address.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// No token in the environment.
    #[error("no github token")]
    MissingToken,
    /// The token holds a character no HTTP header can carry (its value is never shown).
    #[error("invalid github token: it holds a line break or control character")]
    InvalidToken,
    /// The repository is not `OWNER/NAME`.
    #[error("invalid repository `{value}` (from {origin}): expected OWNER/NAME")]
    Repository {
        /// What was given.
        value: String,
        /// Where it came from: the flag, or `GITHUB_REPOSITORY`.
        origin: &'static str,
    },
    /// Neither a flag nor the environment names the repository or the pull request.
    #[error("no {missing}")]
    Context {
        /// What is missing.
        missing: Missing,
    },
    /// The pull request's head is not the commit the comment was computed for.
    #[error(
        "pull request #{number} moved on: its head is {actual}, but the comment was computed for {expected}; not posting a stale comment"
    )]
    HeadMoved {
        /// The pull request.
        number: u64,
        /// The commit the saved comment was computed for.
        expected: String,
        /// The pull request's head now.
        actual: String,
    },
    /// The merged release pull request does not match what is checked out.
    #[error("release pull request #{number}: {message}")]
    ReleaseMismatch {
        /// The pull request.
        number: u64,
        /// What differs.
        message: String,
    },
    /// A file (a saved comment, the event) could not be read or written.
    #[error("could not access {path}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A saved comment that does not parse.
    #[error("{path} is not a saved comment")]
    SavedComment {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The webhook event file of the environment is not JSON.
    #[error("{path} is not a JSON event")]
    Event {
        /// The file.
        path: std::path::PathBuf,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The workspace, its history or a git command failed.
    #[error(transparent)]
    Engine(#[from] workspace_tools::Error),
}

/// What neither a flag nor the environment names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    /// The repository.
    Repository,
    /// The pull request's number.
    PullRequest {
        /// Why the environment does not give it, such as `GITHUB_EVENT_PATH is not set`.
        why: String,
    },
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::Repository => f.write_str("repository"),
            Missing::PullRequest { why } => write!(f, "pull request number ({why})"),
        }
    }
}
