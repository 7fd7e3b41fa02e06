//! Interoperability with wasmCloud's own wascap, the published crate taken as dev-dependencies:
//! `wascap_upstream` (its newest release) and `wascap_actor` (its last release whose claims carry
//! capabilities). A module or component signed by either side verifies on the other, and what
//! one refuses (tampered module, edited token, expired or not yet valid claims) the other
//! refuses too. Modules are built from the WebAssembly text format.

use data_encoding::BASE64URL_NOPAD;
use wascap::{Claims, Error, KeyKind, KeyPair, SigningRequest};
use wascap_upstream::jwt::{Claims as TheirClaims, Component, validate_token};
use wascap_upstream::wasm::{embed_claims, extract_claims};
use wasm_encoder::{CustomSection, Section};
use wasmparser::{Parser, Payload};

/// A core module exporting `answer`, which returns 42.
fn module() -> Vec<u8> {
    wat::parse_str(r#"(module (func (export "answer") (result i32) i32.const 42))"#)
        .expect("module text parses")
}

/// A component lifting the same function.
fn component() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m (func (export "answer") (result i32) i32.const 42))
            (core instance $i (instantiate $m))
            (func (export "answer") (result s32) (canon lift (core func $i "answer"))))"#,
    )
    .expect("component text parses")
}

/// A component nesting a module with custom sections of its own and a component: the hash
/// rebuilds nested levels, so both sides must rebuild them alike.
fn nested_component() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m
                (func (export "answer") (result i32) i32.const 42)
                (@custom "producers" "nested"))
            (component $inner
                (core module $n (func (export "zero") (result i32) i32.const 0)))
            (core instance $i (instantiate $m))
            (instance (instantiate $inner))
            (func (export "answer") (result s32) (canon lift (core func $i "answer"))))"#,
    )
    .expect("component text parses")
}

fn unsigned_inputs() -> [(&'static str, Vec<u8>); 4] {
    [
        ("core module", module()),
        ("component", component()),
        ("nested component", nested_component()),
        ("module with padded section sizes", padded(&module())),
    ]
}

/// `bytes` with every top-level section size written in five LEB128 bytes: the same module in
/// another file.
fn padded(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes[..8].to_vec();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.expect("parses");
        if let Some((id, range)) = payload.as_section() {
            let size = u32::try_from(range.end - range.start).expect("small section");
            out.push(id);
            out.extend((0..5).map(|i| {
                let low = ((size >> (7 * i)) & 0x7f) as u8;
                if i < 4 { low | 0x80 } else { low }
            }));
            out.extend_from_slice(&bytes[range.start as usize..range.end as usize]);
        }
    }
    out
}

/// Changes `i32.const 42` to 43: still valid, but not what was signed.
fn tamper(bytes: &[u8]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    let at = bytes
        .windows(2)
        .position(|w| w == [0x41, 42])
        .expect("i32.const 42");
    bytes[at + 1] = 43;
    bytes
}

fn now() -> u64 {
    wascap::unix_now().expect("clock")
}

fn account() -> KeyPair {
    KeyKind::Account.generate()
}

fn module_key() -> String {
    KeyKind::Module.generate().public_key()
}

fn our_request(subject: String) -> SigningRequest {
    let mut request = SigningRequest::new(subject, "answer").with_capability("wasmcloud:keyvalue");
    request.version = Some("1.2.3".into());
    request.revision = Some(7);
    request.tags = vec!["tagged".into()];
    request
}

fn sign_ours(bytes: &[u8], issuer: &KeyPair) -> Vec<u8> {
    wascap::embed(bytes, &our_request(module_key()), issuer).expect("we sign")
}

/// wasmCloud's claims for `subject`, valid in `[not_before, expires)`.
fn their_claims(
    issuer: &KeyPair,
    subject: String,
    not_before: Option<u64>,
    expires: Option<u64>,
) -> TheirClaims<Component> {
    TheirClaims::<Component>::with_dates(
        "answer".into(),
        issuer.public_key(),
        subject,
        Some(vec!["tagged".into()]),
        not_before,
        expires,
        false,
        Some(7),
        Some("1.2.3".into()),
        None,
    )
}

