//! Capability claims for WebAssembly modules.
//!
//! This is the seed of the crate: the claims a module carries and the rule that decides whether
//! they are valid at a given time. Signing and embedding arrive with the product-crates issue.

/// The claims a signed module carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Public key of the account that signed the module.
    pub issuer: String,
    /// Public key that identifies the module.
    pub subject: String,
    /// Capabilities the module may use, such as `wasmcloud:httpserver`.
    pub capabilities: Vec<String>,
    /// Seconds since the Unix epoch before which the claims are not valid.
    pub not_before: Option<u64>,
    /// Seconds since the Unix epoch from which the claims are expired.
    pub expires: Option<u64>,
}

/// Why claims are not valid at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// The claims are not valid yet.
    NotYetValid,
    /// The claims have expired.
    Expired,
}

impl Claims {
    /// Checks that `now` (seconds since the Unix epoch) lies inside the claims' time window.
    pub fn check_time(&self, now: u64) -> Result<(), TimeError> {
        if self.not_before.is_some_and(|nbf| now < nbf) {
            return Err(TimeError::NotYetValid);
        }
        if self.expires.is_some_and(|exp| now >= exp) {
            return Err(TimeError::Expired);
        }
        Ok(())
    }

    /// Whether the claims grant `capability`.
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            issuer: "A".into(),
            subject: "M".into(),
            capabilities: vec!["wasmcloud:httpserver".into()],
            not_before: Some(100),
            expires: Some(200),
        }
    }

    #[test]
    fn time_window_is_half_open() {
        let c = claims();
        assert_eq!(c.check_time(99), Err(TimeError::NotYetValid));
        assert_eq!(c.check_time(100), Ok(()));
        assert_eq!(c.check_time(199), Ok(()));
        assert_eq!(c.check_time(200), Err(TimeError::Expired));
    }

    #[test]
    fn capabilities_match_exactly() {
        assert!(claims().has_capability("wasmcloud:httpserver"));
        assert!(!claims().has_capability("wasmcloud:http"));
    }
}
