//! Append requests and the one set of rules every backend applies to them: validation before
//! anything is written, idempotency by event id, expected-version checks, and the assignment of
//! positions, stream versions, `recorded_at` and hashes for a group of requests committed in one
//! transaction.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::payload::MAX_PAYLOAD_BYTES;
use crate::{
    ChainHead, ControlCharacter, EventId, Metadata, NewEvent, Payload, Position, RecordedEvent, StoreError, StreamId,
    Timestamp, event_hash,
};

/// What a writer expects of a stream before its events are appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
pub enum Expected {
    /// Append whatever the stream's version.
    Any,
    /// The stream must have no events yet.
    NoStream,
    /// The stream's last event must be at exactly this version (0 means no events).
    Exactly(u64),
}

impl Expected {
    fn allows(self, actual: u64) -> bool {
        match self {
            Expected::Any => true,
            Expected::NoStream => actual == 0,
            Expected::Exactly(version) => actual == version,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Any => f.write_str("any version"),
            Expected::NoStream => f.write_str("no stream"),
            Expected::Exactly(v) => write!(f, "version {v}"),
        }
    }
}

/// Events for one stream, with the expectation that guards them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamAppend {
    pub stream_id: StreamId,
    pub expected: Expected,
    pub events: Vec<NewEvent>,
}

/// One atomic append: every stream's events are written, or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendRequest {
    pub streams: Vec<StreamAppend>,
}

impl AppendRequest {
    /// A request for one stream.
    pub fn single(stream_id: StreamId, expected: Expected, events: Vec<NewEvent>) -> Self {
        Self { streams: vec![StreamAppend { stream_id, expected, events }] }
    }

    pub fn event_count(&self) -> usize {
        self.streams.iter().map(|s| s.events.len()).sum()
    }

    pub fn stream_ids(&self) -> impl Iterator<Item = &StreamId> {
        self.streams.iter().map(|s| &s.stream_id)
    }

    pub fn event_ids(&self) -> impl Iterator<Item = EventId> + '_ {
        self.streams.iter().flat_map(|s| s.events.iter().map(|e| e.event_id))
    }

    /// Checks everything that can be checked without the store. Backends call this before a
    /// request reaches the writer, so that a bad request costs nothing and writes nothing.
    pub fn validate(&self, limits: &Limits) -> Result<(), InvalidAppend> {
        if self.streams.is_empty() {
            return Err(InvalidAppend::Empty);
        }
        let count = self.event_count();
        if count > limits.max_events_per_append {
            return Err(InvalidAppend::TooManyEvents { count, limit: limits.max_events_per_append });
        }
        let mut streams = HashSet::new();
        let mut ids = HashSet::new();
        for stream in &self.streams {
            if stream.events.is_empty() {
                return Err(InvalidAppend::NoEventsForStream { stream: stream.stream_id.clone() });
            }
            if !streams.insert(&stream.stream_id) {
                return Err(InvalidAppend::DuplicateStream { stream: stream.stream_id.clone() });
            }
            for event in &stream.events {
                if !ids.insert(event.event_id) {
                    return Err(InvalidAppend::DuplicateEventId { event_id: event.event_id });
                }
                validate_event(event.event_id, event.schema_version, &event.payload, &event.metadata, limits)?;
            }
        }
        Ok(())
    }
}

/// The checks every event must pass, whether proposed by a writer or restored from an export.
pub(crate) fn validate_event(
    event_id: EventId,
    schema_version: u32,
    payload: &Payload,
    metadata: &Metadata,
    limits: &Limits,
) -> Result<(), InvalidAppend> {
    if payload.as_str().len() > MAX_PAYLOAD_BYTES {
        return Err(InvalidAppend::PayloadTooLarge { event_id, limit: MAX_PAYLOAD_BYTES });
    }
    if schema_version == 0 {
        return Err(InvalidAppend::SchemaVersionZero { event_id });
    }
    let control = ControlCharacter::find("actor", &metadata.actor)
        .or_else(|| metadata.source.as_deref().and_then(|source| ControlCharacter::find("source", source)))
        .or_else(|| ControlCharacter::in_payload(payload.as_str()));
    if let Some(found) = control {
        return Err(InvalidAppend::ControlCharacter { event_id, found });
    }
    let actor = &metadata.actor;
    if actor.trim().is_empty() || actor.len() > limits.max_actor_bytes || actor.chars().any(char::is_control) {
        return Err(InvalidAppend::BadActor { event_id, limit: limits.max_actor_bytes });
    }
    if let Some(source) = &metadata.source {
        if source.len() > limits.max_source_bytes {
            return Err(InvalidAppend::SourceTooLong { event_id, limit: limits.max_source_bytes });
        }
    }
    Ok(())
}