fn sign_theirs(bytes: &[u8], issuer: &KeyPair) -> Vec<u8> {
    let claims = their_claims(issuer, module_key(), None, None);
    embed_claims(bytes, &claims, issuer).expect("they sign")
}

/// Verifies as wasmCloud's host does: extract the token (which checks the module hash), then
/// validate it (signature and time window).
fn verify_theirs(bytes: &[u8]) -> Result<TheirClaims<Component>, String> {
    let token = extract_claims(bytes)
        .map_err(|e| e.to_string())?
        .ok_or("no claims")?;
    let validation = validate_token::<Component>(&token.jwt).map_err(|e| e.to_string())?;
    if !validation.signature_valid {
        return Err("signature does not verify".into());
    }
    if validation.expired {
        return Err("expired".into());
    }
    if validation.cannot_use_yet {
        return Err("not yet valid".into());
    }
    Ok(token.claims)
}

/// The claims token of `bytes` and the bytes around it.
fn token_of(bytes: &[u8]) -> (Vec<u8>, String) {
    let mut without = bytes[..8].to_vec();
    let mut token = None;
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.expect("parses");
        let at_top = depth == 0;
        match &payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::CustomSection(s) if at_top && wascap_section(s.name()) => {
                token = Some(String::from_utf8(s.data().to_vec()).expect("utf-8"));
                continue;
            }
            _ => {}
        }
        if at_top && let Some((id, range)) = payload.as_section() {
            without.push(id);
            let data = &bytes[range.start as usize..range.end as usize];
            wasm_encoder::Encode::encode(data, &mut without);
        }
    }
    (without, token.expect("a claims section"))
}

fn wascap_section(name: &str) -> bool {
    name == wascap::CLAIMS_SECTION || name == wascap::WASMCLOUD_CLAIMS_SECTION
}

/// `bytes` with its token's payload edited by `edit` and the signature kept.
fn forge(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let (mut without, token) = token_of(bytes);
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&BASE64URL_NOPAD.decode(parts[1].as_bytes()).expect("base64"))
            .expect("json");
    edit(&mut payload);
    let payload = BASE64URL_NOPAD.encode(&serde_json::to_vec(&payload).expect("json"));
    let forged = format!("{}.{payload}.{}", parts[0], parts[2]);
    CustomSection {
        name: "jwt".into(),
        data: forged.as_bytes().into(),
    }
    .append_to(&mut without);
    without
}

#[test]
fn signed_by_us_verifies_with_theirs() {
    for (what, unsigned) in unsigned_inputs() {
        let issuer = account();
        let signed = sign_ours(&unsigned, &issuer);
        let ours = wascap::extract(&signed).expect("we verify our own");
        let theirs = verify_theirs(&signed).unwrap_or_else(|e| panic!("{what}: {e}"));
        let meta = theirs.metadata.expect("wascap object");
        assert_eq!(theirs.issuer, issuer.public_key(), "{what}");
        assert_eq!(theirs.subject, ours.subject, "{what}");
        assert_eq!(theirs.id, ours.id, "{what}");
        assert_eq!(theirs.issued_at, ours.issued_at, "{what}");
        assert_eq!(meta.name.as_deref(), Some("answer"), "{what}");
        assert_eq!(meta.module_hash, ours.module_hash, "{what}");
        assert_eq!(meta.tags, Some(vec!["tagged".to_owned()]), "{what}");
        assert_eq!(meta.rev, Some(7), "{what}");
        assert_eq!(meta.ver.as_deref(), Some("1.2.3"), "{what}");
        assert!(!meta.provider, "{what}");
    }
}

