//! The one exponential backoff schedule, shared by publishing (registry rate limits) and the
//! GitHub client (server errors and rate limits without a stated wait).

use std::time::Duration;

/// The pause before retry number `retry` (1 for the first): `first`, doubled on each retry.
pub fn delay(first: Duration, retry: u32) -> Duration {
    first.saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_the_first_pause_and_saturates() {
        let first = Duration::from_secs(1);
        let pauses: Vec<u64> = (1..=4).map(|r| delay(first, r).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8]);
        assert_eq!(delay(first, 0), first);
        assert_eq!(delay(Duration::MAX, 3), Duration::MAX);
    }
}
