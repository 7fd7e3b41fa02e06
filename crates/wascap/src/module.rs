//! Embedding claims in, and extracting them from, a module's `jwt` custom section.
//!
//! The module hash covers the module re-encoded without any `jwt` section, so signing is
//! repeatable (re-signing replaces the old token) and the hash does not depend on the token that
//! records it. It is the module's identity: files that differ only in where the `jwt` section
//! sits or in how section sizes are encoded (LEB128 allows padding) have different SHA-256s but
//! the same module hash, and verify alike. Compare modules by their claims' hash, never by the
//! file's.

use data_encoding::HEXLOWER;
use nkeys::KeyPair;
use sha2::{Digest, Sha256};
use wasm_encoder::{CustomSection, RawSection};
use wasmparser::{BinaryReader, Encoding, Parser, Payload, Validator};

use crate::{Claims, Error, KeyKind, SigningRequest, jwt, parse_public_key, unix_now};

/// Name of the custom section that holds the claims token.
pub const CLAIMS_SECTION: &str = "jwt";

/// A module split into its claims token, if any, and everything else.
struct Split<'a> {
    without_claims: wasm_encoder::Module,
    token: Option<&'a [u8]>,
}

/// Validates `bytes` as a core module and separates the `jwt` section from the other sections,
/// which are copied unchanged and in order.
fn split(bytes: &[u8]) -> Result<Split<'_>, Error> {
    Validator::new().validate_all(bytes).map_err(not_wasm)?;
    let mut without_claims = wasm_encoder::Module::new();
    let mut token = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(not_wasm)?;
        match &payload {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => return Err(Error::NotACoreModule),
            Payload::CustomSection(section) if section.name() == CLAIMS_SECTION => {
                if token.replace(section.data()).is_some() {
                    return Err(Error::DuplicateClaims);
                }
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    let data = usize::try_from(range.start)
                        .ok()
                        .zip(usize::try_from(range.end).ok())
                        .and_then(|(start, end)| bytes.get(start..end))
                        .ok_or_else(|| Error::NotWasm {
                            reason: format!("section {id} lies outside the module"),
                        })?;
                    without_claims.section(&RawSection { id, data });
                }
            }
        }
    }
    Ok(Split {
        without_claims,
        token,
    })
}

fn not_wasm(err: wasmparser::BinaryReaderError) -> Error {
    Error::NotWasm {
        reason: err.to_string(),
    }
}

fn hash(module: &wasm_encoder::Module) -> String {
    HEXLOWER.encode(&Sha256::digest(module.as_slice()))
}

/// Signs claims about `module` with the `issuer` account key and returns the module with the
/// token in its `jwt` custom section, replacing any token it already had.
pub fn embed(module: &[u8], request: &SigningRequest, issuer: &KeyPair) -> Result<Vec<u8>, Error> {
    KeyKind::Account.check(issuer)?;
    parse_public_key(&request.subject, KeyKind::Module)?;
    let Split {
        mut without_claims, ..
    } = split(module)?;
    let claims = Claims {
        issuer: issuer.public_key(),
        subject: request.subject.clone(),
        issued_at: unix_now()?,
        not_before: request.not_before,
        expires: request.expires,
        name: request.name.clone(),
        version: request.version.clone(),
        capabilities: request.capabilities.clone(),
        module_hash: hash(&without_claims),
    };
    let token = jwt::encode(&claims, issuer)?;
    without_claims.section(&CustomSection {
        name: CLAIMS_SECTION.into(),
        data: token.as_bytes().into(),
    });
    Ok(without_claims.finish())
}

/// Reads the claims embedded in `module` and verifies them now: see [`extract_at`].
pub fn extract(module: &[u8]) -> Result<Claims, Error> {
    extract_at(module, unix_now()?)
}

/// Reads the claims embedded in `module` and checks only the token's signature: the module is
/// neither validated nor hashed, and the time window is not checked, so the claims say who
/// signed the module, not that the module is what was signed. Costs a walk over the section
/// headers, so a host can refuse an untrusted issuer before paying for [`extract`].
pub fn peek_claims(module: &[u8]) -> Result<Claims, Error> {
    let token = find_token(module)?.ok_or(Error::NoClaims)?;
    jwt::decode(token_text(token)?)
}

