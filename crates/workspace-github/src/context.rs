//! Where the bots run: the repository, the pull request and the API address, from flags or the
//! GitHub Actions environment (`GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`, `GITHUB_API_URL`).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::{Error, Missing};

/// The public API address, used when neither `--api-url` nor `GITHUB_API_URL` is set.
pub(crate) const DEFAULT_API_URL: &str = "https://api.github.com";

/// A repository, `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository name.
    pub name: String,
}

impl FromStr for Repository {
    type Err = Error;

    fn from_str(s: &str) -> Result<Repository, Error> {
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        match s.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => Ok(Repository {
                owner: owner.to_owned(),
                name: name.to_owned(),
            }),
            _ => Err(Error::Repository {
                value: s.to_owned(),
                origin: "--repo",
            }),
        }
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The repository from `flag`, else from `GITHUB_REPOSITORY` (`env` looks variables up).
pub fn repository(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Repository, Error> {
    if let Some(value) = flag {
        return value.parse();
    }
    let value = env("GITHUB_REPOSITORY").ok_or(Error::Context {
        missing: Missing::Repository,
    })?;
    value.parse().map_err(|_| Error::Repository {
        value,
        origin: "GITHUB_REPOSITORY",
    })
}

/// The API address from `flag`, else `GITHUB_API_URL`, else the public API.
pub fn api_url(flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> String {
    flag.map(str::to_owned)
        .or_else(|| env("GITHUB_API_URL"))
        .unwrap_or_else(|| DEFAULT_API_URL.to_owned())
}

/// The pull request number from `flag`, else from the event file at `GITHUB_EVENT_PATH`: its
/// `pull_request.number` (a `pull_request` event) or `number`.
pub fn pull_request_number(
    flag: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<u64, Error> {
    if let Some(number) = flag {
        return Ok(number);
    }
    let missing = |why: &str| Error::Context {
        missing: Missing::PullRequest {
            why: why.to_owned(),
        },
    };
    let path = env("GITHUB_EVENT_PATH").ok_or_else(|| missing("GITHUB_EVENT_PATH is not set"))?;
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        path: path.clone().into(),
        source,
    })?;
    number_in_event(&text, Path::new(&path))?
        .ok_or_else(|| missing(&format!("the event in {path} names no pull request")))
}

/// The head commit of the pull request in the event file at `GITHUB_EVENT_PATH`, if any.
pub fn event_head_sha(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let text = std::fs::read_to_string(env("GITHUB_EVENT_PATH")?).ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    event["pull_request"]["head"]["sha"]
        .as_str()
        .map(str::to_owned)
}

/// The pull request number in a webhook event payload, if it names one.
pub(crate) fn number_in_event(text: &str, path: &Path) -> Result<Option<u64>, Error> {
    let event: serde_json::Value = serde_json::from_str(text).map_err(|source| Error::Event {
        path: path.to_owned(),
        source,
    })?;
    Ok(event["pull_request"]["number"]
        .as_u64()
        .or_else(|| event["number"].as_u64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let vars = env(&[
            ("GITHUB_REPOSITORY", "acme/platform"),
            ("GITHUB_API_URL", "https://ghe.local/api/v3"),
        ]);
        assert_eq!(
            repository(None, &vars).unwrap().to_string(),
            "acme/platform"
        );
        assert_eq!(repository(Some("me/fork"), &vars).unwrap().owner, "me");
        assert_eq!(api_url(None, &vars), "https://ghe.local/api/v3");
        assert_eq!(api_url(None, &env(&[])), DEFAULT_API_URL);
        assert_eq!(
            api_url(Some("http://127.0.0.1:9"), &vars),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn malformed_repositories_name_their_origin() {
        let err = repository(None, &env(&[("GITHUB_REPOSITORY", "no-slash")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid repository `no-slash` (from GITHUB_REPOSITORY): expected OWNER/NAME"
        );
        assert!("a/b/c".parse::<Repository>().is_err());
        assert!("/b".parse::<Repository>().is_err());
        let missing = repository(None, &env(&[])).unwrap_err().to_string();
        assert_eq!(missing, "no repository");
    }

    #[test]
    fn pull_request_numbers_come_from_the_event() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(
            &path,
            r#"{"action":"synchronize","number":42,"pull_request":{"number":42,"head":{"sha":"abc"}}}"#,
        )
        .unwrap();
        let event_path = path.to_string_lossy().into_owned();
        let vars = |name: &str| (name == "GITHUB_EVENT_PATH").then(|| event_path.clone());
        assert_eq!(pull_request_number(None, &vars).unwrap(), 42);
        assert_eq!(pull_request_number(Some(7), &vars).unwrap(), 7);
        assert_eq!(event_head_sha(&vars).as_deref(), Some("abc"));
        std::fs::write(&path, r#"{"ref":"refs/heads/main"}"#).unwrap();
        let err = pull_request_number(None, &vars).unwrap_err().to_string();
        assert!(err.contains("names no pull request"), "{err}");
    }
}
