//! Embedding claims in, and extracting them from, a module's or component's claims section.
//!
//! The module hash covers the module rebuilt without its claims (see [`crate::strip`]'s rules,
//! which are wasmCloud's), so signing is repeatable (re-signing replaces the old token) and the
//! hash does not depend on the token that records it. It is the module's identity: files that
//! differ only in where the claims section sits or in how section sizes are encoded (LEB128
//! allows padding) have different SHA-256s but the same module hash, and verify alike. Compare
//! modules by [`module_hash`], never by the file's hash nor by an old token's.

use std::ops::Range;

use data_encoding::HEXUPPER;
use nkeys::KeyPair;
use sha2::{Digest, Sha256};
use wasm_encoder::{CustomSection, Section};
use wasmparser::Validator;

use crate::outline::{nested_claims, outline};
use crate::strip::{CLAIMS_SECTION, Stripped, not_wasm, strip};
use crate::{Claims, Error, KeyKind, SigningRequest, jwt, parse_public_key, unix_now};

/// The claims format revision written: from revision 3 on, wasmCloud's wascap checks the module
/// hash when it verifies (this crate checks it whatever the revision).
const FORMAT_REVISION: u32 = 3;

/// Validates `bytes` as a module or component and rebuilds it without its claims section.
fn split(bytes: &[u8]) -> Result<Stripped<'_>, Error> {
    Validator::new().validate_all(bytes).map_err(not_wasm)?;
    strip(bytes)
}

/// Upper-case hex SHA-256, as wasmCloud's wascap writes the module hash.
fn hash(without_claims: &[u8]) -> String {
    HEXUPPER.encode(&Sha256::digest(without_claims))
}

/// Signs claims about `module` (a core module or a component) with the `issuer` account key and
/// returns it with the token in a `jwt` custom section at its end, replacing any token it had.
pub fn embed(module: &[u8], request: &SigningRequest, issuer: &KeyPair) -> Result<Vec<u8>, Error> {
    KeyKind::Account.check(issuer)?;
    parse_public_key(&request.subject, KeyKind::Module)?;
    // Signing replaces every old token, nested ones included, as wasmCloud's wascap does.
    let mut without_claims = split(module)?.without_claims;
    let claims = Claims {
        id: token_id()?,
        issuer: issuer.public_key(),
        subject: request.subject.clone(),
        issued_at: unix_now()?,
        not_before: request.not_before,
        expires: request.expires,
        name: request.name.clone(),
        module_hash: hash(&without_claims),
        tags: request.tags.clone(),
        capabilities: request.capabilities.clone(),
        revision: request.revision,
        version: request.version.clone(),
        call_alias: None,
        provider: false,
        format_revision: Some(FORMAT_REVISION),
    };
    let token = jwt::encode(&claims, issuer)?;
    // A custom section is framed alike in modules and components, so it is appended as is.
    CustomSection {
        name: CLAIMS_SECTION.into(),
        data: token.as_bytes().into(),
    }
    .append_to(&mut without_claims);
    Ok(without_claims)
}

/// The module's identity: the upper-case hex SHA-256 of `module` (a core module or a component,
/// signed or not) rebuilt without its claims sections, as wasmCloud's wascap hashes it and as
/// [`embed`] records it. Claims of format revision 3 and later carry exactly this hash; earlier
/// tokens may carry the hash of the file as it was (see [`extract_at`]), so compare modules by
/// this function, not by an old token's `hash`.
pub fn module_hash(module: &[u8]) -> Result<String, Error> {
    Ok(hash(&split(module)?.without_claims))
}

/// A fresh unique token id (`jti`): 128 random bits, as upper-case hex.
fn token_id() -> Result<String, Error> {
    let mut bits = [0u8; 16];
    getrandom::getrandom(&mut bits).map_err(|e| Error::Randomness(e.to_string()))?;
    Ok(HEXUPPER.encode(&bits))
}

/// Reads the claims embedded in `module` and verifies them now: see [`extract_at`].
pub fn extract(module: &[u8]) -> Result<Claims, Error> {
    extract_at(module, unix_now()?)
}

