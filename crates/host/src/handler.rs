//! What a host does for each control-plane command, independent of the network.

use std::sync::{Mutex, MutexGuard, PoisonError};

use control_interface::{ActorDescription, Command, Reply};

use crate::inventory::Inventory;
use crate::reason::reason;
use crate::runtime::Runtime;
use crate::{CallError, HostError, Limits, StartError, TrustedIssuers};

/// The actors a host runs, who may sign them, and the runtime they run in.
#[derive(Debug)]
pub struct Actors {
    issuers: TrustedIssuers,
    inventory: Mutex<Inventory>,
    runtime: Runtime,
}

impl Actors {
    /// No actors yet; modules signed by `issuers` may start, and run under `limits`.
    pub fn new(issuers: TrustedIssuers, limits: &Limits) -> Result<Self, HostError> {
        Ok(Actors {
            issuers,
            inventory: Mutex::default(),
            runtime: Runtime::new(limits)?,
        })
    }

    /// Verifies `module`'s claims, compiles it and links the interfaces its claims grant, and
    /// keeps it ready for calls. Compiling is CPU-bound: async callers run this on a blocking
    /// thread, as [`Host`](crate::Host) does.
    pub fn start(&self, module: &[u8]) -> Result<ActorDescription, StartError> {
        let claims = self.issuers.verify(module)?;
        if lock(&self.inventory).contains(&claims.subject) {
            return Err(StartError::AlreadyRunning {
                actor_id: claims.subject,
            });
        }
        let actor = self.runtime.compile(module, &claims.capabilities)?;
        let now = wascap::unix_now()?;
        lock(&self.inventory).add(claims, actor, now)
    }

    /// Calls the actor `actor_id` with `request` and returns its reply.
    pub async fn call(&self, actor_id: &str, request: &[u8]) -> Result<Vec<u8>, CallError> {
        let actor = lock(&self.inventory)
            .get(actor_id)
            .ok_or_else(|| CallError::NotRunning {
                actor_id: actor_id.to_owned(),
            })?;
        self.runtime.call(&actor, request).await
    }

    /// Stops the actor `actor_id`, returning it if it was running.
    pub fn stop(&self, actor_id: &str) -> Option<ActorDescription> {
        lock(&self.inventory).remove(actor_id)
    }

    /// The running actors, ordered by id.
    pub fn list(&self) -> Vec<ActorDescription> {
        lock(&self.inventory).actors()
    }

    /// How many actors are running.
    pub fn len(&self) -> usize {
        lock(&self.inventory).len()
    }

