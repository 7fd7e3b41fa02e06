//! The actors a host runs, keyed by actor id (the module's public key).

use std::collections::BTreeMap;
use std::sync::Arc;

use control_interface::ActorDescription;
use wascap::Claims;

use crate::StartError;
use crate::runtime::Actor;

/// The running actors: how each is described to clients, and its compiled component.
#[derive(Debug, Default)]
pub(crate) struct Inventory {
    actors: BTreeMap<String, (ActorDescription, Arc<Actor>)>,
}

impl Inventory {
    /// Whether an actor with id `actor_id` runs.
    pub(crate) fn contains(&self, actor_id: &str) -> bool {
        self.actors.contains_key(actor_id)
    }

    /// Records `actor` with verified `claims`, started at `now` (seconds since the Unix epoch).
    pub(crate) fn add(
        &mut self,
        claims: Claims,
        actor: Actor,
        now: u64,
    ) -> Result<ActorDescription, StartError> {
        let actor_id = claims.subject.clone();
        if self.contains(&actor_id) {
            return Err(StartError::AlreadyRunning { actor_id });
        }
        let description = ActorDescription {
            actor_id: actor_id.clone(),
            claims,
            started_at: now,
        };
        self.actors
            .insert(actor_id, (description.clone(), Arc::new(actor)));
        Ok(description)
    }

    /// The compiled actor with id `actor_id`, if it runs.
    pub(crate) fn get(&self, actor_id: &str) -> Option<Arc<Actor>> {
        self.actors
            .get(actor_id)
            .map(|(_, actor)| Arc::clone(actor))
    }

    /// Removes the actor with id `actor_id`, returning it if it was running. Calls already under
    /// way finish on their own instance.
    pub(crate) fn remove(&mut self, actor_id: &str) -> Option<ActorDescription> {
        self.actors
            .remove(actor_id)
            .map(|(description, _)| description)
    }

    /// The running actors, ordered by id.
    pub(crate) fn actors(&self) -> Vec<ActorDescription> {
        self.actors.values().map(|(d, _)| d.clone()).collect()
    }

    /// How many actors are running.
    pub(crate) fn len(&self) -> usize {
        self.actors.len()
    }
}
