//! Reasons sent back to clients, bounded in length: a reason may quote what a client sent (a
//! key, a string the parser choked on), and a reply that grew with the request would be held,
//! outside the request memory, for as long as the client declines to read it.

use std::fmt::{self, Display, Write};

/// The longest reason sent, in bytes, including the ellipsis that marks a cut.
pub(crate) const MAX_REASON_LEN: usize = 1024;

const ELLIPSIS: char = '…';

/// Renders `message`, cut at [`MAX_REASON_LEN`]; the rest is never rendered at all.
pub(crate) fn reason(message: impl Display) -> String {
    let mut bounded = Bounded(String::new());
    if write!(bounded, "{message}").is_err() {
        bounded.0.push(ELLIPSIS);
    }
    bounded.0
}

/// Takes text until the room for a reason is used up, then fails, which stops the formatting.
struct Bounded(String);

impl Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = MAX_REASON_LEN - ELLIPSIS.len_utf8() - self.0.len();
        if s.len() <= room {
            self.0.push_str(s);
            return Ok(());
        }
        let cut = (0..=room)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        self.0.push_str(&s[..cut]);
        Err(fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reasons_pass_and_long_ones_are_cut_on_a_character() {
        assert_eq!(reason("actor MA is not running"), "actor MA is not running");
        for filler in ["x", "é", "€"] {
            let long = reason(format_args!("key {} is not trusted", filler.repeat(5000)));
            assert!(long.len() <= MAX_REASON_LEN, "{}", long.len());
            assert!(long.len() > MAX_REASON_LEN - 8, "{}", long.len());
            assert!(
                long.starts_with("key ") && long.ends_with(ELLIPSIS),
                "{long}"
            );
        }
    }
}