/// Limits on a single append. Every payload is also limited to 64 KiB of canonical JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_events_per_append: usize,
    pub max_actor_bytes: usize,
    pub max_source_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_events_per_append: 10_000, max_actor_bytes: 200, max_source_bytes: 1_000 }
    }
}

/// A request that can never succeed as sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppend {
    #[error("the append names no streams: give at least one stream with at least one event")]
    Empty,
    #[error("stream {stream} is given no events: remove it from the append or add its events")]
    NoEventsForStream { stream: StreamId },
    #[error("stream {stream} appears twice in one append: put all of its events under one entry")]
    DuplicateStream { stream: StreamId },
    #[error("event id {event_id} appears twice in one append: give every event its own id")]
    DuplicateEventId { event_id: EventId },
    #[error("the append holds {count} events: the limit is {limit}; split it into several appends")]
    TooManyEvents { count: usize, limit: usize },
    #[error(
        "event {event_id} has a payload over {limit} bytes: keep documents outside the log and record their content hash and reference instead"
    )]
    PayloadTooLarge { event_id: EventId, limit: usize },
    #[error("event {event_id} has schema version 0: schema versions start at 1")]
    SchemaVersionZero { event_id: EventId },
    #[error(
        "event {event_id} has an empty, over-long or unprintable actor: name who acted in 1 to {limit} printable bytes"
    )]
    BadActor { event_id: EventId, limit: usize },
    #[error("event {event_id} has a source longer than {limit} bytes: cite the source more briefly")]
    SourceTooLong { event_id: EventId, limit: usize },
    /// A text of the event (payload string or key, source, actor) holds a control character.
    #[error("event {event_id}: {found}")]
    ControlCharacter { event_id: EventId, found: ControlCharacter },
}

/// A stream was not at the version the writer expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stream {stream} was expected at {expected} but is at version {actual}: reload it and decide again")]
pub struct VersionConflict {
    pub stream: StreamId,
    pub expected: Expected,
    pub actual: u64,
}

/// Why an append wrote nothing. Variants are named by what the caller must do.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Fix the request; retrying it unchanged will fail again.
    #[error("invalid append: {0}")]
    Invalid(#[from] InvalidAppend),
    /// Reload the stream, decide again, and retry if the command still makes sense.
    #[error(transparent)]
    Conflict(#[from] VersionConflict),
    /// An event id was reused for a different event: give the new event a new id.
    #[error(
        "event id {event_id} is already recorded at position {position} with different content: a retry must resend exactly the same event, and a new event needs a new id"
    )]
    EventIdReused { event_id: EventId, position: Position },
    /// Some of the request's events are recorded and some are not, so it is neither new nor a
    /// retry.
    #[error(
        "{recorded} of this append's {total} events are already recorded: resend the original append unchanged, or give the new events new ids"
    )]
    PartiallyRecorded { recorded: usize, total: usize },
    /// The log ends before the size of its latest signed checkpoint: it was cut short, and an
    /// append would give new events positions the checkpoint already vouches for. Restore the
    /// missing events (from a backup or an export) first.
    #[error(
        "the log ends at position {head}, but its latest signed checkpoint covers {size} events: the log was cut short, and recording now would reuse positions that checkpoint vouches for; nothing was recorded: restore the missing events from a backup, and check the log with `covenant verify`"
    )]
    BelowCheckpoint { head: Position, size: u64 },
    /// The store could not be reached or failed; the append may be retried unchanged.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// What a successful append did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// The position of each event, in the order the request listed them.
    pub positions: Vec<Position>,
    /// Each stream's version after its last event in this request, in request order.
    pub stream_versions: Vec<(StreamId, u64)>,
    /// True when every event was already recorded and nothing was written.
    pub replayed: bool,
}

/// What the store knows, under its write lock, about the streams and event ids a group touches.
#[derive(Clone, Debug, Default)]
pub struct StreamState {
    /// Current version of each touched stream that exists.
    pub versions: HashMap<StreamId, u64>,
    /// Already recorded events whose ids appear in the group.
    pub existing: HashMap<EventId, RecordedEvent>,
    /// The tree size of the latest signed checkpoint (0 when none is signed): no new event may
    /// be given a position at or below it.
    pub checkpointed: u64,
}

