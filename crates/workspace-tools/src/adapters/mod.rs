//! The edges where the engine meets the world: cargo metadata and guppy, git read with git2,
//! the user's `git` for writes, the registry through `cargo publish`, the test runner, the
//! test-tools installer and the filesystem scan of files a build reads.

pub(crate) mod dep_info;
pub(crate) mod git_read;
pub(crate) mod metadata;
pub(crate) mod reads_scan;
pub(crate) mod registry;
pub(crate) mod release_history;
pub(crate) mod rust_lex;
pub(crate) mod test_run;
pub(crate) mod test_tools;
pub(crate) mod vcs;

/// The `cargo` to run: `CARGO` when cargo started us (or the user chose one), else the one on
/// PATH.
pub(crate) fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
