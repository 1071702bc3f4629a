//! The event envelope: what a writer proposes ([`NewEvent`]), what the store returns once the
//! event has a place in the log ([`RecordedEvent`]), and the part of it a command loads to decide
//! ([`LoadedEvent`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{EventId, EventType, Hash, Payload, Position, StreamId, Timestamp};

/// Who caused an event, why, from what source, and when it happened in the world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The principal that issued the command: a token's principal, an importer, a person.
    pub actor: String,
    /// Shared by every event that one originating decision set in motion.
    pub correlation_id: Uuid,
    /// The event or command that directly caused this one, if any.
    pub causation_id: Option<Uuid>,
    /// Where the fact came from: a minute reference, an import file and line.
    pub source: Option<String>,
    /// When it happened in the world, such as the date a board decided.
    pub occurred_at: Timestamp,
}

impl Metadata {
    /// Metadata for an event with a fresh correlation id and no cause or source.
    pub fn new(actor: impl Into<String>, occurred_at: Timestamp) -> Self {
        Self { actor: actor.into(), correlation_id: Uuid::now_v7(), causation_id: None, source: None, occurred_at }
    }
}

/// An event a writer proposes to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub event_id: EventId,
    pub event_type: EventType,
    pub schema_version: u32,
    pub payload: Payload,
    pub metadata: Metadata,
}

/// The columns of a store's `events` table that hold a [`RecordedEvent`], in the order both
/// stores select, insert and decode them (the `tree` column beside them is the stores' own).
pub const EVENT_COLUMNS: &str = "position, stream_id, stream_version, event_id, event_type, schema_version, payload, \
     actor, correlation_id, causation_id, source, occurred_at, recorded_at, prev_hash, hash";

/// An event as stored: the proposal plus its place in the log, the time the store learnt it,
/// and its link in the hash chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedEvent {
    pub position: Position,
    pub stream_id: StreamId,
    /// 1-based version of the event within its stream.
    pub stream_version: u64,
    pub event_id: EventId,
    pub event_type: EventType,
    pub schema_version: u32,
    pub payload: Payload,
    pub metadata: Metadata,
    /// When Covenant learnt of the event. Never decreases along the log.
    pub recorded_at: Timestamp,
    /// The hash of the event at `position - 1`, or all zeroes for the first event.
    pub prev_hash: Hash,
    /// SHA-256 over this event's canonical encoding and `prev_hash`; see [`crate::event_hash`].
    pub hash: Hash,
}

/// The columns of a store's `events` table that hold a [`LoadedEvent`], in its fields' order.
pub const LOADED_COLUMNS: &str =
    "position, stream_version, event_id, event_type, schema_version, payload, correlation_id";

/// An event as a command loads its stream to decide ([`crate::EventStore::load_stream`]): its place
/// in the log and in its stream, its identity, its content and its correlation, without who
/// recorded it, when, from what source, or its links in the hash chain, which no decision reads.
/// A store reads only these columns, so a load decodes half the columns of a full read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedEvent {
    pub position: Position,
    /// 1-based version of the event within its stream.
    pub stream_version: u64,
    pub event_id: EventId,
    pub event_type: EventType,
    pub schema_version: u32,
    pub payload: Payload,
    pub correlation_id: Uuid,
}

impl From<RecordedEvent> for LoadedEvent {
    fn from(event: RecordedEvent) -> Self {
        Self {
            position: event.position,
            stream_version: event.stream_version,
            event_id: event.event_id,
            event_type: event.event_type,
            schema_version: event.schema_version,
            payload: event.payload,
            correlation_id: event.metadata.correlation_id,
        }
    }
}

impl RecordedEvent {
    /// True when `proposal` is the same event as this one, as far as the writer could say: the
    /// test that makes a retry idempotent.
    pub fn same_content(&self, stream_id: &StreamId, proposal: &NewEvent) -> bool {
        self.stream_id == *stream_id
            && self.event_id == proposal.event_id
            && self.event_type == proposal.event_type
            && self.schema_version == proposal.schema_version
            && self.payload == proposal.payload
            && self.metadata == proposal.metadata
    }
}
