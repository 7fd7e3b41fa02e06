//! Why a host could not start, and why it refused an actor.

/// Why a host could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// A key given as a trusted issuer is not an account public key.
    #[error("trusted issuer is not a valid account public key")]
    InvalidTrustedIssuer(#[source] wascap::Error),
    /// A key given as a trusted controller is not a user public key.
    #[error("trusted controller is not a valid user public key")]
    InvalidController(#[source] wascap::Error),
    /// The limits cannot serve anybody.
    #[error("invalid limits: {reason}")]
    InvalidLimits {
        /// What is wrong with them.
        reason: String,
    },
    /// The control-plane listener could not be opened.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why binding failed.
        #[source]
        source: std::io::Error,
    },
}

/// Why a host refused to start an actor; the message goes back to the client as the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The module's claims are missing or do not verify.
    #[error("module claims rejected: {0}")]
    Claims(#[from] wascap::Error),
    /// The claims verify but their issuer is not on the host's list.
    #[error("issuer {issuer} is not trusted by this host")]
    UntrustedIssuer {
        /// The account that signed the module.
        issuer: String,
    },
    /// An actor with the same module key is already running.
    #[error("actor {actor_id} is already running")]
    AlreadyRunning {
        /// The running actor's id.
        actor_id: String,
    },
}
