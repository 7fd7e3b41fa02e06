//! Errors of the GitHub adapter: each names the endpoint, repository or pull request at fault,
//! and none ever contains the token.

/// Everything that can go wrong while talking to GitHub or preparing what to send.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the token is missing, expired or invalid.
    #[error(
        "github rejected the token (401 unauthorized) for {endpoint}: check that GITHUB_TOKEN holds a valid token"
    )]
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
    #[error(
        "github has no {endpoint} (404 not found): check the repository and the number, and that the token can read the repository"
    )]
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
        "github asked to wait {wait_secs} s before retrying {endpoint}, longer than the {max_secs} s allowed; not waiting: rerun later"
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
    /// `--api-url` or `GITHUB_API_URL` is not a usable address.
    #[error("invalid github api url `{url}`: {message}")]
    ApiUrl {
        /// The address.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// No token in the environment.
    #[error("no github token: set GITHUB_TOKEN")]
    MissingToken,
    /// The token holds a character no HTTP header can carry (its value is never shown).
    #[error(
        "invalid github token in GITHUB_TOKEN: it holds a line break or control character; set it to the token alone"
    )]
    InvalidToken,
    /// The repository is not `OWNER/NAME`.
    #[error("invalid repository `{value}` (from {origin}): expected OWNER/NAME")]
    Repository {
        /// What was given.
        value: String,
        /// Where it came from: `--repo` or `GITHUB_REPOSITORY`.
        origin: &'static str,
    },
    /// Neither a flag nor the environment names the repository, pull request or API address.
    #[error("no {what}: {hint}")]
    Context {
        /// What is missing, such as `pull request number`.
        what: &'static str,
        /// How to provide it.
        hint: String,
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
    /// A saved comment or an event file could not be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The workspace, its history or a git command failed.
    #[error(transparent)]
    Engine(#[from] workspace_tools::Error),
}
