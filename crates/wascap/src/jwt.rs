//! Claims as a compact JWT (`header.payload.signature`, each part unpadded base64url) signed with
//! the issuer's Ed25519 account key.

use data_encoding::BASE64URL_NOPAD;
use nkeys::KeyPair;
use serde::{Deserialize, Serialize};

use crate::{Claims, Error, KeyKind, parse_public_key};

/// The only token type accepted (compared without case, as RFC 7519 recommends), written in
/// lower case as wasmCloud's wascap writes it and, comparing exactly, requires it.
const TOKEN_TYPE: &str = "jwt";

/// The only algorithm accepted: nkeys are Ed25519 keys, and accepting anything else would let a
/// forged header pick a weaker check.
const ALGORITHM: &str = "Ed25519";

#[derive(Serialize, Deserialize)]
struct Header {
    typ: String,
    alg: String,
}

/// Signs `claims` with `issuer` and returns the token.
pub(crate) fn encode(claims: &Claims, issuer: &KeyPair) -> Result<String, Error> {
    let header = Header {
        typ: TOKEN_TYPE.to_owned(),
        alg: ALGORITHM.to_owned(),
    };
    let signing_input = format!("{}.{}", to_base64_json(&header)?, to_base64_json(claims)?);
    let signature = issuer
        .sign(signing_input.as_bytes())
        .map_err(Error::Signing)?;
    Ok(format!(
        "{signing_input}.{}",
        BASE64URL_NOPAD.encode(&signature)
    ))
}

/// Parses `token`, checks that its issuer is an account key and its subject a module key, and
/// verifies its signature against the issuer. Says nothing about time or module hash.
pub(crate) fn decode(token: &str) -> Result<Claims, Error> {
    // The signature covers the token's first two parts exactly as transmitted.
    let three_parts = token
        .rsplit_once('.')
        .and_then(|(signing_input, signature)| {
            let (header, payload) = signing_input.split_once('.')?;
            (!payload.contains('.')).then_some((signing_input, header, payload, signature))
        });
    let Some((signing_input, header, payload, signature)) = three_parts else {
        return Err(malformed("expected three dot-separated parts"));
    };
    let header: Header = from_base64_json(header, "header")?;
    if !header.typ.eq_ignore_ascii_case(TOKEN_TYPE) {
        return Err(malformed(format!("unsupported token type {}", header.typ)));
    }
    if header.alg != ALGORITHM {
        return Err(malformed(format!("unsupported algorithm {}", header.alg)));
    }
    let claims: Claims = from_base64_json(payload, "payload")?;
    let issuer = parse_public_key(&claims.issuer, KeyKind::Account)?;
    parse_public_key(&claims.subject, KeyKind::Module)?;
    let signature = BASE64URL_NOPAD
        .decode(signature.as_bytes())
        .map_err(|e| malformed(format!("signature is not base64url: {e}")))?;
    issuer
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Error::BadSignature {
            issuer: claims.issuer.clone(),
        })?;
    Ok(claims)
}

fn to_base64_json(value: &impl Serialize) -> Result<String, Error> {
    let json = serde_json::to_vec(value)
        .map_err(|e| malformed(format!("claims do not serialize: {e}")))?;
    Ok(BASE64URL_NOPAD.encode(&json))
}

