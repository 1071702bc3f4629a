//! Recording commands: load the streams a command touches, decide it with the domain rules, and
//! append its events atomically with the versions it was decided against; on a conflict with
//! another writer, load again and decide again.
//!
//! Retry policy: a conflict means another change was recorded between reading and appending.
//! The whole request is then loaded and decided again, up to [`ATTEMPTS`] times, after a short
//! random pause that grows with each attempt, so that writers racing for one stream spread out.
//! A decision made again may now be refused by the rules (a progress report on a commitment that
//! has just been completed); that refusal is the answer. When the caller names the version it
//! decided against ([`Recorder::record_expecting`], the HTTP `If-Match` case), a conflict is
//! reported at once instead, because the caller's own decision may no longer hold.
//!
//! An append that gets no answer (the store is unavailable) is sent again unchanged, with the
//! same event ids, up to [`RESENDS`] times: the store recognises a resend of an append it has
//! already recorded and returns the original positions, so nothing is recorded twice.
//!
//! A request sent with an idempotency key ([`Provenance::id_seed`]) decides on events whose ids
//! derive from the key, so the same request sent again (after a crash lost its answer, or at
//! another process at the same moment) can be recognised by the store itself: before deciding,
//! and again after any refusal, the recorder looks its ids up, and when they are recorded it
//! answers with those events instead of deciding again.
//!
//! Correlation and causation ids follow the rule in [`crate::cause`].
//!
//! A recorder keeps the streams its commands decide against in a bounded cache
//! ([`crate::state_cache`]), so a command on a stream recorded lately is decided without reading
//! the stream again; a decision on a cached stream stands only when the append checks that
//! stream's version, and is made again from the log otherwise. Requests of one recorder (and its
//! clones) on one stream take turns, so they do not conflict with each other.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use domain::Command;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, EventId, EventStore, EventType, Expected, InvalidAppend, Limits,
    Position, StoreError, StreamId, Timestamp,
};
use uuid::Uuid;

use crate::state_cache::{CACHED_STREAMS, StateCache};
use crate::unit_of_work::UnitOfWork;
use crate::{IdSeed, InvalidRequest, RecordError};

/// How many times a request is decided before a conflict is reported.
pub const ATTEMPTS: u32 = 10;
/// How many times an unanswered append is sent again.
pub const RESENDS: u32 = 2;
/// How many derived ids of each command are looked up at a time.
const LOOKUP: usize = 16;

/// Who recorded a command, where the fact comes from, and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The person, token principal or importer recording the command.
    pub actor: String,
    /// Where the fact comes from, such as a minute reference or a file and line.
    pub source: Option<String>,
    /// When it happened in the world. When not given: the start (midnight, UTC) of the day the
    /// command carries as its own date, or the time of recording for a command without one. When
    /// given for a command with its own date, it must fall on that day (`domain::when`).
    pub occurred_at: Option<Timestamp>,
    /// The chain the events belong to, instead of the one [`crate::cause`] would choose.
    pub correlation_id: Option<Uuid>,
    /// The event or message that caused the command, instead of the one [`crate::cause`] would
    /// choose.
    pub causation_id: Option<Uuid>,
    /// The idempotency key the command was sent with, from which its event ids derive; fresh ids
    /// when `None`. Every command of a batch sent under one key carries the same seed.
    pub id_seed: Option<IdSeed>,
}

impl Provenance {
    /// Provenance naming only the actor.
    pub fn new(actor: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            source: None,
            occurred_at: None,
            correlation_id: None,
            causation_id: None,
            id_seed: None,
        }
    }
}

/// A command and its provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub command: Command,
    pub provenance: Provenance,
}

/// One event a request recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendedEvent {
    /// The command (0-based, in request order) whose decision produced or caused it.
    pub item: usize,
    pub position: Position,
    pub stream_id: StreamId,
    pub stream_version: u64,
    pub event_id: EventId,
    pub event_type: EventType,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
}

/// What a request recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The events, in position order. Empty when the commands decided on no events.
    pub events: Vec<AppendedEvent>,
    /// How many times the request was decided: more than 1 after conflicts.
    pub attempts: u32,
}

