//! The event feed: every event of the log in position order, as pages (`GET /api/v1/events`) and
//! as a live tail of server-sent events (`GET /api/v1/events/stream`) whose `id` is the event's
//! position, so a client that reconnects with `Last-Event-ID` resumes right after the last event
//! it received. Positions have no gaps and never appear out of order, so "after the last one I
//! have" neither skips nor repeats an event.

use std::convert::Infallible;
use std::sync::Arc;

use app::Action;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use kernel::{Position, RecordedEvent};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

pub use covenant_client::{FeedEvent, FeedPage};

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service, paging};

/// Where to start reading, and how much.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// Start after this position (0, the default, is the start of the log).
    after: Option<u64>,
    /// The most events a page holds (default 100, at most 1000). Pages only.
    limit: Option<usize>,
}

/// An event of the log as the feed gives it.
fn feed_event(e: &RecordedEvent) -> FeedEvent {
    FeedEvent {
        position: e.position.0,
        stream_id: e.stream_id.to_string(),
        stream_version: e.stream_version,
        event_id: e.event_id.to_string(),
        event_type: e.event_type.to_string(),
        schema_version: e.schema_version,
        payload: e.payload.to_value().unwrap_or(serde_json::Value::Null),
        actor: e.metadata.actor.clone(),
        correlation_id: e.metadata.correlation_id.to_string(),
        causation_id: e.metadata.causation_id.map(|c| c.to_string()),
        source: e.metadata.source.clone(),
        occurred_at: e.metadata.occurred_at.to_string(),
        recorded_at: e.recorded_at.to_string(),
        prev_hash: e.prev_hash.to_hex(),
        hash: e.hash.to_hex(),
    }
}

/// The events after a position, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "feed",
    params(FeedQuery),
    responses(
        (status = 200, description = "One page of events", body = FeedPage),
        crate::problem::InvalidParameter,
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not read the feed", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn page(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<FeedPage>, ApiError> {
    principal.require(Action::ReadFeed)?;
    let query = read(query)?;
    let after = Position(query.after.unwrap_or(0));
    let limit = paging::limit(query.limit, &service.settings)?;
    let events = service.stores.events.read_all(after, limit).await?;
    let next_after = events.last().map_or(after, |e| e.position);
    Ok(Json(FeedPage { events: events.iter().map(feed_event).collect(), next_after: next_after.0 }))
}

/// One server-sent event of the live feed, as an event-stream parser reads it: `id` the
/// position, `data` the event as the feed's pages give it (`FeedEvent`), as JSON text.
#[derive(Debug)]
pub struct StreamedEvent;

impl utoipa::PartialSchema for StreamedEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = |description: &str| ObjectBuilder::new().schema_type(Type::String).description(Some(description));
        ObjectBuilder::new()
            .description(Some("One server-sent event"))
            .property("id", text("The event's position in the log"))
            .property("event", text("The event-stream's event type: always message"))
            .property("data", text("The event, as a FeedEvent in JSON"))
            .required("id")
            .required("data")
            .into()
    }
}

impl ToSchema for StreamedEvent {}

/// Every event after a position, then each new one as it is recorded, as server-sent events:
/// `id` is the position and `data` the event as JSON. Reconnecting with `Last-Event-ID` resumes
/// after that position.
#[utoipa::path(
    get,
    path = "/api/v1/events/stream",
    tag = "feed",
    params(
        FeedQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "The last position received; overrides after"),
    ),
    responses(
        (status = 200, description = "Server-sent events, one per event of the log", body = StreamedEvent, content_type = "text/event-stream"),
        crate::problem::InvalidParameter,
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not read the feed", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn stream(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    principal.require(Action::ReadFeed)?;
    let query = read(query)?;
    if query.limit.is_some() {
        return Err(ApiError::bad_request("the live feed has no pages: leave limit out", "limit"));
    }
    let resume = match headers.get("last-event-id") {
        Some(value) => Some(value.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()).ok_or_else(|| {
            ApiError::bad_request(
                "Last-Event-ID must be the position of the last event received, as its id gave it",
                "Last-Event-ID",
            )
        })?),
        None => None,
    };
    let after = Position(resume.or(query.after).unwrap_or(0));
    let events = service
        .stores
        .events
        .subscribe(after)
        .take_until(service.shutting_down())
        .take_while(|next| std::future::ready(next.is_ok()))
        .filter_map(|next| async move { next.ok() })
        .map(|event| {
            let data = serde_json::to_string(&feed_event(&event)).unwrap_or_default();
            Ok(Event::default().id(event.position.to_string()).data(data))
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

fn read(query: Result<Query<FeedQuery>, QueryRejection>) -> Result<FeedQuery, ApiError> {
    query_params(query, "the feed takes after and limit")
}