/// A write of at least this many events (a group of appends or a restored batch) is a large one:
/// its event ids are not looked up before it is planned ([`IdLookup::Index`]), and PostgreSQL
/// writes its rows with `COPY`.
pub const LARGE_WRITE: usize = 1_000;

/// How a store, under its write lock, learns which of a write's event ids are already recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdLookup {
    /// Looked up before the write is planned ([`StreamState::existing`]): one probe of the
    /// unique index on event ids per id.
    First,
    /// Left to that index, which probes every id anyway as the rows go in, so a lookup first
    /// would probe each twice. The store plans with no recorded events known, and undoes the
    /// write and plans it again with [`IdLookup::First`] when the index finds an id recorded, or
    /// when the plan refuses anything ([`IdLookup::must_replan`]).
    Index,
}

impl IdLookup {
    /// The way to try first for a write of `events` events.
    pub fn first_try(events: usize) -> Self {
        if events >= LARGE_WRITE { IdLookup::Index } else { IdLookup::First }
    }

    /// Whether a write planned this way with these answers (a group's, or a restored batch's
    /// one) must be planned again with its ids read: a request refused while no recorded event
    /// was known may be a retry, which is answered rather than refused, and a restored batch may
    /// hold a recorded id before the event it was refused for.
    pub fn must_replan<T, E>(self, answers: &[Result<T, E>]) -> bool {
        self == IdLookup::Index && answers.iter().any(Result::is_err)
    }

    /// The answer of a write's attempt with its ids read ([`IdLookup::First`]), the last one
    /// made: `None` there means an id looked up and not found was then found recorded, so the
    /// database was changed behind the store's write lock.
    pub fn last_attempt<T>(done: Option<T>) -> Result<T, StoreError> {
        done.ok_or_else(|| {
            StoreError::Unavailable(
                "an event id was found recorded after it was looked up under the store's lock".into(),
            )
        })
    }
}

/// The rows to insert for a group and the answer to give each request.
#[derive(Debug)]
pub struct GroupPlan {
    pub rows: Vec<RecordedEvent>,
    pub outcomes: Vec<Result<AppendOutcome, AppendError>>,
}

/// Decides a group of validated requests, in order, as if each were appended alone: a rejected
/// request contributes no rows and does not affect the others.
///
/// `head` is the current end of the chain, `last_recorded_at` the `recorded_at` of the event
/// there; `recorded_at` never decreases along the log even if the clock steps back.
pub fn plan_group(
    mut head: ChainHead,
    last_recorded_at: Option<Timestamp>,
    now: Timestamp,
    mut state: StreamState,
    requests: &[AppendRequest],
) -> GroupPlan {
    let recorded_at = last_recorded_at.map_or(now, |last| now.max(last));
    let mut rows = Vec::with_capacity(requests.iter().map(AppendRequest::event_count).sum());
    let mut outcomes = Vec::with_capacity(requests.len());
    // The rows of earlier requests in the group, by event id, for the later ones that retry them.
    let mut planned: HashMap<EventId, usize> = HashMap::new();
    for (index, request) in requests.iter().enumerate() {
        let later_requests = index + 1 < requests.len();
        let known = |id: &EventId| state.existing.get(id).or_else(|| planned.get(id).map(|&row| &rows[row]));
        let outcome = match replay(known, request) {
            Some(answer) => answer,
            None if head.position.0 < state.checkpointed => {
                Err(AppendError::BelowCheckpoint { head: head.position, size: state.checkpointed })
            }
            None => check_expectations(&state, request).map(|()| {
                let start = rows.len();
                let outcome = assign(&mut head, &mut state, recorded_at, request, &mut rows);
                // Later requests in the group may be retries of this one.
                if later_requests {
                    planned.extend(rows[start..].iter().enumerate().map(|(i, row)| (row.event_id, start + i)));
                }
                outcome
            }),
        };
        outcomes.push(outcome);
    }
    GroupPlan { rows, outcomes }
}