/// Records commands in an event store. Clones share one cache of stream states.
#[derive(Clone)]
pub struct Recorder {
    store: Arc<dyn EventStore>,
    limits: Limits,
    cache: Arc<StateCache>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder for `store`, with the stores' limits, keeping up to [`CACHED_STREAMS`] streams.
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        Self::keeping(store, CACHED_STREAMS)
    }

    /// A recorder for `store` that keeps the states of up to `streams` streams (none for 0).
    pub fn keeping(store: Arc<dyn EventStore>, streams: usize) -> Self {
        Self { store, limits: Limits::default(), cache: Arc::new(StateCache::new(streams)) }
    }

    /// How many streams' states the recorder keeps now.
    pub fn kept_streams(&self) -> usize {
        self.cache.len()
    }

    /// The store the recorder records in, for reading what is already recorded.
    pub fn store(&self) -> &dyn EventStore {
        self.store.as_ref()
    }

    /// Records one command, deciding it at `now`; decides again after a conflict.
    pub async fn record(&self, submission: &Submission, now: Timestamp) -> Result<Recorded, RecordError> {
        self.run(std::slice::from_ref(submission), None, now).await
    }

    /// Records a batch atomically, as [`Recorder::record_batch`] does, only if the first
    /// command's stream is still at `expected_version` (0: no events), the version the caller
    /// decided against; reports a conflict otherwise, without retrying.
    pub async fn record_expecting(
        &self,
        submissions: &[Submission],
        expected_version: u64,
        now: Timestamp,
    ) -> Result<Recorded, RecordError> {
        self.run(submissions, Some(expected_version), now).await
    }

    /// Records a batch atomically: each command is decided in order, against the state that
    /// includes the events of the ones before it, and all their events are appended together or
    /// not at all. After a conflict the whole batch is decided again.
    pub async fn record_batch(&self, submissions: &[Submission], now: Timestamp) -> Result<Recorded, RecordError> {
        self.run(submissions, None, now).await
    }

    /// Decides a batch as [`Recorder::record_batch`] would, against the record as it stands now,
    /// recording nothing: how many events recording it would append, or why it would be refused
    /// (`RecordError::Rejected` names the command). Recording it later decides it again.
    pub async fn check_batch(&self, submissions: &[Submission], now: Timestamp) -> Result<usize, RecordError> {
        self.admit(submissions)?;
        let mut work = UnitOfWork::new(self.store.as_ref(), now, None);
        for (item, submission) in submissions.iter().enumerate() {
            work.decide(item, submission).await?;
        }
        Ok(work.into_append().map_or(0, |(_, planned)| planned.len()))
    }

    /// Refuses a batch with no commands, or more than one append may hold.
    fn admit(&self, submissions: &[Submission]) -> Result<(), RecordError> {
        if submissions.is_empty() {
            return Err(InvalidRequest::Empty.into());
        }
        let limit = self.limits.max_events_per_append;
        if submissions.len() > limit {
            return Err(InvalidRequest::TooManyCommands { count: submissions.len(), limit }.into());
        }
        Ok(())
    }

    async fn run(
        &self,
        submissions: &[Submission],
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<Recorded, RecordError> {
        self.admit(submissions)?;
        let _turns = self.cache.turns(submissions.iter().map(|s| s.command.stream_id()).collect()).await;
        let mut attempts = 1;
        loop {
            if let Some(earlier) = self.recorded_earlier(submissions).await? {
                return Ok(Recorded { attempts, ..earlier });
            }
            let error = match self.attempt(submissions, expected, now).await {
                Ok(recorded) => return Ok(Recorded { attempts, ..recorded }),
                Err(RecordError::Conflict { .. }) if expected.is_none() && attempts < ATTEMPTS => {
                    tokio::time::sleep(pause(attempts)).await;
                    attempts += 1;
                    continue;
                }
                Err(RecordError::Conflict { stream, expected, actual, .. }) => {
                    RecordError::Conflict { stream, expected, actual, attempts }
                }
                Err(other) => other,
            };
            // Another process may have recorded the same request meanwhile, under the same ids:
            // then that is the answer, whatever this attempt found.
            return match self.recorded_earlier(submissions).await {
                Ok(Some(earlier)) => Ok(Recorded { attempts, ..earlier }),
                Ok(None) | Err(_) => Err(error),
            };
        }
    }

    /// What `submissions` recorded before, found by the event ids their [`IdSeed`]s give: `None`
    /// when they carry no seed or none of those ids is in the log. The events are in position
    /// order, each with the command that decided or caused it, as the first answer gave them.
    pub async fn recorded_earlier(&self, submissions: &[Submission]) -> Result<Option<Recorded>, RecordError> {
        let mut open: Vec<(usize, IdSeed)> = submissions
            .iter()
            .enumerate()
            .filter_map(|(item, s)| s.provenance.id_seed.map(|seed| (item, seed)))
            .collect();
        let mut events = Vec::new();
        let mut from = 0;
        while !open.is_empty() {
            let wanted: HashMap<EventId, usize> = open
                .iter()
                .flat_map(|(item, seed)| (from..from + LOOKUP).map(move |event| (seed.event_id(*item, event), *item)))
                .collect();
            let ids: Vec<EventId> = wanted.keys().copied().collect();
            let mut found: HashMap<usize, usize> = HashMap::new();
            for event in self.store.read_events(&ids).await? {
                let Some(item) = wanted.get(&event.event_id).copied() else { continue };
                *found.entry(item).or_default() += 1;
                events.push(AppendedEvent {
                    item,
                    position: event.position,
                    stream_id: event.stream_id,
                    stream_version: event.stream_version,
                    event_id: event.event_id,
                    event_type: event.event_type,
                    correlation_id: event.metadata.correlation_id,
                    causation_id: event.metadata.causation_id,
                });
            }
            // A command with every id of this round recorded may have more.
            open.retain(|(item, _)| found.get(item) == Some(&LOOKUP));
            from += LOOKUP;
        }
        if events.is_empty() {
            return Ok(None);
        }
        events.sort_by_key(|e| e.position);
        Ok(Some(Recorded { events, attempts: 1 }))
    }

    /// Decides `submissions` and appends their events: first with commands' own streams taken
    /// from the cache, and, when that decision rests on a cached stream the append did not
    /// check, or the store says it has moved on, again with every stream read from the log.
    async fn attempt(
        &self,
        submissions: &[Submission],
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<Recorded, RecordError> {
        match self.decide_and_append(submissions, expected, now, Some(&self.cache)).await {
            Attempt::Answered(answer) => answer,
            Attempt::Unverified(streams) => {
                for stream in &streams {
                    self.cache.forget(stream);
                }
                match self.decide_and_append(submissions, expected, now, None).await {
                    Attempt::Answered(answer) => answer,
                    Attempt::Unverified(_) => unreachable!("nothing is taken from the cache without one"),
                }
            }
        }
    }

    async fn decide_and_append(
        &self,
        submissions: &[Submission],
        expected: Option<u64>,
        now: Timestamp,
        cache: Option<&StateCache>,
    ) -> Attempt {
        let mut work = UnitOfWork::new(self.store.as_ref(), now, cache);
        if let (Some(expected), Some(first)) = (expected, submissions.first()) {
            let stream = first.command.stream_id();
            let actual = match work.load(&stream).await {
                Ok(actual) => actual,
                Err(error) => return Attempt::Answered(Err(error)),
            };
            if actual != expected {
                let conflict =
                    RecordError::Conflict { stream, expected: Expected::Exactly(expected), actual, attempts: 1 };
                return Attempt::Answered(Err(conflict));
            }
        }
        for (item, submission) in submissions.iter().enumerate() {
            if let Err(error) = work.decide(item, submission).await {
                // Nothing is appended, so nothing taken from the cache is checked.
                return match work.cached() {
                    [] => Attempt::Answered(Err(error)),
                    cached => Attempt::Unverified(cached.to_vec()),
                };
            }
        }
        let unverified = work.unverified();
        if !unverified.is_empty() {
            return Attempt::Unverified(unverified);
        }
        let decided = work.decided_states();
        let cached = work.cached().to_vec();
        let Some((request, planned)) = work.into_append() else {
            return Attempt::Answered(Ok(Recorded::default()));
        };
        let outcome = match self.append(request, &planned).await {
            Ok(outcome) => outcome,
            Err(RecordError::Conflict { stream, .. }) if cached.contains(&stream) => {
                return Attempt::Unverified(cached);
            }
            Err(error) => return Attempt::Answered(Err(error)),
        };
        for (stream, state) in decided {
            match outcome.stream_versions.iter().find(|(s, _)| *s == stream) {
                Some((_, version)) if *version == state.version => self.cache.keep(&stream, state),
                _ => self.cache.forget(&stream),
            }
        }
        Attempt::Answered(Ok(recorded(&planned, outcome)))
    }

    /// Appends `request`, sending it again unchanged while the store does not answer.
    async fn append(&self, request: AppendRequest, planned: &[AppendedEvent]) -> Result<AppendOutcome, RecordError> {
        let mut resends = 0;
        loop {
            match self.store.append(request.clone()).await {
                Ok(outcome) => return Ok(outcome),
                // The write lock was never taken, so nothing was written: say so, not "unknown".
                Err(AppendError::Unavailable(error @ StoreError::Busy { .. })) => {
                    return Err(RecordError::Unavailable { error, outcome_unknown: false });
                }
                Err(AppendError::Unavailable(_)) if resends < RESENDS => {
                    resends += 1;
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(resends))).await;
                }
                Err(AppendError::Unavailable(error)) => {
                    return Err(RecordError::Unavailable { error, outcome_unknown: true });
                }
                Err(AppendError::Conflict(c)) => {
                    return Err(RecordError::Conflict {
                        stream: c.stream,
                        expected: c.expected,
                        actual: c.actual,
                        attempts: 1,
                    });
                }
                Err(AppendError::Invalid(invalid)) => return Err(refused(invalid, planned).into()),
                Err(other) => return Err(InvalidRequest::Refused(other.to_string()).into()),
            }
        }
    }
}