/// Finds the `jwt` section by reading section headers only.
fn find_token(module: &[u8]) -> Result<Option<&[u8]>, Error> {
    const CORE_MODULE_HEADER: [u8; 8] = *b"\0asm\x01\0\0\0";
    match module.get(..8) {
        Some(header) if header == CORE_MODULE_HEADER => {}
        Some(header) if header.starts_with(b"\0asm") => return Err(Error::NotACoreModule),
        _ => {
            return Err(Error::NotWasm {
                reason: "missing the core module header".to_owned(),
            });
        }
    }
    let mut reader = BinaryReader::new(&module[8..], 8);
    let mut token = None;
    while !reader.eof() {
        let id = reader.read_u8().map_err(not_wasm)?;
        let size = reader.read_var_u32().map_err(not_wasm)?;
        let contents = reader.read_bytes(size as usize).map_err(not_wasm)?;
        if id != 0 {
            continue;
        }
        let mut custom = BinaryReader::new(contents, 0);
        if custom.read_string().map_err(not_wasm)? == CLAIMS_SECTION
            && token
                .replace(&contents[custom.current_position()..])
                .is_some()
        {
            return Err(Error::DuplicateClaims);
        }
    }
    Ok(token)
}

fn token_text(token: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(token)
        .map_err(|_| Error::MalformedToken("jwt section is not utf-8".to_owned()))
}