/// Answers a request whose events are already recorded (as `known` finds them: stored, or planned
/// by an earlier request of the group), or returns `None` for a new request.
fn replay<'a>(
    known: impl Fn(&EventId) -> Option<&'a RecordedEvent>,
    request: &AppendRequest,
) -> Option<Result<AppendOutcome, AppendError>> {
    let total = request.event_count();
    let mut found = Vec::new();
    for stream in &request.streams {
        for event in &stream.events {
            if let Some(stored) = known(&event.event_id) {
                if !stored.same_content(&stream.stream_id, event) {
                    return Some(Err(AppendError::EventIdReused {
                        event_id: event.event_id,
                        position: stored.position,
                    }));
                }
                found.push(stored);
            }
        }
    }
    match found.len() {
        0 => None,
        n if n < total => Some(Err(AppendError::PartiallyRecorded { recorded: n, total })),
        _ => {
            let stream_versions = request
                .streams
                .iter()
                .map(|s| {
                    let last = s.events.iter().filter_map(|e| known(&e.event_id)).map(|e| e.stream_version).max();
                    (s.stream_id.clone(), last.unwrap_or(0))
                })
                .collect();
            Some(Ok(AppendOutcome {
                positions: found.iter().map(|e| e.position).collect(),
                stream_versions,
                replayed: true,
            }))
        }
    }
}

fn check_expectations(state: &StreamState, request: &AppendRequest) -> Result<(), AppendError> {
    for stream in &request.streams {
        let actual = state.versions.get(&stream.stream_id).copied().unwrap_or(0);
        if !stream.expected.allows(actual) {
            return Err(VersionConflict { stream: stream.stream_id.clone(), expected: stream.expected, actual }.into());
        }
    }
    Ok(())
}