/// The answer of one decision, or the cached streams it rested on without the append checking
/// them, to forget before deciding again from the log.
enum Attempt {
    Answered(Result<Recorded, RecordError>),
    Unverified(Vec<StreamId>),
}

/// What an append of `planned` recorded, at the positions and versions of `outcome`. A replayed
/// append (the same events, sent by another process at the same moment) may have been decided
/// against other versions: the store's versions are the truth.
fn recorded(planned: &[AppendedEvent], outcome: AppendOutcome) -> Recorded {
    let mut remaining: HashMap<StreamId, u64> = HashMap::new();
    for event in planned {
        *remaining.entry(event.stream_id.clone()).or_default() += 1;
    }
    let last: HashMap<&StreamId, u64> = outcome.stream_versions.iter().map(|(s, v)| (s, *v)).collect();
    let mut events: Vec<AppendedEvent> = planned
        .iter()
        .zip(outcome.positions.iter().copied())
        .map(|(event, position)| {
            let left = remaining.get_mut(&event.stream_id).map_or(0, |n| {
                *n -= 1;
                *n
            });
            let stream_version = last.get(&event.stream_id).map_or(event.stream_version, |v| v - left);
            AppendedEvent { position, stream_version, ..event.clone() }
        })
        .collect();
    events.sort_by_key(|e| e.position);
    Recorded { events, attempts: 0 }
}

/// The store's reason for refusing an append, in terms of the request's commands.
fn refused(invalid: InvalidAppend, planned: &[AppendedEvent]) -> InvalidRequest {
    let item = |id: EventId| planned.iter().find(|p| p.event_id == id).map_or(0, |p| p.item);
    match invalid {
        InvalidAppend::TooManyEvents { count, limit } => InvalidRequest::TooManyEvents { events: count, limit },
        InvalidAppend::BadActor { event_id, limit } => InvalidRequest::BadActor { item: item(event_id), limit },
        InvalidAppend::SourceTooLong { event_id, limit } => {
            InvalidRequest::SourceTooLong { item: item(event_id), limit }
        }
        InvalidAppend::ControlCharacter { event_id, found } => {
            InvalidRequest::ControlCharacter { item: item(event_id), found }
        }
        other => InvalidRequest::Refused(other.to_string()),
    }
}

/// A random pause before attempt `attempt + 1`: up to 2, 4, 8 … 128 milliseconds.
fn pause(attempt: u32) -> Duration {
    let ceiling = 1u64 << attempt.min(7);
    Duration::from_millis(rand::random_range(1..=ceiling))
}