#[test]
fn signed_by_theirs_verifies_with_ours() {
    for (what, unsigned) in unsigned_inputs() {
        let issuer = account();
        let signed = sign_theirs(&unsigned, &issuer);
        let theirs = verify_theirs(&signed).expect("they verify their own");
        let ours = wascap::extract(&signed).unwrap_or_else(|e| panic!("{what}: {e}"));
        let meta = theirs.metadata.expect("wascap object");
        assert_eq!(ours.issuer, issuer.public_key(), "{what}");
        assert_eq!(ours.subject, theirs.subject, "{what}");
        assert_eq!(ours.id, theirs.id, "{what}");
        assert_eq!(ours.name, "answer", "{what}");
        assert_eq!(ours.module_hash, meta.module_hash, "{what}");
        assert_eq!(ours.tags, ["tagged"], "{what}");
        assert_eq!(ours.revision, Some(7), "{what}");
        assert_eq!(ours.version.as_deref(), Some("1.2.3"), "{what}");
        assert_eq!(ours.format_revision, Some(3), "{what}");
        assert_eq!(wascap::peek_claims(&signed).expect("peeks"), ours, "{what}");
    }
}

#[test]
fn both_sides_hash_the_same_bytes_alike() {
    for (what, unsigned) in unsigned_inputs() {
        let ours = wascap::extract(&sign_ours(&unsigned, &account())).expect("ours");
        let theirs = wascap::extract(&sign_theirs(&unsigned, &account())).expect("theirs");
        assert_eq!(ours.module_hash, theirs.module_hash, "{what}");
        assert_eq!(ours.module_hash.len(), 64, "{what}");
        assert!(
            ours.module_hash
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
            "{what}: upper-case hex"
        );
    }
}

#[test]
fn resigning_by_the_other_side_keeps_the_hash_and_replaces_the_token() {
    for (what, unsigned) in unsigned_inputs() {
        let ours_first = sign_ours(&unsigned, &account());
        let issuer = account();
        let theirs_over_ours = sign_theirs(&ours_first, &issuer);
        let claims = wascap::extract(&theirs_over_ours).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(claims.issuer, issuer.public_key(), "{what}");
        let issuer = account();
        let ours_over_theirs = sign_ours(&theirs_over_ours, &issuer);
        let theirs = verify_theirs(&ours_over_theirs).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(theirs.issuer, issuer.public_key(), "{what}");
        assert_eq!(
            theirs.metadata.expect("wascap object").module_hash,
            claims.module_hash,
            "{what}"
        );
    }
}

#[test]
fn a_module_tampered_after_signing_is_refused_by_both() {
    for (what, unsigned) in unsigned_inputs() {
        let ours = tamper(&sign_ours(&unsigned, &account()));
        let err = verify_theirs(&ours).expect_err("they see our module changed");
        assert!(err.contains("hash"), "{what}: {err}");
        assert!(
            matches!(wascap::extract(&ours), Err(Error::Tampered { .. })),
            "{what}"
        );
        let theirs = tamper(&sign_theirs(&unsigned, &account()));
        assert!(verify_theirs(&theirs).is_err(), "{what}");
        assert!(
            matches!(wascap::extract(&theirs), Err(Error::Tampered { .. })),
            "{what}"
        );
    }
}

