//! The reports under `/api/v1`: the status board (and one instrument in detail), the resolution
//! register (and one resolution whole), the action log, the indicators and the audit trail, with the filters and "as of"
//! points of `covenant report`, as JSON or (`Accept: text/csv`) CSV, a page at a time. Answers
//! about now come from the read models kept in memory; answers about a past point are folded
//! from the log for the request, and so is the audit trail, now or then.

use std::ops::Deref;
use std::sync::Arc;

use app::Action;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{Date, Key, OrgId};
use kernel::{Position, StreamId, Timestamp};
use projections::{AsOf, Filters, GroupBy, ReadModels, Report, ReportKind, TrailFilters, Unverified};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{RwLockReadGuard, SemaphorePermit};
use utoipa::IntoParams;

use crate::answers::{Answer, Request};
use crate::auth::Authenticated;
use crate::live::Folded;
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
    position: Option<u64>,
    /// The day overdue, due-soon and stale items are counted against (YYYY-MM-DD); by default
    /// the `as_of` or `known_on` date, else today.
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
    from: Option<String>,
    /// The last day of the period (inclusive, YYYY-MM-DD).
    to: Option<String>,
    /// The action log only: group by `organisation` (the default) or `body`.
    by: Option<String>,
    /// The audit trail only: one entity's stream.
    stream: Option<String>,
    /// The audit trail only: one actor, exactly as recorded.
    actor: Option<String>,
    /// How many rows to skip.
    offset: Option<usize>,
    /// How many rows a page holds (default 100, at most 1000).
    limit: Option<usize>,
}

/// The name of the rows in a report's JSON.
fn rows(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Status => "instruments",
        ReportKind::Resolutions => "resolutions",
        ReportKind::Actions => "rows",
        ReportKind::Indicators => "indicators",
        ReportKind::Audit => "entries",
    }
}

/// What a token must be allowed to read a report.
fn action(kind: ReportKind) -> Action {
    if kind == ReportKind::Audit { Action::ReadAudit } else { Action::ReadReports }
}

/// How the answer is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Representation {
    Json,
    Csv,
}

impl Representation {
    fn content_type(self) -> &'static str {
        match self {
            Representation::Json => "application/json",
            Representation::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// A request's query, read.
struct Asked {
    as_of: AsOf,
    today: Date,
    filters: Filters,
    group_by: GroupBy,
    trail: TrailFilters,
    offset: usize,
    limit: usize,
}

/// The read models a report other than the audit trail is made from: the live ones, or ones
/// folded for a past point.
pub(crate) enum Models<'a> {
    Live(RwLockReadGuard<'a, Folded>),
    /// Folded for this request, holding one of the service's permits for such folds until the
    /// answer is written and the models dropped.
    Past {
        models: Box<ReadModels>,
        _permit: SemaphorePermit<'a>,
    },
}

impl Deref for Models<'_> {
    type Target = ReadModels;
    fn deref(&self) -> &ReadModels {
        match self {
            Models::Live(folded) => &folded.models,
            Models::Past { models, .. } => models,
        }
    }
}

impl Models<'_> {
    /// The position the live models answer at; none for a past point.
    fn position(&self) -> Option<Position> {
        match self {
            Models::Live(folded) => Some(folded.position),
            Models::Past { .. } => None,
        }
    }
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
                    (status = 200, description = "One page of the report: the view's fields, its rows and `page`", body = Object, content_type = "application/json"),
                    (status = 200, description = "One page of the report's table", body = String, content_type = "text/csv"),
                    (status = 400, description = "A filter or the page is not valid", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 401, description = "No valid bearer token", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 403, description = "The token's role may not read this report", body = crate::Problem, content_type = "application/problem+json"),
                    (status = 406, description = "Neither JSON nor CSV is acceptable", body = crate::Problem, content_type = "application/problem+json"),
                ),
                security(("bearer" = []))
            )]
            pub async fn $handler(
                State(service): State<Arc<Service>>,
                Authenticated(principal): Authenticated,
                headers: HeaderMap,
                uri: Uri,
                query: Result<Query<ReportQuery>, QueryRejection>,
            ) -> Result<Response, ApiError> {
                principal.require(action(ReportKind::$kind))?;
                let representation = representation(&headers)?;
                let asked = read_query(query, ReportKind::$kind, &service)?;
                report(&service, ReportKind::$kind, &asked, representation, &uri).await
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
        (status = 401, description = "No valid bearer token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not read the reports", body = crate::Problem, content_type = "application/problem+json"),
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
    principal.require(Action::ReadReports)?;
    let asked = read_query(query, ReportKind::Status, &service)?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "instrument"))?;
    let models = models(&service, asked.as_of).await?;
    let status = models.status().instrument(&key, &service.settings.rules, asked.today).ok_or_else(|| {
        ApiError::NotFound(format!("no instrument {key} is on record: GET /api/v1/status lists every instrument"))
    })?;
    Ok(axum::Json(status).into_response())
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
        (status = 401, description = "No valid bearer token", body = crate::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not read the reports", body = crate::Problem, content_type = "application/problem+json"),
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
    principal.require(Action::ReadReports)?;
    let asked = read_query(query, ReportKind::Resolutions, &service)?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "resolution"))?;
    let models = models(&service, asked.as_of).await?;
    let entry = models.resolutions().resolution(&key, &service.settings.rules, asked.today).ok_or_else(|| {
        ApiError::NotFound(format!("no resolution {key} is on record: GET /api/v1/resolutions lists every resolution"))
    })?;
    Ok(axum::Json(entry).into_response())
}

