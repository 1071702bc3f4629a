//! Recording commands: one `POST` endpoint per command family under `/api/v1`, each taking one
//! command in the JSON `covenant record` takes (`docs/commands.md`), with `If-Match` naming the
//! version of the command's stream it was decided against and `Idempotency-Key` making a retry
//! safe. The actor of every event is the token's principal; the caller may say where the fact
//! comes from (`source`) and when it happened (`occurred_at`).

use std::sync::Arc;

use app::{Action, IdSeed, Principal, Provenance, Recorded, Submission};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use domain::{Aggregate, Command};
use kernel::{Hash, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticated;
use crate::idempotency::{self, Answer};
use crate::problem::query_params;
pub use covenant_client::RecordedRef;

use crate::{ApiError, Service};

/// Where the fact a command records comes from, and when it happened.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// Where the fact comes from, such as a minute reference.
    source: Option<String>,
    /// When it happened in the world (YYYY-MM-DD or RFC 3339); the time of recording when left out.
    occurred_at: Option<String>,
}

/// Declares the request body of each command endpoint: one command of its aggregate as
/// `covenant record` takes it (`aggregate`, which may be left out, `command`, `id` and the
/// command's fields, which `docs/commands.md` lists), with an example the endpoint accepts.
macro_rules! command_bodies {
    ($($body:ident => $aggregate:literal, $example:expr;)*) => {
        $(
            #[doc = concat!("One ", $aggregate, " command, as `covenant record` takes it.")]
            #[derive(Debug)]
            pub struct $body;

            impl utoipa::PartialSchema for $body {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    use utoipa::openapi::schema::{ObjectBuilder, Type};
                    let text = || ObjectBuilder::new().schema_type(Type::String);
                    ObjectBuilder::new()
                        .description(Some(concat!(
                            "One ", $aggregate, " command as docs/commands.md describes it: `aggregate` (\"",
                            $aggregate, "\", or left out), `command`, `id` and the command's own fields. The example, illustrative where the papers say nothing, is one the endpoint records on the Lincolnshire story of `covenant demo` (the resolution's after the meeting's)."
                        )))
                        .property("aggregate", text().enum_values(Some([$aggregate])))
                        .property("command", text().description(Some("The command's name, such as the example's")))
                        .property("id", text().min_length(Some(1)).description(Some("The key of the stream the command is for")))
                        .required("command")
                        .required("id")
                        .examples([$example])
                        .into()
                }
            }

            impl ToSchema for $body {}
        )*
    };
}

command_bodies! {
    OrganisationCommand => "organisation", serde_json::json!({
        "aggregate": "organisation", "command": "register", "id": "GB-LAE-NKE",
        "name": "North Kesteven District Council", "kind": "local_authority"
    });
    BodyCommand => "body", serde_json::json!({
        "aggregate": "body", "command": "add_member", "id": "west-lindsey-prosperous-communities-committee",
        "organisation": "GB-LAE-WLI", "joined_on": "2018-01-01"
    });
    MeetingCommand => "meeting", serde_json::json!({
        "aggregate": "meeting", "command": "add_agenda_item", "id": "west-lindsey-pcc-2021-03-09",
        "item": "46", "title": "Housing Assistance Policy (illustrative)", "minute_number": "46"
    });
    ResolutionCommand => "resolution", serde_json::json!({
        "aggregate": "resolution", "command": "record", "id": "west-lindsey-pcc-2021-03-09-46",
        "body": "west-lindsey-prosperous-communities-committee", "meeting": "west-lindsey-pcc-2021-03-09",
        "agenda_item": "46", "text": "That the report be noted (illustrative).", "outcome": "noted",
        "decided_on": "2021-03-09"
    });
    InstrumentCommand => "instrument", serde_json::json!({
        "aggregate": "instrument", "command": "add_objective", "id": "lincolnshire-hhcdg-delivery-plan",
        "objective": "planning-ahead", "title": "Residents plan ahead to meet their housing needs",
        "themes": ["independent living"]
    });
    CommitmentCommand => "commitment", serde_json::json!({
        "aggregate": "commitment", "command": "report_progress", "id": "hhcdg-discharge-housing-support",
        "status": "amber", "percent_complete": 70,
        "narrative": "Housing link workers in every acute hospital discharge hub (illustrative).",
        "period": {"label": "2023/24 Q4"}, "reported_on": "2024-04-20"
    });
    IndicatorCommand => "indicator", serde_json::json!({
        "aggregate": "indicator", "command": "set_target", "id": "west-lindsey-dfg-completions",
        "value": 150.0, "due_on": "2024-03-31"
    });
}

/// What a command recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecordedEvents {
    /// The events, in position order; empty when the command decided on no new events.
    pub events: Vec<RecordedRef>,
    /// How many times the command was decided (more than 1 after conflicts with other writers).
    pub attempts: u32,
}

