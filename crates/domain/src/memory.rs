//! An in-memory ledger of streams that runs commands exactly as the application layer does
//! (load the target and referenced streams, decide, append), for tests, scenarios and the seed
//! stories. It holds events in memory only; the event store is elsewhere.

use std::collections::BTreeMap;

use kernel::{StreamId, Timestamp};

use crate::{Command, Context, DomainError, Event, Facts, handle};

/// Streams of domain events held in memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ledger {
    streams: BTreeMap<StreamId, Vec<Event>>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// The events of `stream`, oldest first; empty when it has none.
    pub fn history(&self, stream: &StreamId) -> &[Event] {
        self.streams.get(stream).map_or(&[], Vec::as_slice)
    }

    /// Every stream and its events, in stream id order.
    pub fn streams(&self) -> impl Iterator<Item = (&StreamId, &[Event])> {
        self.streams.iter().map(|(id, events)| (id, events.as_slice()))
    }

    /// The facts a command would be decided against: the states of its referenced streams.
    pub fn facts_for(&self, command: &Command) -> Result<Facts, DomainError> {
        let mut facts = Facts::default();
        for stream in command.references() {
            let history = self.history(&stream);
            if !history.is_empty() {
                facts.insert(&stream, history)?;
            }
        }
        Ok(facts)
    }

    /// The states of every stream held.
    pub fn all_facts(&self) -> Result<Facts, DomainError> {
        let mut facts = Facts::default();
        for (stream, history) in &self.streams {
            facts.insert(stream, history)?;
        }
        Ok(facts)
    }

    /// Decides `command` at `now` and appends the events it produces.
    pub fn execute(&mut self, command: &Command, now: Timestamp) -> Result<Vec<Event>, DomainError> {
        let ctx = Context::with_facts(now, self.facts_for(command)?);
        let stream = command.stream_id();
        let events = handle(self.history(&stream), &ctx, command)?;
        if !events.is_empty() {
            self.streams.entry(stream).or_default().extend(events.iter().cloned());
        }
        Ok(events)
    }
}
