//! The octocrab implementation of [`Forge`]: one repository, a token, bounded retries.
//!
//! Requests go through octocrab's generic `get`/`post`/`patch`/`delete` with the few fields the
//! bots read, so the client works against any server that speaks the REST shapes (GitHub
//! Enterprise, or the tests' loopback server). Each call runs on the client's own tokio runtime;
//! failures are retried as [`retry::decide`] says, and mapped to an [`Error`] naming the
//! endpoint.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use octocrab::Octocrab;
use serde_json::json;

use crate::forge::{
    ACTIONS_BOT_LOGIN, Comment, Forge, PullRequest, PullRequestDraft, PullRequestEdit, ReleaseInfo,
};
use crate::releases::Wanted;
use crate::retry::{self, Decision, Failure, RetryPolicy};
use crate::{Error, Repository};

/// A GitHub token. It is only ever handed to octocrab: `Debug` hides it and there is no
/// `Display`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token from its value; an empty value is no token.
    pub fn new(value: impl Into<String>) -> Result<Token, Error> {
        let value = value.into();
        let value = value.trim();
        if value.is_empty() {
            return Err(Error::MissingToken);
        }
        // octocrab panics on a header value it cannot build; such a token is refused here.
        if value.chars().any(char::is_control) {
            return Err(Error::InvalidToken);
        }
        Ok(Token(value.to_owned()))
    }

    /// The token in `GITHUB_TOKEN`.
    pub fn from_env() -> Result<Token, Error> {
        Token::new(std::env::var("GITHUB_TOKEN").unwrap_or_default())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// How to reach GitHub.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The REST API's base address, such as `https://api.github.com`.
    pub api_url: String,
    /// The repository every call is about.
    pub repository: Repository,
    /// The token.
    pub token: Token,
    /// When and how often to retry.
    pub retry: RetryPolicy,
    /// The connect and read timeout of each attempt.
    pub timeout: Duration,
    /// The login the token acts as, for GitHub App tokens (`my-app[bot]`), which cannot read
    /// their own identity; `None` asks `GET /user`.
    pub login: Option<String>,
}

