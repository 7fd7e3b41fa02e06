//! Who may control a host: every request must be signed by a trusted user key, recently, and
//! only once.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use control_interface::{AuthError, SignedRequest};
use wascap::{KeyKind, KeyPair};

use crate::HostError;
use crate::trust::parse_public_keys;

/// How far (seconds) a request's timestamp may lie from the host's clock, either way.
pub const REQUEST_WINDOW: u64 = 30;

/// How long after its first byte a request may reach the signature check, unless the host says
/// otherwise: twice the default frame timeout.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);

/// Nonces remembered at most; trusted clients that sign more requests than this while their
/// nonces must be remembered are asked to slow down rather than let the host's memory grow.
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
    /// The request was signed too long before it started to arrive, or after.
    #[error(
        "request signed at {timestamp} is outside the host's window of {REQUEST_WINDOW} s around {now}; check the clocks"
    )]
    Stale {
        /// When the request says it was signed.
        timestamp: u64,
        /// The host's time when the request started to arrive.
        now: u64,
    },
    /// The request reached the signature check too long after it started to arrive for its
    /// nonce to be checked: one that old could be a replay of a forgotten one.
    #[error(
        "request waited {waited} s at the host before it could be checked, more than {max_wait} s; try again"
    )]
    WaitedTooLong {
        /// Seconds since the request started to arrive.
        waited: u64,
        /// The longest wait the host remembers nonces for.
        max_wait: u64,
    },
    /// A request with this key and nonce was already accepted.
    #[error("request is a replay: nonce {nonce} was already used")]
    Replayed {
        /// The reused nonce.
        nonce: String,
    },
    /// Too many recent requests to remember their nonces.
    #[error("host remembers too many recent requests to tell replays apart; try again shortly")]
    TooMany,
}

/// The user keys a host accepts requests from, and the nonces it has seen lately.
pub struct Controllers {
    /// Parsed once here rather than per request: decoding a public key costs a point
    /// decompression.
    keys: BTreeMap<String, KeyPair>,
    /// How long after its first byte a request may reach [`Controllers::admit`]; nonces are
    /// remembered for this much longer than the window.
    max_wait: Duration,
    seen: Mutex<Seen>,
}

impl std::fmt::Debug for Controllers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controllers")
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Accepted (key, nonce) pairs with their timestamps, forgotten once no request carrying them
/// could still be admitted.
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
        let keys = parse_public_keys(keys, KeyKind::User, HostError::InvalidController)?;
        Ok(Controllers {
            keys,
            max_wait: DEFAULT_MAX_WAIT,
            seen: Mutex::default(),
        })
    }

    /// Lets requests reach [`admit`](Self::admit) up to `max_wait` after they started to
    /// arrive; a host sets it from its frame timeout.
    pub(crate) fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted, so every request will be refused.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Admits `request` at `now` (seconds since the Unix epoch), `waited` after its first byte
    /// arrived. Freshness is judged at that first byte, so the time a large request takes to
    /// arrive and to be queued does not count against the window. The cheap checks come first
    /// (a signature at all, a trusted key, a fresh timestamp), so a stranger costs no hashing.
    pub fn admit(
        &self,
        request: &SignedRequest<'_>,
        now: u64,
        waited: Duration,
    ) -> Result<(), RequestRefused> {
        let auth = request.auth()?;
        let Some(signer) = self.keys.get(&auth.key) else {
            return Err(RequestRefused::Untrusted {
                key: auth.key.clone(),
            });
        };
        if waited > self.max_wait {
            return Err(RequestRefused::WaitedTooLong {
                waited: waited.as_secs(),
                max_wait: self.max_wait.as_secs(),
            });
        }
        let arrived = now.saturating_sub(waited.as_secs());
        if auth.timestamp.abs_diff(arrived) > REQUEST_WINDOW {
            return Err(RequestRefused::Stale {
                timestamp: auth.timestamp,
                now: arrived,
            });
        }
        let auth = request.verify_signature(signer)?;
        // Every update is one map operation; a panic elsewhere cannot leave it half-done.
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.sweep(now, self.max_wait);
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
    /// Forgets nonces whose requests would now be refused anyway, once a second: a request
    /// stamped `timestamp` must start to arrive by `timestamp + REQUEST_WINDOW` and be admitted
    /// within `max_wait` of that (one second more covers rounding to whole seconds).
    fn sweep(&mut self, now: u64, max_wait: Duration) {
        if now != self.swept_at {
            self.swept_at = now;
            let kept_for = REQUEST_WINDOW
                .saturating_add(max_wait.as_secs())
                .saturating_add(1);
            self.nonces
                .retain(|_, timestamp| timestamp.saturating_add(kept_for) >= now);
        }
    }
}

#[cfg(test)]
mod tests {
    use control_interface::{Command, Request};
    use wascap::KeyPair;

    use super::*;

    fn admit(controllers: &Controllers, frame: &[u8], now: u64) -> Result<(), RequestRefused> {
        admit_after(controllers, frame, now, 0)
    }

    /// Admits a request whose first byte arrived `waited` seconds before `now`.
    fn admit_after(
        controllers: &Controllers,
        frame: &[u8],
        now: u64,
        waited: u64,
    ) -> Result<(), RequestRefused> {
        let request = SignedRequest::parse(frame).expect("parses");
        controllers.admit(&request, now, Duration::from_secs(waited))
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
    fn freshness_is_judged_when_a_request_starts_to_arrive() {
        let trusted = KeyKind::User.generate();
        let max_wait = 40;
        let controllers = Controllers::new([trusted.public_key()])
            .expect("user key")
            .with_max_wait(Duration::from_secs(max_wait));
        // Sent at the edge of the window, 35 s in transit and queued: fresh when sent.
        let slow = ping(&trusted, 1_000);
        admit_after(&controllers, &slow, 1_000 + REQUEST_WINDOW + 35, 35).expect("admitted");
        // Started to arrive after the window: stale, however quickly it came.
        assert!(matches!(
            admit_after(&controllers, &ping(&trusted, 1_000), 1_050, 10),
            Err(RequestRefused::Stale { now: 1_040, .. })
        ));
        // Longer in transit than the host allows: refused, as its nonce may be forgotten.
        assert!(matches!(
            admit_after(
                &controllers,
                &ping(&trusted, 2_000),
                2_000 + max_wait + 1,
                max_wait + 1
            ),
            Err(RequestRefused::WaitedTooLong { .. })
        ));
    }

    #[test]
    fn nonces_are_remembered_while_a_replay_could_still_be_admitted() {
        let trusted = KeyKind::User.generate();
        let max_wait = 40;
        let controllers = Controllers::new([trusted.public_key()])
            .expect("user key")
            .with_max_wait(Duration::from_secs(max_wait));
        let frame = ping(&trusted, 1_000);
        admit(&controllers, &frame, 1_000).expect("admitted");
        // The latest a replay can be admitted: it started to arrive at the window's edge and
        // took the longest wait allowed. Every second up to then, it is a replay.
        let last = 1_000 + REQUEST_WINDOW + max_wait;
        for now in 1_000 + REQUEST_WINDOW..=last {
            let waited = now - (1_000 + REQUEST_WINDOW);
            assert!(
                matches!(
                    admit_after(&controllers, &frame, now, waited),
                    Err(RequestRefused::Replayed { .. })
                ),
                "at {now}, after {waited} s"
            );
        }
        // Later, it is refused whatever it claims, and the nonce goes at a sweep.
        let later = last + 2;
        assert!(admit_after(&controllers, &frame, later, max_wait).is_err());
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
