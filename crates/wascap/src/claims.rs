//! The claims a signed module carries, and what a signer asks for when signing one.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::wire::WireClaims;

/// The claims a signed module or component carries.
///
/// On the wire they are wasmCloud's claims JWT payload: the registered JWT
/// claims (`jti`, `iat`, `iss`, `sub`, `nbf`, `exp`) and a `wascap` object with the rest. Here
/// they are one flat struct, so callers read `claims.capabilities`, not a nested option.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WireClaims", into = "WireClaims")]
pub struct Claims {
    /// Unique id of the token (`jti`).
    pub id: String,
    /// Public key of the account that signed the module (`iss`).
    pub issuer: String,
    /// Public key that identifies the module (`sub`).
    pub subject: String,
    /// Seconds since the Unix epoch at which the claims were signed (`iat`).
    pub issued_at: u64,
    /// Seconds since the Unix epoch before which the claims are not valid (`nbf`).
    pub not_before: Option<u64>,
    /// Seconds since the Unix epoch from which the claims are expired (`exp`).
    pub expires: Option<u64>,
    /// Human-readable name of the module (`wascap.name`); empty when the token names none.
    pub name: String,
    /// Upper-case hex SHA-256 of the module without its claims sections (`wascap.hash`): the
    /// module's identity from format revision 3 on; an older token may record the hash of the
    /// file as it was, so read the identity from [`module_hash`](crate::module_hash).
    pub module_hash: String,
    /// Free-form tags (`wascap.tags`).
    pub tags: Vec<String>,
    /// Capabilities the module may use, such as `wasmcloud:httpserver` (`wascap.caps`).
    pub capabilities: Vec<String>,
    /// Revision of the module, a number its author increases (`wascap.rev`).
    pub revision: Option<i32>,
    /// Version of the module, as its author numbers it (`wascap.ver`).
    pub version: Option<String>,
    /// A short name to call the module by instead of its key (`wascap.call_alias`).
    pub call_alias: Option<String>,
    /// Whether the module is a capability provider rather than an actor (`wascap.prov`).
    pub provider: bool,
    /// Revision of the claims format the signer wrote (`wascap_revision`); absent in tokens
    /// written before wasmCloud numbered it.
    pub format_revision: Option<u32>,
}

impl Claims {
    /// Checks that `now` (seconds since the Unix epoch) lies inside the claims' half-open time
    /// window `[not_before, expires)`, and that the claims were not signed later than `now`
    /// (allowing [`MAX_CLOCK_SKEW`] for a signer whose clock runs ahead).
    pub fn check_time(&self, now: u64) -> Result<(), Error> {
        if let Some(not_before) = self.not_before.filter(|&nbf| now < nbf) {
            return Err(Error::NotYetValid { not_before, now });
        }
        if let Some(expires) = self.expires.filter(|&exp| now >= exp) {
            return Err(Error::Expired { expires, now });
        }
        if self.issued_at > now.saturating_add(MAX_CLOCK_SKEW) {
            return Err(Error::IssuedInFuture {
                issued_at: self.issued_at,
                now,
            });
        }
        Ok(())
    }
}

/// What a signer states about a module; [`embed`](crate::embed) adds the issuer, the signing
/// time and the module's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningRequest {
    /// Public module key that will identify the module.
    pub subject: String,
    /// Human-readable name of the module.
    pub name: String,
    /// Version of the module.
    pub version: Option<String>,
    /// Capabilities granted to the module.
    pub capabilities: Vec<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// Revision of the module.
    pub revision: Option<i32>,
    /// Seconds since the Unix epoch before which the claims are not valid.
    pub not_before: Option<u64>,
    /// Seconds since the Unix epoch from which the claims are expired.
    pub expires: Option<u64>,
}

impl SigningRequest {
    /// A request for claims about module `subject` called `name`, with no version, no
    /// capabilities, no tags and no time limits.
    pub fn new(subject: impl Into<String>, name: impl Into<String>) -> Self {
        SigningRequest {
            subject: subject.into(),
            name: name.into(),
            version: None,
            capabilities: Vec::new(),
            tags: Vec::new(),
            revision: None,
            not_before: None,
            expires: None,
        }
    }

    /// Adds a capability to the request.
    pub fn with_capability(mut self, capability: impl Into<String>) -> Self {
        self.capabilities.push(capability.into());
        self
    }
}

/// How far in the future (seconds) a claims' signing time may lie before they are refused: room
/// for a signer whose clock runs a little ahead, no more.
pub const MAX_CLOCK_SKEW: u64 = 60;

/// The current time in seconds since the Unix epoch, the unit of every time in [`Claims`].
///
/// A clock set before 1970 is an error: reading it as time 0 would make every expiry look
/// distant and accept expired claims.
pub fn unix_now() -> Result<u64, Error> {
    seconds_since_epoch(SystemTime::now())
}

fn seconds_since_epoch(time: SystemTime) -> Result<u64, Error> {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|before| Error::ClockBeforeEpoch {
            seconds_before: before.duration().as_secs(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(not_before: Option<u64>, expires: Option<u64>) -> Claims {
        Claims {
            issuer: "A".into(),
            subject: "M".into(),
            issued_at: 50,
            not_before,
            expires,
            name: "echo".into(),
            ..Claims::default()
        }
    }

    #[test]
    fn time_window_is_half_open() {
        let c = claims(Some(100), Some(200));
        assert!(matches!(
            c.check_time(99),
            Err(Error::NotYetValid {
                not_before: 100,
                now: 99
            })
        ));
        assert!(c.check_time(100).is_ok());
        assert!(c.check_time(199).is_ok());
        assert!(matches!(
            c.check_time(200),
            Err(Error::Expired { expires: 200, .. })
        ));
    }

    #[test]
    fn claims_without_limits_are_always_valid() {
        assert!(claims(None, None).check_time(u64::MAX).is_ok());
    }

    #[test]
    fn claims_signed_in_the_future_are_refused() {
        // Signed at 50: fine from a verifier whose clock is up to MAX_CLOCK_SKEW behind.
        let c = claims(None, None);
        assert!(c.check_time(50 - 10).is_ok());
        assert!(c.check_time(0).is_ok());
        let mut later = claims(None, None);
        later.issued_at = 1_000;
        assert!(matches!(
            later.check_time(1_000 - MAX_CLOCK_SKEW - 1),
            Err(Error::IssuedInFuture {
                issued_at: 1_000,
                ..
            })
        ));
        assert!(later.check_time(1_000 - MAX_CLOCK_SKEW).is_ok());
    }

    #[test]
    fn a_clock_before_1970_is_an_error_not_the_epoch() {
        let before = UNIX_EPOCH - std::time::Duration::from_secs(3);
        assert!(matches!(
            seconds_since_epoch(before),
            Err(Error::ClockBeforeEpoch { seconds_before: 3 })
        ));
        assert_eq!(seconds_since_epoch(UNIX_EPOCH).expect("epoch"), 0);
    }

    #[test]
    fn optional_fields_are_left_out_of_the_json() {
        let json = serde_json::to_value(claims(None, Some(7))).expect("claims serialize");
        assert_eq!(json["exp"], 7);
        assert!(json.get("nbf").is_none());
        assert!(json["wascap"].get("ver").is_none());
        assert!(json.get("wascap_revision").is_none());
        assert_eq!(json["iss"], "A");
        assert_eq!(json["wascap"]["name"], "echo");
    }
}