/// Reads the claims embedded in `module` and checks only the token's signature: the module is
/// neither validated nor hashed, and the time window is not checked, so the claims say who
/// signed the module, not that the module is what was signed. Costs a walk over the section
/// headers (nested modules' and components' too, since a claims section there is refused as
/// [`extract`] refuses it), so a host can refuse an untrusted issuer before paying for
/// [`extract`].
pub fn peek_claims(module: &[u8]) -> Result<Claims, Error> {
    let found = find_token(module)?.ok_or(Error::NoClaims)?;
    jwt::decode(token_text(found.token)?)
}

/// The outermost claims section of a module, as found by [`find_token`].
struct Found<'a> {
    token: &'a [u8],
    /// Where the whole section, header included, lies in the module.
    section: Range<usize>,
}

/// Finds the outermost claims section by reading section headers only. A claims section in a
/// nested module or component is refused, as [`extract`] refuses it.
fn find_token(module: &[u8]) -> Result<Option<Found<'_>>, Error> {
    let (is_component, sections) = outline(module)?;
    if is_component && nested_claims(&sections)? {
        return Err(Error::NestedClaims);
    }
    let mut token = None;
    for section in &sections {
        if let Some(data) = section.claims()?
            && token
                .replace(Found {
                    token: data,
                    section: section.range.clone(),
                })
                .is_some()
        {
            return Err(Error::DuplicateClaims);
        }
    }
    Ok(token)
}

/// Checks the claims' hash against the module. Claims of format revision 3 and later hash the
/// module rebuilt without its claims. Earlier signers (wasmCloud's wascap 0.9 and 0.10 wrote
/// revision 2) hashed the file with its claims section cut out as it was, padded section sizes
/// included; such claims are checked both ways, each of which binds them to the module.
fn check_hash(claims: &Claims, without_claims: &[u8], module: &[u8]) -> Result<(), Error> {
    let actual = hash(without_claims);
    if actual == claims.module_hash {
        return Ok(());
    }
    let before_revisions = claims.format_revision.is_none_or(|r| r < FORMAT_REVISION);
    if before_revisions && let Some(Found { section, .. }) = find_token(module)? {
        let cut_out = [&module[..section.start], &module[section.end..]].concat();
        if hash(&cut_out) == claims.module_hash {
            return Ok(());
        }
    }
    Err(Error::Tampered {
        claimed: claims.module_hash.clone(),
        actual,
    })
}

fn token_text(token: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(token)
        .map_err(|_| Error::MalformedToken("jwt section is not utf-8".to_owned()))
}

