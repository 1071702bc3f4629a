//! The JSON the API writes, as the client reads it: an event of the feed, a page of the feed,
//! what a command recorded, and a problem document.

use serde::{Deserialize, Serialize};

/// One event of the log, as the feed gives it (`docs/http.md#the-event-feed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedEvent {
    pub position: u64,
    pub stream_id: String,
    pub stream_version: u64,
    pub event_id: String,
    pub event_type: String,
    pub schema_version: u32,
    /// The event's payload (`docs/events.md`).
    pub payload: serde_json::Value,
    pub actor: String,
    pub correlation_id: String,
    pub causation_id: Option<String>,
    pub source: Option<String>,
    /// When it happened in the world (RFC 3339).
    pub occurred_at: String,
    /// When Covenant recorded it (RFC 3339).
    pub recorded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// One page of the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedPage {
    /// The events after the position asked for, in position order.
    pub events: Vec<FeedEvent>,
    /// Where to ask from next.
    pub next_after: u64,
}

/// One event a command recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRef {
    pub position: u64,
    pub stream_id: String,
    pub stream_version: u64,
    pub event_id: String,
    pub event_type: String,
    pub correlation_id: String,
    pub causation_id: Option<String>,
}

/// What a command recorded, with the stream's version after it (the `ETag`), which a later
/// command on the stream may name as its `If-Match`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The events, in position order; empty when the command decided on none.
    pub events: Vec<RecordedRef>,
    /// How many times the service decided the command.
    pub attempts: u32,
    /// The stream's version after the command, when the answer named one.
    #[serde(skip)]
    pub version: Option<u64>,
    /// Whether the service answered with the first answer to the same `Idempotency-Key`.
    #[serde(skip)]
    pub replayed: bool,
}

/// An `application/problem+json` answer (RFC 9457): what was wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(default)]
    pub field: Option<String>,
}