impl From<Recorded> for RecordedEvents {
    fn from(recorded: Recorded) -> Self {
        let events = recorded
            .events
            .into_iter()
            .map(|e| RecordedRef {
                position: e.position.0,
                stream_id: e.stream_id.to_string(),
                stream_version: e.stream_version,
                event_id: e.event_id.to_string(),
                event_type: e.event_type.to_string(),
                correlation_id: e.correlation_id.to_string(),
                causation_id: e.causation_id.map(|c| c.to_string()),
            })
            .collect();
        RecordedEvents { events, attempts: recorded.attempts }
    }
}

/// Declares one annotated handler per command family, and the router holding them all.
macro_rules! families {
    ($($handler:ident => $aggregate:ident, $path:literal, $body:ident;)*) => {
        $(
            #[doc = concat!("Record one command on ", stringify!($aggregate), " streams.")]
            #[utoipa::path(
                post,
                path = $path,
                tag = "commands",
                params(
                    Origin,
                    ("If-Match" = Option<String>, Header, description = "The version of the command's stream the command was decided against, such as \"5\"; 412 when the stream is no longer at it"),
                    ("Idempotency-Key" = Option<String>, Header, description = "A fresh key per request; sending the same request again with it returns the first answer"),
                ),
                request_body(content = $body, content_type = "application/json"),
                responses(
                    (status = 201, description = "Recorded; ETag is the stream's new version", body = RecordedEvents),
                    (status = 200, description = "The command decided on no new events", body = RecordedEvents),
                    crate::problem::InvalidRequest,
                    crate::problem::NoToken,
                    (status = 403, description = "The token's role may not send this command", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 409, description = "Other changes kept winning; send the command again", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 412, description = "The stream is not at the If-Match version", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 422, description = "The rules refuse the command, or the Idempotency-Key was used for another request", body = crate::Problem, content_type = "application/problem+json"),
                ),
                security(("bearer" = []))
            )]
            pub async fn $handler(
                State(service): State<Arc<Service>>,
                Authenticated(principal): Authenticated,
                headers: HeaderMap,
                origin: Result<Query<Origin>, QueryRejection>,
                body: Result<Bytes, BytesRejection>,
            ) -> Result<Response, ApiError> {
                record(&service, principal, Aggregate::$aggregate, $path, &headers, origin, body).await
            }
        )*

        /// The command endpoints.
        pub(crate) fn routes() -> OpenApiRouter<Arc<Service>> {
            OpenApiRouter::new()$(.routes(routes!($handler)))*
        }
    };
}

families! {
    organisations => Organisation, "/api/v1/organisations", OrganisationCommand;
    bodies => Body, "/api/v1/bodies", BodyCommand;
    meetings => Meeting, "/api/v1/meetings", MeetingCommand;
    resolutions => Resolution, "/api/v1/resolutions", ResolutionCommand;
    instruments => Instrument, "/api/v1/instruments", InstrumentCommand;
    commitments => Commitment, "/api/v1/commitments", CommitmentCommand;
    indicators => Indicator, "/api/v1/indicators", IndicatorCommand;
}

async fn record(
    service: &Service,
    principal: Principal,
    aggregate: Aggregate,
    path: &str,
    headers: &HeaderMap,
    origin: Result<Query<Origin>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Action::Record(aggregate))?;
    let origin = query_params(origin, "the query may give only source and occurred_at")?;
    let occurred_at = origin
        .occurred_at
        .as_deref()
        .map(Timestamp::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(e, "occurred_at"))?;
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        if !content_type.to_str().is_ok_and(|t| t.starts_with("application/json")) {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be one command as JSON: send it with Content-Type: application/json".to_owned(),
            ));
        }
    }
    let body = body.map_err(|e| crate::problem::body_rejection(&e, service.settings.max_body_bytes))?;
    let command = parse(aggregate, path, &body)?;
    let if_match = if_match(headers)?;
    let key = idempotency::key(headers)?;
    let request = fingerprint(path, if_match, origin.source.as_deref(), origin.occurred_at.as_deref(), &body);
    let provenance = Provenance { source: origin.source, occurred_at, ..Provenance::new(principal.actor()) };
    let submission = Submission { command, provenance };
    let (answer, replayed) = submit(service, &principal, vec![submission], if_match, key, request).await?;
    Ok(answer.response(replayed))
}

