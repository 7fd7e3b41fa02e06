//! The accounts whose signatures a host accepts, and the check a module must pass to run.

use std::collections::{BTreeMap, BTreeSet};

use wascap::{Claims, KeyKind, KeyPair};

use crate::{HostError, StartError};

/// The account public keys a host trusts to sign modules.
#[derive(Debug, Clone, Default)]
pub struct TrustedIssuers {
    keys: BTreeSet<String>,
}

impl TrustedIssuers {
    /// Trusts the given account public keys; fails on anything else, so a typo in the host's
    /// configuration is caught at start-up rather than as a refusal of every module.
    pub fn new<I, S>(keys: I) -> Result<Self, HostError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let keys = parse_public_keys(keys, KeyKind::Account, HostError::InvalidTrustedIssuer)?
            .into_keys()
            .collect();
        Ok(TrustedIssuers { keys })
    }

    /// How many issuers are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no issuer is trusted, so every module will be refused.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks that a trusted account signed `module`, then verifies its claims now.
    ///
    /// The issuer is read first from the token alone (a walk over section headers and one
    /// signature check), so unsigned modules and strangers' modules are refused without
    /// validating or hashing the module.
    pub fn verify(&self, module: &[u8]) -> Result<Claims, StartError> {
        let issuer = wascap::peek_claims(module)?.issuer;
        if !self.keys.contains(&issuer) {
            return Err(StartError::UntrustedIssuer { issuer });
        }
        Ok(wascap::extract(module)?)
    }
}

/// Parses configured public keys, each of `kind`, keyed by the key as written; the first that
/// is not one becomes the error `invalid` makes, so a typo stops the host at start-up.
pub(crate) fn parse_public_keys<I, S>(
    keys: I,
    kind: KeyKind,
    invalid: fn(wascap::Error) -> HostError,
) -> Result<BTreeMap<String, KeyPair>, HostError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    keys.into_iter()
        .map(|key| {
            let key = key.into();
            let pair = wascap::parse_public_key(&key, kind).map_err(invalid)?;
            Ok((key, pair))
        })
        .collect()
}
