//! A unit of work: the streams one request has loaded from the log, the events its commands have
//! decided but not yet appended, and the single append they become.
//!
//! Commands are decided in order with the in-memory [`Ledger`], so each sees the events of the
//! ones before it, and a succession passes on what it can see: the commitments, seats on bodies and
//! party obligations the log says the predecessor holds, loaded before the succession is decided,
//! and any recorded earlier in the same request. The append expects every stream it writes at the version loaded (`NoStream` for a new
//! one), so any change made meanwhile by another writer makes it fail as a whole.
//!
//! Event ids are fresh, or derived from the command's [`crate::IdSeed`] (its idempotency key)
//! when it has one, so that the same request decided again appends the same ids.
//!
//! Given a [`StateCache`], a unit of work takes each command's own stream out of it when it is
//! kept there, and keeps every stream it reads from the log; the streams it took from the cache
//! are named by [`UnitOfWork::unverified`] until its append checks them. A stream taken out is
//! the ledger's alone, so the decided events are added to its history without copying it; the
//! recorder puts it back once the append has recorded them.

use std::collections::HashMap;
use std::sync::Arc;

use domain::ids::resolution_stream;
use domain::memory::Ledger;
use domain::{Command, Event, codec, organisation};
use kernel::{
    AppendRequest, EventId, EventStore, Expected, Metadata, NewEvent, Position, StreamAppend, StreamId, Timestamp,
};

use crate::cause::{Origin, cited_resolution, command_ids};
use crate::state_cache::{State, StateCache};
use crate::{AppendedEvent, InvalidRequest, RecordError, Submission, holdings};

/// An event decided but not yet appended.
#[derive(Debug)]
struct Pending {
    item: usize,
    stream: StreamId,
    event: NewEvent,
}

pub(crate) struct UnitOfWork<'a> {
    store: &'a dyn EventStore,
    now: Timestamp,
    ledger: Ledger,
    /// The version at which each loaded stream was read: 0 when it had no events.
    versions: HashMap<StreamId, u64>,
    /// The first event of each stream, recorded or pending: what a citation points at.
    origins: HashMap<StreamId, Origin>,
    pending: Vec<Pending>,
    cache: Option<&'a StateCache>,
    /// The streams taken from the cache rather than read from the log.
    cached: Vec<StreamId>,
}

impl<'a> UnitOfWork<'a> {
    /// An empty unit of work that decides at `now`, taking commands' own streams from `cache`
    /// when it is given and keeps them.
    pub fn new(store: &'a dyn EventStore, now: Timestamp, cache: Option<&'a StateCache>) -> Self {
        Self {
            store,
            now,
            ledger: Ledger::new(),
            versions: HashMap::new(),
            origins: HashMap::new(),
            pending: Vec::new(),
            cache,
            cached: Vec::new(),
        }
    }

    /// Takes `stream` out of the cache when it is kept there, and reads it from the log otherwise.
    async fn load_own(&mut self, stream: &StreamId) -> Result<(), RecordError> {
        if self.versions.contains_key(stream) {
            return Ok(());
        }
        let Some(state) = self.cache.and_then(|cache| cache.take(stream)) else {
            return self.load(stream).await.map(drop);
        };
        if let Some(origin) = state.origin {
            self.origins.insert(stream.clone(), origin);
        }
        match state.folded {
            Some(folded) => self.ledger.load_folded(stream.clone(), state.history, folded),
            None if !state.history.is_empty() => self.ledger.load(stream.clone(), state.history),
            None => {}
        }
        self.versions.insert(stream.clone(), state.version);
        self.cached.push(stream.clone());
        Ok(())
    }

    /// The streams taken from the cache that the append will not check: those no decided event
    /// goes to (the append expects every other stream at the version taken). A decision that
    /// rests on any of them may rest on a stale state, and must be made again from the log.
    pub fn unverified(&self) -> Vec<StreamId> {
        let unchecked = |stream: &&StreamId| !self.pending.iter().any(|p| p.stream == **stream);
        self.cached.iter().filter(unchecked).cloned().collect()
    }

    /// The streams taken from the cache.
    pub fn cached(&self) -> &[StreamId] {
        &self.cached
    }

    /// What each stream this unit of work appends to will be once its append is recorded as
    /// decided: its history with the decided events, at the version they take it to.
    pub fn decided_states(&self) -> Vec<(StreamId, State)> {
        let mut written: HashMap<&StreamId, u64> = HashMap::new();
        for pending in &self.pending {
            *written.entry(&pending.stream).or_default() += 1;
        }
        written
            .into_iter()
            .map(|(stream, count)| {
                let state = State {
                    version: self.versions.get(stream).copied().unwrap_or(0) + count,
                    history: self.ledger.shared_history(stream),
                    folded: self.ledger.folded(stream),
                    origin: self.origins.get(stream).copied(),
                };
                (stream.clone(), state)
            })
            .collect()
    }

