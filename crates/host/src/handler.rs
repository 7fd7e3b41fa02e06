//! What a host does for each control-plane command, independent of the network.

use std::sync::{Mutex, MutexGuard, PoisonError};

use control_interface::{Command, Reply};

use crate::reason::reason;
use crate::{Inventory, TrustedIssuers};

/// Carries out `command` against `inventory` and returns the reply; refusals become
/// [`Reply::Error`] with the reason.
pub fn handle(command: Command, trust: &TrustedIssuers, inventory: &Mutex<Inventory>) -> Reply {
    match command {
        Command::Ping => Reply::Pong {
            host_version: env!("CARGO_PKG_VERSION").to_owned(),
            actor_count: lock(inventory).len(),
        },
        Command::GetInventory => Reply::Inventory {
            actors: lock(inventory).actors(),
        },
        Command::StartActor { module } => {
            // Verify before taking the lock: hashing a large module should not stall other
            // connections.
            let started = trust.verify(&module).and_then(|claims| {
                let now = wascap::unix_now()?;
                lock(inventory).add(claims, now)
            });
            match started {
                Ok(actor) => Reply::ActorStarted { actor },
                Err(err) => refusal(err),
            }
        }
        Command::StopActor { actor_id } => match lock(inventory).remove(&actor_id) {
            Some(_) => Reply::ActorStopped { actor_id },
            None => refusal(format_args!("actor {actor_id} is not running")),
        },
    }
}

/// An error reply; the reason is cut short, as it may quote the request.
fn refusal(err: impl std::fmt::Display) -> Reply {
    Reply::Error {
        reason: reason(err),
    }
}

/// Every inventory update is a single map operation, so a panic elsewhere while the lock was
/// held cannot have left it half-changed; keep serving rather than propagate the poison.
fn lock(inventory: &Mutex<Inventory>) -> MutexGuard<'_, Inventory> {
    inventory.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use wascap::{KeyKind, KeyPair, SigningRequest};

    use super::*;
    use wascap::test_support::{answer_module, component_around, tamper};

    struct Fixture {
        issuer: KeyPair,
        trust: TrustedIssuers,
        inventory: Mutex<Inventory>,
    }

    impl Fixture {
        fn new() -> Self {
            let issuer = KeyKind::Account.generate();
            let trust = TrustedIssuers::new([issuer.public_key()]).expect("valid key");
            Fixture {
                issuer,
                trust,
                inventory: Mutex::default(),
            }
        }

        fn signed_by(&self, issuer: &KeyPair) -> (String, Vec<u8>) {
            let subject = KeyKind::Module.generate().public_key();
            let request = SigningRequest::new(subject.clone(), "answer");
            let module = wascap::embed(&answer_module(), &request, issuer).expect("signs");
            (subject, module)
        }

        fn run(&self, command: Command) -> Reply {
            handle(command, &self.trust, &self.inventory)
        }

        fn start(&self, module: Vec<u8>) -> Reply {
            self.run(Command::StartActor { module })
        }
    }

    fn reason(reply: Reply) -> String {
        match reply {
            Reply::Error { reason } => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn trusted_module_starts_appears_and_stops() {
        let f = Fixture::new();
        let (subject, module) = f.signed_by(&f.issuer);
        let Reply::ActorStarted { actor } = f.start(module) else {
            panic!("trusted module must start");
        };
        assert_eq!(actor.actor_id, subject);
        assert_eq!(actor.claims.issuer, f.issuer.public_key());
        let Reply::Inventory { actors } = f.run(Command::GetInventory) else {
            panic!("inventory reply");
        };
        assert_eq!(actors, [actor]);
        assert!(matches!(
            f.run(Command::Ping),
            Reply::Pong { actor_count: 1, .. }
        ));
        let stop = Command::StopActor {
            actor_id: subject.clone(),
        };
        assert_eq!(
            f.run(stop.clone()),
            Reply::ActorStopped { actor_id: subject }
        );
        assert!(reason(f.run(stop)).contains("is not running"));
        assert!(f.inventory.lock().expect("lock").is_empty());
    }

    #[test]
    fn untrusted_unsigned_tampered_and_duplicate_modules_are_refused_with_reasons() {
        let f = Fixture::new();
        let stranger = KeyKind::Account.generate();
        let (_, untrusted) = f.signed_by(&stranger);
        assert!(reason(f.start(untrusted)).contains("is not trusted"));
        assert!(reason(f.start(answer_module())).contains("no claims"));
        let (_, signed) = f.signed_by(&f.issuer);
        assert!(reason(f.start(tamper(&signed))).contains("does not match"));
        assert!(reason(f.start(b"MZ\x90\0".to_vec())).contains("not a valid webassembly"));
        assert!(matches!(
            f.start(signed.clone()),
            Reply::ActorStarted { .. }
        ));
        assert!(reason(f.start(signed)).contains("already running"));
        assert_eq!(f.inventory.lock().expect("lock").len(), 1);
    }

    #[test]
    fn a_signed_module_wrapped_into_a_component_is_refused_for_its_nested_claims() {
        let f = Fixture::new();
        let (_, signed) = f.signed_by(&f.issuer);
        let reason = reason(f.start(component_around(&signed)));
        assert!(
            reason.contains("a nested module or component carries a claims section"),
            "{reason}"
        );
    }

    #[test]
    fn strangers_modules_are_refused_before_they_are_validated_or_hashed() {
        let f = Fixture::new();
        let (_, untrusted) = f.signed_by(&KeyKind::Account.generate());
        // Tampered and truncated mid-function: only a check of the issuer alone can say
        // "untrusted" here, as validating or hashing would find the damage first.
        let mut broken = tamper(&untrusted);
        let code_end = broken
            .windows(2)
            .position(|w| w == [0x41, 43])
            .expect("the tampered constant")
            + 2;
        broken[code_end] = 0x00;
        let reason = reason(f.start(broken));
        assert!(reason.contains("is not trusted"), "{reason}");
    }

    #[test]
    fn trusted_issuers_must_be_account_keys() {
        let module_key = KeyKind::Module.generate().public_key();
        assert!(TrustedIssuers::new([module_key]).is_err());
        assert!(TrustedIssuers::new(["not a key"]).is_err());
        assert!(
            TrustedIssuers::new(Vec::<String>::new())
                .expect("empty")
                .is_empty()
        );
    }
}