    /// Whether no actor is running.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Carries out `command` on `actors` and returns the reply; refusals become [`Reply::Error`]
/// with the reason. A start compiles on the calling thread (see [`Actors::start`]).
pub async fn handle(command: Command, actors: &Actors) -> Reply {
    match command {
        Command::Ping => Reply::Pong {
            host_version: env!("CARGO_PKG_VERSION").to_owned(),
            actor_count: actors.len(),
        },
        Command::GetInventory => Reply::Inventory {
            actors: actors.list(),
        },
        Command::StartActor { module } => start_reply(actors, &module),
        Command::StopActor { actor_id } => match actors.stop(&actor_id) {
            Some(_) => Reply::ActorStopped { actor_id },
            None => refusal(format_args!("actor {actor_id} is not running")),
        },
        Command::CallActor { actor_id, data } => match actors.call(&actor_id, &data).await {
            Ok(data) => Reply::ActorReplied { actor_id, data },
            Err(err @ CallError::NotRunning { .. }) => refusal(err),
            Err(err) => refusal(format_args!("call to actor {actor_id} failed: {err}")),
        },
    }
}

/// The reply to a start of `module`.
pub(crate) fn start_reply(actors: &Actors, module: &[u8]) -> Reply {
    match actors.start(module) {
        Ok(actor) => Reply::ActorStarted { actor },
        Err(err) => refusal(err),
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
    use crate::test_actors;
    use wascap::test_support::{answer_module, component_around, tamper};

    struct Fixture {
        issuer: KeyPair,
        actors: Actors,
    }

    impl Fixture {
        fn new() -> Self {
            let issuer = KeyKind::Account.generate();
            let trust = TrustedIssuers::new([issuer.public_key()]).expect("valid key");
            let actors = Actors::new(trust, &Limits::default()).expect("runtime");
            Fixture { issuer, actors }
        }

        /// `component` signed by `issuer` with `caps`, and its actor id.
        fn signed(&self, component: &[u8], issuer: &KeyPair, caps: &[&str]) -> (String, Vec<u8>) {
            let subject = KeyKind::Module.generate().public_key();
            let mut request = SigningRequest::new(subject.clone(), "actor");
            for cap in caps {
                request = request.with_capability(*cap);
            }
            let module = wascap::embed(component, &request, issuer).expect("signs");
            (subject, module)
        }

        async fn run(&self, command: Command) -> Reply {
            handle(command, &self.actors).await
        }

        async fn start(&self, module: Vec<u8>) -> Reply {
            self.run(Command::StartActor { module }).await
        }

        async fn call(&self, actor_id: &str, data: &[u8]) -> Reply {
            let command = Command::CallActor {
                actor_id: actor_id.to_owned(),
                data: data.to_vec(),
            };
            self.run(command).await
        }
    }

    fn reason(reply: Reply) -> String {
        match reply {
            Reply::Error { reason } => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn trusted_actor_starts_answers_calls_appears_and_stops() {
        let f = Fixture::new();
        let (subject, module) = f.signed(&test_actors::reverse(), &f.issuer, &[]);
        let Reply::ActorStarted { actor } = f.start(module).await else {
            panic!("trusted actor must start");
        };
        assert_eq!(actor.actor_id, subject);
        assert_eq!(
            f.call(&subject, b"abc").await,
            Reply::ActorReplied {
                actor_id: subject.clone(),
                data: b"cba".to_vec()
            }
        );
        let Reply::Inventory { actors } = f.run(Command::GetInventory).await else {
            panic!("inventory reply");
        };
        assert_eq!(actors, [actor]);
        assert!(matches!(
            f.run(Command::Ping).await,
            Reply::Pong { actor_count: 1, .. }
        ));
        let stop = Command::StopActor {
            actor_id: subject.clone(),
        };
        assert_eq!(
            f.run(stop.clone()).await,
            Reply::ActorStopped {
                actor_id: subject.clone()
            }
        );
        assert!(reason(f.run(stop).await).contains("is not running"));
        assert!(reason(f.call(&subject, b"abc").await).contains("is not running"));
        assert!(f.actors.is_empty());
    }

    #[tokio::test]
    async fn untrusted_unsigned_tampered_core_and_duplicate_modules_are_refused_with_reasons() {
        let f = Fixture::new();
        let stranger = KeyKind::Account.generate();
        let (_, untrusted) = f.signed(&test_actors::reverse(), &stranger, &[]);
        assert!(reason(f.start(untrusted).await).contains("is not trusted"));
        assert!(reason(f.start(test_actors::reverse()).await).contains("no claims"));
        let (_, core) = f.signed(&answer_module(), &f.issuer, &[]);
        assert!(reason(f.start(tamper(&core)).await).contains("does not match"));
        assert!(reason(f.start(core).await).contains("this host runs components"));
        assert!(reason(f.start(b"MZ\x90\0".to_vec()).await).contains("not a valid webassembly"));
        let (_, signed) = f.signed(&test_actors::reverse(), &f.issuer, &[]);
        assert!(matches!(
            f.start(signed.clone()).await,
            Reply::ActorStarted { .. }
        ));
        assert!(reason(f.start(signed).await).contains("already running"));
        assert_eq!(f.actors.len(), 1);
    }

    #[tokio::test]
    async fn a_signed_module_wrapped_into_a_component_is_refused_for_its_nested_claims() {
        let f = Fixture::new();
        let (_, signed) = f.signed(&answer_module(), &f.issuer, &[]);
        let reason = reason(f.start(component_around(&signed)).await);
        assert!(
            reason.contains("a nested module or component carries a claims section"),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn imports_need_the_capability_that_grants_them() {
        let f = Fixture::new();
        let (_, ungranted) = f.signed(&test_actors::random(), &f.issuer, &["wasmcloud:httpserver"]);
        let refusal = reason(f.start(ungranted).await);
        assert!(
            refusal.contains("wasi:random/random@0.2.0") && refusal.contains(crate::NUMBERGEN),
            "{refusal}"
        );
        assert!(f.actors.is_empty(), "nothing half-started");
        let (subject, granted) = f.signed(&test_actors::random(), &f.issuer, &[crate::NUMBERGEN]);
        assert!(matches!(f.start(granted).await, Reply::ActorStarted { .. }));
        let Reply::ActorReplied { data, .. } = f.call(&subject, b"").await else {
            panic!("granted actor replies");
        };
        assert_eq!(data.len(), 8);
    }

    #[tokio::test]
    async fn strangers_modules_are_refused_before_they_are_validated_or_hashed() {
        let f = Fixture::new();
        let (_, untrusted) = f.signed(&answer_module(), &KeyKind::Account.generate(), &[]);
        // Tampered and truncated mid-function: only a check of the issuer alone can say
        // "untrusted" here, as validating or hashing would find the damage first.
        let mut broken = tamper(&untrusted);
        let code_end = broken
            .windows(2)
            .position(|w| w == [0x41, 43])
            .expect("the tampered constant")
            + 2;
        broken[code_end] = 0x00;
        let reason = reason(f.start(broken).await);
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
