//! Cargo-style status lines on stderr, coloured unless NO_COLOR is set or stderr is not a
//! terminal (anstream decides).

use anstyle::{AnsiColor, Style};

const STATUS: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();

/// `   Affected 3 of 5 packages`: a right-aligned verb, like cargo's `Compiling`.
pub(crate) fn status(verb: &str, message: &str) {
    anstream::eprintln!("{STATUS}{verb:>12}{STATUS:#} {message}");
}

/// An indented detail line under a status line.
pub(crate) fn detail(message: &str) {
    anstream::eprintln!("{:>12} {message}", "");
}

/// `warning: ...`.
pub(crate) fn warning(message: &str) {
    anstream::eprintln!("{WARN}warning{WARN:#}: {message}");
}

/// `error: ...`.
pub(crate) fn error(message: &str) {
    anstream::eprintln!("{ERROR}error{ERROR:#}: {message}");
}
