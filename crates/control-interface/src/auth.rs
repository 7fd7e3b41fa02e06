//! Signed requests: every request carries a user key's Ed25519 signature over its id, a
//! timestamp, a random nonce and the SHA-256 of its command's exact bytes, so a host can tell
//! who asks, refuse keys it does not trust, and refuse a request it has seen before.

use data_encoding::{BASE64URL_NOPAD, HEXLOWER};
use nkeys::{KeyPair, KeyPairType};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use tokio_util::bytes::Bytes;

use crate::{Command, Error, PROTOCOL_VERSION, Request};

/// Names what a signature is for, so a signature made for anything else never verifies here.
const SIGNATURE_DOMAIN: &str = "wasm-platform control request v2";

/// Random bytes in a nonce: enough that two requests never share one by chance.
const NONCE_LEN: usize = 16;

/// Who signed a request, when, and the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auth {
    /// The signer's user public key (starts with `U`).
    pub key: String,
    /// Seconds since the Unix epoch at which the request was signed.
    pub timestamp: u64,
    /// Lowercase hex of random bytes, unique to this request.
    pub nonce: String,
    /// Unpadded base64url of the Ed25519 signature.
    pub signature: String,
}

/// Why a request's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The request carries no `auth` object.
    #[error("request is not signed; sign it with a user key the host trusts")]
    Unsigned,
    /// The key asked to verify is not the one the request names.
    #[error("request names {named} as its signer, not {verifier}")]
    OtherSigner {
        /// The key the request names.
        named: String,
        /// The key it was checked against.
        verifier: String,
    },
    /// The nonce is not hex of the expected length.
    #[error("request nonce must be {} lowercase hex characters", NONCE_LEN * 2)]
    BadNonce,
    /// The signature was not made by the key, or not over this request.
    #[error("request signature does not verify against {key}")]
    BadSignature {
        /// The key the request names.
        key: String,
    },
}

/// What the signature covers; the command enters by digest so that verifying a large request
/// signs and checks a short message.
fn signing_input(id: u64, key: &str, timestamp: u64, nonce: &str, command: &[u8]) -> String {
    let digest = HEXLOWER.encode(&Sha256::digest(command));
    format!("{SIGNATURE_DOMAIN}\n{id}\n{key}\n{timestamp}\n{nonce}\n{digest}")
}

/// A request as it travels: the command stays in the exact bytes that were signed.
#[derive(Serialize)]
struct Outgoing<'a> {
    version: u32,
    id: u64,
    auth: &'a Auth,
    command: &'a RawValue,
}

impl Request {
    /// Signs the request with the user key `key` at `timestamp` (seconds since the Unix epoch)
    /// with a fresh nonce, and encodes it as one frame's payload.
    pub fn sign(&self, key: &KeyPair, timestamp: u64) -> Result<Bytes, Error> {
        if key.key_pair_type() != KeyPairType::User {
            return Err(Error::Signing {
                reason: format!("{} is not a user key", key.public_key()),
            });
        }
        let command =
            serde_json::value::to_raw_value(&self.command).map_err(|e| Error::Signing {
                reason: format!("command does not serialize: {e}"),
            })?;
        let mut nonce = [0; NONCE_LEN];
        getrandom::getrandom(&mut nonce).map_err(|e| Error::Signing {
            reason: format!("no randomness for the nonce: {e}"),
        })?;
        let nonce = HEXLOWER.encode(&nonce);
        let public_key = key.public_key();
        let input = signing_input(
            self.id,
            &public_key,
            timestamp,
            &nonce,
            command.get().as_bytes(),
        );
        let signature = key.sign(input.as_bytes()).map_err(|e| Error::Signing {
            reason: e.to_string(),
        })?;
        let auth = Auth {
            key: public_key,
            timestamp,
            nonce,
            signature: BASE64URL_NOPAD.encode(&signature),
        };
        let outgoing = Outgoing {
            version: self.version,
            id: self.id,
            auth: &auth,
            command: &command,
        };
        serde_json::to_vec(&outgoing)
            .map(Bytes::from)
            .map_err(|e| Error::Signing {
                reason: format!("request does not serialize: {e}"),
            })
    }
}

/// A received request frame, parsed only as far as checking who signed it needs: the command
/// is left as the bytes that were signed until [`SignedRequest::command`] reads it.
#[derive(Debug, Deserialize)]
pub struct SignedRequest<'a> {
    /// The protocol version the client speaks.
    pub version: u32,
    /// The id the response must carry.
    pub id: u64,
    /// The signature, if any.
    #[serde(default)]
    pub auth: Option<Auth>,
    #[serde(borrow)]
    command: &'a RawValue,
}

impl<'a> SignedRequest<'a> {
    /// Parses a frame's payload. On failure also returns the request's id when it could be
    /// read, so the refusal can still be matched to the request.
    pub fn parse(frame: &'a [u8]) -> Result<Self, (u64, Error)> {
        // One pass over the frame when all is well (a module upload is megabytes); the
        // envelope is read apart only to explain a failure, say as another protocol version.
        let request: Self = match serde_json::from_slice(frame) {
            Ok(request) => request,
            Err(err) => {
                let id = crate::protocol::check_envelope(frame)?;
                return Err((
                    id,
                    Error::Malformed {
                        reason: err.to_string(),
                    },
                ));
            }
        };
        if request.version != PROTOCOL_VERSION {
            return Err((
                request.id,
                Error::UnsupportedVersion {
                    version: request.version,
                },
            ));
        }
        Ok(request)
    }

