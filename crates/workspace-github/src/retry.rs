//! When to retry a failed GitHub request, and how long to wait first. Pure: the client hands
//! in what it saw, this decides.
//!
//! 5xx answers, 429 and 403 rate limits (secondary or primary) and connection failures are
//! retried, a bounded number of times, after the `Retry-After` GitHub asked for, else after the
//! primary limit's reset, else after an exponential backoff. A wait longer than the policy allows
//! is refused rather than awaited. Anything else fails at once.

use std::time::{Duration, SystemTime};

/// How many times to try and how long to wait at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff; it doubles on each retry.
    pub base_delay: Duration,
    /// The longest wait: a longer `Retry-After` fails instead of waiting.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(120),
        }
    }
}

/// What a failed attempt looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// GitHub answered with an error status.
    Status {
        /// The status.
        status: u16,
        /// GitHub's message.
        message: String,
        /// The `errors[].message` of a 422 and the like, which say what was invalid.
        details: Vec<String>,
        /// The `Retry-After` header, in seconds.
        retry_after: Option<Duration>,
        /// Seconds until `x-ratelimit-reset`, when `x-ratelimit-remaining` is 0.
        rate_limit_reset: Option<Duration>,
    },
    /// The request did not get an answer (connection refused, timeout).
    Transport(String),
}

impl Failure {
    /// Whether this is a rate limit (secondary or primary) rather than a refusal.
    pub(crate) fn is_rate_limit(&self) -> bool {
        match self {
            Failure::Status {
                status,
                message,
                retry_after,
                rate_limit_reset,
                ..
            } => {
                *status == 429
                    || (*status == 403
                        && (retry_after.is_some()
                            || rate_limit_reset.is_some()
                            || message.to_ascii_lowercase().contains("rate limit")))
            }
            Failure::Transport(_) => false,
        }
    }

    fn retryable(&self) -> bool {
        match self {
            Failure::Status { status, .. } => *status >= 500 || self.is_rate_limit(),
            Failure::Transport(_) => true,
        }
    }

    /// Whether GitHub may have carried the request out even though it failed: a 5xx answer or
    /// none at all can come after the object was created. A rate limit or a refusal cannot.
    pub(crate) fn may_have_taken_effect(&self) -> bool {
        match self {
            Failure::Status { status, .. } => *status >= 500,
            Failure::Transport(_) => true,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Give up: not retryable, or out of attempts.
    GiveUp,
    /// Give up because GitHub asked to wait this long, longer than the policy allows.
    WaitRefused(Duration),
}

/// The decision after attempt number `attempt` (1 for the first) failed with `failure`.
pub(crate) fn decide(policy: &RetryPolicy, attempt: u32, failure: &Failure) -> Decision {
    if !failure.retryable() || attempt >= policy.attempts {
        return Decision::GiveUp;
    }
    let asked = match failure {
        Failure::Status {
            retry_after,
            rate_limit_reset,
            ..
        } => retry_after.or(*rate_limit_reset),
        Failure::Transport(_) => None,
    };
    match asked {
        Some(wait) if wait > policy.max_delay => Decision::WaitRefused(wait),
        Some(wait) => Decision::Retry(wait),
        None => Decision::Retry(
            workspace_tools::backoff::delay(policy.base_delay, attempt).min(policy.max_delay),
        ),
    }
}

/// Reads a `Retry-After` value at time `now`: seconds, or an HTTP date (RFC 9110 allows both).
/// A number too large for the clock is the longest wait, so the cap refuses it rather than the
/// header being ignored; anything else unreadable (`-5`, `soon`) is no header.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, message: &str, retry_after: Option<u64>) -> Failure {
        Failure::Status {
            status,
            message: message.to_owned(),
            details: vec![],
            retry_after: retry_after.map(Duration::from_secs),
            rate_limit_reset: None,
        }
    }

    const POLICY: RetryPolicy = RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(10),
    };

    #[test]
    fn server_errors_back_off_exponentially_until_the_attempts_run_out() {
        let bad_gateway = status(502, "Bad Gateway", None);
        let waits: Vec<Decision> = (1..=4).map(|a| decide(&POLICY, a, &bad_gateway)).collect();
        assert_eq!(
            waits,
            [
                Decision::Retry(Duration::from_millis(100)),
                Decision::Retry(Duration::from_millis(200)),
                Decision::Retry(Duration::from_millis(400)),
                Decision::GiveUp,
            ]
        );
        let refused = Failure::Transport("connection refused".into());
        assert_eq!(
            decide(&POLICY, 1, &refused),
            Decision::Retry(Duration::from_millis(100))
        );
    }

    #[test]
    fn rate_limits_wait_as_long_as_github_asks() {
        let secondary = status(403, "You have exceeded a secondary rate limit", Some(3));
        assert!(secondary.is_rate_limit());
        assert_eq!(
            decide(&POLICY, 1, &secondary),
            Decision::Retry(Duration::from_secs(3))
        );
        let primary = Failure::Status {
            status: 403,
            message: "API rate limit exceeded".into(),
            details: vec![],
            retry_after: None,
            rate_limit_reset: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            decide(&POLICY, 2, &primary),
            Decision::Retry(Duration::from_secs(7))
        );
        assert_eq!(
            decide(&POLICY, 1, &status(429, "slow down", Some(60))),
            Decision::WaitRefused(Duration::from_secs(60)),
            "a wait beyond max_delay is refused rather than awaited"
        );
        assert_eq!(
            decide(&POLICY, 1, &status(503, "Service Unavailable", Some(11))),
            Decision::WaitRefused(Duration::from_secs(11))
        );
    }

    #[test]
    fn refusals_are_not_retried() {
        for failure in [
            status(401, "Bad credentials", None),
            status(403, "Resource not accessible by integration", None),
            status(404, "Not Found", None),
            status(422, "Validation Failed", None),
        ] {
            assert!(!failure.is_rate_limit(), "{failure:?}");
            assert_eq!(
                decide(&POLICY, 1, &failure),
                Decision::GiveUp,
                "{failure:?}"
            );
        }
    }

    #[test]
    fn only_failures_github_may_have_acted_on_are_looked_up() {
        assert!(status(502, "Bad Gateway", None).may_have_taken_effect());
        assert!(Failure::Transport("operation timed out".into()).may_have_taken_effect());
        for failure in [
            status(403, "You have exceeded a secondary rate limit", Some(1)),
            status(429, "slow down", None),
            status(422, "Validation Failed", None),
            status(401, "Bad credentials", None),
        ] {
            assert!(!failure.may_have_taken_effect(), "{failure:?}");
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400);
        let secs = |s: u64| Some(Duration::from_secs(s));
        assert_eq!(parse_retry_after(" 12 ", now), secs(12));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            secs(u64::MAX)
        );
        // 2015-10-21 07:28:00 is 80 s after `now`; a date in the past means now.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            secs(80)
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            secs(0)
        );
        for unreadable in ["-5", "", "soon", "1.5"] {
            assert_eq!(parse_retry_after(unreadable, now), None, "{unreadable}");
        }
    }
}
