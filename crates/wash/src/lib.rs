//! The developer CLI's library: the `wash` command line and what each subcommand does.
//!
//! [`Cli`] is the parsed command line; [`run`] carries it out, writing results to the given
//! output. Seeds come from a file or an environment variable ([`SeedSource`]) and are never
//! written to the output or into error messages.

#![warn(missing_docs)]

mod cli;
mod commands;
mod error;
mod render;
mod seed;

pub use cli::{
    CallArgs, ClaimsCommand, Cli, Connection, CtlAction, CtlCommand, KeyKindArg, KeysCommand,
    OutputFormat, SignArgs, TopCommand,
};
pub use commands::run;
pub use error::WashError;
pub use seed::SeedSource;
