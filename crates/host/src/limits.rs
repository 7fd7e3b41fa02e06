//! The bounds a host keeps under any client: how many connections, how much memory for request
//! frames, how long a frame may take to arrive and a connection may stay silent, how many
//! modules are verified at once, and how long, in how much memory and how many at once actors
//! run.

use std::time::Duration;

use control_interface::codec::MAX_FRAME_LEN;
use tokio::sync::Semaphore;

use crate::HostError;

/// Frames up to this size are read without taking from [`Limits::request_memory`]: every
/// connection may hold one, so pings and stops go through while large uploads wait for memory.
pub const SMALL_FRAME_LEN: usize = 64 * 1024;

/// A webassembly page: the unit linear memory grows by, and the least an actor can run in.
const WASM_PAGE: usize = 64 * 1024;

/// The longest timeout accepted: longer ones are surely a typo, and would overflow deadlines.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

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
    /// Time one actor call may take, from waiting for a call slot to the actor's return.
    pub call_timeout: Duration,
    /// Bytes of linear memory one actor instance may hold, all its memories together.
    pub actor_memory: usize,
    /// Actor calls running at once; further calls wait for a slot within their timeout.
    pub max_calls: usize,
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
            call_timeout: Duration::from_secs(2),
            actor_memory: 64 * 1024 * 1024,
            max_calls: 16,
        }
    }
}

impl Limits {
    /// Checks that the limits can serve anybody at all.
    pub fn check(&self) -> Result<(), HostError> {
        let invalid = |reason: String| Err(HostError::InvalidLimits { reason });
        if self.max_connections == 0 || self.verify_concurrency == 0 || self.max_calls == 0 {
            return invalid(
                "connection, verification and call limits must be at least 1".to_owned(),
            );
        }
        if self.actor_memory < WASM_PAGE {
            return invalid(format!(
                "actor memory of {} bytes cannot hold one webassembly page of {WASM_PAGE} bytes",
                self.actor_memory
            ));
        }
        // Each count becomes a semaphore, which holds at most this many permits.
        for (what, value) in [
            ("connection limit", self.max_connections),
            ("verification limit", self.verify_concurrency),
            ("call limit", self.max_calls),
            ("request memory", self.request_memory),
        ] {
            if value > Semaphore::MAX_PERMITS {
                return invalid(format!(
                    "{what} of {value} exceeds the largest supported, {}",
                    Semaphore::MAX_PERMITS
                ));
            }
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
        for timeout in [self.frame_timeout, self.idle_timeout, self.call_timeout] {
            if timeout.is_zero() || timeout > MAX_TIMEOUT {
                return invalid(format!(
                    "timeouts must be longer than zero and at most {} s, not {} s",
                    MAX_TIMEOUT.as_secs(),
                    timeout.as_secs_f64()
                ));
            }
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
            Limits {
                frame_timeout: Duration::from_secs(u64::MAX),
                ..Limits::default()
            },
            Limits {
                max_connections: usize::MAX,
                ..Limits::default()
            },
            Limits {
                request_memory: usize::MAX,
                ..Limits::default()
            },
            Limits {
                max_calls: 0,
                ..Limits::default()
            },
            Limits {
                call_timeout: Duration::ZERO,
                ..Limits::default()
            },
            Limits {
                actor_memory: 1024,
                ..Limits::default()
            },
        ] {
            let err = broken.check().expect_err("refused, not a panic later");
            assert!(err.to_string().starts_with("invalid limits: "), "{err}");
        }
    }
}
