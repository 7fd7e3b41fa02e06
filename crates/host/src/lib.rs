//! A host that runs verified actors and answers the control plane.
//!
//! The seed of the host: an inventory that admits actors only from trusted issuers and answers
//! control-plane commands. The network server arrives with the product-crates issue.

use control_interface::{ActorDescription, Command};
use wascap::Claims;

/// The actors a host runs, admitted only from trusted issuers.
#[derive(Debug, Default)]
pub struct Inventory {
    trusted_issuers: Vec<String>,
    actors: Vec<ActorDescription>,
}

impl Inventory {
    /// An empty inventory that trusts modules signed by `trusted_issuers`.
    pub fn new(trusted_issuers: Vec<String>) -> Self {
        Inventory {
            trusted_issuers,
            actors: Vec::new(),
        }
    }

    /// Admits an actor whose claims are valid at `now` and signed by a trusted issuer.
    pub fn start(&mut self, claims: Claims, now: u64) -> Result<(), String> {
        if !self.trusted_issuers.contains(&claims.issuer) {
            return Err(format!("issuer {} is not trusted", claims.issuer));
        }
        claims
            .check_time(now)
            .map_err(|e| format!("claims rejected: {e:?}"))?;
        self.actors.retain(|a| a.claims.subject != claims.subject);
        self.actors.push(ActorDescription { claims });
        Ok(())
    }

    /// Answers a control-plane command with one line of text.
    pub fn handle(&mut self, command: &Command) -> String {
        match command {
            Command::Ping => "pong".to_owned(),
            Command::GetInventory => {
                let keys: Vec<&str> = self
                    .actors
                    .iter()
                    .map(|a| a.claims.subject.as_str())
                    .collect();
                keys.join(",")
            }
            Command::StopActor(key) => {
                let before = self.actors.len();
                self.actors.retain(|a| &a.claims.subject != key);
                if self.actors.len() < before {
                    "stopped".into()
                } else {
                    "not found".into()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(issuer: &str, subject: &str) -> Claims {
        Claims {
            issuer: issuer.into(),
            subject: subject.into(),
            capabilities: vec![],
            issued_at: 0,
            name: "x".into(),
            version: None,
            module_hash: String::new(),
            not_before: None,
            expires: Some(1_000),
        }
    }

    #[test]
    fn admits_only_trusted_and_current_claims() {
        let mut inv = Inventory::new(vec!["ATRUSTED".into()]);
        assert!(inv.start(claims("AOTHER", "M1"), 0).is_err());
        assert!(inv.start(claims("ATRUSTED", "M1"), 1_000).is_err());
        inv.start(claims("ATRUSTED", "M1"), 10).unwrap();
        assert_eq!(inv.handle(&Command::GetInventory), "M1");
        assert_eq!(inv.handle(&Command::StopActor("M1".into())), "stopped");
        assert_eq!(inv.handle(&Command::StopActor("M1".into())), "not found");
    }
}
