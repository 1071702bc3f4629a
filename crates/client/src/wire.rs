//! The JSON the API writes, as the client reads it: an event of the feed, a page of the feed,
//! what a command recorded, and a problem document. The service writes the same types (with the
//! `openapi` feature, which describes them in its OpenAPI document), so the two cannot drift.

use serde::{Deserialize, Serialize};

/// One event of the log, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedEvent {
    pub position: u64,
    pub stream_id: String,
    pub stream_version: u64,
    pub event_id: String,
    pub event_type: String,
    pub schema_version: u32,
    /// The event's payload: see docs/events.md.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub actor: String,
    pub correlation_id: String,
    pub causation_id: Option<String>,
    pub source: Option<String>,
    /// When it happened in the world.
    pub occurred_at: String,
    /// When Covenant learnt it.
    pub recorded_at: String,
    /// The hash of the event before it.
    pub prev_hash: String,
    /// The event's hash in the chain.
    pub hash: String,
}

/// One page of the feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    /// The events after `after`, in position order, at most `limit`.
    pub events: Vec<FeedEvent>,
    /// Where to ask from next: the last position in this page, or `after` when it is empty.
    pub next_after: u64,
}

/// One event a command recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// An RFC 9457 problem document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; `docs/http.md` lists them.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What was wrong with this request, and what to do.
    pub detail: String,
    /// This occurrence: `urn:covenant:request:` and the request's `x-request-id` (given by the
    /// client, or generated), which the service's log lines of the request carry too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The parameter, header or body field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