/// Records `submissions` for `principal`, together or not at all, once per idempotency `key`
/// (`request` tells the same request sent again from another): the one recording path of the
/// API and of the dashboard's forms. `if_match` is the version of the first command's stream
/// the commands were decided against. Gives the answer, and whether it is the one kept from the
/// first request under `key`.
pub(crate) async fn submit(
    service: &Service,
    principal: &Principal,
    mut submissions: Vec<Submission>,
    if_match: Option<u64>,
    key: Option<String>,
    request: Hash,
) -> Result<(Answer, bool), ApiError> {
    let scope = principal.scope();
    let seed = key.as_deref().map(|key| IdSeed::new(&scope, key));
    for submission in &mut submissions {
        submission.provenance.id_seed = seed;
    }
    idempotency::once(service, &scope, key, request, async {
        // Sent before under this key, by a process that recorded it and died before answering,
        // or that is still answering: that is the answer, whatever the stream's version now.
        let earlier = service.recorder.recorded_earlier(&submissions).await;
        if let Some(recorded) = earlier.map_err(|e| ApiError::from_record(e, false))? {
            return answer(&submissions, recorded);
        }
        let mut scope = None;
        for submission in &submissions {
            let version = principal.authorize(service.stores.events.as_ref(), &submission.command).await?;
            scope = scope.or(version);
        }
        let first = submissions.first().map(|s| s.command.stream_id());
        let expected = match (scope, if_match) {
            (Some(version), Some(asked)) if version != asked => {
                return Err(ApiError::PreconditionFailed(format!(
                    "stream {} is at version {version}, not {asked}: it changed since it was read; nothing was recorded; reload it, check the command still applies, and send it again",
                    first.map(|s| s.to_string()).unwrap_or_default()
                )));
            }
            (Some(version), _) => Some(version),
            (None, asked) => asked,
        };
        let now = Timestamp::now();
        let recorded = match expected {
            Some(version) => service.recorder.record_expecting(&submissions, version, now).await,
            None => service.recorder.record_batch(&submissions, now).await,
        }
        .map_err(|e| ApiError::from_record(e, expected.is_some()))?;
        service.metrics.recorded(recorded.events.len());
        answer(&submissions, recorded)
    })
    .await
}

/// The answer to commands that recorded `recorded`: 201 with the events and the first command's
/// stream's new version as ETag, or 200 when they decided on no events.
fn answer(submissions: &[Submission], recorded: Recorded) -> Result<Answer, ApiError> {
    let stream = submissions.first().map(|s| s.command.stream_id());
    let version =
        recorded.events.iter().filter(|e| Some(&e.stream_id) == stream.as_ref()).map(|e| e.stream_version).max();
    let status = if recorded.events.is_empty() { StatusCode::OK } else { StatusCode::CREATED };
    let body = serde_json::to_string(&RecordedEvents::from(recorded))
        .map_err(|e| ApiError::Internal(format!("failed to write the answer: {e}")))?;
    Ok(Answer { status, etag: version.map(|v| format!("\"{v}\"")), body })
}

/// Reads the body as a command on `aggregate`, adding `aggregate` when the body leaves it out.
fn parse(aggregate: Aggregate, path: &str, body: &[u8]) -> Result<Command, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        detail: format!("the body is not JSON ({e}): send one command as a JSON object, as docs/commands.md shows"),
        field: None,
    })?;
    app::refuse_duplicate_keys(body).map_err(|duplicate| {
        let field = duplicate.0.clone();
        ApiError::bad_request(duplicate.to_string(), field)
    })?;
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::BadRequest {
            detail: "the body must be one command as a JSON object, as docs/commands.md shows".to_owned(),
            field: None,
        });
    };
    let name = aggregate.prefix();
    match object.get("aggregate") {
        None => {
            object.insert("aggregate".to_owned(), name.into());
        }
        Some(given) if given.as_str() == Some(name) => {}
        Some(given) => {
            return Err(ApiError::bad_request(
                format!(
                    "{path} records {name} commands, but the body names the aggregate {given}: send the command to the endpoint of its aggregate, or leave aggregate out"
                ),
                "aggregate",
            ));
        }
    }
    app::parse_command(&value.to_string()).map_err(|detail| {
        let field = crate::problem::named_field(&detail);
        ApiError::BadRequest { detail, field }
    })
}

/// The version `If-Match` names: `"5"`, `W/"5"` or `5`.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse().map(Some).map_err(|_| {
        ApiError::bad_request(
            format!(
                "If-Match must name one stream version, such as \"5\", as the ETag of the last answer about the stream gave it; '{text}' is not one"
            ),
            "If-Match",
        )
    })
}

/// What a request asks, to recognise the same request sent again under one idempotency key.
pub(crate) fn fingerprint(
    path: &str,
    if_match: Option<u64>,
    source: Option<&str>,
    occurred_at: Option<&str>,
    body: &[u8],
) -> Hash {
    let mut hasher = Sha256::new();
    for part in [
        path.as_bytes(),
        if_match.map(|v| v.to_string()).unwrap_or_default().as_bytes(),
        source.unwrap_or_default().as_bytes(),
        occurred_at.unwrap_or_default().as_bytes(),
        body,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}
