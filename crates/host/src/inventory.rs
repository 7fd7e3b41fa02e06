//! The actors a host runs, keyed by actor id (the module's public key).

use std::collections::BTreeMap;

use control_interface::ActorDescription;
use wascap::Claims;

use crate::StartError;

/// The running actors.
#[derive(Debug, Default)]
pub struct Inventory {
    actors: BTreeMap<String, ActorDescription>,
}

impl Inventory {
    /// Records an actor with verified `claims`, started at `now` (seconds since the Unix epoch).
    pub fn add(&mut self, claims: Claims, now: u64) -> Result<ActorDescription, StartError> {
        let actor_id = claims.subject.clone();
        if self.actors.contains_key(&actor_id) {
            return Err(StartError::AlreadyRunning { actor_id });
        }
        let actor = ActorDescription {
            actor_id: actor_id.clone(),
            claims,
            started_at: now,
        };
        self.actors.insert(actor_id, actor.clone());
        Ok(actor)
    }

    /// Removes the actor with id `actor_id`, returning it if it was running.
    pub fn remove(&mut self, actor_id: &str) -> Option<ActorDescription> {
        self.actors.remove(actor_id)
    }

    /// The running actors, ordered by id.
    pub fn actors(&self) -> Vec<ActorDescription> {
        self.actors.values().cloned().collect()
    }

    /// How many actors are running.
    pub fn len(&self) -> usize {
        self.actors.len()
    }

    /// Whether no actor is running.
    pub fn is_empty(&self) -> bool {
        self.actors.is_empty()
    }
}