fn assign(
    head: &mut ChainHead,
    state: &mut StreamState,
    recorded_at: Timestamp,
    request: &AppendRequest,
    rows: &mut Vec<RecordedEvent>,
) -> AppendOutcome {
    let mut positions = Vec::with_capacity(request.event_count());
    let mut stream_versions = Vec::with_capacity(request.streams.len());
    for stream in &request.streams {
        let version = state.versions.entry(stream.stream_id.clone()).or_insert(0);
        for event in &stream.events {
            *version += 1;
            let mut row = RecordedEvent {
                position: head.position.next(),
                stream_id: stream.stream_id.clone(),
                stream_version: *version,
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                payload: event.payload.clone(),
                metadata: event.metadata.clone(),
                recorded_at,
                prev_hash: head.hash,
                hash: crate::Hash::GENESIS,
            };
            row.hash = event_hash(&row);
            *head = ChainHead { position: row.position, hash: row.hash };
            positions.push(row.position);
            rows.push(row);
        }
        stream_versions.push((stream.stream_id.clone(), *version));
    }
    AppendOutcome { positions, stream_versions, replayed: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, Hash};

    fn event(n: u32) -> NewEvent {
        NewEvent {
            event_id: EventId::new(),
            event_type: EventType::parse("ProgressReported").expect("valid"),
            schema_version: 1,
            payload: Payload::parse(&format!(r#"{{"percent":{n}}}"#)).expect("valid"),
            metadata: Metadata::new("secretariat@lincolnshire", Timestamp::parse("2020-12-01").expect("valid")),
        }
    }

    fn stream(name: &str) -> StreamId {
        StreamId::parse(name).expect("valid")
    }

    fn plan(state: StreamState, requests: &[AppendRequest]) -> GroupPlan {
        plan_group(ChainHead::default(), None, Timestamp::now(), state, requests)
    }

    #[test]
    fn only_a_large_write_leaves_its_ids_to_the_index_and_any_refusal_sends_it_back() {
        assert_eq!(IdLookup::first_try(LARGE_WRITE - 1), IdLookup::First);
        assert_eq!(IdLookup::first_try(LARGE_WRITE), IdLookup::Index);
        let answered: [Result<(), ()>; 2] = [Ok(()), Ok(())];
        let refused: [Result<(), ()>; 2] = [Ok(()), Err(())];
        assert!(!IdLookup::Index.must_replan(&answered));
        assert!(IdLookup::Index.must_replan(&refused));
        assert!(!IdLookup::First.must_replan(&refused), "with the ids read, a refusal is the answer");
    }

    #[test]
    fn a_group_is_decided_as_if_each_request_ran_alone() {
        let a = AppendRequest::single(stream("commitment-1"), Expected::NoStream, vec![event(1), event(2)]);
        let b = AppendRequest::single(stream("commitment-1"), Expected::NoStream, vec![event(3)]);
        let c = AppendRequest::single(stream("commitment-1"), Expected::Exactly(2), vec![event(4)]);
        let plan = plan(StreamState::default(), &[a, b, c]);
        assert_eq!(
            plan.rows.iter().map(|r| (r.position.0, r.stream_version)).collect::<Vec<_>>(),
            [(1, 1), (2, 2), (3, 3)]
        );
        assert!(plan.outcomes[0].is_ok());
        match &plan.outcomes[1] {
            Err(AppendError::Conflict(c)) => assert_eq!((c.expected, c.actual), (Expected::NoStream, 2)),
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(plan.outcomes[2].as_ref().expect("ok").positions, [Position(3)]);
        assert_eq!(plan.rows[0].prev_hash, Hash::GENESIS);
        assert_eq!(plan.rows[1].prev_hash, plan.rows[0].hash);
    }

    #[test]
    fn a_retry_in_the_same_group_is_replayed() {
        let a = AppendRequest::single(stream("s"), Expected::NoStream, vec![event(1)]);
        let plan = plan(StreamState::default(), &[a.clone(), a]);
        assert_eq!(plan.rows.len(), 1);
        let replayed = plan.outcomes[1].as_ref().expect("replayed");
        assert!(replayed.replayed);
        assert_eq!(replayed.positions, [Position(1)]);
    }

    #[test]
    fn reused_ids_and_partial_retries_are_refused() {
        let first = event(1);
        let mut altered = first.clone();
        altered.payload = Payload::parse(r#"{"percent":99}"#).expect("valid");
        let original = AppendRequest::single(stream("s"), Expected::Any, vec![first.clone()]);
        let reuse = AppendRequest::single(stream("s"), Expected::Any, vec![altered]);
        let partial = AppendRequest::single(stream("s"), Expected::Any, vec![first, event(2)]);
        let plan = plan(StreamState::default(), &[original, reuse, partial]);
        assert!(matches!(plan.outcomes[1], Err(AppendError::EventIdReused { position: Position(1), .. })));
        assert!(matches!(plan.outcomes[2], Err(AppendError::PartiallyRecorded { recorded: 1, total: 2 })));
        assert_eq!(plan.rows.len(), 1);
    }

    #[test]
    fn recorded_at_never_goes_back() {
        let later = Timestamp::parse("2030-01-01").expect("valid");
        let plan = plan_group(
            ChainHead::default(),
            Some(later),
            Timestamp::parse("2026-01-01").expect("valid"),
            StreamState::default(),
            &[AppendRequest::single(stream("s"), Expected::Any, vec![event(1)])],
        );
        assert_eq!(plan.rows[0].recorded_at, later);
    }

    #[test]
    fn validation_names_the_problem() {
        let limits = Limits::default();
        assert_eq!(AppendRequest { streams: vec![] }.validate(&limits), Err(InvalidAppend::Empty));
        let empty = AppendRequest::single(stream("s"), Expected::Any, vec![]);
        assert!(matches!(empty.validate(&limits), Err(InvalidAppend::NoEventsForStream { .. })));
        let e = event(1);
        let dup = AppendRequest::single(stream("s"), Expected::Any, vec![e.clone(), e]);
        assert!(matches!(dup.validate(&limits), Err(InvalidAppend::DuplicateEventId { .. })));
        let mut nobody = event(1);
        nobody.metadata.actor = " ".into();
        let nobody = AppendRequest::single(stream("s"), Expected::Any, vec![nobody]);
        assert!(matches!(nobody.validate(&limits), Err(InvalidAppend::BadActor { .. })));
        let mut nul = event(1);
        nul.metadata.source = Some("West Lindsey minute 45\0".into());
        let nul = AppendRequest::single(stream("s"), Expected::Any, vec![nul]);
        match nul.validate(&limits) {
            Err(InvalidAppend::ControlCharacter { found, .. }) => {
                assert_eq!((found.field.as_str(), found.character, found.byte), ("source", '\0', 22));
            }
            other => panic!("expected a control character, got {other:?}"),
        }
        let mut narrative = event(1);
        narrative.payload = Payload::parse(r#"{"narrative":"Half\u0000"}"#).expect("valid");
        let narrative = AppendRequest::single(stream("s"), Expected::Any, vec![narrative]);
        let error = narrative.validate(&limits).expect_err("a NUL in the payload");
        assert!(error.to_string().ends_with("narrative contains a control character (U+0000) at byte 4: remove it"));
        let mut bell = event(1);
        bell.metadata.actor = "clerk\u{7}".into();
        let bell = AppendRequest::single(stream("s"), Expected::Any, vec![bell]);
        assert!(bell.validate(&limits).expect_err("a bell").to_string().contains("actor contains a control character"));
        let many = AppendRequest::single(stream("s"), Expected::Any, (0..10_001).map(event).collect());
        assert!(matches!(many.validate(&limits), Err(InvalidAppend::TooManyEvents { count: 10_001, .. })));
    }
}
