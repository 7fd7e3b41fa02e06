//! How claims and actors are shown to people.

use control_interface::ActorDescription;
use data_encoding::HEXLOWER;
use sha2::{Digest, Sha256};
use wascap::Claims;

/// Claims as aligned `label  value` lines, with the module hash (`identity`, from
/// [`wascap::module_hash`]) and, apart from it, the SHA-256 of the file itself, which can differ
/// for the same module. A token older than format revision 3 may record another hash (the file's
/// as it was); it is shown as the claims hash, since it is not the module's identity.
pub(crate) fn claims_text(claims: &Claims, identity: &str, file: &[u8]) -> String {
    let optional = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    let rows = [
        ("name", claims.name.clone()),
        ("module key", claims.subject.clone()),
        ("issuer", claims.issuer.clone()),
        ("version", optional(claims.version.clone())),
        ("revision", optional(claims.revision.map(|r| r.to_string()))),
        ("tags", list(&claims.tags)),
        ("capabilities", list(&claims.capabilities)),
        ("issued at", claims.issued_at.to_string()),
        (
            "not before",
            optional(claims.not_before.map(|t| t.to_string())),
        ),
        ("expires", optional(claims.expires.map(|t| t.to_string()))),
        ("module hash", identity.to_owned()),
        ("claims hash", claims.module_hash.clone()),
        ("file sha-256", HEXLOWER.encode(&Sha256::digest(file))),
    ];
    rows.iter()
        .filter(|(label, value)| *label != "claims hash" || value != identity)
        .map(|(label, value)| format!("{label:<13} {value}\n"))
        .collect()
}

/// One line per actor: id, name and capabilities.
pub(crate) fn inventory_text(actors: &[ActorDescription]) -> String {
    if actors.is_empty() {
        return "no actors running\n".to_owned();
    }
    actors
        .iter()
        .map(|actor| {
            format!(
                "{}  {}  [{}]\n",
                actor.actor_id,
                actor.claims.name,
                actor.claims.capabilities.join(", ")
            )
        })
        .collect()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            issuer: "AISSUER".into(),
            subject: "MSUBJECT".into(),
            issued_at: 5,
            not_before: None,
            expires: Some(99),
            name: "echo".into(),
            capabilities: vec!["a:b".into(), "c:d".into()],
            module_hash: "FF".into(),
            ..Claims::default()
        }
    }

    #[test]
    fn claims_text_shows_every_field_with_dashes_for_absent_ones() {
        let text = claims_text(&claims(), "FF", b"");
        assert!(text.contains("name          echo\n"));
        assert!(text.contains("capabilities  a:b, c:d\n"));
        assert!(text.contains("version       -\n"));
        assert!(text.contains("not before    -\n"));
        assert!(text.contains("expires       99\n"));
        assert!(text.contains("module hash   FF\n"));
        assert!(text.contains("revision      -\n"));
        assert!(text.contains("tags          none\n"));
        assert!(text.contains(
            "file sha-256  e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        ));
        assert_eq!(text.lines().count(), 12);
    }

    #[test]
    fn a_token_hash_other_than_the_identity_is_shown_apart() {
        let text = claims_text(&claims(), "AA", b"");
        assert!(text.contains("module hash   AA\n"));
        assert!(text.contains("claims hash   FF\n"));
        assert_eq!(text.lines().count(), 13);
    }

    #[test]
    fn inventory_text_lists_actors_or_says_there_are_none() {
        assert_eq!(inventory_text(&[]), "no actors running\n");
        let actor = ActorDescription {
            actor_id: "MSUBJECT".into(),
            claims: claims(),
            started_at: 6,
        };
        assert_eq!(inventory_text(&[actor]), "MSUBJECT  echo  [a:b, c:d]\n");
    }
}
