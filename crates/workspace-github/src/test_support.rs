//! A fake GitHub for tests (cargo feature `test-support`): a loopback HTTP server that answers
//! with the REST API's shapes as each test mounts them, on its own tokio runtime so that tests
//! stay synchronous like the bots. Shared by this crate's tests and xtask's end-to-end ones.

use serde_json::{Value, json};
use tokio::runtime::Runtime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The hidden first line of the bot's pull-request comment, for tests that seed one.
pub const COMMENT_MARKER: &str = crate::comment::MARKER;

/// A loopback server and the runtime it runs on.
pub struct FakeGitHub {
    runtime: Runtime,
    server: MockServer,
}

impl FakeGitHub {
    /// Starts a server with nothing mounted.
    pub fn start() -> FakeGitHub {
        let runtime = Runtime::new().expect("a tokio runtime");
        let server = runtime.block_on(MockServer::start());
        FakeGitHub { runtime, server }
    }

    /// The API address to give the bots.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Answers the requests `mock` matches, from now on.
    pub fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// Checks the `expect` counts of the mounted mocks, then forgets them and the requests.
    pub fn verify_and_reset(&self) {
        self.runtime.block_on(self.server.verify());
        self.runtime.block_on(self.server.reset());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
    }

    /// The bodies, as JSON, of the requests received with method `verb`.
    pub fn bodies(&self, verb: &str) -> Vec<Value> {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == verb)
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }

    /// Answers `GET /user` as GitHub does for `GITHUB_TOKEN`: it may not read its identity.
    pub fn mount_actions_token(&self) {
        self.mount(
            Mock::given(method("GET"))
                .and(path("/user"))
                .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                    "message": "Resource not accessible by integration",
                    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                    "status": "403"
                }))),
        );
    }
}