/// A [`Forge`] over the GitHub REST API, with octocrab.
pub struct Client {
    runtime: tokio::runtime::Runtime,
    octocrab: Octocrab,
    repository: Repository,
    retry: RetryPolicy,
    login: OnceLock<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("repository", &self.repository)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

const PER_PAGE: usize = 100;
/// At most this many pages of comments are read (10,000 comments).
const MAX_PAGES: usize = 100;

impl Client {
    /// A client for `config.repository`.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Response {
                endpoint: "the local tokio runtime".to_owned(),
                message: e.to_string(),
            })?;
        let bad_url = |message: String| Error::ApiUrl {
            url: config.api_url.clone(),
            message,
        };
        // Anything but http(s) would only fail later, on every retry, as a transport error.
        let scheme = config.api_url.split_once("://").map(|(s, _)| s);
        if !scheme
            .is_some_and(|s| s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http"))
        {
            return Err(bad_url(
                "expected an http:// or https:// address, such as https://api.github.com"
                    .to_owned(),
            ));
        }
        let octocrab = {
            // octocrab's timeout layer needs a runtime context to be built.
            let _context = runtime.enter();
            Octocrab::builder()
                .base_uri(config.api_url.as_str())
                .map_err(|e| bad_url(describe(&e)))?
                .personal_token(config.token.0)
                .set_connect_timeout(Some(config.timeout))
                .set_read_timeout(Some(config.timeout))
                .build()
                .map_err(|e| bad_url(describe(&e)))?
        };
        Ok(Client {
            runtime,
            octocrab,
            repository: config.repository,
            retry: config.retry,
            login: config.login.map(OnceLock::from).unwrap_or_default(),
        })
    }

    fn route(&self, rest: &str) -> String {
        format!(
            "/repos/{}/{}/{rest}",
            self.repository.owner, self.repository.name
        )
    }

    /// Runs `op`, which GitHub may safely receive twice (GET, PATCH, DELETE), until it succeeds
    /// or [`retry::decide`] gives up.
    fn send<T, F, Fut>(&self, method: &str, route: &str, op: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        self.send_with(method, route, op, None)
    }

    /// Runs `op`, a POST that creates an object, like [`Client::send`], but first looks the
    /// object up with `find` whenever the failure may have come after GitHub created it (a 5xx
    /// answer or none, before each retry and after the last), and on 422, which is how GitHub
    /// says it already exists: a found object counts as done, so a retry never makes a second.
    fn create<T, F, Fut>(
        &self,
        route: &str,
        op: F,
        find: &dyn Fn() -> Result<Option<T>, Error>,
    ) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        self.send_with("POST", route, op, Some(find))
    }

    fn send_with<T, F, Fut>(
        &self,
        method: &str,
        route: &str,
        op: F,
        find: Option<&dyn Fn() -> Result<Option<T>, Error>>,
    ) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let endpoint = format!("{method} {route}");
        let mut attempt = 0;
        loop {
            attempt += 1;
            // One `block_on` per attempt, so `find` can make requests of its own in between.
            let error = match self.runtime.block_on(op()) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(failure) = failure(&error) else {
                return Err(Error::Response {
                    endpoint,
                    message: describe(&error),
                });
            };
            let look = find.filter(|_| {
                failure.may_have_taken_effect()
                    || matches!(failure, Failure::Status { status: 422, .. })
            });
            let decision = retry::decide(&self.retry, attempt, &failure);
            if let Decision::Retry(wait) = decision {
                self.runtime
                    .block_on(async { tokio::time::sleep(wait).await });
            }
            if let Some(find) = look
                && let Some(found) = find()?
            {
                return Ok(found);
            }
            match decision {
                Decision::Retry(_) => {}
                Decision::GiveUp => return Err(give_up(endpoint, attempt, failure)),
                Decision::WaitRefused(wait) => {
                    return Err(Error::WaitRefused {
                        endpoint,
                        wait_secs: wait.as_secs(),
                        max_secs: self.retry.max_delay.as_secs(),
                    });
                }
            }
        }
    }
}

/// What a failed attempt looked like, or `None` when it is no HTTP exchange at all.
fn failure(error: &octocrab::Error) -> Option<Failure> {
    match error {
        octocrab::Error::GitHub { source, .. } => {
            let header = |name: &str| {
                source
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(name))
                    .and_then(|v| v.to_str().ok())
            };
            let retry_after =
                header("retry-after").and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
            let rate_limit_reset = header("x-ratelimit-remaining")
                .filter(|r| r.trim() == "0")
                .and(source.rate_limit_reset)
                .map(|reset| {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    Duration::from_secs(reset.saturating_sub(now) + 1)
                });
            Some(Failure::Status {
                status: source.status_code.as_u16(),
                message: source.message.clone(),
                details: details(source.errors.as_deref().unwrap_or_default()),
                retry_after,
                rate_limit_reset,
            })
        }
        octocrab::Error::Hyper { .. } | octocrab::Error::Service { .. } => {
            Some(Failure::Transport(describe(error)))
        }
        _ => None,
    }
}

/// What GitHub's `errors` array says: each entry's `message`, else its `field` and `code`
/// (`tag_name already_exists`).
fn details(errors: &[serde_json::Value]) -> Vec<String> {
    errors
        .iter()
        .filter_map(|e| match e {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Object(fields) => {
                let text = |key: &str| fields.get(key).and_then(|v| v.as_str());
                text("message").map(str::to_owned).or_else(|| {
                    let parts: Vec<&str> = [text("resource"), text("field"), text("code")]
                        .into_iter()
                        .flatten()
                        .collect();
                    (!parts.is_empty()).then(|| parts.join(" "))
                })
            }
            _ => None,
        })
        .collect()
}