    /// The signature, or why there is none.
    pub fn auth(&self) -> Result<&Auth, AuthError> {
        self.auth.as_ref().ok_or(AuthError::Unsigned)
    }

    /// Checks that the request is signed by `signer`, the key it names, over exactly these
    /// bytes. The caller picks `signer` by the name in [`auth`](Self::auth) from the keys it
    /// trusts (parsed once, not per request); whether the request is fresh is its call too.
    pub fn verify_signature(&self, signer: &KeyPair) -> Result<&Auth, AuthError> {
        let auth = self.auth()?;
        let verifier = signer.public_key();
        if verifier != auth.key {
            return Err(AuthError::OtherSigner {
                named: auth.key.clone(),
                verifier,
            });
        }
        let nonce_ok = auth.nonce.len() == NONCE_LEN * 2
            && auth
                .nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !nonce_ok {
            return Err(AuthError::BadNonce);
        }
        let bad_signature = || AuthError::BadSignature {
            key: auth.key.clone(),
        };
        let signature = BASE64URL_NOPAD
            .decode(auth.signature.as_bytes())
            .map_err(|_| bad_signature())?;
        let input = signing_input(
            self.id,
            &auth.key,
            auth.timestamp,
            &auth.nonce,
            self.command.get().as_bytes(),
        );
        signer
            .verify(input.as_bytes(), &signature)
            .map_err(|_| bad_signature())?;
        Ok(auth)
    }

    /// Reads the command.
    pub fn command(&self) -> Result<Command, Error> {
        serde_json::from_str(self.command.get()).map_err(|e| Error::Malformed {
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(key: &KeyPair, command: Command) -> Vec<u8> {
        Request::new(9, command)
            .sign(key, 1_000)
            .expect("signs")
            .to_vec()
    }

    /// Verifies against the key the request names, as a host that trusts it would.
    fn verify(frame: &[u8]) -> Result<Auth, AuthError> {
        let request = SignedRequest::parse(frame).expect("parses");
        let named = KeyPair::from_public_key(&request.auth()?.key).expect("a public key");
        request.verify_signature(&named).cloned()
    }

    /// Replaces the first occurrence of `from` in the frame with `to`.
    fn edit(frame: &[u8], from: &str, to: &str) -> Vec<u8> {
        let text = String::from_utf8(frame.to_vec()).expect("utf-8");
        assert!(text.contains(from), "{from} not in {text}");
        text.replacen(from, to, 1).into_bytes()
    }

    #[test]
    fn every_signed_part_is_covered() {
        let key = KeyPair::new_user();
        let frame = signed(
            &key,
            Command::StopActor {
                actor_id: "MA".into(),
            },
        );
        assert_eq!(verify(&frame).expect("verifies").key, key.public_key());
        for (from, to) in [
            (r#""id":9"#, r#""id":10"#),
            (r#""timestamp":1000"#, r#""timestamp":1001"#),
            (r#""actor_id":"MA""#, r#""actor_id":"MB""#),
        ] {
            let edited = edit(&frame, from, to);
            assert!(
                matches!(verify(&edited), Err(AuthError::BadSignature { .. })),
                "editing {from} must break the signature"
            );
        }
        let auth = verify(&frame).expect("verifies");
        let other_nonce = if auth.nonce.starts_with('0') {
            "1"
        } else {
            "0"
        };
        let edited = edit(
            &frame,
            &auth.nonce,
            &format!("{other_nonce}{}", &auth.nonce[1..]),
        );
        assert!(matches!(
            verify(&edited),
            Err(AuthError::BadSignature { .. })
        ));
    }

    #[test]
    fn signatures_by_another_key_or_kind_are_refused() {
        let (key, other) = (KeyPair::new_user(), KeyPair::new_user());
        let frame = signed(&key, Command::Ping);
        let forged = edit(&frame, &key.public_key(), &other.public_key());
        assert!(matches!(
            verify(&forged),
            Err(AuthError::BadSignature { key }) if key == other.public_key()
        ));
        let account = KeyPair::new_account();
        let err = Request::new(1, Command::Ping)
            .sign(&account, 1)
            .expect_err("only user keys sign requests");
        assert!(err.to_string().contains("is not a user key"), "{err}");
        let request = SignedRequest::parse(&frame).expect("parses");
        assert!(matches!(
            request.verify_signature(&other),
            Err(AuthError::OtherSigner { .. })
        ));
    }

    #[test]
    fn unsigned_requests_and_odd_nonces_are_refused() {
        let unsigned = br#"{"version":2,"id":1,"command":{"type":"ping"}}"#;
        assert_eq!(verify(unsigned), Err(AuthError::Unsigned));
        let frame = signed(&KeyPair::new_user(), Command::Ping);
        let nonce = verify(&frame).expect("verifies").nonce;
        assert!(matches!(
            verify(&edit(&frame, &nonce, "00")),
            Err(AuthError::BadNonce)
        ));
    }

    #[test]
    fn nonces_differ_between_signings() {
        let key = KeyPair::new_user();
        let a = verify(&signed(&key, Command::Ping)).expect("verifies");
        let b = verify(&signed(&key, Command::Ping)).expect("verifies");
        assert_ne!(a.nonce, b.nonce);
    }
}
