//! The GitHub bots (feature `github`): `pr-comment`, `release-pr` and `github-release`, over
//! `workspace_github`.

pub(crate) mod pr_comment;
pub(crate) mod release_pr;
pub(crate) mod releases;

use std::time::Duration;

use clap::ValueEnum;
use workspace_github::{Client, ClientConfig, Token, context, retry::RetryPolicy};

/// Where GitHub is and which repository to work on.
#[derive(clap::Args)]
pub(crate) struct Connection {
    /// The repository [default: $GITHUB_REPOSITORY]
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,
    /// The REST API's address, e.g. for GitHub Enterprise [default: $GITHUB_API_URL, else https://api.github.com]
    #[arg(long, value_name = "URL")]
    api_url: Option<String>,
    /// The login the token acts as, for a GitHub App's token (`my-app[bot]`): only its comments
    /// are the bot's [default: from GET /user, else github-actions[bot]]
    #[arg(long, value_name = "LOGIN")]
    bot_login: Option<String>,
}

impl Connection {
    /// A client with the token from `GITHUB_TOKEN`.
    pub(crate) fn client(&self) -> Result<Client, workspace_github::Error> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Client::new(ClientConfig {
            api_url: context::api_url(self.api_url.as_deref(), &env),
            repository: context::repository(self.repo.as_deref(), &env)?,
            token: Token::from_env()?,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            login: self.bot_login.clone(),
        })
    }
}

/// The environment, with empty variables counted as unset.
pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What every bot takes: where GitHub is, and the output format.
#[derive(clap::Args)]
pub(crate) struct Common {
    #[command(flatten)]
    pub(crate) connection: Connection,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

/// Output format of the bots.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Status lines
    Text,
    /// One JSON object on stdout
    Json,
}
