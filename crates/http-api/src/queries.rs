//! The reports under `/api/v1`: the status board (and one instrument in detail), the resolution
//! register (and one resolution whole), the action log, the indicators and the audit trail, with
//! the filters and "as of" points of `covenant report`, as JSON or (`Accept: text/csv`) CSV, a
//! page at a time. A handler reads the query into an `app::ReportRequest` and writes what the
//! service's `app::Reports` answers: about now from the read models it keeps in memory, about a
//! past point folded from the log for the request, and the audit trail read from the log.

use std::sync::Arc;

use app::{Action, Asked, Page, Principal, ReportRequest};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::{Date, Key, OrgId};
use kernel::{Position, StreamId, Timestamp};
use projections::{Filters, Format, GroupBy, ReportKind, TrailFilters};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service, paging};

/// The filters, the point in time and the page of a report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// What had been decided by this date (YYYY-MM-DD, the whole day) or time (RFC 3339),
    /// whenever it was recorded. `decided_by` is another name for it.
    #[serde(alias = "decided_by")]
    as_of: Option<String>,
    /// What Covenant had recorded by this date or time: the record as a reader saw it then.
    known_on: Option<String>,
    /// The log up to and including this position.
    #[param(minimum = 0)]
    position: Option<u64>,
    /// The day overdue, due-soon and stale items are counted against (YYYY-MM-DD); by default
    /// the `as_of` or `known_on` date, else today.
    #[param(format = Date)]
    today: Option<String>,
    /// Only this instrument, by key.
    instrument: Option<String>,
    /// Only this body, by key.
    body: Option<String>,
    /// Only this organisation, by org-id, such as GB-LAE-WLI.
    organisation: Option<String>,
    /// The status board only: instruments with an objective tagged with this theme, exactly.
    theme: Option<String>,
    /// The first day of the period (inclusive, YYYY-MM-DD).
    #[param(format = Date)]
    from: Option<String>,
    /// The last day of the period (inclusive, YYYY-MM-DD).
    #[param(format = Date)]
    to: Option<String>,
    /// The action log only: group by `organisation` (the default) or `body`.
    #[param(pattern = "^(organisation|body)$")]
    by: Option<String>,
    /// The audit trail only: one entity's stream.
    stream: Option<String>,
    /// The audit trail only: one actor, exactly as recorded.
    actor: Option<String>,
    /// How many rows to skip.
    offset: Option<usize>,
    /// How many rows a page holds (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// What a token must be allowed to read a report.
fn action(kind: ReportKind) -> Action {
    if kind == ReportKind::Audit { Action::ReadAudit } else { Action::ReadReports }
}

/// Declares one annotated handler per report.
macro_rules! reports {
    ($($handler:ident => $kind:ident, $path:literal, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            #[utoipa::path(
                get,
                path = $path,
                tag = "reports",
                params(ReportQuery),
                responses(
                    (status = 200, description = "One page of the report: as JSON (the default), the view's fields, its rows and `page`; as CSV (Accept: text/csv), the page's rows as one table", content(
                        (Object = "application/json"),
                        (String = "text/csv"),
                    )),
                    (status = 400, description = "A filter or the page is not valid", body = crate::Problem, content_type = "application/problem+json"),
                    crate::problem::NoToken,
                    (status = 403, description = "The token's role may not read this report", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 406, description = "Neither JSON nor CSV is acceptable", body = crate::Problem, content_type = "application/problem+json"),
                ),
                security(("bearer" = []))
            )]
            pub async fn $handler(
                State(service): State<Arc<Service>>,
                Authenticated(principal): Authenticated,
                headers: HeaderMap,
                query: Result<Query<ReportQuery>, QueryRejection>,
            ) -> Result<Response, ApiError> {
                principal.require(action(ReportKind::$kind))?;
                let format = representation(&headers)?;
                let request = read_query(query, ReportKind::$kind, None, &service)?;
                let body = service.reports.written(&request, format).await?;
                Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(content_type(format)))], body).into_response())
            }
        )*
    };
}

reports! {
    status => Status, "/api/v1/status", "The instrument status board.";
    resolutions => Resolutions, "/api/v1/resolutions", "The resolution register.";
    actions => Actions, "/api/v1/actions", "The action log, by organisation or by body.";
    indicators => Indicators, "/api/v1/indicators", "Indicators against their targets.";
    audit => Audit, "/api/v1/audit", "The audit trail: every event by entity, actor and period.";
}

