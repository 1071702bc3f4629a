//! The names people know organisations and bodies by, kept current through renames, so that
//! every view can print "West Lindsey District Council" where the events say `GB-LAE-WLI`.

use std::collections::BTreeMap;

use domain::{Key, OrgId, body, organisation};
use kernel::{Position, RecordedEvent, Timestamp};
use serde::{Deserialize, Serialize};

use crate::AsOf;
use crate::change::{Change, evolve_in};

/// Organisations and bodies, folded from their own streams.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Names {
    organisations: BTreeMap<OrgId, organisation::State>,
    bodies: BTreeMap<Key, body::State>,
    /// The bodies established under each name, with where the log established them: a body
    /// takes its name when it is established and keeps it, so this tells a shared name without
    /// looking at every body, and which bodies shared it at a point in the past.
    by_name: BTreeMap<String, BTreeMap<Key, Established>>,
}

/// Where in the log a body was established: what an as-of point needs to tell whether it
/// includes the event.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
struct Established {
    position: Position,
    recorded_at: Timestamp,
    occurred_at: Timestamp,
}

impl Names {
    pub(crate) fn apply(&mut self, change: &Change, event: &RecordedEvent) {
        match change {
            Change::Organisation(id, e) => evolve_in(&mut self.organisations, id, e, organisation::evolve),
            Change::Body(key, e) => {
                let before = self.bodies.get(key).filter(|b| b.exists()).map(|b| b.name.clone());
                evolve_in(&mut self.bodies, key, e, body::evolve);
                let after = self.bodies.get(key).filter(|b| b.exists()).map(|b| &b.name);
                if before.as_ref() != after {
                    let after = after.cloned();
                    if let Some(name) = before
                        && let Some(keys) = self.by_name.get_mut(&name)
                    {
                        keys.remove(key);
                        if keys.is_empty() {
                            self.by_name.remove(&name);
                        }
                    }
                    if let Some(name) = after {
                        let at = Established {
                            position: event.position,
                            recorded_at: event.recorded_at,
                            occurred_at: event.metadata.occurred_at,
                        };
                        self.by_name.entry(name).or_default().insert(key.clone(), at);
                    }
                }
            }
            _ => {}
        }
    }

    pub(crate) fn organisations(&self) -> impl Iterator<Item = &organisation::State> {
        self.organisations.values().filter(|o| o.is_registered())
    }

    pub(crate) fn bodies(&self) -> impl Iterator<Item = &body::State> {
        self.bodies.values().filter(|b| b.exists())
    }

    /// The body `key`, when it was established.
    pub(crate) fn established_body(&self, key: &Key) -> Option<&body::State> {
        self.bodies.get(key).filter(|b| b.exists())
    }

    /// The organisation's current name, or its identifier when it was never registered.
    pub(crate) fn organisation(&self, id: &OrgId) -> String {
        self.organisations.get(id).filter(|o| o.is_registered()).map_or_else(|| id.to_string(), |o| o.name.clone())
    }

    /// The body's name, or its key when it was never established. A name another body also
    /// has is told apart by the body's parent organisations: "Cabinet, Rotherham Metropolitan
    /// Borough Council".
    pub(crate) fn body(&self, key: &Key) -> String {
        self.body_name(key).unwrap_or_else(|| key.to_string())
    }

    /// [`Names::body`] of a body that was established, or none.
    pub(crate) fn body_name(&self, key: &Key) -> Option<String> {
        let body = self.established_body(key)?;
        let shared = self.by_name.get(&body.name).is_some_and(|keys| keys.len() > 1);
        if !shared || body.parents.is_empty() {
            return Some(body.name.clone());
        }
        let parents: Vec<String> = body.parents.iter().map(|o| self.organisation(o)).collect();
        Some(format!("{}, {}", body.name, parents.join(" and ")))
    }

    /// Another body that had been established under the name of body `key` by the point
    /// `as_of`, if any: the one body whose stream a view of that point needs besides `key`'s
    /// own to name `key` as [`Names::body`] does there.
    pub(crate) fn namesake(&self, key: &Key, as_of: AsOf) -> Option<&Key> {
        let body = self.established_body(key)?;
        self.by_name.get(&body.name)?.iter().find_map(|(other, at)| {
            (other != key && as_of.includes_at(at.position, at.recorded_at, at.occurred_at)).then_some(other)
        })
    }
}
