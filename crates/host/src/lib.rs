//! A host that admits verified actors and answers the control plane.
//!
//! [`TrustedIssuers`] decides whether a module may run: its claims must verify (signature, hash,
//! time window) and be signed by an account the host trusts. [`Inventory`] records the running
//! actors. [`Host`] serves the control-interface protocol on a TCP listener until told to shut
//! down; [`handle`] is the same logic without the network.

#![warn(missing_docs)]

mod error;
mod handler;
mod inventory;
mod server;
mod trust;

pub use error::{HostError, StartError};
pub use handler::handle;
pub use inventory::Inventory;
pub use server::{Host, SHUTDOWN_GRACE};
pub use trust::TrustedIssuers;