/// The report routes.
pub(crate) fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/status/{instrument}", get(instrument))
        .route("/api/v1/resolutions", get(resolutions))
        .route("/api/v1/resolutions/{resolution}", get(resolution))
        .route("/api/v1/actions", get(actions))
        .route("/api/v1/indicators", get(indicators))
        .route("/api/v1/audit", get(audit))
}

/// JSON unless the caller asks for CSV and not JSON; 406 when it accepts neither.
fn representation(headers: &HeaderMap) -> Result<Representation, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Representation::Json);
    };
    let types: Vec<&str> = accept.split(',').map(|t| t.split(';').next().unwrap_or_default().trim()).collect();
    if types.iter().any(|t| matches!(*t, "application/json" | "application/*" | "*/*")) {
        Ok(Representation::Json)
    } else if types.iter().any(|t| matches!(*t, "text/csv" | "text/*")) {
        Ok(Representation::Csv)
    } else {
        Err(ApiError::NotAcceptable(format!(
            "reports are given as application/json or text/csv, not {accept}: ask for one of those in Accept"
        )))
    }
}

fn read_query(
    query: Result<Query<ReportQuery>, QueryRejection>,
    kind: ReportKind,
    service: &Service,
) -> Result<Asked, ApiError> {
    let Query(query) = query.map_err(|e| {
        let detail = format!("{}: docs/http.md lists the parameters of each report", e.body_text());
        let field = crate::problem::named_field(&detail);
        ApiError::BadRequest { detail, field }
    })?;
    let only = |given: bool, field: &str, report: ReportKind| {
        if given && kind != report {
            Err(ApiError::bad_request(
                format!("{field} applies only to /api/v1/{}: leave it out here", report.name()),
                field,
            ))
        } else {
            Ok(())
        }
    };
    only(query.by.is_some(), "by", ReportKind::Actions)?;
    only(query.stream.is_some(), "stream", ReportKind::Audit)?;
    only(query.actor.is_some(), "actor", ReportKind::Audit)?;
    only(query.theme.is_some(), "theme", ReportKind::Status)?;
    let time = |text: &Option<String>, field: &str| {
        text.as_deref().map(Timestamp::parse_end_of).transpose().map_err(|e| ApiError::bad_request(e, field))
    };
    let as_of = AsOf {
        position: query.position.map(Position),
        known_on: time(&query.known_on, "known_on")?,
        decided_by: time(&query.as_of, "as_of")?,
    };
    let point = as_of.decided_by.or(as_of.known_on).unwrap_or_else(Timestamp::now);
    let today = date(&query.today, "today")?.unwrap_or_else(|| point.as_datetime().date_naive());
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
        None | Some("organisation") => GroupBy::Organisation,
        Some("body") => GroupBy::Body,
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
    let limit = paging::limit(query.limit, &service.settings)?;
    Ok(Asked { as_of, today, filters, group_by, trail, offset: query.offset.unwrap_or(0), limit })
}

pub(crate) fn date(text: &Option<String>, field: &str) -> Result<Option<Date>, ApiError> {
    text.as_deref().map(|t| domain::parse_date(t).map_err(|e| ApiError::bad_request(e.to_string(), field))).transpose()
}

