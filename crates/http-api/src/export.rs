//! `GET /api/v1/export/cloudevents`: the event log as CloudEvents 1.0, as `covenant export
//! cloudevents` writes it, with the same filters as query parameters: a JSON array
//! (`application/cloudevents-batch+json`, the default) or one event per line
//! (`Accept: application/x-ndjson`). The body is streamed a page of the log at a time.
//! `GET /api/v1/export/popolo`: organisations, bodies, memberships and resolutions as one Popolo
//! document, as `covenant export popolo` writes it, from the live read models.

use std::sync::Arc;

use app::Action;
use app::interchange::cloudevents::{Export, ExportError, Filter, FilterArgs};
use app::interchange::popolo;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service};

/// A JSON array of CloudEvents: the batched mode of the CloudEvents HTTP binding.
pub const BATCH: &str = "application/cloudevents-batch+json";
/// One CloudEvent per line.
pub const LINES: &str = "application/x-ndjson";

/// Which events to export: every condition given must hold.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Only events after this position.
    after: Option<u64>,
    /// Only events up to and including this position.
    until: Option<u64>,
    /// Only the events of this stream.
    stream: Option<String>,
    /// Only events of this type: a CloudEvents type, with or without its `.vN`
    /// (`uk.covenant.resolution.recorded`), or a stored type name (`ResolutionRecorded`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    /// Only events that happened on or after this date (YYYY-MM-DD) or time (RFC 3339).
    from: Option<String>,
    /// Only events that happened on or before this date (the whole day) or time.
    to: Option<String>,
}

/// How the events are framed in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Batch,
    Lines,
}

/// One event as a CloudEvent 1.0 in JSON: the context attributes CloudEvents requires, and
/// Covenant's extensions, which docs/interchange.md describes.
#[derive(Debug)]
pub struct CloudEvent;

impl utoipa::PartialSchema for CloudEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let text = |description: &str| ObjectBuilder::new().schema_type(Type::String).description(Some(description));
        ObjectBuilder::new()
            .description(Some("One event as a CloudEvent 1.0; docs/interchange.md describes every field"))
            .property("specversion", text("Always 1.0"))
            .property("id", text("The event's id"))
            .property("source", text("Where the fact comes from"))
            .property(
                "type",
                text("The event's type and schema version, such as uk.covenant.organisation.registered.v1"),
            )
            .property("subject", text("The stream the event belongs to"))
            .property("time", text("When it happened (RFC 3339)"))
            .property("data", ObjectBuilder::new().schema_type(Type::Object).description(Some("The event's payload")))
            .required("specversion")
            .required("id")
            .required("source")
            .required("type")
            .into()
    }
}

impl utoipa::ToSchema for CloudEvent {}

/// The event log as CloudEvents 1.0; docs/interchange.md describes every field.
#[utoipa::path(
    get,
    path = "/api/v1/export/cloudevents",
    tag = "feed",
    params(ExportQuery),
    responses(
        (status = 200, description = "The events the filters select, in position order: a JSON array, or (Accept: application/x-ndjson) one per line", content(
            (Vec<CloudEvent> = "application/cloudevents-batch+json"),
            (String = "application/x-ndjson"),
        )),
        crate::problem::InvalidParameter,
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not export the log", body = crate::Problem, content_type = "application/problem+json"),
        (status = 406, description = "Neither framing is acceptable", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn cloudevents(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    headers: HeaderMap,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Action::Export)?;
    let framing = framing(&headers)?;
    let query = query_params(query, "the export takes after, until, stream, type, from and to")?;
    let filter = Filter::parse(FilterArgs {
        after: query.after,
        until: query.until,
        stream: query.stream.as_deref(),
        event_type: query.event_type.as_deref(),
        from: query.from.as_deref(),
        to: query.to.as_deref(),
    })
    .map_err(|e| ApiError::bad_request(e.detail, e.parameter))?;
    let export = Export::start(service.stores.events.clone(), filter).await.map_err(|e| match e {
        ExportError::Store(error) => ApiError::from(error),
        other => ApiError::Internal(other.to_string()),
    })?;
    let pages = stream::try_unfold((export, true), move |(mut export, first)| async move {
        let Some(lines) = export.next_page().await? else { return Ok(None) };
        let mut chunk = String::new();
        let mut first = first;
        for line in lines {
            match framing {
                Framing::Batch if !first => chunk.push(','),
                _ => {}
            }
            chunk.push_str(&line);
            if framing == Framing::Lines {
                chunk.push('\n');
            }
            first = false;
        }
        Ok::<_, ExportError>(Some((chunk, (export, first))))
    })
    .inspect_err(|error| tracing::error!(%error, "the export stopped part way"));
    let (content_type, body) = match framing {
        Framing::Lines => (LINES, Body::from_stream(pages)),
        Framing::Batch => {
            let open = stream::once(async { Ok(String::from("[")) });
            let close = stream::once(async { Ok(String::from("]")) });
            (BATCH, Body::from_stream(open.chain(pages).chain(close)))
        }
    };
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// Organisations, bodies and memberships as Popolo organizations and memberships, and resolutions
/// as Popolo motions; docs/interchange.md describes every field.
#[utoipa::path(
    get,
    path = "/api/v1/export/popolo",
    tag = "feed",
    responses(
        (status = 200, description = "One Popolo document: {\"organizations\": [...], \"memberships\": [...], \"motions\": [...]}", content_type = "application/json", body = Object),
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not export the record", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn popolo(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
) -> Result<Json<popolo::Document>, ApiError> {
    principal.require(Action::Export)?;
    let models = service.reports.now().await?;
    Ok(Json(popolo::document(&models)))
}

/// A JSON array unless the caller asks for JSON Lines; 406 when it accepts neither.
fn framing(headers: &HeaderMap) -> Result<Framing, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Framing::Batch);
    };
    let types: Vec<&str> = accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim()).collect();
    if types.contains(&LINES) {
        Ok(Framing::Lines)
    } else if types.iter().any(|t| matches!(*t, BATCH | "application/json" | "application/*" | "*/*")) {
        Ok(Framing::Batch)
    } else {
        Err(ApiError::NotAcceptable(format!(
            "the export is given as {BATCH} or {LINES}, not {accept}: ask for one of those in Accept"
        )))
    }
}
