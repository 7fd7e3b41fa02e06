//! The bounds a host keeps under any client: how many connections, how much memory for request
//! frames, how long a frame may take to arrive and a connection may stay silent, and how many
//! modules are verified at once.

use std::time::Duration;

use control_interface::codec::MAX_FRAME_LEN;

use crate::HostError;

/// Frames up to this size are read without taking from [`Limits::request_memory`]: every
/// connection may hold one, so pings and stops go through while large uploads wait for memory.
pub const SMALL_FRAME_LEN: usize = 64 * 1024;

/// The host's limits; [`Limits::default`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Open control connections at most; further ones are refused with a reason.
    pub max_connections: usize,
    /// The largest request frame accepted, in bytes.
    pub max_frame_len: usize,
    /// Bytes that frames larger than [`SMALL_FRAME_LEN`] may hold at once, across connections.
    pub request_memory: usize,
    /// Time from a frame's first byte to its last (including any wait for request memory).
    pub frame_timeout: Duration,
    /// Time a connection may stay silent between requests.
    pub idle_timeout: Duration,
    /// Large requests (module uploads) processed at once, off the async workers.
    pub verify_concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Half the cores (at least one) verify, so uploads never starve the async workers.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Limits {
            max_connections: 1024,
            max_frame_len: MAX_FRAME_LEN,
            request_memory: 256 * 1024 * 1024,
            frame_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(300),
            verify_concurrency: cores.div_ceil(2),
        }
    }
}

impl Limits {
    /// Checks that the limits can serve anybody at all.
    pub fn check(&self) -> Result<(), HostError> {
        let invalid = |reason: String| Err(HostError::InvalidLimits { reason });
        if self.max_connections == 0 || self.verify_concurrency == 0 {
            return invalid("connection and verification limits must be at least 1".to_owned());
        }
        if self.request_memory < self.max_frame_len {
            return invalid(format!(
                "request memory of {} bytes cannot hold one frame of the maximum {} bytes",
                self.request_memory, self.max_frame_len
            ));
        }
        if u32::try_from(self.max_frame_len).is_err() {
            return invalid(format!(
                "frame limit of {} bytes exceeds what a frame header can announce",
                self.max_frame_len
            ));
        }
        if self.frame_timeout.is_zero() || self.idle_timeout.is_zero() {
            return invalid("timeouts must be longer than zero".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_hold_and_nonsense_is_refused() {
        Limits::default().check().expect("defaults are valid");
        let too_little_memory = Limits {
            request_memory: MAX_FRAME_LEN - 1,
            ..Limits::default()
        };
        let err = too_little_memory.check().expect_err("refused");
        assert!(err.to_string().contains("cannot hold one frame"), "{err}");
        for broken in [
            Limits {
                max_connections: 0,
                ..Limits::default()
            },
            Limits {
                idle_timeout: Duration::ZERO,
                ..Limits::default()
            },
        ] {
            assert!(broken.check().is_err());
        }
    }
}