/// Reads the claims embedded in `module` and verifies that the token is signed by the issuer it
/// names, that the module is unchanged since signing, and that `now` (seconds since the Unix
/// epoch) lies in the claims' time window.
pub fn extract_at(module: &[u8], now: u64) -> Result<Claims, Error> {
    let Split {
        without_claims,
        token,
    } = split(module)?;
    let token = token.ok_or(Error::NoClaims)?;
    let claims = jwt::decode(token_text(token)?)?;
    let actual = hash(&without_claims);
    if actual != claims.module_hash {
        return Err(Error::Tampered {
            claimed: claims.module_hash,
            actual,
        });
    }
    claims.check_time(now)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{answer_module, tamper};

    fn request() -> SigningRequest {
        SigningRequest::new(KeyKind::Module.generate().public_key(), "answer")
            .with_capability("wasmcloud:httpserver")
    }

    #[test]
    fn embedded_claims_extract_with_every_field() {
        let issuer = KeyKind::Account.generate();
        let mut request = request();
        request.version = Some("0.1.0".into());
        request.expires = Some(unix_now().expect("clock") + 3600);
        let signed = embed(&answer_module(), &request, &issuer).expect("signs");
        let claims = extract(&signed).expect("verifies");
        assert_eq!(claims.issuer, issuer.public_key());
        assert_eq!(claims.subject, request.subject);
        assert_eq!(claims.name, "answer");
        assert_eq!(claims.version.as_deref(), Some("0.1.0"));
        assert_eq!(claims.capabilities, ["wasmcloud:httpserver"]);
        assert_eq!(claims.expires, request.expires);
        assert!(claims.issued_at <= unix_now().expect("clock"));
        assert_eq!(claims.module_hash.len(), 64);
    }

    #[test]
    fn signed_module_is_still_valid_wasm_with_one_jwt_section() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        Validator::new().validate_all(&signed).expect("valid wasm");
        let jwt_sections = Parser::new(0)
            .parse_all(&signed)
            .filter(|p| matches!(p, Ok(Payload::CustomSection(s)) if s.name() == CLAIMS_SECTION))
            .count();
        assert_eq!(jwt_sections, 1);
    }

    #[test]
    fn resigning_replaces_the_token_and_keeps_the_hash() {
        let first = KeyKind::Account.generate();
        let second = KeyKind::Account.generate();
        let once = embed(&answer_module(), &request(), &first).expect("signs");
        let twice = embed(&once, &request(), &second).expect("re-signs");
        let (a, b) = (extract(&once).expect("ok"), extract(&twice).expect("ok"));
        assert_eq!(b.issuer, second.public_key());
        assert_eq!(a.module_hash, b.module_hash);
    }

    #[test]
    fn tampered_module_is_refused() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        let err = extract(&tamper(&signed)).expect_err("tampering is detected");
        assert!(matches!(err, Error::Tampered { ref claimed, ref actual } if claimed != actual));
    }

    #[test]
    fn module_without_claims_is_refused() {
        assert!(matches!(extract(&answer_module()), Err(Error::NoClaims)));
    }

    #[test]
    fn bytes_that_are_not_wasm_are_refused() {
        assert!(matches!(
            extract(b"hello, world"),
            Err(Error::NotWasm { .. })
        ));
        let issuer = KeyKind::Account.generate();
        assert!(matches!(
            embed(b"\0asm\x01\0\0\0\x07", &request(), &issuer),
            Err(Error::NotWasm { .. })
        ));
    }

    #[test]
    fn components_are_not_modules() {
        let component = wasm_encoder::Component::new().finish();
        assert!(matches!(extract(&component), Err(Error::NotACoreModule)));
    }

    #[test]
    fn time_window_is_checked_at_extraction() {
        let issuer = KeyKind::Account.generate();
        let now = unix_now().expect("clock");
        let mut request = request();
        request.not_before = Some(now + 1_000);
        request.expires = Some(now + 2_000);
        let signed = embed(&answer_module(), &request, &issuer).expect("signs");
        assert!(matches!(
            extract_at(&signed, now + 999),
            Err(Error::NotYetValid { .. })
        ));
        assert!(extract_at(&signed, now + 1_500).is_ok());
        assert!(matches!(
            extract_at(&signed, now + 2_000),
            Err(Error::Expired { .. })
        ));
        assert!(matches!(extract(&signed), Err(Error::NotYetValid { .. })));
    }

    #[test]
    fn only_account_keys_sign_and_only_module_keys_are_subjects() {
        let module_key = KeyKind::Module.generate();
        assert!(matches!(
            embed(&answer_module(), &request(), &module_key),
            Err(Error::WrongKeyKind {
                expected: KeyKind::Account,
                ..
            })
        ));
        let account = KeyKind::Account.generate();
        let wrong_subject = SigningRequest::new(account.public_key(), "x");
        assert!(matches!(
            embed(&answer_module(), &wrong_subject, &account),
            Err(Error::WrongKeyKind {
                expected: KeyKind::Module,
                ..
            })
        ));
    }

    #[test]
    fn public_only_issuer_cannot_sign() {
        let account = KeyKind::Account.generate();
        let public_only = parse_public_key(&account.public_key(), KeyKind::Account).expect("ok");
        assert!(matches!(
            embed(&answer_module(), &request(), &public_only),
            Err(Error::Signing(_))
        ));
    }

    #[test]
    fn two_jwt_sections_are_ambiguous() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        let mut doubled = wasm_encoder::Module::new();
        doubled.section(&CustomSection {
            name: CLAIMS_SECTION.into(),
            data: b"x".into(),
        });
        let mut bytes = signed;
        bytes.extend_from_slice(&doubled.as_slice()[8..]);
        assert!(matches!(extract(&bytes), Err(Error::DuplicateClaims)));
    }

    #[test]
    fn claims_signed_after_the_verifiers_clock_are_refused() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        let issued_at = extract(&signed).expect("verifies now").issued_at;
        assert!(matches!(
            extract_at(&signed, issued_at - crate::MAX_CLOCK_SKEW - 1),
            Err(Error::IssuedInFuture { .. })
        ));
    }

    #[test]
    fn identity_is_the_claims_hash_not_the_files() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        let other_file = crate::test_support::reencoded(&signed);
        assert_ne!(Sha256::digest(&signed), Sha256::digest(&other_file));
        let (a, b) = (
            extract(&signed).expect("verifies"),
            extract(&other_file).expect("the reshuffled file verifies too"),
        );
        assert_eq!(a.module_hash, b.module_hash);
        assert_eq!(peek_claims(&other_file).expect("peeks"), b);
    }

    #[test]
    fn peeking_checks_the_signature_but_not_the_module() {
        let issuer = KeyKind::Account.generate();
        let signed = embed(&answer_module(), &request(), &issuer).expect("signs");
        let tampered = tamper(&signed);
        assert_eq!(
            peek_claims(&tampered).expect("peek does not hash").issuer,
            issuer.public_key()
        );
        assert!(matches!(extract(&tampered), Err(Error::Tampered { .. })));
        assert!(matches!(
            peek_claims(&answer_module()),
            Err(Error::NoClaims)
        ));
        assert!(matches!(
            peek_claims(b"hello, world"),
            Err(Error::NotWasm { .. })
        ));
        assert!(matches!(
            peek_claims(&wasm_encoder::Component::new().finish()),
            Err(Error::NotACoreModule)
        ));
        let mut truncated = signed.clone();
        truncated.truncate(signed.len() - 3);
        assert!(matches!(
            peek_claims(&truncated),
            Err(Error::NotWasm { .. })
        ));
    }
}