/// The error after the last attempt.
fn give_up(endpoint: String, attempts: u32, failure: Failure) -> Error {
    let rate_limited = failure.is_rate_limit();
    match failure {
        Failure::Status { status: 401, .. } => Error::Unauthorized { endpoint },
        Failure::Status {
            status: 403,
            message,
            ..
        } if !rate_limited => Error::Forbidden { endpoint, message },
        Failure::Status { status: 404, .. } => Error::NotFound { endpoint },
        Failure::Status {
            status,
            message,
            details,
            ..
        } if status < 500 && !rate_limited => Error::Status {
            endpoint,
            status,
            message: match details.is_empty() {
                true => message,
                false => format!("{message}: {}", details.join("; ")),
            },
        },
        Failure::Status {
            status, message, ..
        } => Error::Exhausted {
            endpoint,
            attempts,
            last: format!("{status} {message}"),
        },
        Failure::Transport(message) => Error::Exhausted {
            endpoint,
            attempts,
            last: message,
        },
    }
}

/// An octocrab error as one line, without the backtrace some of them print.
fn describe(error: &octocrab::Error) -> String {
    let text = match std::error::Error::source(error) {
        Some(source) => source.to_string(),
        None => error.to_string(),
    };
    text.lines().next().unwrap_or_default().to_owned()
}

