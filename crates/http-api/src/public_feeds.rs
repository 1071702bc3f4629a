//! The public record's calendars and feeds, for anyone to subscribe to: a body's meetings and an
//! organisation's action due dates as iCalendar, and decisions and progress as Atom, for a body,
//! an organisation, an instrument or everything. Each is written by `app::interchange`
//! (`icalendar`, `atom`) from the `PublicRecord` that `Reports::public` gives, and cached like
//! the public pages (an ETag on the log's position, 304 on `If-None-Match`).

use std::sync::Arc;

use app::interchange::{atom, icalendar};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use domain::{Key, OrgId};
use projections::{PublicMeeting, PublicRecord, Scope};
use serde::Deserialize;

use crate::ApiError;
use crate::Service;
use crate::dashboard::{Failure, Point, given, read};
use crate::public::{cached, record};

/// The calendars' and feeds' routes.
pub(crate) fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route("/public/bodies/{body}/meetings.ics", get(meetings))
        .route("/public/organisations/{organisation}/actions.ics", get(due_dates))
        .route("/public/feeds/decisions.atom", get(decisions))
        .route("/public/feeds/progress.atom", get(progress))
}

const CALENDAR: &str = "text/calendar; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";

/// `GET /public/bodies/{body}/meetings.ics`.
async fn meetings(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let (record, etag) = record(&service, &point).await?;
    let body = record.bodies.iter().find(|b| b.body.as_str() == key).ok_or_else(|| unknown("body", &key))?;
    let held: Vec<&PublicMeeting> = record.meetings.iter().filter(|m| m.body == body.body).collect();
    let text = icalendar::meetings(&format!("{}: meetings", body.name), &held, point.today);
    Ok(cached(&headers, &etag, CALENDAR, text))
}

/// `GET /public/organisations/{organisation}/actions.ics`.
async fn due_dates(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let organisation = OrgId::parse(id.clone()).map_err(|e| ApiError::bad_request(e, "organisation"))?;
    let (record, etag) = record(&service, &point).await?;
    let name = record
        .organisations()
        .into_iter()
        .find(|(o, _)| *o == organisation)
        .map(|(_, name)| name)
        .ok_or_else(|| unknown("organisation", &id))?;
    let actions = record.actions_of(&Scope::Organisation(organisation));
    let text = icalendar::due_dates(&format!("{name}: actions due"), &actions, point.today);
    Ok(cached(&headers, &etag, CALENDAR, text))
}

/// Which feed: at most one of a body, an organisation and an instrument.
#[derive(Debug, Default, Deserialize)]
struct FeedQuery {
    body: Option<String>,
    organisation: Option<String>,
    instrument: Option<String>,
}

impl FeedQuery {
    fn scope(&self) -> Result<Scope, ApiError> {
        match (given(self.body.as_deref()), given(self.organisation.as_deref()), given(self.instrument.as_deref())) {
            (None, None, None) => Ok(Scope::All),
            (Some(b), None, None) => Ok(Scope::Body(Key::parse(b).map_err(|e| ApiError::bad_request(e, "body"))?)),
            (None, Some(o), None) => {
                Ok(Scope::Organisation(OrgId::parse(o).map_err(|e| ApiError::bad_request(e, "organisation"))?))
            }
            (None, None, Some(i)) => {
                Ok(Scope::Instrument(Key::parse(i).map_err(|e| ApiError::bad_request(e, "instrument"))?))
            }
            _ => Err(ApiError::bad_request(
                "a feed follows one body, organisation or instrument: give only one of them",
                "body",
            )),
        }
    }
}

/// The feed's path and title, as asked.
fn named(kind: &str, scope: &Scope) -> (String, String) {
    let (param, value) = match scope {
        Scope::All => return (format!("/public/feeds/{kind}.atom"), format!("Public record: {kind}")),
        Scope::Body(b) => ("body", b.to_string()),
        Scope::Organisation(o) => ("organisation", o.to_string()),
        Scope::Instrument(i) => ("instrument", i.to_string()),
    };
    (format!("/public/feeds/{kind}.atom?{param}={value}"), format!("Public record: {kind} of {value}"))
}

/// `GET /public/feeds/decisions.atom`.
async fn decisions(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    feed(&service, &headers, query, "decisions", |feed, record, scope| atom::decisions(feed, &record.decisions(scope)))
        .await
}

/// `GET /public/feeds/progress.atom`.
async fn progress(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    feed(&service, &headers, query, "progress", |feed, record, scope| atom::progress(feed, &record.actions_of(scope)))
        .await
}

/// The feed of `kind` the query asks for, written by `write` from the public record of now.
async fn feed(
    service: &Service,
    headers: &HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
    kind: &str,
    write: impl FnOnce(&atom::Feed<'_>, &PublicRecord, &Scope) -> String,
) -> Result<Response, Failure> {
    let scope = read(query)?.scope()?;
    let point = Point::read(None)?;
    let (record, etag) = record(service, &point).await?;
    let (path, title) = named(kind, &scope);
    let text = write(&atom::Feed { path: &path, title: &title, today: point.today }, &record, &scope);
    Ok(cached(headers, &etag, ATOM, text))
}

/// A body or organisation the public record does not hold.
fn unknown(what: &str, key: &str) -> Failure {
    Failure(ApiError::NotFound(format!(
        "the public record holds no {what} {key}: the list of bodies at /public links to each calendar"
    )))
}