/// One instrument in full: versions, endorsements, each party's standing, objectives, and the
/// commitments that need attention.
#[utoipa::path(
    get,
    path = "/api/v1/status/{instrument}",
    tag = "reports",
    params(("instrument" = String, Path, description = "The instrument's key"), ReportQuery),
    responses(
        (status = 200, description = "The instrument", body = Object, content_type = "application/json"),
        (status = 400, description = "The key or a parameter is not valid", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        crate::problem::MayNotReadReports,
        (status = 404, description = "No such instrument is on record", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn instrument(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(key): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    one(&service, &principal, ReportKind::Status, &key, "instrument", query).await
}

/// One resolution, whole: its text as it stands, outcome, dates and call-in, each correction with
/// its day, actor and reason, what it authorised or brought about, and its delivery trail (the
/// commitments that followed it, each as it stands on `today`).
#[utoipa::path(
    get,
    path = "/api/v1/resolutions/{resolution}",
    tag = "reports",
    params(("resolution" = String, Path, description = "The resolution's key"), ReportQuery),
    responses(
        (status = 200, description = "The resolution", body = Object, content_type = "application/json"),
        (status = 400, description = "The key or a parameter is not valid", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        crate::problem::MayNotReadReports,
        (status = 404, description = "No such resolution is on record", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn resolution(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(key): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    one(&service, &principal, ReportKind::Resolutions, &key, "resolution", query).await
}

/// Says in the OpenAPI document which options each report takes (an option of another report is
/// refused, so it is not offered), and the shape of the keys and org-ids the filters name, from
/// the rules that check them.
pub(crate) struct ReportParameters;

impl utoipa::Modify for ReportParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::schema::Schema;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let report = path.strip_prefix("/api/v1/").and_then(|rest| rest.split('/').next());
            let Some(kind) = ReportKind::ALL.into_iter().find(|kind| report == Some(kind.name())) else { continue };
            let Some(parameters) = item.get.as_mut().and_then(|get| get.parameters.as_mut()) else { continue };
            parameters.retain(|p| ReportRequest::takes(kind, if p.name == "by" { "group_by" } else { &p.name }));
            if path.contains('{') {
                // One record in full: named by the path, at a point; no rows to filter or page.
                let point = ["as_of", "known_on", "position", "today"];
                parameters.retain(|p| p.parameter_in == ParameterIn::Path || point.contains(&p.name.as_str()));
            }
            for parameter in parameters.iter_mut() {
                let (pattern, max_length) = match parameter.name.as_str() {
                    "instrument" | "body" => (Key::PATTERN.to_owned(), Some(domain::MAX_KEY_BYTES)),
                    "organisation" => (OrgId::pattern(), None),
                    _ => continue,
                };
                if let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() {
                    schema.pattern = Some(pattern);
                    schema.max_length = max_length;
                }
            }
        }
    }
}

/// The report routes.
pub(crate) fn routes() -> OpenApiRouter<Arc<Service>> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(instrument))
        .routes(routes!(resolutions))
        .routes(routes!(resolution))
        .routes(routes!(actions))
        .routes(routes!(indicators))
        .routes(routes!(audit))
}

/// The media type of a report written in `format`.
fn content_type(format: Format) -> &'static str {
    if format == Format::Csv { "text/csv; charset=utf-8" } else { "application/json" }
}

/// JSON unless the caller asks for CSV and not JSON; 406 when it accepts neither.
fn representation(headers: &HeaderMap) -> Result<Format, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Format::Json);
    };
    let types: Vec<&str> = accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim()).collect();
    if types.iter().any(|t| matches!(*t, "application/json" | "application/*" | "*/*")) {
        Ok(Format::Json)
    } else if types.iter().any(|t| matches!(*t, "text/csv" | "text/*")) {
        Ok(Format::Csv)
    } else {
        Err(ApiError::NotAcceptable(format!(
            "reports are given as application/json or text/csv, not {accept}: ask for one of those in Accept"
        )))
    }
}

/// The request a report's query makes, `subject` the instrument or resolution its path names.
/// The report of `kind` on the one thing whose key, given in the path as `field`, is `key`, for
/// `principal` if the role may read the reports.
async fn one(
    service: &Service,
    principal: &Principal,
    kind: ReportKind,
    key: &str,
    field: &str,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadReports)?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, field))?;
    let request = read_query(query, kind, Some(key), service)?;
    Ok(axum::Json(service.reports.answer(&request).await?.view).into_response())
}

fn read_query(
    query: Result<Query<ReportQuery>, QueryRejection>,
    kind: ReportKind,
    subject: Option<Key>,
    service: &Service,
) -> Result<ReportRequest, ApiError> {
    let query = query_params(query, "docs/http.md lists the parameters of each report")?;
    let time = |text: &Option<String>, field: &str| {
        text.as_deref().map(Timestamp::parse_end_of).transpose().map_err(|e| ApiError::bad_request(e, field))
    };
    let filters = Filters {
        instrument: query.instrument.map(Key::parse).transpose().map_err(|e| ApiError::bad_request(e, "instrument"))?,
        body: query.body.map(Key::parse).transpose().map_err(|e| ApiError::bad_request(e, "body"))?,
        organisation: query
            .organisation
            .map(OrgId::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(e, "organisation"))?,
        from: date(&query.from, "from")?,
        to: date(&query.to, "to")?,
        theme: query.theme,
    };
    let group_by = match query.by.as_deref() {
        None => None,
        Some("organisation") => Some(GroupBy::Organisation),
        Some("body") => Some(GroupBy::Body),
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("'{other}' is not a grouping: group the action log by organisation or body"),
                "by",
            ));
        }
    };
    let trail = TrailFilters {
        stream: query.stream.map(StreamId::parse).transpose().map_err(|e| ApiError::bad_request(e, "stream"))?,
        actor: query.actor,
    };
    let asked = Asked {
        position: query.position.map(Position),
        known_on: time(&query.known_on, "known_on")?,
        decided_by: time(&query.as_of, "as_of")?,
        today: date(&query.today, "today")?,
        filters,
        group_by,
        trail,
        subject,
        page: Some(Page { offset: query.offset.unwrap_or(0), limit: paging::limit(query.limit, &service.settings)? }),
    };
    ReportRequest::new(kind, asked).map_err(|refused| {
        let field = if refused.option == "group_by" { "by" } else { refused.option };
        ApiError::bad_request(
            format!("{field} applies only to /api/v1/{}: leave it out here", refused.only.name()),
            field,
        )
    })
}

pub(crate) fn date(text: &Option<String>, field: &str) -> Result<Option<Date>, ApiError> {
    text.as_deref().map(|t| domain::parse_date(t).map_err(|e| ApiError::bad_request(e.to_string(), field))).transpose()
}