fn from_base64_json<T: for<'de> Deserialize<'de>>(part: &str, what: &str) -> Result<T, Error> {
    let json = BASE64URL_NOPAD
        .decode(part.as_bytes())
        .map_err(|e| malformed(format!("{what} is not base64url: {e}")))?;
    serde_json::from_slice(&json).map_err(|e| malformed(format!("{what} is not valid json: {e}")))
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::MalformedToken(reason.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims_by(issuer: &KeyPair) -> Claims {
        Claims {
            id: "J".into(),
            issuer: issuer.public_key(),
            subject: KeyKind::Module.generate().public_key(),
            issued_at: 1,
            name: "echo".into(),
            version: Some("1.0.0".into()),
            capabilities: vec!["wasmcloud:httpserver".into()],
            module_hash: "00".into(),
            ..Claims::default()
        }
    }

    #[test]
    fn signed_claims_decode_to_themselves() {
        let issuer = KeyKind::Account.generate();
        let claims = claims_by(&issuer);
        let token = encode(&claims, &issuer).expect("signing works");
        assert_eq!(decode(&token).expect("token verifies"), claims);
    }

    #[test]
    fn the_header_is_wasmclouds_byte_for_byte() {
        let issuer = KeyKind::Account.generate();
        let token = encode(&claims_by(&issuer), &issuer).expect("signing works");
        let header = token.split('.').next().expect("a header part");
        assert_eq!(
            BASE64URL_NOPAD
                .decode(header.as_bytes())
                .expect("base64url"),
            br#"{"typ":"jwt","alg":"Ed25519"}"#
        );
    }

    #[test]
    fn token_signed_by_another_key_is_rejected() {
        let named = KeyKind::Account.generate();
        let signer = KeyKind::Account.generate();
        let token = encode(&claims_by(&named), &signer).expect("signing works");
        assert!(matches!(
            decode(&token),
            Err(Error::BadSignature { issuer }) if issuer == named.public_key()
        ));
    }

    #[test]
    fn edited_payload_breaks_the_signature() {
        let issuer = KeyKind::Account.generate();
        let token = encode(&claims_by(&issuer), &issuer).expect("signing works");
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims = claims_by(&issuer);
        claims.capabilities.push("wasmcloud:keyvalue".into());
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            to_base64_json(&claims).expect("serializes"),
            parts[2]
        );
        assert!(matches!(decode(&forged), Err(Error::BadSignature { .. })));
    }

    #[test]
    fn module_key_cannot_issue() {
        let module = KeyKind::Module.generate();
        let mut claims = claims_by(&module);
        claims.issuer = module.public_key();
        let token = encode(&claims, &module).expect("nkeys signs with any seed");
        assert!(matches!(
            decode(&token),
            Err(Error::WrongKeyKind {
                expected: KeyKind::Account,
                ..
            })
        ));
    }

    #[test]
    fn garbage_and_foreign_algorithms_are_malformed() {
        assert!(matches!(decode("abc"), Err(Error::MalformedToken(_))));
        assert!(matches!(decode("a.b.c.d"), Err(Error::MalformedToken(_))));
        let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"none"}"#);
        let issuer = KeyKind::Account.generate();
        let payload = to_base64_json(&claims_by(&issuer)).expect("serializes");
        let err = decode(&format!("{header}.{payload}.")).expect_err("alg none is refused");
        assert!(err.to_string().contains("unsupported algorithm none"));
    }

    #[test]
    fn tokens_of_another_type_are_malformed_even_when_signed() {
        let issuer = KeyKind::Account.generate();
        let payload = to_base64_json(&claims_by(&issuer)).expect("serializes");
        for typ in ["JWE", "", "at+jwt"] {
            let header = to_base64_json(&Header {
                typ: typ.to_owned(),
                alg: ALGORITHM.to_owned(),
            })
            .expect("serializes");
            let signing_input = format!("{header}.{payload}");
            let signature = issuer.sign(signing_input.as_bytes()).expect("signs");
            let token = format!("{signing_input}.{}", BASE64URL_NOPAD.encode(&signature));
            let err = decode(&token).expect_err("only JWT tokens are claims");
            assert!(
                err.to_string().contains("unsupported token type"),
                "{typ}: {err}"
            );
        }
        let uppercase = to_base64_json(&Header {
            typ: "JWT".to_owned(),
            alg: ALGORITHM.to_owned(),
        })
        .expect("serializes");
        let signing_input = format!("{uppercase}.{payload}");
        let signature = issuer.sign(signing_input.as_bytes()).expect("signs");
        let token = format!("{signing_input}.{}", BASE64URL_NOPAD.encode(&signature));
        assert!(decode(&token).is_ok(), "typ is compared without case");
    }
}
