//! A stored event read back in the domain's terms: the aggregate instance it belongs to and what
//! happened to it. Read models fold the domain's own aggregate states with the domain's own
//! `evolve`, so a status means here exactly what it means when a command is decided.

use std::collections::BTreeMap;

use domain::ids::StreamKey;
use domain::{Event, Key, OrgId, body, codec, commitment, indicator, instrument, meeting, organisation, resolution};
use kernel::RecordedEvent;

/// One decoded event with the key of its stream.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    Organisation(OrgId, organisation::Event),
    Body(Key, body::Event),
    Meeting(Key, meeting::Event),
    Resolution(Key, resolution::Event),
    Instrument(Key, instrument::Event),
    Commitment(Key, commitment::Event),
    Indicator(Key, indicator::Event),
}

impl Change {
    /// A recorded event decoded with the key of its stream, or `None` when it cannot be read, its
    /// stream is outside the naming convention or belongs to another aggregate: read models skip it.
    pub(crate) fn of(recorded: &RecordedEvent) -> Option<Change> {
        Some(match codec::decode_keyed(recorded).ok()? {
            (StreamKey::Organisation(id), Event::Organisation(e)) => Change::Organisation(id, e),
            (StreamKey::Body(key), Event::Body(e)) => Change::Body(key, e),
            (StreamKey::Meeting(key), Event::Meeting(e)) => Change::Meeting(key, e),
            (StreamKey::Resolution(key), Event::Resolution(e)) => Change::Resolution(key, e),
            (StreamKey::Instrument(key), Event::Instrument(e)) => Change::Instrument(key, e),
            (StreamKey::Commitment(key), Event::Commitment(e)) => Change::Commitment(key, e),
            (StreamKey::Indicator(key), Event::Indicator(e)) => Change::Indicator(key, e),
            _ => return None,
        })
    }
}

/// Folds `event` into the state held for `key`, with the aggregate's own `evolve`.
pub(crate) fn evolve_in<K: Ord + Clone, S: Default, E>(
    states: &mut BTreeMap<K, S>,
    key: &K,
    event: &E,
    evolve: fn(S, &E) -> S,
) {
    // Looked up before it is inserted, so the key is copied only for a new aggregate.
    match states.get_mut(key) {
        Some(state) => *state = evolve(std::mem::take(state), event),
        None => {
            states.insert(key.clone(), evolve(S::default(), event));
        }
    }
}
