//! Restoring a log from an export: events already recorded elsewhere, written again verbatim,
//! with the positions, stream versions, times and hashes they were given there. [`check_restore`]
//! is the one set of rules every backend applies, under its write lock, before it writes a batch
//! of them: the batch must continue the stored chain exactly, and must keep every invariant an
//! append would have kept.

use std::collections::HashMap;

use crate::append::validate_event;
use crate::{
    ChainHead, ChainVerifier, EventId, InvalidAppend, Limits, Position, RecordedEvent, StoreError, StreamId,
    StreamState, Timestamp, VerifyFailure,
};

/// A batch of recorded events that cannot be restored as sent. Nothing of it was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRestore {
    #[error("the batch holds no events: give at least one")]
    Empty,
    #[error("the batch holds {count} events: the limit is {limit}; restore in smaller batches")]
    TooManyEvents { count: usize, limit: usize },
    #[error(
        "the events do not continue the stored hash chain: {0}; restore a whole export, in order, from its first event"
    )]
    Chain(VerifyFailure),
    #[error("the event at position {position} is not valid: {error}")]
    Invalid { position: Position, error: InvalidAppend },
    #[error(
        "the event at position {position} is version {found} of stream {stream}, which is at version {current}: an event must be the next version of its stream"
    )]
    StreamVersion { position: Position, stream: StreamId, current: u64, found: u64 },
    #[error(
        "the event at position {position} has id {event_id}, which is already recorded at position {recorded}: every event needs its own id"
    )]
    EventIdRecorded { position: Position, event_id: EventId, recorded: Position },
    #[error(
        "the event at position {position} was recorded at {recorded_at}, before the event preceding it: recorded times never go back along the log"
    )]
    RecordedAtGoesBack { position: Position, recorded_at: Timestamp },
}

