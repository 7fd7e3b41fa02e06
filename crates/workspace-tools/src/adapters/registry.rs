//! The registry adapter: publishing crates in dependency order with `cargo publish`, skipping
//! versions the registry has, waiting for the index, and backing off when rate-limited.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use semver::Version;

use crate::{Error, PublishError};

/// Where and how to publish.
#[derive(Debug, Clone)]
pub struct Registry {
    /// The registry's name in cargo's configuration; `None` for cargo's default registry.
    pub name: Option<String>,
    /// The workspace's root manifest.
    pub manifest_path: PathBuf,
    /// How long to wait for a published version to appear in the index.
    pub index_timeout: Duration,
    /// The first pause after a 429 answer; it doubles on each retry.
    pub backoff: Duration,
    /// How many times to retry a rate-limited publish.
    pub retries: u32,
    /// Let `cargo publish` package a working tree with uncommitted changes (`--allow-dirty`).
    pub allow_dirty: bool,
    /// Skip `cargo publish`'s build of each package (`--no-verify`), for a caller that verified
    /// them beforehand without the registry token in the environment.
    pub no_verify: bool,
}

/// How one publish attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The registry answered 429 Too Many Requests.
    RateLimited,
    /// Anything else.
    Other(PublishError),
}

/// What happened to one crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The registry already had this version.
    Skipped,
    /// Published now.
    Published,
}

