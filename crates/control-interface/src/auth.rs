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
#[derive(Debug)]
pub struct SignedRequest<'a> {
    /// The protocol version the client speaks.
    pub version: u32,
    /// The id the response must carry.
    pub id: u64,
    /// The signature, if any.
    pub auth: Option<Auth>,
    command: &'a RawValue,
}

/// A request's fields as raw JSON, split apart in one pass over the frame. Every field but the
/// command is read from its own small text afterwards, so a parse error can quote no more than
/// that text: serde quotes a string found where a number belongs, six bytes for some
/// characters, and a stranger's 16 MiB frame must not become a 100 MiB message.
#[derive(Deserialize)]
struct RawRequest<'a> {
    #[serde(borrow)]
    version: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    auth: Option<&'a RawValue>,
    #[serde(borrow)]
    command: Option<&'a RawValue>,
}

/// The longest field (other than the command) read: a signed request's `auth` takes about 250
/// bytes.
const MAX_FIELD_LEN: usize = 1024;

/// Reads the field `name` from its raw JSON, refusing texts too long to be one.
fn field<T: for<'de> Deserialize<'de>>(name: &str, raw: &RawValue) -> Result<T, Error> {
    let text = raw.get();
    if text.len() > MAX_FIELD_LEN {
        return Err(Error::Malformed {
            reason: format!("field `{name}` is {} bytes long", text.len()),
        });
    }
    serde_json::from_str(text).map_err(|e| Error::Malformed {
        reason: format!("field `{name}`: {e}"),
    })
}

fn missing(name: &str) -> Error {
    Error::Malformed {
        reason: format!("missing field `{name}`"),
    }
}

impl<'a> SignedRequest<'a> {
    /// Parses a frame's payload. On failure also returns the request's id when it could be
    /// read, so the refusal can still be matched to the request; a request of another protocol
    /// version is refused as such whatever else it holds.
    pub fn parse(frame: &'a [u8]) -> Result<Self, (u64, Error)> {
        // Only an object has fields; anything else would be quoted whole by the parser.
        if frame.trim_ascii_start().first() != Some(&b'{') {
            return Err((
                0,
                Error::Malformed {
                    reason: "request is not a json object".to_owned(),
                },
            ));
        }
        // One pass over the frame (a module upload is megabytes), splitting it into fields.
        let raw: RawRequest<'a> = serde_json::from_slice(frame).map_err(|e| {
            (
                0,
                Error::Malformed {
                    reason: e.to_string(),
                },
            )
        })?;
        // A refusal carries the id when there is one; a request needs one to be carried out.
        let id: Option<u64> = raw
            .id
            .map(|id| field("id", id))
            .transpose()
            .map_err(|e| (0, e))?;
        let reply_id = id.unwrap_or(0);
        let version: u32 = field(
            "version",
            raw.version.ok_or_else(|| (reply_id, missing("version")))?,
        )
        .map_err(|e| (reply_id, e))?;
        if version != PROTOCOL_VERSION {
            return Err((reply_id, Error::UnsupportedVersion { version }));
        }
        let id = id.ok_or_else(|| (0, missing("id")))?;
        let auth = match raw.auth {
            Some(auth) => field("auth", auth).map_err(|e| (id, e))?,
            None => None,
        };
        let command = raw.command.ok_or_else(|| (id, missing("command")))?;
        Ok(SignedRequest {
            version,
            id,
            auth,
            command,
        })
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

    /// Errors about a request's envelope never quote it at length: the parser spells a
    /// control character in a quoted string as six, so a message quoting a 16 MiB frame would
    /// cost a host hundreds of MiB for a stranger's request.
    #[test]
    fn envelope_errors_do_not_quote_the_request_at_length() {
        let long = format!("\"{}\"", "\u{7f}".repeat(100_000));
        let frame = signed(&KeyPair::new_user(), Command::Ping);
        let text = String::from_utf8(frame).expect("utf-8");
        let auth_at = text.find(r#""auth":"#).expect("auth") + r#""auth":"#.len();
        let auth_end = auth_at + text[auth_at..].find('}').expect("end of auth") + 1;
        let edits = [
            long.clone(),
            format!(r#"{{"version":{long},"id":1,"command":{{}}}}"#),
            format!(r#"{{"version":2,"id":{long},"command":{{}}}}"#),
            format!("{}{long}{}", &text[..auth_at], &text[auth_end..]),
            text.replacen(r#""timestamp":1000"#, &format!(r#""timestamp":{long}"#), 1),
            text.replacen(r#""key":""#, &format!(r#""key":[{long}],"x":""#), 1),
        ];
        for frame in edits {
            let Err((_, err)) = SignedRequest::parse(frame.as_bytes()) else {
                panic!("refused");
            };
            let message = err.to_string();
            assert!(
                message.len() < 2048,
                "{} bytes: {}",
                message.len(),
                &message[..200]
            );
        }
    }

    #[test]
    fn fields_must_appear_once_and_the_id_at_all() {
        let frame = String::from_utf8(signed(&KeyPair::new_user(), Command::Ping)).expect("utf-8");
        let body = frame.strip_suffix('}').expect("an object");
        for (doubled, field) in [
            (r#""command":{"type":"get_inventory"}"#, "command"),
            (r#""id":10"#, "id"),
            (r#""auth":null"#, "auth"),
        ] {
            let Err((_, err)) = SignedRequest::parse(format!("{body},{doubled}}}").as_bytes())
            else {
                panic!("a second {field} must be refused");
            };
            assert!(err.to_string().contains("duplicate field"), "{err}");
        }
        let Err((0, err)) = SignedRequest::parse(br#"{"version":2,"command":{"type":"ping"}}"#)
        else {
            panic!("a request without an id is refused");
        };
        assert!(err.to_string().contains("missing field `id`"), "{err}");
    }

    #[test]
    fn nonces_differ_between_signings() {
        let key = KeyPair::new_user();
        let a = verify(&signed(&key, Command::Ping)).expect("verifies");
        let b = verify(&signed(&key, Command::Ping)).expect("verifies");
        assert_ne!(a.nonce, b.nonce);
    }
}
