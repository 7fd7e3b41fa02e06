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

/// The indefinite article for a kind of nkey named in lowercase (account, operator, user,
/// server, ...): "an" before a vowel sound, which no kind starting with `u` has.
pub(crate) fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
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

/// The first letters of encoded public keys (account, user, module, server, cluster, operator,
/// curve); seeds start with `S` and raw private keys with `P`.
const PUBLIC_KEY_PREFIXES: &str = "AUMNCOX";

/// Parses an encoded public key and checks that it is of kind `kind`.
///
/// Whatever is given in its place stays out of the error unless it starts like a public key: a
/// seed pasted where a public key belongs must not end up in a terminal or a log. A valid seed
/// is recognised and its public key named instead.
pub fn parse_public_key(key: &str, kind: KeyKind) -> Result<KeyPair, Error> {
    if let Ok(pair) = KeyPair::from_seed(key.trim()) {
        return Err(Error::SeedForPublicKey {
            expected: kind,
            public_key: pair.public_key(),
        });
    }
    let pair = KeyPair::from_public_key(key).map_err(|source| Error::InvalidPublicKey {
        kind,
        key: if key.starts_with(|c| PUBLIC_KEY_PREFIXES.contains(c)) {
            key.to_owned()
        } else {
            "(not shown: it does not start like a public key and may be a secret)".to_owned()
        },
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

    /// The message and its causes, as `{:#}` would print them.
    fn chain(err: &Error) -> String {
        let mut parts = vec![err.to_string()];
        let mut cause = std::error::Error::source(err);
        while let Some(c) = cause {
            parts.push(c.to_string());
            cause = c.source();
        }
        parts.join(": ")
    }

    #[test]
    fn a_secret_given_as_a_public_key_is_never_repeated() {
        for kind in [KeyKind::User, KeyKind::Account, KeyKind::Module] {
            let pair = kind.generate();
            let seed = pair.seed().expect("seed");
            let err = parse_public_key(&seed, KeyKind::User).expect_err("a seed is no public key");
            let text = chain(&err);
            assert!(!text.contains(&seed), "{text}");
            assert!(!format!("{err:?}").contains(&seed), "{err:?}");
            assert!(text.contains("seed"), "{text}");
            assert!(
                text.contains(&pair.public_key()),
                "names the key to use: {text}"
            );
        }
        // Mangled seeds are secrets too, though they do not parse.
        let pair = KeyKind::User.generate();
        let seed = pair.seed().expect("seed");
        let mut broken: Vec<char> = seed.chars().collect();
        broken[20] = if broken[20] == 'A' { 'B' } else { 'A' };
        let broken: String = broken.into_iter().collect();
        for secret in [seed.to_lowercase(), broken, format!(" {seed}")] {
            let err = parse_public_key(&secret, KeyKind::User).expect_err("refused");
            let text = chain(&err).to_lowercase();
            let shown = secret.trim().to_lowercase();
            assert!(!text.contains(&shown[..20]), "{text}");
            assert!(!format!("{err:?}").to_lowercase().contains(&shown[..20]));
        }
    }

    #[test]
    fn a_key_of_the_wrong_kind_is_named_with_its_article() {
        let account = KeyKind::Account.generate().seed().expect("seed");
        let err = parse_seed(&account, KeyKind::User).expect_err("wrong kind");
        assert_eq!(err.to_string(), "expected a user key, got an account key");
        let user = KeyKind::User.generate().seed().expect("seed");
        let err = parse_seed(&user, KeyKind::Account).expect_err("wrong kind");
        assert_eq!(err.to_string(), "expected an account key, got a user key");
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
