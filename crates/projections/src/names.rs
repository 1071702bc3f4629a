//! The names people know organisations and bodies by, kept current through renames, so that
//! every view can print "West Lindsey District Council" where the events say `GB-LAE-WLI`.

use std::collections::BTreeMap;

use domain::{Key, OrgId, body, organisation};
use serde::{Deserialize, Serialize};

use crate::change::{Change, evolve_in};

/// Organisations and bodies, folded from their own streams.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Names {
    organisations: BTreeMap<OrgId, organisation::State>,
    bodies: BTreeMap<Key, body::State>,
}

impl Names {
    pub(crate) fn apply(&mut self, change: &Change) {
        match change {
            Change::Organisation(id, e) => evolve_in(&mut self.organisations, id, e, organisation::evolve),
            Change::Body(key, e) => evolve_in(&mut self.bodies, key, e, body::evolve),
            _ => {}
        }
    }

    pub(crate) fn organisations(&self) -> impl Iterator<Item = &organisation::State> {
        self.organisations.values().filter(|o| o.is_registered())
    }

    pub(crate) fn bodies(&self) -> impl Iterator<Item = &body::State> {
        self.bodies.values().filter(|b| b.exists())
    }

    /// The organisation's current name, or its identifier when it was never registered.
    pub(crate) fn organisation(&self, id: &OrgId) -> String {
        self.organisations.get(id).filter(|o| o.is_registered()).map_or_else(|| id.to_string(), |o| o.name.clone())
    }

    /// The body's name, or its key when it was never established. A name another body also
    /// has is told apart by the body's parent organisations: "Cabinet, Rotherham Metropolitan
    /// Borough Council".
    pub(crate) fn body(&self, key: &Key) -> String {
        let Some(body) = self.bodies.get(key).filter(|b| b.exists()) else { return key.to_string() };
        let shared = self.bodies.iter().any(|(other, b)| other != key && b.exists() && b.name == body.name);
        if !shared || body.parents.is_empty() {
            return body.name.clone();
        }
        let parents: Vec<String> = body.parents.iter().map(|o| self.organisation(o)).collect();
        format!("{}, {}", body.name, parents.join(" and "))
    }
}
