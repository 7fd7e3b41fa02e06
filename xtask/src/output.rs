//! Cargo-style status lines on stderr, coloured unless NO_COLOR is set or stderr is not a
//! terminal (anstream decides).

use anstyle::{AnsiColor, Style};

const STATUS: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();

/// Writes one line to stderr. A stderr that cannot be written (closed, full) is ignored, as
/// cargo does: the answer goes to stdout or is the exit code, and `eprintln!` would panic
/// with 101, the code of failed tests.
fn line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(anstream::stderr(), "{args}");
}

/// `   Affected 3 of 5 packages`: a right-aligned verb, like cargo's `Compiling`.
pub(crate) fn status(verb: &str, message: &str) {
    line(format_args!("{STATUS}{verb:>12}{STATUS:#} {message}"));
}

/// An indented detail line under a status line.
pub(crate) fn detail(message: &str) {
    line(format_args!("{:>12} {message}", ""));
}

/// `warning: ...`.
#[cfg_attr(not(feature = "github"), allow(dead_code))]
pub(crate) fn warning(message: &str) {
    line(format_args!("{WARN}warning{WARN:#}: {message}"));
}

/// `error: ...`.
pub(crate) fn error(message: &str) {
    line(format_args!("{ERROR}error{ERROR:#}: {message}"));
}

/// Stdout was closed by its reader (`affected | head -1`): not a failure, so `main` exits 0
/// without a word, as other command-line tools do.
#[derive(Debug)]
pub(crate) struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for BrokenPipe {}

/// Writes `text` to stdout in one go. A closed pipe is [`BrokenPipe`]; any other failure (a
/// full disk) is an error naming stdout.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
        Err(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
    }
}
