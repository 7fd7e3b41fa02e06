//! The ways signing, embedding and verifying claims can fail, one variant per cause so callers
//! (a host refusing a module, a CLI explaining why) can tell them apart.

use crate::keys::KeyKind;

/// Why claims could not be created, embedded or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not parse or validate as a WebAssembly module or component.
    #[error("bytes are not a valid webassembly module or component: {reason}")]
    NotWasm {
        /// What the parser or validator reported.
        reason: String,
    },
    /// The module has no claims section (`jwt` or `wasmcloud_jwt`).
    #[error("module carries no claims (it has no jwt or wasmcloud_jwt custom section)")]
    NoClaims,
    /// The module has more than one claims section, so which one counts is ambiguous.
    #[error("module carries more than one claims section (jwt or wasmcloud_jwt)")]
    DuplicateClaims,
    /// A module or component nested in the one being verified carries claims: only the outermost
    /// level may, since some verifiers would read the nested token as the claims of the whole.
    #[error(
        "a nested module or component carries a claims section; only the outermost may (re-sign \
         to drop it)"
    )]
    NestedClaims,
    /// The token in the `jwt` section is not a well-formed claims JWT.
    #[error("claims jwt is malformed: {0}")]
    MalformedToken(String),
    /// The token's signature was not made by the key it names as issuer.
    #[error("claims jwt signature does not verify against its issuer {issuer}")]
    BadSignature {
        /// The issuer the token names.
        issuer: String,
    },
    /// The module's bytes changed after its claims were signed.
    #[error("module hash {actual} does not match the hash {claimed} in its claims")]
    Tampered {
        /// The hash recorded in the claims.
        claimed: String,
        /// The hash of the module as it is now.
        actual: String,
    },
    /// The claims' not-before time lies in the future.
    #[error("claims are not valid before {not_before} (now is {now})")]
    NotYetValid {
        /// Seconds since the Unix epoch from which the claims are valid.
        not_before: u64,
        /// The time the claims were checked at.
        now: u64,
    },
    /// The claims' expiry time has passed.
    #[error("claims expired at {expires} (now is {now})")]
    Expired {
        /// Seconds since the Unix epoch from which the claims are expired.
        expires: u64,
        /// The time the claims were checked at.
        now: u64,
    },
    /// The claims were signed later than the verifier's clock allows.
    #[error("claims were issued at {issued_at}, in the future (now is {now})")]
    IssuedInFuture {
        /// Seconds since the Unix epoch at which the claims say they were signed.
        issued_at: u64,
        /// The time the claims were checked at.
        now: u64,
    },
    /// The system clock reads a time before 1970, so no time window can be checked.
    #[error("system clock is set {seconds_before} s before 1970")]
    ClockBeforeEpoch {
        /// How far before the Unix epoch the clock is.
        seconds_before: u64,
    },
    /// A public key is not a valid nkey.
    #[error("invalid {kind} public key {key}")]
    InvalidPublicKey {
        /// The kind of key that was expected.
        kind: KeyKind,
        /// The offending key when it starts like a public key, else a note that it is not
        /// shown: it may be a secret.
        key: String,
        /// What nkeys reported.
        #[source]
        source: nkeys::error::Error,
    },
    /// A seed was given where a public key belongs; the seed itself is never part of the
    /// message.
    #[error(
        "expected {} public key, got a seed (keep it secret); its public key is {public_key}",
        expected.with_article()
    )]
    SeedForPublicKey {
        /// The kind of public key that was expected.
        expected: KeyKind,
        /// The seed's public key, safe to show.
        public_key: String,
    },
    /// A seed is not a valid nkey seed; the seed itself is never part of the message.
    #[error("invalid {kind} seed")]
    InvalidSeed {
        /// The kind of key that was expected.
        kind: KeyKind,
        /// What nkeys reported.
        #[source]
        source: nkeys::error::Error,
    },
    /// A valid key of the wrong kind, such as a module key where an account key must sign.
    #[error(
        "expected {} key, got {} {found} key",
        expected.with_article(),
        crate::keys::article(found)
    )]
    WrongKeyKind {
        /// The kind of key that was expected.
        expected: KeyKind,
        /// The kind of key that was given.
        found: String,
    },
    /// The issuer key pair could not sign, typically because it holds no seed.
    #[error("issuer key could not sign the claims")]
    Signing(#[source] nkeys::error::Error),
    /// The system gave no random bytes for the token id.
    #[error("no randomness for the token id: {0}")]
    Randomness(String),
}
