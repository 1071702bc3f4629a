//! Imports over HTTP, for the secretariat: an action plan as CSV, a ModernGov meeting or
//! committee list as XML, each the body of one `POST` under `/api/v1/imports`. The file is
//! checked whole first, as `covenant import` checks it; a file with problems records nothing and
//! is answered 422 with every problem listed (`problems`). Importing the same file again records
//! nothing, so a request that got no answer can simply be sent again.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::interchange::{ImportError, Imported, Importer, action_plan, moderngov};
use app::{Action, Principal};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{Date, Key, OrgId};
use kernel::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::openapi::response::{Response as Answer, ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoParams, IntoResponses, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service};

/// How to read an action plan.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActionPlanParams {
    /// The instrument of rows that leave the instrument column empty.
    instrument: Option<String>,
    /// The day the plan stands at (YYYY-MM-DD): actions are made, and progress reported, on this day. Today when left out.
    on: Option<String>,
    /// The file's name, for the source of each event; `action plan` when left out.
    file: Option<String>,
}

/// Whose ModernGov records these are.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ModernGovParams {
    /// The council, by org-id, such as GB-LAE-WLI.
    council: String,
    /// The day of the import (YYYY-MM-DD), recorded as the day new committees were established and resolutions corrected. Today when left out.
    on: Option<String>,
    /// The file's name, for messages; `ModernGov response` when left out.
    file: Option<String>,
}

/// What an import recorded, matched and skipped.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Lines of the file that recorded something.
    pub recorded: usize,
    /// Lines of the file matched to what is on record under other keys (a meeting, agenda item or
    /// resolution recorded by other means), which recorded nothing; each says what it matched.
    pub matched: Vec<MatchedLine>,
    /// Lines of the file already recorded by an earlier import, which recorded nothing.
    pub skipped: usize,
    /// The same as `recorded`, kept for clients written before it.
    pub changed: usize,
    /// The same as `skipped`, kept for clients written before it.
    pub unchanged: usize,
    pub events: usize,
    /// How many appends the events took (each all or nothing).
    pub appends: usize,
    pub first_position: Option<u64>,
    pub last_position: Option<u64>,
    /// Changes the file shows that Covenant has no command for, so were not recorded.
    pub not_recorded: Vec<FileProblem>,
}

/// A line of an imported file found on record under another key.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedLine {
    pub line: usize,
    /// What the line is and what on record it was matched to.
    pub message: String,
}

/// A problem with one line of an imported file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileProblem {
    pub line: usize,
    /// The column or element at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl From<&app::interchange::ImportProblem> for FileProblem {
    fn from(p: &app::interchange::ImportProblem) -> Self {
        FileProblem { line: p.line, column: p.column.clone(), message: p.message.clone() }
    }
}

/// A problem document listing every problem of a refused file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileProblems {
    #[serde(flatten)]
    pub problem: crate::Problem,
    pub problems: Vec<FileProblem>,
}

const PROBLEMS: &str = "The file has problems; every one is listed in `problems` and nothing was recorded";