impl Registry {
    fn cargo(&self) -> Command {
        let mut command = Command::new(super::cargo_program());
        if let Some(dir) = self
            .manifest_path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            command.current_dir(dir);
        }
        command
    }

    /// `--registry NAME`, naming cargo's default registry when none was given, so that
    /// `cargo info` asks the registry rather than the local workspace.
    fn registry_args(&self) -> Vec<String> {
        let name = self.name.clone().unwrap_or_else(|| {
            let dir = self.manifest_path.parent().unwrap_or(Path::new("."));
            default_registry(dir)
        });
        vec!["--registry".to_owned(), name]
    }

    /// Whether the registry's index lists `name` at `version` (asked through `cargo info`, which
    /// refreshes the index first).
    pub fn has_version(&self, name: &str, version: &Version) -> Result<bool, Error> {
        let output = self
            .cargo()
            .args(["info", "--quiet", &format!("{name}@{version}")])
            .args(self.registry_args())
            .output()
            .map_err(|e| Error::starting_cargo(&super::cargo_program(), e))?;
        Ok(output.status.success())
    }

    /// Publishes `name` once.
    fn publish_once(&self, name: &str) -> Result<(), Failure> {
        let output: Output = self
            .cargo()
            .args(["publish", "--package", name, "--manifest-path"])
            .arg(&self.manifest_path)
            .args(self.registry_args())
            .args(self.allow_dirty.then_some("--allow-dirty"))
            .args(self.no_verify.then_some("--no-verify"))
            .output()
            .map_err(|e| {
                Failure::Other(PublishError::Run(Box::new(Error::starting_cargo(
                    &super::cargo_program(),
                    e,
                ))))
            })?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Cargo reports the registry's HTTP status in its error; 429 is the one worth waiting for.
        if stderr.contains("429") || stderr.contains("Too Many Requests") {
            return Err(Failure::RateLimited);
        }
        let message = stderr
            .lines()
            .filter(|l| l.starts_with("error") || l.starts_with("Caused by") || l.starts_with("  "))
            .take(6)
            .collect::<Vec<_>>()
            .join(" ");
        Err(Failure::Other(PublishError::Cargo {
            output: message.split_whitespace().collect::<Vec<_>>().join(" "),
        }))
    }

    /// Publishes `name` at `version` unless the registry has it, retrying with exponential
    /// backoff when rate-limited, then waits until the index lists it.
    pub fn publish(
        &self,
        name: &str,
        version: &Version,
        progress: &mut dyn FnMut(&str),
    ) -> Result<Outcome, PublishError> {
        let listed = || {
            self.has_version(name, version)
                .map_err(|e| PublishError::Run(Box::new(e)))
        };
        if listed()? {
            return Ok(Outcome::Skipped);
        }
        publish_with_backoff(
            || self.publish_once(name),
            self.retries,
            self.backoff,
            &mut std::thread::sleep,
            progress,
        )?;
        progress(&format!("waiting for {name} {version} in the index"));
        let deadline = Instant::now() + self.index_timeout;
        while !listed()? {
            if Instant::now() >= deadline {
                return Err(PublishError::NotIndexed {
                    waited: self.index_timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        Ok(Outcome::Published)
    }
}

/// Cargo's default registry as its configuration sets it for `dir`, else `crates-io`.
pub(crate) fn default_registry(dir: &Path) -> String {
    configured_default_registry(dir).unwrap_or_else(|| "crates-io".to_owned())
}

/// The default registry cargo's configuration names for `dir`: `CARGO_REGISTRY_DEFAULT`, else
/// `registry.default` in `.cargo/config.toml` of `dir` or its ancestors, else in
/// `$CARGO_HOME/config.toml`.
pub(crate) fn configured_default_registry(dir: &Path) -> Option<String> {
    if let Ok(name) = std::env::var("CARGO_REGISTRY_DEFAULT") {
        return Some(name);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let configs = dir
        .ancestors()
        .flat_map(|d| [d.join(".cargo/config.toml"), d.join(".cargo/config")])
        .chain(
            home.into_iter()
                .flat_map(|h| [h.join("config.toml"), h.join("config")]),
        );
    for config in configs {
        let Ok(text) = std::fs::read_to_string(&config) else {
            continue;
        };
        let table: Option<toml::Table> = toml::from_str(&text).ok();
        let name = table
            .as_ref()
            .and_then(|t| t.get("registry"))
            .and_then(|r| r.get("default"))
            .and_then(toml::Value::as_str);
        if let Some(name) = name {
            return Some(name.to_owned());
        }
    }
    None
}

/// Calls `attempt` until it succeeds, retrying up to `retries` times after a rate limit with a
/// pause that starts at `backoff` and doubles; any other failure ends it at once.
pub(crate) fn publish_with_backoff(
    mut attempt: impl FnMut() -> Result<(), Failure>,
    retries: u32,
    backoff: Duration,
    sleep: &mut dyn FnMut(Duration),
    progress: &mut dyn FnMut(&str),
) -> Result<(), PublishError> {
    for tried in 0..=retries {
        match attempt() {
            Ok(()) => return Ok(()),
            Err(Failure::RateLimited) if tried < retries => {
                let pause = crate::backoff::delay(backoff, tried + 1);
                progress(&format!(
                    "rate-limited by the registry (429); retrying in {pause:?}"
                ));
                sleep(pause);
            }
            Err(Failure::RateLimited) => return Err(PublishError::RateLimited { retries }),
            Err(Failure::Other(error)) => return Err(error),
        }
    }
    unreachable!("the loop returns on its last try")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_back_off_exponentially_then_succeed() {
        let mut answers =
            vec![Err(Failure::RateLimited), Err(Failure::RateLimited), Ok(())].into_iter();
        let mut pauses = Vec::new();
        let mut lines = Vec::new();
        let result = publish_with_backoff(
            || answers.next().unwrap(),
            5,
            Duration::from_secs(1),
            &mut |d| pauses.push(d),
            &mut |l| lines.push(l.to_owned()),
        );
        assert!(result.is_ok());
        assert_eq!(pauses, [Duration::from_secs(1), Duration::from_secs(2)]);
        assert_eq!(lines.len(), 2);
    }

    #[test]
    fn other_failures_stop_at_once_and_retries_run_out() {
        let mut calls = 0;
        let result = publish_with_backoff(
            || {
                calls += 1;
                Err(Failure::Other(PublishError::Cargo {
                    output: "500 Internal Server Error".into(),
                }))
            },
            5,
            Duration::ZERO,
            &mut |_| {},
            &mut |_| {},
        );
        assert_eq!(
            (result.unwrap_err().to_string(), calls),
            (
                "`cargo publish` failed: 500 Internal Server Error".to_owned(),
                1
            )
        );
        let result = publish_with_backoff(
            || Err(Failure::RateLimited),
            2,
            Duration::ZERO,
            &mut |_| {},
            &mut |_| {},
        );
        assert!(matches!(
            result,
            Err(PublishError::RateLimited { retries: 2 })
        ));
    }
}