pub(crate) async fn models(service: &Service, as_of: AsOf) -> Result<Models<'_>, ApiError> {
    if as_of.is_now() {
        return Ok(Models::Live(service.live.read(&service.stores).await?));
    }
    // A fold of the whole log, held in memory until it is answered: only so many at once.
    let permit = service.as_of_folds.try_acquire().map_err(|_| {
        ApiError::Busy(format!(
            "the service is already working out as many reports of the past as it does at once ({}): try again in a moment, or ask for the report as it stands now",
            service.settings.max_as_of_folds
        ))
    })?;
    let (models, broken) = app::views::fold_as_of(&service.stores, as_of, Unverified::Allow).await?;
    service.live.notice(broken);
    Ok(Models::Past { models: Box::new(models), _permit: permit })
}

/// One page of a report, as JSON (the view, its rows cut to the page, and `page`) or CSV. A
/// report of now is answered from the answers kept at the live models' position when the same
/// request was answered there before. The audit trail is read from the log for the request: the
/// log is the audit trail.
async fn report(
    service: &Service,
    kind: ReportKind,
    asked: &Asked,
    representation: Representation,
    uri: &Uri,
) -> Result<Response, ApiError> {
    let models = models(service, asked.as_of).await?;
    let request = Request {
        path_and_query: uri.path_and_query().map_or_else(|| uri.path().to_owned(), ToString::to_string),
        content_type: representation.content_type(),
        today: asked.today,
    };
    if let Some(answer) = models.position().and_then(|at| service.answers.get(at, &request)) {
        return Ok(answer.into_response());
    }
    let rules = service.settings.rules;
    let position = models.position();
    let written = match kind {
        ReportKind::Status => {
            let view = models.status().view(&asked.filters, &rules, asked.today);
            Written::new(&view, view.report(), position)
        }
        ReportKind::Resolutions => {
            let view = models.resolutions().view(&asked.filters, &rules, asked.today);
            Written::new(&view, view.report(), position)
        }
        ReportKind::Actions => {
            let view = models.actions().view(&asked.filters, &rules, asked.today, asked.group_by);
            Written::new(&view, view.report(), position)
        }
        ReportKind::Indicators => {
            let view = models.indicators().view(&asked.filters, &rules, asked.today);
            Written::new(&view, view.report(), position)
        }
        ReportKind::Audit => {
            // Not the models': the live ones are let go so that others may catch them up.
            drop(models);
            let (view, at, broken) =
                app::views::fold_audit(&service.stores, asked.as_of, &asked.filters, &asked.trail, Unverified::Allow)
                    .await?;
            service.live.notice(broken);
            Written::new(&view, view.report(), asked.as_of.is_now().then_some(at))
        }
    };
    let position = written.position;
    let answer = written.page(kind, asked, representation)?;
    if let Some(at) = position {
        service.answers.keep(at, request, answer.clone());
    }
    Ok(answer.into_response())
}

/// A report worked out: its view as JSON, its table, and the position it describes (none for a
/// past point).
struct Written {
    view: Result<Value, serde_json::Error>,
    table: Report,
    position: Option<Position>,
}

impl Written {
    fn new(view: &impl serde::Serialize, table: Report, position: Option<Position>) -> Self {
        Self { view: serde_json::to_value(view), table, position }
    }

    /// The page `asked` names, as `representation`.
    fn page(self, kind: ReportKind, asked: &Asked, representation: Representation) -> Result<Answer, ApiError> {
        let Written { view, table, position } = self;
        let total = table.rows.len();
        let start = asked.offset.min(total);
        let end = start.saturating_add(asked.limit).min(total);
        if representation == Representation::Csv {
            let page = Report { rows: table.rows[start..end].to_vec(), ..table };
            let body = page.render(projections::Format::Csv).into();
            return Ok(Answer { content_type: representation.content_type(), body });
        }
        let failed = |e: serde_json::Error| ApiError::Internal(format!("failed to write the report: {e}"));
        let mut view = view.map_err(failed)?;
        if let Some(rows) = view.get_mut(rows(kind)).and_then(Value::as_array_mut) {
            *rows = rows.drain(start..end).collect();
        }
        view["page"] = serde_json::json!({
            "offset": start,
            "limit": asked.limit,
            "total": total,
            "next_offset": (end < total).then_some(end),
        });
        if let Some(position) = position {
            view["position"] = position.0.into();
        }
        let body = serde_json::to_vec(&view).map_err(failed)?;
        Ok(Answer { content_type: representation.content_type(), body: body.into() })
    }
}