#[test]
fn an_edited_token_breaks_the_signature_on_both_sides() {
    let add_capability = |payload: &mut serde_json::Value| {
        payload["wascap"]["caps"] = serde_json::json!(["wasmcloud:secrets"]);
    };
    let rename = |payload: &mut serde_json::Value| {
        payload["wascap"]["name"] = serde_json::json!("someone else");
    };
    for (what, unsigned) in unsigned_inputs() {
        for signed in [
            sign_ours(&unsigned, &account()),
            sign_theirs(&unsigned, &account()),
        ] {
            for forged in [forge(&signed, add_capability), forge(&signed, rename)] {
                assert_eq!(
                    verify_theirs(&forged).expect_err("they refuse"),
                    "signature does not verify",
                    "{what}"
                );
                assert!(
                    matches!(wascap::extract(&forged), Err(Error::BadSignature { .. })),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn expired_claims_are_refused_by_both() {
    let past = now() - 3_600;
    for (what, unsigned) in unsigned_inputs() {
        let mut request = our_request(module_key());
        request.expires = Some(past);
        let ours = wascap::embed(&unsigned, &request, &account()).expect("signs");
        assert_eq!(verify_theirs(&ours).expect_err("refused"), "expired");
        assert!(
            matches!(wascap::extract(&ours), Err(Error::Expired { expires, .. }) if expires == past),
            "{what}"
        );
        let issuer = account();
        let claims = their_claims(&issuer, module_key(), None, Some(past));
        let theirs = embed_claims(&unsigned, &claims, &issuer).expect("they sign");
        assert_eq!(verify_theirs(&theirs).expect_err("refused"), "expired");
        assert!(
            matches!(wascap::extract(&theirs), Err(Error::Expired { expires, .. }) if expires == past),
            "{what}"
        );
    }
}

#[test]
fn claims_not_yet_valid_are_refused_by_both_until_their_time() {
    let soon = now() + 3_600;
    for (what, unsigned) in unsigned_inputs() {
        let mut request = our_request(module_key());
        request.not_before = Some(soon);
        let ours = wascap::embed(&unsigned, &request, &account()).expect("signs");
        assert_eq!(verify_theirs(&ours).expect_err("refused"), "not yet valid");
        assert!(
            matches!(wascap::extract(&ours), Err(Error::NotYetValid { .. })),
            "{what}"
        );
        let issuer = account();
        let claims = their_claims(&issuer, module_key(), Some(soon), None);
        let theirs = embed_claims(&unsigned, &claims, &issuer).expect("they sign");
        assert_eq!(
            verify_theirs(&theirs).expect_err("refused"),
            "not yet valid"
        );
        assert!(
            matches!(wascap::extract(&theirs), Err(Error::NotYetValid { .. })),
            "{what}"
        );
        assert!(wascap::extract_at(&theirs, soon).is_ok(), "{what}");
    }
}

#[test]
fn their_tokens_need_an_account_issuer_and_a_module_subject_here() {
    let unsigned = component();
    // wasmCloud's signer takes any key as issuer and any text as subject; a host must not.
    let module_issuer = KeyKind::Module.generate();
    let claims = their_claims(&module_issuer, module_key(), None, None);
    let signed = embed_claims(&unsigned, &claims, &module_issuer).expect("they sign");
    assert!(matches!(
        wascap::extract(&signed),
        Err(Error::WrongKeyKind {
            expected: KeyKind::Account,
            ..
        })
    ));
    let issuer = account();
    for subject in [account().public_key(), "answer.wasm".to_owned()] {
        let claims = their_claims(&issuer, subject.clone(), None, None);
        let signed = embed_claims(&unsigned, &claims, &issuer).expect("they sign");
        let err = wascap::extract(&signed).expect_err("subject must be a module key");
        assert!(
            matches!(
                err,
                Error::WrongKeyKind {
                    expected: KeyKind::Module,
                    ..
                } | Error::InvalidPublicKey {
                    kind: KeyKind::Module,
                    ..
                }
            ),
            "{subject}: {err}"
        );
    }
    // And we sign only with an account key, so they never get such a token from us.
    assert!(matches!(
        wascap::embed(
            &unsigned,
            &our_request(module_key()),
            &KeyKind::Module.generate()
        ),
        Err(Error::WrongKeyKind {
            expected: KeyKind::Account,
            ..
        })
    ));
}

#[test]
fn capabilities_cross_with_wasmclouds_actor_claims() {
    use wascap_actor::jwt::{Actor, Claims as ActorClaims, validate_token};
    use wascap_actor::wasm::{embed_claims, extract_claims};
    let caps = vec![
        "wasmcloud:keyvalue".to_owned(),
        "wasmcloud:messaging".to_owned(),
    ];

    let issuer = account();
    let mut request = our_request(module_key());
    request.capabilities.clone_from(&caps);
    let ours = wascap::embed(&module(), &request, &issuer).expect("we sign");
    let token = extract_claims(&ours)
        .expect("they extract")
        .expect("claims");
    let validation = validate_token::<Actor>(&token.jwt).expect("validates");
    assert!(validation.signature_valid && !validation.expired && !validation.cannot_use_yet);
    assert_eq!(
        token.claims.metadata.expect("wascap object").caps,
        Some(caps.clone())
    );

    // wascap 0.13 uses another nkeys release: the same account, rebuilt from its seed.
    let seed = issuer.seed().expect("seed");
    let their_issuer = wascap_actor::prelude::KeyPair::from_seed(&seed).expect("seed");
    let claims = ActorClaims::<Actor>::with_dates(
        "answer".into(),
        issuer.public_key(),
        module_key(),
        Some(caps.clone()),
        None,
        None,
        None,
        false,
        None,
        None,
        None,
    );
    let theirs = embed_claims(&module(), &claims, &their_issuer).expect("they sign");
    let read: Claims = wascap::extract(&theirs).expect("we verify");
    assert_eq!(read.capabilities, caps);
    assert_eq!(read.issuer, issuer.public_key());
}

#[test]
fn a_module_signed_by_wasmclouds_tooling_in_2020_verifies() {
    // wasmCloud's `examples/signed_loop.wasm`: a `jwt` section written before the claims format
    // had a revision, hashed as today.
    let signed = include_bytes!("fixtures/signed_loop.wasm");
    let claims = wascap::extract(signed).expect("verifies");
    assert_eq!(claims.name, "Secure Actor");
    assert_eq!(
        claims.issuer,
        "ACCHS57D3P2VEON5MQCJM4YA34GYBDFZR3IBG5EQNUONIHBO5X4NIURC"
    );
    assert_eq!(
        claims.module_hash,
        "5C66140DB61ABE7000BAD7BBB7A1F896CE0C0A7879D8AA3C9CAB93DB0A0A1827"
    );
    assert_eq!(claims.capabilities.len(), 4);
    assert_eq!(claims.format_revision, None);
    assert!(matches!(
        wascap::extract(&tamper_loop(signed)),
        Err(Error::Tampered { .. })
    ));
}

/// `signed` with a custom section added: still valid, but not the module that was signed.
fn tamper_loop(signed: &[u8]) -> Vec<u8> {
    let mut bytes = signed.to_vec();
    CustomSection {
        name: "added".into(),
        data: b"after signing".into(),
    }
    .append_to(&mut bytes);
    bytes
}

#[test]
fn a_module_signed_by_wasmclouds_0_9_tooling_verifies() {
    // wasmCloud's `fixtures/echo_messaging_v0.9.0.wasm`: revision 2, which hashed the file with
    // its claims section cut out as it was, padded section sizes included.
    let signed = include_bytes!("fixtures/echo_messaging_v0.9.0.wasm");
    let claims = wascap::extract(signed).expect("verifies");
    assert_eq!(claims.name, "Echo Messaging");
    assert_eq!(claims.format_revision, Some(2));
    assert_eq!(
        claims.capabilities,
        ["wasmcloud:messaging", "wasmcloud:builtin:logging"]
    );
    assert!(matches!(
        wascap::extract(&tamper_loop(signed)),
        Err(Error::Tampered { .. })
    ));
}

#[test]
fn a_component_signed_by_wasmclouds_0_16_tooling_verifies() {
    // `fixtures/answer_component_signed_by_wascap_0.16.2.wasm`: `component()` signed by the
    // published wascap 0.16.2 (a `wasmcloud_jwt` section, no `caps`, a call alias), kept as a
    // file so that tools without that crate (`wash`'s tests) can read it too.
    let signed = include_bytes!("fixtures/answer_component_signed_by_wascap_0.16.2.wasm");
    let claims = wascap::extract(signed).expect("verifies");
    assert_eq!(claims.name, "Answer");
    assert_eq!(claims.call_alias.as_deref(), Some("answer"));
    assert_eq!(claims.revision, Some(4));
    assert_eq!(claims.format_revision, Some(3));
    assert!(claims.capabilities.is_empty());
    assert_eq!(
        verify_theirs(signed).expect("they verify it").issuer,
        claims.issuer
    );
    assert_eq!(
        wascap::module_hash(signed).expect("hashes"),
        claims.module_hash
    );
    assert_eq!(
        wascap::module_hash(&component()).expect("hashes"),
        claims.module_hash,
        "the fixture is component() signed"
    );
}

#[test]
fn stale_and_deeply_nested_claims_sections_hash_alike_on_both_sides() {
    // A module with a stale `jwt` section among other custom sections, and a component whose
    // claims sections sit two levels down, between custom sections that stay: signing drops
    // every claims section at every depth on both sides, and keeps the rest byte for byte.
    let stale = wat::parse_str(
        r#"(module
            (import "env" "f" (func (param i32) (result i32)))
            (table 2 funcref) (memory 1) (global (mut i32) (i32.const 0))
            (func $start) (func $a (param i32) (result i32) local.get 0)
            (export "a" (func $a)) (start $start) (elem (i32.const 0) $a $a)
            (data (i32.const 0) "hi") (data "passive")
            (@custom "jwt" (after code) "an old token")
            (@custom "producers" (before type) "p")
            (@custom "z" (after data) "z"))"#,
    )
    .expect("module text parses");
    let deep = wat::parse_str(
        r#"(component
            (@custom "top-before" "x")
            (component $c
                (@custom "jwt" "inner")
                (core module (@custom "wasmcloud_jwt" "deep") (@custom "keep" "k"))
                (component (core module (@custom "jwt" "deeper"))))
            (@custom "between" "y")
            (instance (instantiate $c))
            (@custom "top-after" "z"))"#,
    )
    .expect("component text parses");
    for (what, unsigned) in [("stale token", stale), ("deep tokens", deep)] {
        let ours = wascap::extract(&sign_ours(&unsigned, &account())).expect("ours");
        let theirs_signed = sign_theirs(&unsigned, &account());
        let theirs = verify_theirs(&theirs_signed).expect("theirs");
        let identity = wascap::module_hash(&unsigned).expect("hashes");
        assert_eq!(ours.module_hash, identity, "{what}");
        assert_eq!(
            theirs.metadata.expect("wascap object").module_hash,
            identity,
            "{what}"
        );
        assert_eq!(
            wascap::extract(&theirs_signed)
                .expect("we verify theirs")
                .module_hash,
            identity,
            "{what}"
        );
    }
}

#[test]
fn a_lower_case_hash_is_refused_by_both() {
    // wasmCloud's signers write the hash in upper-case hex and its verifier compares it exactly;
    // so does this crate, whatever the token's revision, so a module has one spelling of its hash.
    let unsigned = module();
    let issuer = account();
    let mut claims = their_claims(&issuer, module_key(), None, None);
    let identity = wascap::module_hash(&unsigned).expect("hashes");
    claims.metadata.as_mut().expect("wascap object").module_hash = identity.to_lowercase();
    let token = claims.encode(&issuer).expect("they sign the token");
    let mut signed = unsigned.clone();
    CustomSection {
        name: wascap::CLAIMS_SECTION.into(),
        data: token.as_bytes().into(),
    }
    .append_to(&mut signed);
    assert!(
        verify_theirs(&signed)
            .expect_err("they refuse")
            .contains("hash")
    );
    assert!(matches!(
        wascap::extract(&signed),
        Err(Error::Tampered { ref claimed, ref actual }) if *claimed == identity.to_lowercase() && *actual == identity
    ));
}