/// Why a restore wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// Fix the batch (or the export it comes from); sending it again unchanged fails again.
    #[error("the events cannot be restored: {0}")]
    Invalid(#[from] InvalidRestore),
    /// The store could not be reached or failed; the batch may be sent again.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// Checks recorded events one at a time, in position order, against everything already
/// checked or stored: the chain continues, each event is the next version of its stream, no event
/// id is used twice, `recorded_at` never goes back, and every event passes an append's checks.
#[derive(Debug)]
pub struct RestoreChecker {
    verifier: ChainVerifier,
    last_recorded_at: Option<Timestamp>,
    versions: HashMap<StreamId, u64>,
    /// Every event id known, with the position it is (or will be) recorded at.
    ids: HashMap<EventId, Position>,
    limits: Limits,
}

impl RestoreChecker {
    /// Starts after the stored `head`, whose event was recorded at `last_recorded_at`; `state`
    /// holds what is stored of the streams and ids the events will touch (all of it empty for an
    /// empty store).
    pub fn new(head: ChainHead, last_recorded_at: Option<Timestamp>, state: StreamState, limits: Limits) -> Self {
        let ids = state.existing.into_iter().map(|(id, event)| (id, event.position)).collect();
        Self { verifier: ChainVerifier::new(head), last_recorded_at, versions: state.versions, ids, limits }
    }

    /// Checks the next event.
    pub fn check(&mut self, event: &RecordedEvent) -> Result<(), InvalidRestore> {
        let position = event.position;
        self.verifier.check(event).map_err(InvalidRestore::Chain)?;
        validate_event(event.event_id, event.schema_version, &event.payload, &event.metadata, &self.limits)
            .map_err(|error| InvalidRestore::Invalid { position, error })?;
        let current = self.versions.get(&event.stream_id).copied().unwrap_or(0);
        if event.stream_version != current + 1 {
            return Err(InvalidRestore::StreamVersion {
                position,
                stream: event.stream_id.clone(),
                current,
                found: event.stream_version,
            });
        }
        if let Some(recorded) = self.ids.get(&event.event_id) {
            return Err(InvalidRestore::EventIdRecorded { position, event_id: event.event_id, recorded: *recorded });
        }
        if self.last_recorded_at.is_some_and(|last| event.recorded_at < last) {
            return Err(InvalidRestore::RecordedAtGoesBack { position, recorded_at: event.recorded_at });
        }
        self.versions.insert(event.stream_id.clone(), event.stream_version);
        self.ids.insert(event.event_id, position);
        self.last_recorded_at = Some(event.recorded_at);
        Ok(())
    }

    /// The last event checked, or the head it started from.
    pub fn head(self) -> ChainHead {
        self.verifier.finish(None).verified_head
    }
}

/// Checks that the batch `events` may be written after the stored `head` exactly as it is, and
/// returns the head it leads to: what every backend runs under its write lock.
///
/// `last_recorded_at` is the `recorded_at` of the event at `head`; `state` holds the current
/// version of each stream the batch touches and any stored event that has one of its ids.
pub fn check_restore(
    head: ChainHead,
    last_recorded_at: Option<Timestamp>,
    state: StreamState,
    events: &[RecordedEvent],
    limits: &Limits,
) -> Result<ChainHead, InvalidRestore> {
    if events.is_empty() {
        return Err(InvalidRestore::Empty);
    }
    if events.len() > limits.max_events_per_append {
        return Err(InvalidRestore::TooManyEvents { count: events.len(), limit: limits.max_events_per_append });
    }
    let mut checker = RestoreChecker::new(head, last_recorded_at, state, *limits);
    for event in events {
        checker.check(event)?;
    }
    Ok(checker.head())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppendRequest, EventType, Expected, Hash, Metadata, NewEvent, Payload, event_hash, plan_group};

    fn event(percent: u32) -> NewEvent {
        NewEvent {
            event_id: EventId::new(),
            event_type: EventType::parse("CommitmentProgressReported").expect("valid"),
            schema_version: 2,
            payload: Payload::parse(&format!(r#"{{"percent_complete":{percent},"status":"amber"}}"#)).expect("valid"),
            metadata: Metadata::new("clerk@west-lindsey.gov.uk", Timestamp::parse("2021-03-09").expect("valid")),
        }
    }

    /// A log of `n` events on two streams, as a store would have recorded it.
    fn recorded(n: u32) -> Vec<RecordedEvent> {
        let requests: Vec<AppendRequest> = (0..n)
            .map(|i| {
                let stream = if i % 2 == 0 { "commitment-hhcdg-delivery-plan" } else { "commitment-wl-dfg" };
                AppendRequest::single(StreamId::parse(stream).expect("valid"), Expected::Any, vec![event(i)])
            })
            .collect();
        let now = Timestamp::parse("2021-03-10").expect("valid");
        plan_group(ChainHead::default(), None, now, StreamState::default(), &requests).rows
    }

    fn check(head: ChainHead, state: &StreamState, events: &[RecordedEvent]) -> Result<ChainHead, InvalidRestore> {
        check_restore(head, None, state.clone(), events, &Limits::default())
    }

    /// What a store holding `events` knows about the streams and ids of `batch`.
    fn state_after(events: &[RecordedEvent]) -> StreamState {
        let mut state = StreamState::default();
        for e in events {
            state.versions.insert(e.stream_id.clone(), e.stream_version);
            state.existing.insert(e.event_id, e.clone());
        }
        state
    }

    #[test]
    fn a_log_restores_whole_or_in_batches_to_the_same_head() {
        let log = recorded(6);
        let last = log.last().expect("events");
        let whole = check(ChainHead::default(), &StreamState::default(), &log).expect("restores");
        assert_eq!(whole, ChainHead { position: last.position, hash: last.hash });
        let (first, rest) = log.split_at(4);
        let middle = check(ChainHead::default(), &StreamState::default(), first).expect("restores");
        let mut state = state_after(first);
        state.existing.clear();
        assert_eq!(check(middle, &state, rest).expect("restores"), whole);
    }

    #[test]
    fn a_batch_that_does_not_continue_the_chain_is_refused() {
        let log = recorded(4);
        let err = check(ChainHead::default(), &StreamState::default(), &log[1..]).expect_err("gap");
        assert!(matches!(err, InvalidRestore::Chain(VerifyFailure::Gap { expected: Position(1), .. })), "{err}");
        let mut altered = log.clone();
        altered[2].payload = Payload::parse(r#"{"percent_complete":100,"status":"green"}"#).expect("valid");
        let err = check(ChainHead::default(), &StreamState::default(), &altered).expect_err("altered");
        assert!(matches!(err, InvalidRestore::Chain(VerifyFailure::HashMismatch { position: Position(3), .. })));
        let head = ChainHead { position: Position(0), hash: Hash([7; 32]) };
        let err = check(head, &StreamState::default(), &log).expect_err("other chain");
        assert!(matches!(err, InvalidRestore::Chain(VerifyFailure::BrokenLink { .. })), "{err}");
    }

    /// Re-hashes `events` from the start, as a forger would, so that only the other rules can
    /// refuse them.
    fn rehash(events: &mut [RecordedEvent]) {
        let mut prev = Hash::GENESIS;
        for e in events {
            e.prev_hash = prev;
            e.hash = event_hash(e);
            prev = e.hash;
        }
    }

    #[test]
    fn a_consistent_chain_that_breaks_the_logs_rules_is_refused() {
        let mut skipped = recorded(3);
        skipped[2].stream_version = 3;
        rehash(&mut skipped);
        let err = check(ChainHead::default(), &StreamState::default(), &skipped).expect_err("version");
        assert!(matches!(err, InvalidRestore::StreamVersion { current: 1, found: 3, .. }), "{err}");

        let mut reused = recorded(3);
        reused[2].event_id = reused[0].event_id;
        rehash(&mut reused);
        let err = check(ChainHead::default(), &StreamState::default(), &reused).expect_err("id");
        assert!(matches!(err, InvalidRestore::EventIdRecorded { recorded: Position(1), .. }), "{err}");

        let mut back = recorded(3);
        back[2].recorded_at = Timestamp::parse("2020-01-01").expect("valid");
        rehash(&mut back);
        let err = check(ChainHead::default(), &StreamState::default(), &back).expect_err("time");
        assert!(matches!(err, InvalidRestore::RecordedAtGoesBack { position: Position(3), .. }), "{err}");

        let mut nobody = recorded(1);
        nobody[0].metadata.actor = String::new();
        rehash(&mut nobody);
        let err = check(ChainHead::default(), &StreamState::default(), &nobody).expect_err("actor");
        assert!(matches!(err, InvalidRestore::Invalid { error: InvalidAppend::BadActor { .. }, .. }), "{err}");

        let mut nul = recorded(2);
        nul[1].metadata.source = Some("West Lindsey minute 45\0".into());
        rehash(&mut nul);
        let err = check(ChainHead::default(), &StreamState::default(), &nul).expect_err("a NUL");
        assert!(
            matches!(
                err,
                InvalidRestore::Invalid { position: Position(2), error: InvalidAppend::ControlCharacter { .. } }
            ),
            "{err}"
        );

        let log = recorded(2);
        let err = check(ChainHead::default(), &state_after(&log[..1]), &log).expect_err("recorded");
        assert!(matches!(err, InvalidRestore::StreamVersion { .. }), "{err}");
        assert_eq!(check(ChainHead::default(), &StreamState::default(), &[]), Err(InvalidRestore::Empty));
    }
}
