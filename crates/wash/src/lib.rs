//! The developer CLI's library part: turning what a user types into control-plane commands.
//!
//! The seed of `wash`; the full CLI arrives with the product-crates issue.

use control_interface::Command;

/// Parses `wash ctl` words (`ping`, `inventory`, `stop KEY`) into a command.
pub fn parse_ctl(words: &[&str]) -> Result<Command, String> {
    match words {
        ["ping"] => Ok(Command::Ping),
        ["inventory"] => Ok(Command::GetInventory),
        ["stop", key] => Ok(Command::StopActor((*key).to_owned())),
        _ => Err(format!("unknown ctl command: {}", words.join(" "))),
    }
}

/// Describes claims for `wash claims inspect`.
pub fn describe(claims: &wascap::Claims) -> String {
    format!(
        "{} signed by {} with [{}]",
        claims.subject,
        claims.issuer,
        claims.capabilities.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::Inventory;

    #[test]
    fn ctl_words_drive_a_host() {
        let mut inv = Inventory::new(vec!["A1".into()]);
        let claims = wascap::Claims {
            issuer: "A1".into(),
            subject: "M1".into(),
            capabilities: vec!["cap:x".into()],
            issued_at: 0,
            name: "x".into(),
            version: None,
            module_hash: String::new(),
            not_before: None,
            expires: None,
        };
        assert_eq!(describe(&claims), "M1 signed by A1 with [cap:x]");
        inv.start(claims, 5).unwrap();
        assert_eq!(inv.handle(&parse_ctl(&["inventory"]).unwrap()), "M1");
        assert_eq!(inv.handle(&parse_ctl(&["ping"]).unwrap()), "pong");
        assert!(parse_ctl(&["launch"]).is_err());
    }
}
