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
    /// The actor runtime could not be set up.
    #[error("cannot set up the actor runtime: {reason}")]
    Runtime {
        /// Why.
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
    /// The module is a core module; actors are components (`wasm32-wasip2`).
    #[error(
        "module is a core webassembly module; this host runs components (built for wasm32-wasip2)"
    )]
    NotAComponent,
    /// The component does not compile or link.
    #[error("component is not valid: {reason}")]
    Invalid {
        /// What the compiler or linker said.
        reason: String,
    },
    /// The component does not export the function calls go to.
    #[error("component does not export `handle: func(request: list<u8>) -> list<u8>`")]
    NoHandle,
    /// The component imports an interface its claims grant no capability for.
    #[error("component imports {import}, which needs capability {capability} in its claims")]
    MissingCapability {
        /// The import, as the component names it.
        import: String,
        /// The capability that would grant it.
        capability: &'static str,
    },
    /// The component imports something this host provides to no actor.
    #[error("component imports {import}, which this host does not provide")]
    UnprovidedImport {
        /// The import, as the component names it.
        import: String,
    },
    /// An actor with the same module key is already running.
    #[error("actor {actor_id} is already running")]
    AlreadyRunning {
        /// The running actor's id.
        actor_id: String,
    },
}

/// Why a call to an actor gave no reply; the message goes back to the client as the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// No actor with that id runs here.
    #[error("actor {actor_id} is not running")]
    NotRunning {
        /// The id asked for.
        actor_id: String,
    },
    /// Every call slot stayed taken until the call's deadline.
    #[error("host is at its limit of concurrent calls; none freed within {waited:?}")]
    Busy {
        /// How long the call waited for a slot.
        waited: std::time::Duration,
    },
    /// The actor did not return within the call timeout.
    #[error("actor did not return within the call timeout of {after:?}")]
    Timeout {
        /// The call timeout.
        after: std::time::Duration,
    },
    /// The actor trapped, ran out of memory or failed to instantiate.
    #[error("actor failed: {reason}")]
    Failed {
        /// What the runtime said.
        reason: String,
    },
    /// The actor returned more than a response frame can carry.
    #[error("actor returned {len} bytes, more than the largest reply of {max} bytes")]
    ReplyTooLarge {
        /// The reply's length.
        len: usize,
        /// The largest reply sent.
        max: usize,
    },
}
