//! Capability claims for WebAssembly modules and components, in wasmCloud's format.
//!
//! An account key (the issuer) signs a JWT that names a module key (the subject), what the module
//! is called, which capabilities it may use, when the claims are valid, and the SHA-256 of the
//! module without its claims. [`embed`] stores that token in a `jwt` custom section of the module
//! or component; [`extract`] reads it back (from a `jwt` or `wasmcloud_jwt` section) and verifies
//! the signature, the hash and the time window, so a host can decide whether to run the module.
//! Tokens and hashes are those of wasmCloud's own `wascap`: a module signed by either verifies
//! with the other.
//!
//! ```
//! use wascap::{KeyKind, SigningRequest};
//!
//! let issuer = KeyKind::Account.generate();
//! let subject = KeyKind::Module.generate().public_key();
//! let module = wasm_encoder::Module::new().finish();
//! let request = SigningRequest::new(subject.clone(), "echo").with_capability("wasmcloud:httpserver");
//! let signed = wascap::embed(&module, &request, &issuer)?;
//! let claims = wascap::extract(&signed)?;
//! assert_eq!(claims.subject, subject);
//! assert_eq!(claims.issuer, issuer.public_key());
//! # Ok::<(), wascap::Error>(())
//! ```

#![warn(missing_docs)]

mod claims;
mod error;
mod jwt;
mod keys;
mod module;
mod outline;
mod strip;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
mod wire;

pub use claims::{Claims, MAX_CLOCK_SKEW, SigningRequest, unix_now};
pub use error::Error;
pub use keys::{KeyKind, parse_public_key, parse_seed};
pub use module::{embed, extract, extract_at, module_hash, peek_claims};
pub use nkeys::KeyPair;
pub use strip::{CLAIMS_SECTION, WASMCLOUD_CLAIMS_SECTION};