/// Percent-encodes a path segment (tags may hold `/` or `+`).
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Forge for Client {
    fn login(&self) -> Result<String, Error> {
        if let Some(login) = self.login.get() {
            return Ok(login.clone());
        }
        #[derive(serde::Deserialize)]
        struct User {
            login: String,
        }
        let login = match self.send("GET", "/user", || {
            self.octocrab.get::<User, _, ()>("/user", None)
        }) {
            Ok(user) => user.login,
            // Installation tokens, `GITHUB_TOKEN` among them, may not read `/user`.
            Err(Error::Forbidden { .. }) => ACTIONS_BOT_LOGIN.to_owned(),
            Err(e) => return Err(e),
        };
        Ok(self.login.get_or_init(|| login).clone())
    }

    fn comments(&self, number: u64) -> Result<Vec<Comment>, Error> {
        let route = self.route(&format!("issues/{number}/comments"));
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let query = [("per_page", PER_PAGE), ("page", page)];
            let batch: Vec<Comment> =
                self.send("GET", &route, || self.octocrab.get(&route, Some(&query)))?;
            let last = batch.len() < PER_PAGE;
            all.extend(batch);
            if last {
                break;
            }
        }
        Ok(all)
    }

    fn create_comment(&self, number: u64, body: &str) -> Result<Comment, Error> {
        let route = self.route(&format!("issues/{number}/comments"));
        let payload = json!({ "body": body });
        let find = || -> Result<Option<Comment>, Error> {
            let login = self.login()?;
            let comments = self.comments(number)?;
            Ok(comments
                .into_iter()
                .rev()
                .find(|c| c.written_by(&login) && c.body.trim() == body.trim()))
        };
        self.create(&route, || self.octocrab.post(&route, Some(&payload)), &find)
    }

    fn update_comment(&self, id: u64, body: &str) -> Result<Comment, Error> {
        let route = self.route(&format!("issues/comments/{id}"));
        let payload = json!({ "body": body });
        self.send("PATCH", &route, || {
            self.octocrab.patch(&route, Some(&payload))
        })
    }

    fn delete_comment(&self, id: u64) -> Result<(), Error> {
        let route = self.route(&format!("issues/comments/{id}"));
        let deleted = self.send("DELETE", &route, || async {
            let response = self.octocrab._delete(route.as_str(), None::<&()>).await?;
            octocrab::map_github_error(response).await.map(drop)
        });
        match deleted {
            // Gone already: an earlier attempt that got no answer deleted it.
            Err(Error::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    fn pull_request(&self, number: u64) -> Result<PullRequest, Error> {
        let route = self.route(&format!("pulls/{number}"));
        self.send("GET", &route, || self.octocrab.get(&route, None::<&()>))
    }

    fn open_pull_requests(&self, head: &str, base: &str) -> Result<Vec<PullRequest>, Error> {
        let route = self.route("pulls");
        let head = format!("{}:{head}", self.repository.owner);
        let query = [
            ("state", "open"),
            ("head", head.as_str()),
            ("base", base),
            ("per_page", "100"),
        ];
        self.send("GET", &route, || self.octocrab.get(&route, Some(&query)))
    }

    fn create_pull_request(&self, draft: &PullRequestDraft) -> Result<PullRequest, Error> {
        let route = self.route("pulls");
        let payload = json!({
            "title": draft.title,
            "head": draft.head,
            "base": draft.base,
            "body": draft.body,
        });
        // One found instead of created may have been opened by another run with another plan:
        // it is given this draft's title and body, as if this run had created it.
        let find = || -> Result<Option<PullRequest>, Error> {
            let open = self.open_pull_requests(&draft.head, &draft.base)?;
            let Some(pr) = open.into_iter().next() else {
                return Ok(None);
            };
            if pr.title == draft.title && pr.body.as_deref() == Some(draft.body.as_str()) {
                return Ok(Some(pr));
            }
            self.update_pull_request(PullRequestEdit {
                number: pr.number,
                title: &draft.title,
                body: &draft.body,
                close: false,
            })
            .map(Some)
        };
        self.create(&route, || self.octocrab.post(&route, Some(&payload)), &find)
    }

    fn update_pull_request(&self, edit: PullRequestEdit<'_>) -> Result<PullRequest, Error> {
        let route = self.route(&format!("pulls/{}", edit.number));
        let mut payload = json!({ "title": edit.title, "body": edit.body });
        if edit.close {
            payload["state"] = "closed".into();
        }
        self.send("PATCH", &route, || {
            self.octocrab.patch(&route, Some(&payload))
        })
    }

    fn release_by_tag(&self, tag: &str) -> Result<Option<ReleaseInfo>, Error> {
        let route = self.route(&format!("releases/tags/{}", segment(tag)));
        match self.send("GET", &route, || self.octocrab.get(&route, None::<&()>)) {
            Ok(release) => Ok(Some(release)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn create_release(&self, release: &Wanted) -> Result<ReleaseInfo, Error> {
        let Wanted {
            tag,
            body,
            prerelease,
        } = release;
        let route = self.route("releases");
        let payload = json!({
            "tag_name": tag,
            "name": tag,
            "body": body,
            "draft": false,
            "prerelease": prerelease,
        });
        let find = || self.release_by_tag(tag);
        self.create(&route, || self.octocrab.post(&route, Some(&payload)), &find)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_print() {
        let token = Token::new("ghp_secret123").unwrap();
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert!(matches!(Token::new("  "), Err(Error::MissingToken)));
    }

    #[test]
    fn give_up_names_the_refusal() {
        let status = |status: u16, message: &str| Failure::Status {
            status,
            message: message.to_owned(),
            details: vec![],
            retry_after: None,
            rate_limit_reset: None,
        };
        let endpoint = || "GET /repos/o/r/pulls/5".to_owned();
        assert!(matches!(
            give_up(endpoint(), 1, status(401, "Bad credentials")),
            Error::Unauthorized { .. }
        ));
        assert!(matches!(
            give_up(
                endpoint(),
                1,
                status(403, "Resource not accessible by integration")
            ),
            Error::Forbidden { .. }
        ));
        assert!(matches!(
            give_up(
                endpoint(),
                5,
                status(403, "You have exceeded a secondary rate limit")
            ),
            Error::Exhausted { attempts: 5, .. }
        ));
        assert!(matches!(
            give_up(endpoint(), 1, status(422, "Validation Failed")),
            Error::Status { status: 422, .. }
        ));
        assert_eq!(
            give_up(endpoint(), 1, status(404, "Not Found")).to_string(),
            "github has no GET /repos/o/r/pulls/5 (404 not found), or the token cannot read it"
        );
    }

    #[test]
    fn tags_are_encoded_as_one_segment() {
        assert_eq!(segment("host-v0.2.0"), "host-v0.2.0");
        assert_eq!(segment("a/b+c"), "a%2Fb%2Bc");
    }
}