    /// Reads `stream` from the log unless already loaded; returns the version it was read at.
    pub async fn load(&mut self, stream: &StreamId) -> Result<u64, RecordError> {
        if let Some(version) = self.versions.get(stream) {
            return Ok(*version);
        }
        let loaded = self.store.load_stream(stream).await?;
        let events = loaded
            .iter()
            .map(|l| codec::decode_loaded(stream, l).map_err(|e| RecordError::undecodable(l.position, stream, &e)))
            .collect::<Result<Vec<Event>, _>>()?;
        let origin =
            loaded.first().map(|first| Origin { event_id: first.event_id.0, correlation_id: first.correlation_id });
        if let Some(origin) = origin {
            self.origins.insert(stream.clone(), origin);
        }
        let version = loaded.last().map_or(0, |l| l.stream_version);
        let events = Arc::new(events);
        if let Some(cache) = self.cache {
            cache.keep(stream, State { version, history: events.clone(), folded: None, origin });
        }
        if !events.is_empty() {
            self.ledger.load(stream.clone(), events);
        }
        self.versions.insert(stream.clone(), version);
        Ok(version)
    }

    /// Decides command number `item` against everything loaded and decided so far, and holds its
    /// events, and the events they cause, with their metadata.
    pub async fn decide(&mut self, item: usize, submission: &Submission) -> Result<(), RecordError> {
        let command = &submission.command;
        let target = command.stream_id();
        // The command's own date is checked before anything is read.
        domain::when::occurred_at(command, submission.provenance.occurred_at, self.now)
            .map_err(|error| RecordError::Rejected { item, stream: target.clone(), error: error.into() })?;
        self.load_own(&target).await?;
        for stream in command.references() {
            self.load(&stream).await?;
        }
        if let Command::Organisation(organisation::Command::Succeed { id, .. }) = command {
            for stream in holdings::held_by(self.store, id).await? {
                self.load(&stream).await?;
            }
        }
        let executed = self.ledger.execute_traced(command, self.now).map_err(|error| RecordError::Rejected {
            item,
            stream: target.clone(),
            error,
        })?;
        // Checked again now that the rules have decided: a rescission or a confirmation of minutes
        // happened on the date the rules found for it.
        let occurred_at =
            domain::when::occurred_at_derived(command, &executed.events, submission.provenance.occurred_at, self.now)
                .map_err(|error| RecordError::Rejected { item, stream: target.clone(), error: error.into() })?;

        let provenance = &submission.provenance;
        let id = |event: usize| provenance.id_seed.map_or_else(EventId::new, |seed| seed.event_id(item, event));
        let ids: Vec<EventId> = (0..executed.events.len()).map(id).collect();
        let Some(first) = ids.first().copied() else { return Ok(()) };
        let cited = cited_resolution(command).and_then(|key| self.origins.get(&resolution_stream(key)).copied());
        let (correlation_id, causation_id) =
            command_ids(provenance.correlation_id, provenance.causation_id, cited, first.0);
        let metadata = Metadata {
            actor: provenance.actor.clone(),
            correlation_id,
            causation_id,
            source: provenance.source.clone(),
            occurred_at,
        };
        for (event, id) in executed.events.iter().zip(ids) {
            self.hold(item, &target, event, id, metadata.clone())?;
        }
        let caused = Metadata { causation_id: Some(first.0), ..metadata };
        for ((stream, event), index) in executed.caused.iter().zip(executed.events.len()..) {
            self.hold(item, stream, event, id(index), caused.clone())?;
        }
        Ok(())
    }

    fn hold(
        &mut self,
        item: usize,
        stream: &StreamId,
        event: &Event,
        event_id: EventId,
        metadata: Metadata,
    ) -> Result<(), RecordError> {
        let (event_type, schema_version, payload) =
            codec::encode(event).map_err(|e| InvalidRequest::Encode { item, detail: e.to_string() })?;
        let origin = Origin { event_id: event_id.0, correlation_id: metadata.correlation_id };
        self.origins.entry(stream.clone()).or_insert(origin);
        let event = NewEvent { event_id, event_type, schema_version, payload, metadata };
        self.pending.push(Pending { item, stream: stream.clone(), event });
        Ok(())
    }

    /// The one append that records every decided event, each stream expected at the version it
    /// was loaded at, and what each of its events will be, in the order of the request, their
    /// positions still to be assigned by the store; `None` when nothing was decided.
    ///
    /// A request holds each stream once, so the events are grouped by stream, the streams in the
    /// order each first received an event; within a stream they keep the order decided.
    pub fn into_append(self) -> Option<(AppendRequest, Vec<AppendedEvent>)> {
        if self.pending.is_empty() {
            return None;
        }
        let mut order: Vec<StreamId> = Vec::new();
        let mut grouped: HashMap<StreamId, Vec<Pending>> = HashMap::new();
        for pending in self.pending {
            if !grouped.contains_key(&pending.stream) {
                order.push(pending.stream.clone());
            }
            grouped.entry(pending.stream.clone()).or_default().push(pending);
        }
        let mut streams = Vec::with_capacity(order.len());
        let mut planned = Vec::new();
        for stream_id in order {
            let loaded = self.versions.get(&stream_id).copied().unwrap_or(0);
            let events = grouped.remove(&stream_id).unwrap_or_default();
            for (offset, pending) in (1..).zip(&events) {
                planned.push(AppendedEvent {
                    item: pending.item,
                    position: Position::ZERO,
                    stream_id: stream_id.clone(),
                    stream_version: loaded + offset,
                    event_id: pending.event.event_id,
                    event_type: pending.event.event_type.clone(),
                    correlation_id: pending.event.metadata.correlation_id,
                    causation_id: pending.event.metadata.causation_id,
                });
            }
            let expected = if loaded == 0 { Expected::NoStream } else { Expected::Exactly(loaded) };
            streams.push(StreamAppend { stream_id, expected, events: events.into_iter().map(|p| p.event).collect() });
        }
        Some((AppendRequest { streams }, planned))
    }
}