/// Import an action plan from CSV.
#[utoipa::path(
    post,
    path = "/api/v1/imports/action-plan",
    tag = "imports",
    params(ActionPlanParams),
    request_body(content = String, content_type = "text/csv", description = "The action plan: a header row and one row per action, as docs/imports.md lays out"),
    responses(
        ImportAnswers,
        (status = 415, description = "The body is not CSV", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn action_plan(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    headers: HeaderMap,
    params: Result<Query<ActionPlanParams>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Action::Import)?;
    let params = query_params(params, "the query may give only instrument, on and file")?;
    let text = read_body(&service, &headers, "text/csv", body)?;
    let options = action_plan::Options {
        instrument: params
            .instrument
            .map(|i| Key::parse(i).map_err(|e| ApiError::bad_request(e, "instrument")))
            .transpose()?,
        on: day(params.on.as_deref())?,
        file: params.file.unwrap_or_else(|| "action plan".to_owned()),
    };
    let imported = action_plan::import(
        Importer { recorder: &service.recorder, actor: &principal.actor(), progress: &mut |_, _| {} },
        &text,
        &options,
    )
    .await;
    answer(&service, imported)
}

/// Import a meeting from a ModernGov GetMeeting response.
#[utoipa::path(
    post,
    path = "/api/v1/imports/moderngov",
    tag = "imports",
    params(ModernGovParams),
    request_body(content = String, content_type = "application/xml", description = "The response of the ModernGov web service's GetMeeting"),
    responses(
        ImportAnswers,
        (status = 415, description = "The body is not XML", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn meeting(
    ModernGovImport { service, principal, text, options }: ModernGovImport,
) -> Result<Response, ApiError> {
    let imported = match read_off_runtime(text, moderngov::parse_meeting).await? {
        Ok(meeting) => {
            // What is on record by other means, for matching: the live read models, caught up to now.
            let live = service.reports.now().await?;
            let actor = principal.actor();
            moderngov::record_meeting(
                Importer { recorder: &service.recorder, actor: &actor, progress: &mut |_, _| {} },
                &live,
                &meeting,
                &options,
            )
            .await
        }
        Err(problems) => Err(ImportError::Invalid(problems)),
    };
    answer(&service, imported)
}

/// Import a council's committees, as bodies, from a ModernGov GetCommittees response.
#[utoipa::path(
    post,
    path = "/api/v1/imports/moderngov-committees",
    tag = "imports",
    params(ModernGovParams),
    request_body(content = String, content_type = "application/xml", description = "The response of the ModernGov web service's GetCommittees"),
    responses(
        ImportAnswers,
        (status = 415, description = "The body is not XML", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn committees(
    ModernGovImport { service, principal, text, options }: ModernGovImport,
) -> Result<Response, ApiError> {
    let imported = match read_off_runtime(text, moderngov::parse_committees).await? {
        Ok(committees) => {
            let actor = principal.actor();
            moderngov::record_committees(
                Importer { recorder: &service.recorder, actor: &actor, progress: &mut |_, _| {} },
                &committees,
                &options,
            )
            .await
        }
        Err(problems) => Err(ImportError::Invalid(problems)),
    };
    answer(&service, imported)
}

/// Reads a file with `read` on a thread for blocking work, so that a large file keeps no
/// runtime thread from the other requests, and the request's time limit (which waits on this)
/// still applies.
async fn read_off_runtime<T: Send + 'static>(text: String, read: fn(&str) -> T) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || read(&text))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the file failed: {e}")))
}

/// The import endpoints.
pub(crate) fn routes() -> OpenApiRouter<Arc<Service>> {
    OpenApiRouter::new().routes(routes!(action_plan)).routes(routes!(meeting)).routes(routes!(committees))
}

/// What a ModernGov import reads: the service, the principal, the file as text and the options
/// its query gives. Refused as [`Authenticated`] refuses, then when the principal may not import,
/// then when the query or the body is not valid.
pub struct ModernGovImport {
    service: Arc<Service>,
    principal: Principal,
    text: String,
    options: moderngov::Options,
}

impl FromRequest<Arc<Service>> for ModernGovImport {
    type Rejection = ApiError;

    async fn from_request(request: Request, service: &Arc<Service>) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let Authenticated(principal) = Authenticated::from_request_parts(&mut parts, service).await?;
        let params = Query::<ModernGovParams>::from_request_parts(&mut parts, service).await;
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), service).await;
        principal.require(Action::Import)?;
        let params = query_params(params, "the query may give only council, on and file")?;
        let text = read_body(service, &headers, "xml", body)?;
        let options = moderngov::Options {
            council: OrgId::parse(params.council).map_err(|e| ApiError::bad_request(e, "council"))?,
            on: day(params.on.as_deref())?,
            file: params.file.unwrap_or_else(|| "ModernGov response".to_owned()),
        };
        Ok(Self { service: Arc::clone(service), principal, text, options })
    }
}

/// The answers every import gives alike, for the OpenAPI document: recorded, or already
/// recorded, with what it recorded; refused, as a request that is not valid, that carries no
/// token, or whose token may not import; and a file with problems. A route adds its own refusal
/// of a body that is not its kind of file.
struct ImportAnswers;

impl IntoResponses for ImportAnswers {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        let answer = |description: &str, media: &str, schema: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build();
            ResponseBuilder::new().description(description).content(media, content)
        };
        let mut answers: BTreeMap<String, RefOr<Answer>> = ResponsesBuilder::new()
            .response("201", answer("Recorded", "application/json", "ImportSummary"))
            .response("200", answer("Everything in the file was already recorded", "application/json", "ImportSummary"))
            .response("422", answer(PROBLEMS, crate::problem::PROBLEM_JSON, "FileProblems"))
            .build()
            .into();
        answers.extend(crate::problem::InvalidRequest::responses());
        answers.extend(crate::problem::NoToken::responses());
        answers.extend(crate::problem::MayNotImport::responses());
        answers
    }
}

