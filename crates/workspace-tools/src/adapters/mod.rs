//! The edges where the engine meets the world: cargo metadata and guppy, git read with git2,
//! the user's `git` for writes, the registry through `cargo publish`, the test runner, the
//! test-tools installer and the filesystem scan of files a build reads.

pub mod dep_info;
pub mod git_cli;
pub mod git_read;
pub mod metadata;
pub(crate) mod reads_scan;
pub mod registry;
pub mod release_history;
pub(crate) mod rust_lex;
pub mod test_run;
pub mod test_tools;
