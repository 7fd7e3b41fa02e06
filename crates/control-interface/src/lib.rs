//! The control plane between the developer CLI and a host.
//!
//! Messages are versioned JSON ([`protocol`]) carried in length-prefixed frames ([`codec`]) over
//! any [`Transport`]; [`TcpTransport`] is the one hosts listen on. A [`Client`] sends one
//! [`Command`] at a time, signed with a user key ([`auth`]), and waits, bounded by a timeout,
//! for the matching [`Reply`].

#![warn(missing_docs)]

pub mod auth;
mod client;
pub mod codec;
mod error;
pub mod protocol;
mod transport;

pub use auth::{Auth, AuthError, SignedRequest};
pub use client::Client;
pub use error::Error;
pub use protocol::{ActorDescription, Command, PROTOCOL_VERSION, Reply, Request, Response};
pub use transport::{TcpTransport, Transport};
