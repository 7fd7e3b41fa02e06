//! The kinds of nkeys the platform uses: account keys sign claims, module keys identify modules,
//! user keys sign control-plane requests.

use std::fmt;

use nkeys::{KeyPair, KeyPairType};

use crate::Error;

/// A kind of nkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Signs claims; its public key is the claims' issuer and starts with `A`.
    Account,
    /// Identifies a module; its public key is the claims' subject and starts with `M`.
    Module,
    /// Signs control-plane requests; its public key starts with `U`.
    User,
}

impl KeyKind {
    /// Generates a fresh key pair of this kind.
    pub fn generate(self) -> KeyPair {
        KeyPair::new(self.nkeys_type())
    }

    fn nkeys_type(self) -> KeyPairType {
        match self {
            KeyKind::Account => KeyPairType::Account,
            KeyKind::Module => KeyPairType::Module,
            KeyKind::User => KeyPairType::User,
        }
    }

    /// The kind with its indefinite article, for messages: "an account", "a user".
    pub(crate) fn with_article(self) -> &'static str {
        match self {
            KeyKind::Account => "an account",
            KeyKind::Module => "a module",
            KeyKind::User => "a user",
        }
    }

    /// Fails unless `pair` is of this kind.
    pub(crate) fn check(self, pair: &KeyPair) -> Result<(), Error> {
        let found = pair.key_pair_type();
        if found == self.nkeys_type() {
            Ok(())
        } else {
            Err(Error::WrongKeyKind {
                expected: self,
                found: format!("{found:?}").to_lowercase(),
            })
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Account => "account",
            KeyKind::Module => "module",
            KeyKind::User => "user",
        })
    }
}

/// Parses an encoded public key and checks that it is of kind `kind`.
pub fn parse_public_key(key: &str, kind: KeyKind) -> Result<KeyPair, Error> {
    let pair = KeyPair::from_public_key(key).map_err(|source| Error::InvalidPublicKey {
        kind,
        key: key.to_owned(),
        source,
    })?;
    kind.check(&pair)?;
    Ok(pair)
}

/// Parses an encoded seed (surrounding whitespace, as left by files, is ignored) and checks that
/// it is of kind `kind`.
pub fn parse_seed(seed: &str, kind: KeyKind) -> Result<KeyPair, Error> {
    let pair =
        KeyPair::from_seed(seed.trim()).map_err(|source| Error::InvalidSeed { kind, source })?;
    kind.check(&pair)?;
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_their_kinds_prefix() {
        assert!(KeyKind::Account.generate().public_key().starts_with('A'));
        assert!(KeyKind::Module.generate().public_key().starts_with('M'));
        assert!(KeyKind::User.generate().public_key().starts_with('U'));
    }

    #[test]
    fn seeds_round_trip_and_keep_their_kind() {
        let pair = KeyKind::Account.generate();
        let seed = pair.seed().expect("a generated pair has a seed");
        let parsed = parse_seed(&format!("{seed}\n"), KeyKind::Account).expect("valid seed");
        assert_eq!(parsed.public_key(), pair.public_key());
        assert!(matches!(
            parse_seed(&seed, KeyKind::Module),
            Err(Error::WrongKeyKind {
                expected: KeyKind::Module,
                ..
            })
        ));
    }

    #[test]
    fn bad_seed_error_does_not_repeat_the_seed() {
        let seed = KeyKind::Account.generate().seed().expect("seed");
        // Corrupt one character so the checksum fails.
        let mut broken: Vec<char> = seed.chars().collect();
        broken[10] = if broken[10] == 'A' { 'B' } else { 'A' };
        let broken: String = broken.into_iter().collect();
        let err = parse_seed(&broken, KeyKind::Account).expect_err("checksum must fail");
        assert!(matches!(err, Error::InvalidSeed { .. }));
        assert!(!err.to_string().contains(&broken));
    }

    #[test]
    fn public_keys_are_checked_for_kind() {
        let module = KeyKind::Module.generate().public_key();
        assert!(parse_public_key(&module, KeyKind::Module).is_ok());
        assert!(matches!(
            parse_public_key(&module, KeyKind::Account),
            Err(Error::WrongKeyKind { .. })
        ));
        assert!(matches!(
            parse_public_key("ANOTAKEY", KeyKind::Account),
            Err(Error::InvalidPublicKey { .. })
        ));
    }
}
