//! What can go wrong between a control-plane client and a host.

use std::time::Duration;

use crate::PROTOCOL_VERSION;

/// Why a control-plane exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TCP connection to the host could not be opened.
    #[error("could not connect to host at {addr}")]
    Connect {
        /// The address that was dialled.
        addr: String,
        /// Why the connection failed.
        #[source]
        source: std::io::Error,
    },
    /// Reading or writing the control connection failed.
    #[error("control connection failed")]
    Io(#[from] std::io::Error),
    /// The peer closed the control connection.
    #[error("peer closed the control connection")]
    Closed,
    /// No reply arrived in time.
    #[error("request to host timed out after {after:?}")]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// A frame is larger than the limit; it is skipped, not read into memory.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    OversizedFrame {
        /// The frame's announced length.
        len: usize,
        /// The largest frame accepted.
        max: usize,
    },
    /// A frame is not a message of this protocol.
    #[error("malformed frame: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
    /// The peer speaks another version of the protocol.
    #[error("peer speaks protocol version {version}, this side speaks {PROTOCOL_VERSION}")]
    UnsupportedVersion {
        /// The version the peer sent.
        version: u32,
    },
    /// A request could not be signed.
    #[error("could not sign the request: {reason}")]
    Signing {
        /// Why.
        reason: String,
    },
    /// The host answered the request with a refusal.
    #[error("host refused the request: {reason}")]
    Refused {
        /// The host's reason.
        reason: String,
    },
    /// The host answered with a reply of the wrong kind for the command.
    #[error("host answered {got} to a {command} command")]
    UnexpectedReply {
        /// The command that was sent.
        command: &'static str,
        /// The kind of reply that came back.
        got: &'static str,
    },
}