/// The body as text, when its media type contains `media`.
fn read_body(
    service: &Service,
    headers: &HeaderMap,
    media: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<String, ApiError> {
    let given = headers.get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).unwrap_or_default();
    if !given.contains(media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be the file itself, sent with a Content-Type naming {media}, not '{given}'"
        )));
    }
    let body = body.map_err(|e| crate::problem::body_rejection(&e, service.settings.max_body_bytes))?;
    String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::bad_request("the file is not UTF-8 text: save it as UTF-8 and send it again", "body"))
}

fn day(text: Option<&str>) -> Result<Date, ApiError> {
    match text {
        None => Ok(Timestamp::now().as_datetime().date_naive()),
        Some(text) => domain::parse_date(text).map_err(|e| ApiError::bad_request(e.to_string(), "on")),
    }
}

/// The answer to an import: what it recorded, or every problem.
fn answer(service: &Service, imported: Result<Imported, ImportError>) -> Result<Response, ApiError> {
    let imported = match imported {
        Ok(imported) => imported,
        Err(ImportError::Invalid(problems)) => {
            let error =
                ApiError::Unprocessable { detail: ImportError::Invalid(problems.clone()).to_string(), field: None };
            let body =
                FileProblems { problem: error.problem(), problems: problems.iter().map(FileProblem::from).collect() };
            let mut response = (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(crate::problem::PROBLEM_JSON));
            return Ok(response);
        }
        Err(ImportError::Record { error, line, recorded }) => {
            let detail = format!("line {line}: {error}");
            return Err(match ApiError::from_record(error, false) {
                ApiError::Unprocessable { field, .. } => {
                    ApiError::Unprocessable { detail: with_recorded(detail, recorded), field }
                }
                other => other,
            });
        }
        Err(ImportError::Store(error)) => return Err(ApiError::from_record(error, false)),
    };
    service.metrics.recorded(imported.events);
    let status = if imported.events == 0 { StatusCode::OK } else { StatusCode::CREATED };
    let summary = ImportSummary {
        recorded: imported.changed,
        matched: imported.matched.iter().map(|m| MatchedLine { line: m.line, message: m.message.clone() }).collect(),
        skipped: imported.unchanged,
        changed: imported.changed,
        unchanged: imported.unchanged,
        events: imported.events,
        appends: imported.appends,
        first_position: imported.first_position.map(|p| p.0),
        last_position: imported.last_position.map(|p| p.0),
        not_recorded: imported.not_recorded.iter().map(FileProblem::from).collect(),
    };
    Ok((status, axum::Json(summary)).into_response())
}

fn with_recorded(detail: String, recorded: usize) -> String {
    match recorded {
        0 => format!("{detail}; nothing was recorded"),
        n => format!(
            "{detail}; the {n} lines before it were recorded: fix the file and send it again, which records only what is still missing"
        ),
    }
}
