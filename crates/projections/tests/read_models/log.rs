//! The seed stories as a recorded log, made the way the store would make it but deterministic,
//! so that snapshots are stable: every step of every story, merged in the order things happened,
//! run through the domain's in-memory ledger; each event it produces gets the next position
//! (from 1), its stream version, an event id derived from its position, a correlation id derived
//! from its step (and, for an event the step's own event caused, such as a transfer on a
//! succession, that event's id as its causation), the step's actor and source, `occurred_at` from the step, `recorded_at` as the
//! step says (by default the moment it happened), and a real hash chain (`kernel::event_hash`), so
//! the log also verifies.
//!
//! `MemoryLog` serves such a log as a read-only `EventStore`, for `build_as_of`.

use std::collections::BTreeMap;

use app::seeds;
use async_trait::async_trait;
use domain::memory::Ledger;
use domain::testing::{default_now, further_commands};
use domain::{Command, Date, codec};
use futures::StreamExt;
use kernel::{
    ChainHead, EventId, EventStore, EventStream, Hash, Metadata, Position, RecordedEvent, StoreError, StreamBound,
    StreamId, Timestamp, event_hash,
};
use projections::{AuditTrail, AuditView, Filters, Projection, TrailFilters};
use uuid::Uuid;

/// The day the snapshots count as today: 1 June 2024, the day the further story is decided.
pub fn today() -> Date {
    default_now().as_datetime().date_naive()
}

/// Parses `YYYY-MM-DD` or RFC 3339.
pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a valid time")
}

/// One command to record, with its metadata.
#[derive(Clone, Debug)]
pub struct Step {
    pub command: Command,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor: String,
    pub source: Option<String>,
}

/// Every step of the five seed stories, merged by when it happened (each story keeps its own
/// order), each recorded the moment it happened.
pub fn seed_steps() -> Vec<Step> {
    let mut steps: Vec<Step> = seeds::stories()
        .into_iter()
        .flat_map(|story| story.steps)
        .map(|s| Step {
            command: s.command,
            occurred_at: s.occurred_at,
            recorded_at: s.occurred_at,
            actor: s.actor,
            source: Some(s.source),
        })
        .collect();
    steps.sort_by_key(|s| s.occurred_at);
    steps
}

/// The domain's further story, which brings in every event type the seeds do not (call-in,
/// correction, rescission, supersession, withdrawal, expiry, refresh, deferral, cancellation),
/// decided and recorded at the domain's default test time.
pub fn further_steps() -> Vec<Step> {
    further_commands()
        .into_iter()
        .map(|command| Step {
            command,
            occurred_at: default_now(),
            recorded_at: default_now(),
            actor: "secretariat".into(),
            source: Some("further story".into()),
        })
        .collect()
}

/// Runs `steps` in order and records what they produce.
pub fn record(steps: &[Step]) -> Vec<RecordedEvent> {
    let mut ledger = Ledger::new();
    let mut versions: BTreeMap<StreamId, u64> = BTreeMap::new();
    let mut log: Vec<RecordedEvent> = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let executed = match ledger.execute_traced(&step.command, step.occurred_at) {
            Ok(executed) => executed,
            Err(e) => panic!("step {n} refused: {e}\n{:?}", step.command),
        };
        let cause = Uuid::from_u64_pair(1, log.len() as u64 + 1);
        let own = executed.events.into_iter().map(|event| (step.command.stream_id(), event, None));
        let caused = executed.caused.into_iter().map(|(stream, event)| (stream, event, Some(cause)));
        for (stream_id, event, causation_id) in own.chain(caused) {
            let (event_type, schema_version, payload) = codec::encode(&event).expect("encodable");
            let position = Position(log.len() as u64 + 1);
            let version = versions.entry(stream_id.clone()).or_default();
            *version += 1;
            let prev_hash = log.last().map_or(Hash::GENESIS, |e| e.hash);
            assert!(log.last().is_none_or(|e| e.recorded_at <= step.recorded_at), "recorded_at goes back at step {n}");
            let mut recorded = RecordedEvent {
                position,
                stream_id: stream_id.clone(),
                stream_version: *version,
                event_id: EventId(Uuid::from_u64_pair(1, position.0)),
                event_type,
                schema_version,
                payload,
                metadata: Metadata {
                    actor: step.actor.clone(),
                    correlation_id: Uuid::from_u64_pair(2, n as u64),
                    causation_id,
                    source: step.source.clone(),
                    occurred_at: step.occurred_at,
                },
                recorded_at: step.recorded_at,
                prev_hash,
                hash: Hash::GENESIS,
            };
            recorded.hash = event_hash(&recorded);
            log.push(recorded);
        }
    }
    log
}

/// The seed stories, recorded.
pub fn seed_log() -> Vec<RecordedEvent> {
    record(&seed_steps())
}

/// The seed stories and then the further story, recorded.
pub fn corpus_log() -> Vec<RecordedEvent> {
    let mut steps = seed_steps();
    steps.extend(further_steps());
    record(&steps)
}

/// Folds `events` into a fresh `P`.
pub fn fold<'a, P: Projection>(events: impl IntoIterator<Item = &'a RecordedEvent>) -> P {
    let mut state = P::default();
    for event in events {
        state.apply(event);
    }
    state
}

/// The audit trail of `events` that `filters` and `trail` select.
pub fn audit(events: &[RecordedEvent], filters: &Filters, trail: &TrailFilters) -> AuditView {
    let mut audit = AuditTrail::new(filters, trail);
    for event in events {
        audit.apply(event);
    }
    audit.view()
}

/// A recorded log served read-only as an event store.
#[derive(Debug)]
pub struct MemoryLog(pub Vec<RecordedEvent>);

#[async_trait]
impl EventStore for MemoryLog {
    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        Ok(self
            .0
            .iter()
            .filter(|e| &e.stream_id == stream)
            .filter(|e| match bound {
                StreamBound::All => true,
                StreamBound::UpToVersion(v) => e.stream_version <= v,
                StreamBound::RecordedBy(t) => e.recorded_at <= t,
            })
            .cloned()
            .collect())
    }

    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        Ok(self.0.iter().filter(|e| e.position > after).take(limit).cloned().collect())
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        Ok(self.0.last().map_or_else(ChainHead::default, |e| ChainHead { position: e.position, hash: e.hash }))
    }

    fn subscribe(&self, after: Position) -> EventStream {
        let events: Vec<Result<RecordedEvent, StoreError>> =
            self.0.iter().filter(|e| e.position > after).cloned().map(Ok).collect();
        futures::stream::iter(events).boxed()
    }
}

#[tokio::test]
async fn the_recorded_log_is_gapless_and_its_chain_verifies() {
    let log = corpus_log();
    assert!(log.len() > 200, "{} events", log.len());
    assert!(log.iter().enumerate().all(|(i, e)| e.position == Position(i as u64 + 1)));
    let store = MemoryLog(log);
    let report = store.verify(None).await.expect("verify");
    assert!(report.is_ok(), "{:?}", report.failure);
}
