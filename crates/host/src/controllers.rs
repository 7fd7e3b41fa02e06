//! Who may control a host: every request must be signed by a trusted user key, recently, and
//! only once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use control_interface::{AuthError, SignedRequest};
use wascap::{KeyKind, KeyPair};

use crate::HostError;

/// How far (seconds) a request's timestamp may lie from the host's clock, either way.
pub const REQUEST_WINDOW: u64 = 30;

/// Nonces remembered at most; a trusted client that signs faster than this many requests per
/// window is asked to slow down rather than let the host's memory grow.
const MAX_REMEMBERED: usize = 1 << 20;

/// Why a request is refused before its command is looked at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestRefused {
    /// The signature is missing or does not hold.
    #[error(transparent)]
    Signature(#[from] AuthError),
    /// The key is not one the host was told to trust.
    #[error("key {key} is not trusted to control this host")]
    Untrusted {
        /// The signing key.
        key: String,
    },
    /// The request was signed too long ago, or in the future.
    #[error(
        "request signed at {timestamp} is outside the host's window of {REQUEST_WINDOW} s around {now}; check the clocks"
    )]
    Stale {
        /// When the request says it was signed.
        timestamp: u64,
        /// The host's time.
        now: u64,
    },
    /// A request with this key and nonce was already accepted.
    #[error("request is a replay: nonce {nonce} was already used")]
    Replayed {
        /// The reused nonce.
        nonce: String,
    },
    /// Too many requests inside one window to remember their nonces.
    #[error("host has accepted too many requests in the last {REQUEST_WINDOW} s; try again")]
    TooMany,
}

/// The user keys a host accepts requests from, and the nonces it has seen lately.
#[derive(Default)]
pub struct Controllers {
    /// Parsed once here rather than per request: decoding a public key costs a point
    /// decompression.
    keys: BTreeMap<String, KeyPair>,
    seen: Mutex<Seen>,
}

impl std::fmt::Debug for Controllers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controllers")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Accepted (key, nonce) pairs with their timestamps, forgotten once outside the window.
#[derive(Debug, Default)]
struct Seen {
    nonces: HashMap<(String, String), u64>,
    swept_at: u64,
}

impl Controllers {
    /// Trusts the given user public keys; fails on anything else.
    pub fn new<I, S>(keys: I) -> Result<Self, HostError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let keys = keys
            .into_iter()
            .map(|key| {
                let key = key.into();
                let pair = wascap::parse_public_key(&key, KeyKind::User)
                    .map_err(HostError::InvalidController)?;
                Ok((key, pair))
            })
            .collect::<Result<_, HostError>>()?;
        Ok(Controllers {
            keys,
            seen: Mutex::default(),
        })
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted, so every request will be refused.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Admits `request` at `now` (seconds since the Unix epoch). The cheap checks come first
    /// (a signature at all, a trusted key, a fresh timestamp), so a stranger costs no hashing.
    pub fn admit(&self, request: &SignedRequest<'_>, now: u64) -> Result<(), RequestRefused> {
        let auth = request.auth()?;
        let Some(signer) = self.keys.get(&auth.key) else {
            return Err(RequestRefused::Untrusted {
                key: auth.key.clone(),
            });
        };
        if auth.timestamp.abs_diff(now) > REQUEST_WINDOW {
            return Err(RequestRefused::Stale {
                timestamp: auth.timestamp,
                now,
            });
        }
        let auth = request.verify_signature(signer)?;
        // Every update is one map operation; a panic elsewhere cannot leave it half-done.
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.sweep(now);
        if seen.nonces.len() >= MAX_REMEMBERED {
            return Err(RequestRefused::TooMany);
        }
        let entry = (auth.key.clone(), auth.nonce.clone());
        if seen.nonces.insert(entry, auth.timestamp).is_some() {
            return Err(RequestRefused::Replayed {
                nonce: auth.nonce.clone(),
            });
        }
        Ok(())
    }
}

impl Seen {
    /// Forgets nonces whose requests would now be refused as stale anyway, once a second.
    fn sweep(&mut self, now: u64) {
        if now != self.swept_at {
            self.swept_at = now;
            self.nonces
                .retain(|_, timestamp| timestamp.saturating_add(REQUEST_WINDOW) >= now);
        }
    }
}

#[cfg(test)]
mod tests {
    use control_interface::{Command, Request};
    use wascap::KeyPair;

    use super::*;

    fn admit(controllers: &Controllers, frame: &[u8], now: u64) -> Result<(), RequestRefused> {
        controllers.admit(&SignedRequest::parse(frame).expect("parses"), now)
    }

    fn ping(key: &KeyPair, at: u64) -> Vec<u8> {
        Request::new(1, Command::Ping)
            .sign(key, at)
            .expect("signs")
            .to_vec()
    }

    #[test]
    fn only_trusted_fresh_unseen_requests_pass() {
        let trusted = KeyKind::User.generate();
        let controllers = Controllers::new([trusted.public_key()]).expect("user key");
        let now = 10_000;
        let frame = ping(&trusted, now);
        admit(&controllers, &frame, now).expect("admitted");
        assert!(matches!(
            admit(&controllers, &frame, now + 1),
            Err(RequestRefused::Replayed { .. })
        ));
        let stranger = KeyKind::User.generate();
        assert!(matches!(
            admit(&controllers, &ping(&stranger, now), now),
            Err(RequestRefused::Untrusted { key }) if key == stranger.public_key()
        ));
        for skewed in [now - REQUEST_WINDOW - 1, now + REQUEST_WINDOW + 1] {
            assert!(matches!(
                admit(&controllers, &ping(&trusted, skewed), now),
                Err(RequestRefused::Stale { .. })
            ));
        }
        admit(&controllers, &ping(&trusted, now - REQUEST_WINDOW), now).expect("edge of window");
        let unsigned = br#"{"version":2,"id":1,"command":{"type":"ping"}}"#;
        assert!(matches!(
            admit(&controllers, unsigned, now),
            Err(RequestRefused::Signature(AuthError::Unsigned))
        ));
    }

    #[test]
    fn nonces_are_forgotten_only_once_their_requests_are_stale() {
        let trusted = KeyKind::User.generate();
        let controllers = Controllers::new([trusted.public_key()]).expect("user key");
        let frame = ping(&trusted, 1_000);
        admit(&controllers, &frame, 1_000).expect("admitted");
        // Still inside the window: still a replay, even after a sweep.
        assert!(matches!(
            admit(&controllers, &frame, 1_000 + REQUEST_WINDOW),
            Err(RequestRefused::Replayed { .. })
        ));
        // Outside it: stale, and the nonce goes at the next sweep.
        let later = 1_001 + REQUEST_WINDOW;
        assert!(matches!(
            admit(&controllers, &frame, later),
            Err(RequestRefused::Stale { .. })
        ));
        admit(&controllers, &ping(&trusted, later), later).expect("admitted");
        let seen = controllers.seen.lock().expect("lock");
        assert_eq!(seen.nonces.len(), 1);
    }

    #[test]
    fn controllers_must_be_user_keys() {
        assert!(Controllers::new([KeyKind::Account.generate().public_key()]).is_err());
        assert!(Controllers::new(["nonsense"]).is_err());
    }
}
