//! The claims a signed module carries, and what a signer asks for when signing one.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::Error;

/// The claims a signed module carries, as they appear in its JWT.
///
/// Field names on the wire follow JWT conventions (`iss`, `sub`, `iat`, `nbf`, `exp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Public key of the account that signed the module.
    #[serde(rename = "iss")]
    pub issuer: String,
    /// Public key that identifies the module.
    #[serde(rename = "sub")]
    pub subject: String,
    /// Seconds since the Unix epoch at which the claims were signed.
    #[serde(rename = "iat")]
    pub issued_at: u64,
    /// Seconds since the Unix epoch before which the claims are not valid.
    #[serde(rename = "nbf", default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<u64>,
    /// Seconds since the Unix epoch from which the claims are expired.
    #[serde(rename = "exp", default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<u64>,
    /// Human-readable name of the module.
    pub name: String,
    /// Version of the module, as its author numbers it.
    #[serde(rename = "ver", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Capabilities the module may use, such as `wasmcloud:httpserver`.
    #[serde(rename = "caps", default)]
    pub capabilities: Vec<String>,
    /// Lowercase hex SHA-256 of the module without its claims section.
    #[serde(rename = "hash")]
    pub module_hash: String,
}

impl Claims {
    /// Checks that `now` (seconds since the Unix epoch) lies inside the claims' half-open time
    /// window `[not_before, expires)`.
    pub fn check_time(&self, now: u64) -> Result<(), Error> {
        if let Some(not_before) = self.not_before.filter(|&nbf| now < nbf) {
            return Err(Error::NotYetValid { not_before, now });
        }
        if let Some(expires) = self.expires.filter(|&exp| now >= exp) {
            return Err(Error::Expired { expires, now });
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
    /// Seconds since the Unix epoch before which the claims are not valid.
    pub not_before: Option<u64>,
    /// Seconds since the Unix epoch from which the claims are expired.
    pub expires: Option<u64>,
}

impl SigningRequest {
    /// A request for claims about module `subject` called `name`, with no version, no
    /// capabilities and no time limits.
    pub fn new(subject: impl Into<String>, name: impl Into<String>) -> Self {
        SigningRequest {
            subject: subject.into(),
            name: name.into(),
            version: None,
            capabilities: Vec::new(),
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

/// The current time in seconds since the Unix epoch, the unit of every time in [`Claims`].
pub fn unix_now() -> u64 {
    // A clock set before 1970 is broken beyond what claims can check; treating it as the epoch
    // makes expiry checks fail safe (nothing looks expired that was not) without panicking.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
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
            version: None,
            capabilities: vec![],
            module_hash: String::new(),
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
    fn optional_fields_are_left_out_of_the_json() {
        let json = serde_json::to_value(claims(None, Some(7))).expect("claims serialize");
        assert_eq!(json["exp"], 7);
        assert!(json.get("nbf").is_none());
        assert!(json.get("ver").is_none());
        assert_eq!(json["iss"], "A");
    }
}
