//! wasmCloud's claims JWT payload, field for field, so tokens signed by either side read alike.

use serde::{Deserialize, Serialize};

use crate::Claims;

/// The payload of a claims JWT: registered JWT claims, and the module's own under `wascap`.
///
/// Fields are in the order wasmCloud's wascap writes them.
#[derive(Serialize, Deserialize)]
pub(crate) struct WireClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    jti: String,
    iat: u64,
    iss: String,
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    wascap: WireModule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wascap_revision: Option<u32>,
}

/// The `wascap` object: what the claims say about the module itself. `caps` is the field of
/// wasmCloud's actor claims (its later releases no longer write it, and ignore it when read).
#[derive(Serialize, Deserialize)]
struct WireModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    caps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rev: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call_alias: Option<String>,
    #[serde(default)]
    prov: bool,
}

impl From<WireClaims> for Claims {
    fn from(wire: WireClaims) -> Self {
        let module = wire.wascap;
        Claims {
            id: wire.jti,
            issuer: wire.iss,
            subject: wire.sub,
            issued_at: wire.iat,
            not_before: wire.nbf,
            expires: wire.exp,
            name: module.name.unwrap_or_default(),
            module_hash: module.hash,
            tags: module.tags.unwrap_or_default(),
            capabilities: module.caps.unwrap_or_default(),
            revision: module.rev,
            version: module.ver,
            call_alias: module.call_alias,
            provider: module.prov,
            format_revision: wire.wascap_revision,
        }
    }
}

impl From<Claims> for WireClaims {
    fn from(claims: Claims) -> Self {
        WireClaims {
            exp: claims.expires,
            jti: claims.id,
            iat: claims.issued_at,
            iss: claims.issuer,
            sub: claims.subject,
            nbf: claims.not_before,
            wascap: WireModule {
                // wasmCloud's signers always write a name; an empty one is a name read as absent.
                name: Some(claims.name).filter(|name| !name.is_empty()),
                hash: claims.module_hash,
                // Lists are written even when empty, as wasmCloud's signers write them.
                tags: Some(claims.tags),
                caps: Some(claims.capabilities),
                rev: claims.revision,
                ver: claims.version,
                call_alias: claims.call_alias,
                prov: claims.provider,
            },
            wascap_revision: claims.format_revision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wasmcloud_payload_reads_field_for_field() {
        // The payload of wasmCloud's `examples/signed_loop.wasm`, signed by its tooling in 2020.
        let payload = r#"{"jti":"5uHKqDv3gSBAky15mvwuhp","iat":1590205332,
            "iss":"ACCHS57D3P2VEON5MQCJM4YA34GYBDFZR3IBG5EQNUONIHBO5X4NIURC",
            "sub":"MBQ2RC3BARXFWTBFW5UJ6J3QSAVYJ7D64Z5LRCPR3UI44F65Q3OMNGYM",
            "wascap":{"name":"Secure Actor",
                "hash":"5C66140DB61ABE7000BAD7BBB7A1F896CE0C0A7879D8AA3C9CAB93DB0A0A1827",
                "tags":[],"caps":["wascc:keyvalue","wascc:messaging"],"ver":"1.0.0","prov":false}}"#;
        let claims: Claims = serde_json::from_str(payload).expect("wasmCloud's payload reads");
        assert_eq!(claims.id, "5uHKqDv3gSBAky15mvwuhp");
        assert_eq!(claims.issued_at, 1_590_205_332);
        assert_eq!(claims.name, "Secure Actor");
        assert_eq!(claims.capabilities, ["wascc:keyvalue", "wascc:messaging"]);
        assert_eq!(claims.version.as_deref(), Some("1.0.0"));
        assert_eq!(claims.format_revision, None);
        assert!(claims.tags.is_empty() && !claims.provider);
    }

    #[test]
    fn claims_write_a_wascap_object_and_read_back_unchanged() {
        let claims = Claims {
            id: "J".into(),
            issuer: "A".into(),
            subject: "M".into(),
            issued_at: 5,
            not_before: Some(6),
            expires: Some(7),
            name: "echo".into(),
            module_hash: "AB".into(),
            tags: vec!["t".into()],
            capabilities: vec!["wasmcloud:keyvalue".into()],
            revision: Some(2),
            version: Some("1.0.0".into()),
            call_alias: Some("echo".into()),
            provider: false,
            format_revision: Some(3),
        };
        let json = serde_json::to_value(&claims).expect("serializes");
        assert_eq!(json["jti"], "J");
        assert_eq!(json["wascap"]["hash"], "AB");
        assert_eq!(json["wascap"]["caps"][0], "wasmcloud:keyvalue");
        assert_eq!(json["wascap"]["rev"], 2);
        assert_eq!(json["wascap"]["prov"], false);
        assert_eq!(json["wascap_revision"], 3);
        assert!(
            json.get("name").is_none(),
            "module fields live under wascap"
        );
        let back: Claims = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, claims);
    }

    #[test]
    fn a_payload_without_the_wascap_object_is_not_module_claims() {
        let account_claims = r#"{"jti":"x","iat":1,"iss":"O","sub":"A","wascap":null}"#;
        let err = serde_json::from_str::<Claims>(account_claims).expect_err("no module claims");
        assert!(err.to_string().contains("invalid type: null"), "{err}");
        let flat = r#"{"iat":1,"iss":"A","sub":"M","name":"echo","hash":"00"}"#;
        let err = serde_json::from_str::<Claims>(flat).expect_err("the old flat format");
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
