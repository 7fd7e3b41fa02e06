//! A host that admits verified actors and answers the control plane.
//!
//! [`TrustedIssuers`] decides whether a module may run: its claims must be signed by an account
//! the host trusts (checked first, cheaply) and verify (signature, hash, time window).
//! [`Controllers`] decides whether a request may be carried out: it must be signed, recently
//! and only once, by a user key the host trusts. [`Actors`] runs the started actors: each is a
//! WebAssembly component, compiled once and instantiated afresh for every call, linked only to
//! the WASI interfaces its claims' capabilities grant. [`Host`] serves the control-interface
//! protocol on a TCP listener, within its [`Limits`], until told to shut down; [`handle`] is
//! the command logic without the network.

#![warn(missing_docs)]

mod actor_logs;
mod capabilities;
pub mod cli;
mod controllers;
mod error;
mod frames;
mod handler;
mod inventory;
mod limits;
mod reason;
mod runtime;
mod server;
#[cfg(any(test, feature = "test-support"))]
pub mod test_actors;
mod trust;

pub use actor_logs::MAX_CALL_LOG_LEN;
pub use capabilities::{LOGGING, NUMBERGEN};
pub use controllers::{Controllers, REQUEST_WINDOW, RequestRefused};
pub use error::{CallError, HostError, StartError};
pub use handler::{Actors, handle};
pub use limits::{Limits, MAX_TIMEOUT, SMALL_FRAME_LEN};
pub use runtime::{HANDLE, MAX_REPLY_LEN};
pub use server::{Host, HostConfig, SHUTDOWN_GRACE};
pub use trust::TrustedIssuers;