/// Reads the claims embedded in `module` and verifies that the token is signed by the issuer it
/// names, that the module is unchanged since signing, and that `now` (seconds since the Unix
/// epoch) lies in the claims' time window.
///
/// The hash is checked whatever the claims' format revision: wasmCloud's
/// wascap skips it for tokens older than revision 3, which would leave such a module unbound to
/// its claims. Such a token may record the [`module_hash`] or, as wasmCloud's 0.9 and 0.10
/// signers computed it, the hash of the file with its claims section cut out as it was.
pub fn extract_at(module: &[u8], now: u64) -> Result<Claims, Error> {
    let stripped = split(module)?;
    let claims = jwt::decode(token_text(stripped.only_token()?)?)?;
    check_hash(&claims, &stripped.without_claims, module)?;
    claims.check_time(now)?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use wasm_encoder::Encode;
    use wasmparser::{Parser, Payload};

    use super::*;
    use crate::test_support::{answer_component, answer_module, component_around, tamper};

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

    /// `section` appended at the end of `bytes`: custom sections are framed alike in modules
    /// and components.
    fn with_custom_section(mut bytes: Vec<u8>, name: &str, data: &[u8]) -> Vec<u8> {
        CustomSection {
            name: name.into(),
            data: data.into(),
        }
        .append_to(&mut bytes);
        bytes
    }

    #[test]
    fn components_sign_and_verify_like_modules() {
        let issuer = KeyKind::Account.generate();
        let signed = embed(&answer_component(), &request(), &issuer).expect("signs");
        Validator::new()
            .validate_all(&signed)
            .expect("still a valid component");
        assert!(signed.starts_with(&wasm_encoder::Component::HEADER));
        let claims = extract(&signed).expect("verifies");
        assert_eq!(claims.capabilities, ["wasmcloud:httpserver"]);
        assert_eq!(peek_claims(&signed).expect("peeks"), claims);
        assert!(matches!(
            extract(&tamper(&signed)),
            Err(Error::Tampered { .. })
        ));
        let resigned = embed(&signed, &request(), &issuer).expect("re-signs");
        assert_eq!(
            extract(&resigned).expect("ok").module_hash,
            claims.module_hash
        );
    }

    #[test]
    fn the_hash_is_upper_case_hex_of_the_module_without_claims() {
        for unsigned in [answer_module(), answer_component()] {
            let signed = embed(&unsigned, &request(), &KeyKind::Account.generate()).expect("signs");
            let claims = extract(&signed).expect("verifies");
            assert_eq!(
                claims.module_hash,
                HEXUPPER.encode(&Sha256::digest(&unsigned))
            );
            assert_eq!(claims.format_revision, Some(FORMAT_REVISION));
            assert!(!claims.id.is_empty());
        }
    }

    #[test]
    fn wasmclouds_section_name_is_read_and_counts_towards_duplicates() {
        let signed =
            embed(&answer_module(), &request(), &KeyKind::Account.generate()).expect("signs");
        let stripped = strip(&signed).expect("strips");
        let token = stripped.only_token().expect("one token").to_vec();
        let renamed = with_custom_section(
            stripped.without_claims.clone(),
            crate::WASMCLOUD_CLAIMS_SECTION,
            &token,
        );
        assert_eq!(
            extract(&renamed).expect("verifies"),
            extract(&signed).expect("ok")
        );
        assert_eq!(
            peek_claims(&renamed).expect("peeks"),
            extract(&signed).expect("ok")
        );
        let both = with_custom_section(signed, crate::WASMCLOUD_CLAIMS_SECTION, &token);
        assert!(matches!(extract(&both), Err(Error::DuplicateClaims)));
        assert!(matches!(peek_claims(&both), Err(Error::DuplicateClaims)));
    }

    #[test]
    fn claims_inside_a_nested_module_are_refused_and_dropped_by_signing() {
        let issuer = KeyKind::Account.generate();
        let inner = embed(&answer_module(), &request(), &issuer).expect("signs the module");
        let component = component_around(&inner);
        assert!(matches!(extract(&component), Err(Error::NestedClaims)));
        let outer = embed(&component, &request(), &issuer).expect("signing drops nested claims");
        let claims = extract(&outer).expect("verifies");
        assert_eq!(
            claims.module_hash,
            HEXUPPER.encode(&Sha256::digest(component_around(&answer_module()))),
            "the nested module is hashed without its claims"
        );
        let token = strip(&outer).expect("strips").tokens[0].to_vec();
        let smuggled = with_custom_section(component, CLAIMS_SECTION, &token);
        assert!(matches!(extract(&smuggled), Err(Error::NestedClaims)));
    }

    #[test]
    fn peeking_refuses_claims_inside_a_nested_module_as_extracting_does() {
        // A signed core module wrapped into a component, as a componentizing tool does with an
        // old actor: the file has a claims section, but not one that speaks for the component.
        let issuer = KeyKind::Account.generate();
        let inner = embed(&answer_module(), &request(), &issuer).expect("signs the module");
        let component = component_around(&inner);
        let mut outer = wasm_encoder::Component::new();
        outer.section(&wasm_encoder::RawSection {
            id: wasm_encoder::ComponentSectionId::Component as u8,
            data: &component,
        });
        let deeper = outer.finish();
        for bytes in [&component, &deeper] {
            assert!(matches!(peek_claims(bytes), Err(Error::NestedClaims)));
            assert!(matches!(extract(bytes), Err(Error::NestedClaims)));
        }
        let token = strip(&inner).expect("strips").tokens[0].to_vec();
        let smuggled = with_custom_section(deeper, CLAIMS_SECTION, &token);
        assert!(matches!(peek_claims(&smuggled), Err(Error::NestedClaims)));
        // A core module's type section has the id a component gives nested modules: a module
        // is never searched below its top level.
        assert_eq!(
            peek_claims(&inner).expect("peeks").issuer,
            issuer.public_key()
        );
    }

    /// Components nested `depth` deep around an empty one, built outside in without copying.
    fn nested_components(depth: usize) -> Vec<u8> {
        let header = wasm_encoder::Component::HEADER;
        let mut sizes = vec![header.len()];
        for _ in 0..depth {
            let inner = *sizes.last().expect("one size");
            let mut size_leb = Vec::new();
            inner.encode(&mut size_leb);
            sizes.push(header.len() + 1 + size_leb.len() + inner);
        }
        let mut bytes = Vec::with_capacity(sizes[depth]);
        for inner in sizes[..depth].iter().rev() {
            bytes.extend_from_slice(&header);
            bytes.push(wasm_encoder::ComponentSectionId::Component as u8);
            inner.encode(&mut bytes);
        }
        bytes.extend_from_slice(&header);
        bytes
    }

    #[test]
    fn peeking_walks_deeply_nested_components_without_recursing() {
        let deep = nested_components(200_000);
        assert!(matches!(peek_claims(&deep), Err(Error::NoClaims)));
    }

    /// `module` with a claims section whose token records `module_hash` and format revision
    /// `revision`.
    fn signed_with_hash(module: &[u8], module_hash: String, revision: Option<u32>) -> Vec<u8> {
        let issuer = KeyKind::Account.generate();
        let claims = Claims {
            id: "J".into(),
            issuer: issuer.public_key(),
            subject: KeyKind::Module.generate().public_key(),
            name: "answer".into(),
            module_hash,
            format_revision: revision,
            ..Claims::default()
        };
        let token = jwt::encode(&claims, &issuer).expect("signs");
        with_custom_section(module.to_vec(), CLAIMS_SECTION, token.as_bytes())
    }

    #[test]
    fn claims_before_revision_3_may_hash_the_file_as_it_was() {
        // Padded section sizes: the file as it is and the module rebuilt hash differently.
        let padded = crate::test_support::reencoded(&answer_module());
        let as_it_was = HEXUPPER.encode(&Sha256::digest(&padded));
        let rebuilt = HEXUPPER.encode(&Sha256::digest(answer_module()));
        assert_ne!(as_it_was, rebuilt);
        for revision in [None, Some(2)] {
            let signed = signed_with_hash(&padded, as_it_was.clone(), revision);
            assert!(extract(&signed).is_ok(), "{revision:?}");
            let signed = signed_with_hash(&padded, rebuilt.clone(), revision);
            assert!(extract(&signed).is_ok(), "{revision:?}");
            let changed = tamper(&signed_with_hash(&padded, as_it_was.clone(), revision));
            assert!(
                matches!(extract(&changed), Err(Error::Tampered { .. })),
                "{revision:?}"
            );
        }
        let revision_3 = signed_with_hash(&padded, as_it_was, Some(FORMAT_REVISION));
        assert!(
            matches!(extract(&revision_3), Err(Error::Tampered { .. })),
            "from revision 3 on, only the rebuilt module counts, as wasmCloud's wascap checks"
        );
    }

    #[test]
    fn the_module_hash_is_the_identity_whatever_the_tokens_revision() {
        let padded = crate::test_support::reencoded(&answer_module());
        let identity = module_hash(&answer_module()).expect("hashes");
        assert_eq!(module_hash(&padded).expect("hashes"), identity);
        let as_it_was = HEXUPPER.encode(&Sha256::digest(&padded));
        let legacy = signed_with_hash(&padded, as_it_was.clone(), Some(2));
        assert_eq!(extract(&legacy).expect("verifies").module_hash, as_it_was);
        assert_eq!(module_hash(&legacy).expect("hashes"), identity);
        let signed = embed(&padded, &request(), &KeyKind::Account.generate()).expect("signs");
        assert_eq!(extract(&signed).expect("verifies").module_hash, identity);
        assert!(matches!(
            module_hash(b"hello, world"),
            Err(Error::NotWasm { .. })
        ));
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
        let bytes = with_custom_section(signed, CLAIMS_SECTION, b"x");
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
            Err(Error::NoClaims)
        ));
        let mut truncated = signed.clone();
        truncated.truncate(signed.len() - 3);
        assert!(matches!(
            peek_claims(&truncated),
            Err(Error::NotWasm { .. })
        ));
    }
}
