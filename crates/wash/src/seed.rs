//! Where a seed comes from: a file or an environment variable, never the command line itself,
//! where it would land in shell history and process listings.

use std::convert::Infallible;
use std::path::PathBuf;
use std::str::FromStr;

use wascap::{KeyKind, KeyPair};

use crate::WashError;

/// Where to read a seed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedSource {
    /// A file holding the seed (surrounding whitespace ignored).
    File(PathBuf),
    /// An environment variable holding the seed.
    Env(String),
}

impl FromStr for SeedSource {
    type Err = Infallible;

    /// `env:NAME` names an environment variable; `file:PATH` or a bare path names a file.
    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(match s.strip_prefix("env:") {
            Some(var) => SeedSource::Env(var.to_owned()),
            None => SeedSource::File(s.strip_prefix("file:").unwrap_or(s).into()),
        })
    }
}

impl SeedSource {
    /// Reads the seed and parses it as a key pair of kind `kind`.
    pub fn read(&self, kind: KeyKind) -> Result<KeyPair, WashError> {
        let seed = match self {
            SeedSource::File(path) => {
                std::fs::read_to_string(path).map_err(|source| WashError::Read {
                    path: path.clone(),
                    source,
                })?
            }
            SeedSource::Env(var) => {
                std::env::var(var).map_err(|_| WashError::SeedVariable { var: var.clone() })?
            }
        };
        Ok(wascap::parse_seed(&seed, kind)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_by_prefix() {
        let parse = |s: &str| s.parse::<SeedSource>().expect("infallible");
        assert_eq!(parse("env:MY_SEED"), SeedSource::Env("MY_SEED".into()));
        assert_eq!(parse("file:a.nk"), SeedSource::File("a.nk".into()));
        assert_eq!(parse("keys/a.nk"), SeedSource::File("keys/a.nk".into()));
    }

    #[test]
    fn seed_file_is_read_and_kind_checked_without_leaking_the_seed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("module.nk");
        let seed = KeyKind::Module.generate().seed().expect("seed");
        std::fs::write(&path, format!("{seed}\n")).expect("write");
        let source = SeedSource::File(path);
        assert!(source.read(KeyKind::Module).is_ok());
        let err = source.read(KeyKind::Account).expect_err("wrong kind");
        let mut chain = err.to_string();
        let mut cause = std::error::Error::source(&err);
        while let Some(c) = cause {
            chain.push_str(&c.to_string());
            cause = c.source();
        }
        assert!(chain.contains("expected an account key"), "{chain}");
        assert!(!chain.contains(&seed));
    }

    #[test]
    fn missing_sources_are_named() {
        let err = SeedSource::Env("WASH_TEST_SURELY_UNSET_VARIABLE".into())
            .read(KeyKind::Account)
            .expect_err("unset");
        assert!(err.to_string().contains("WASH_TEST_SURELY_UNSET_VARIABLE"));
        let err = SeedSource::File("/nonexistent/seed.nk".into())
            .read(KeyKind::Account)
            .expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/seed.nk"));
    }
}
