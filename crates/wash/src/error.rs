//! Why a `wash` command failed. No variant carries a seed.

use std::path::PathBuf;

/// Why a `wash` command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WashError {
    /// A file could not be read.
    #[error("could not read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("could not write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The environment variable that should hold a seed is unset or not unicode.
    #[error("environment variable {var} holds no seed")]
    SeedVariable {
        /// The variable's name.
        var: String,
    },
    /// A relative time flag reaches past the last representable second.
    #[error("--{flag} {seconds} is too far in the future: now plus {seconds} s overflows")]
    TimeOverflow {
        /// The flag, without dashes.
        flag: &'static str,
        /// The seconds it asked for.
        seconds: u64,
    },
    /// The claims would expire before (or as) they become valid.
    #[error(
        "--expires-in {expires_in} must be later than --not-before-in {not_before_in}: the claims would never be valid"
    )]
    EmptyValidity {
        /// Seconds after signing at which the claims expire.
        expires_in: u64,
        /// Seconds after signing at which they become valid (0 when not given).
        not_before_in: u64,
    },
    /// A freshly generated key pair would not give up its seed.
    #[error("generated key pair has no seed")]
    KeyGeneration(#[source] nkeys::error::Error),
    /// Claims could not be made, embedded or verified.
    #[error(transparent)]
    Claims(#[from] wascap::Error),
    /// A module or component could not be signed, or its claims do not verify.
    #[error("{}", path.display())]
    Module {
        /// The module's file.
        path: PathBuf,
        /// Why.
        #[source]
        source: wascap::Error,
    },
    /// Talking to the host failed, or the host refused.
    #[error(transparent)]
    Control(#[from] control_interface::Error),
    /// The async runtime for `wash ctl` could not start.
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// Writing the command's output failed.
    #[error("could not write output")]
    Output(#[from] std::io::Error),
    /// JSON output could not be rendered.
    #[error("could not render json output")]
    Json(#[from] serde_json::Error),
}
