//! The public record's calendars and feeds, for anyone to subscribe to: a body's meetings and an
//! organisation's action due dates as iCalendar, and decisions and progress as Atom, for a body,
//! an organisation, an instrument or everything. Each is written by `app::interchange`
//! (`icalendar`, `atom`) from the `PublicRecord` that `Reports::public` gives, in the words of the
//! language asked for (`?lang=`, else `Accept-Language`), and cached like the public pages (an
//! ETag on the log's position and the language, 304 on `If-None-Match`).

use std::sync::Arc;

use app::interchange::{Texts, atom, icalendar};
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use domain::{Date, Key, OrgId};
use projections::{
    ActionState, LastReport, Own, PublicAction, PublicMeeting, PublicRecord, ResolutionEntry, Said, Scope,
};
use serde::Deserialize;

use crate::ApiError;
use crate::Service;
use crate::dashboard::layout::Voice;
use crate::dashboard::{Point, given, read};
use crate::locale::Lang;
use crate::public::{Asked, Refused, heading, record};

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

/// The words of calendars and feeds, from the catalogue of the language asked for, and the
/// record whose texts they show.
struct Words<'r>(Voice, &'r PublicRecord);

impl Texts for Words<'_> {
    fn said<'a>(&'a self, own: Own, english: &'a str) -> Said<'a> {
        self.1.said(self.0.lang == Lang::Cy, &own, english)
    }
}

impl icalendar::Words for Words<'_> {
    fn agenda(&self) -> String {
        self.0.lang.text("calendar-agenda")
    }

    fn minutes_published(&self, on: Date, decisions: usize) -> String {
        self.0.lang.with("calendar-minutes", &[("date", self.0.day(on).into()), ("count", decisions.into())])
    }

    fn state(&self, state: ActionState, percent: f64) -> String {
        let state = self.0.lang.word("action-state", &state);
        self.0.lang.with("calendar-state", &[("state", state.into()), ("percent", format!("{percent:.0}").into())])
    }

    fn towards(&self, title: &str) -> String {
        self.0.lang.with("calendar-towards", &[("title", title.into())])
    }

    fn due(&self, title: &str) -> String {
        self.0.lang.with("calendar-due", &[("title", title.into())])
    }
}

impl atom::Words for Words<'_> {
    fn author(&self) -> String {
        self.0.lang.text("feed-author")
    }

    fn decision(&self, decision: &ResolutionEntry) -> String {
        heading(self.0, decision)
    }

    fn progress(&self, action: &PublicAction, report: &LastReport) -> String {
        let lang = self.0.lang;
        let status = lang.text(match report.status {
            domain::rag::Rag::Red => "rag-red",
            domain::rag::Rag::Amber => "rag-amber",
            domain::rag::Rag::Green => "rag-green",
        });
        lang.with(
            "feed-progress-entry",
            &[
                ("title", self.said(Own::CommitmentTitle(action.commitment.clone()), &action.title).text.into()),
                ("percent", report.percent_complete.into()),
                ("status", status.into()),
                ("period", report.period.as_str().into()),
            ],
        )
    }
}

/// `GET /public/bodies/{body}/meetings.ics`.
async fn meetings(
    State(service): State<Arc<Service>>,
    asked: Asked,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let result = async {
        let point = Point::read(None)?;
        let (record, etag) = record(&service, &asked, &point).await?;
        let body =
            record.bodies.iter().find(|b| b.body.as_str() == key).ok_or_else(|| unknown(&asked, "body", &key))?;
        let held: Vec<&PublicMeeting> = record.meetings.iter().filter(|m| m.body == body.body).collect();
        let words = Words(asked.voice(), &record);
        let name = asked.say_with(
            "calendar-meetings",
            &[("body", words.said(Own::BodyName(body.body.clone()), &body.name).text.into())],
        );
        let text = icalendar::meetings(&name, &held, point.today, &words);
        Ok(asked.cached(&headers, &etag, CALENDAR, text))
    }
    .await;
    asked.answer(result)
}

/// `GET /public/organisations/{organisation}/actions.ics`.
async fn due_dates(
    State(service): State<Arc<Service>>,
    asked: Asked,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let point = Point::read(None)?;
        let organisation = OrgId::parse(id.clone()).map_err(|e| ApiError::bad_request(e, "organisation"))?;
        let (record, etag) = record(&service, &asked, &point).await?;
        let name = record
            .organisations()
            .into_iter()
            .find(|(o, _)| *o == organisation)
            .map(|(_, name)| name)
            .ok_or_else(|| unknown(&asked, "organisation", &id))?;
        let words = Words(asked.voice(), &record);
        let name = words.said(Own::OrganisationName(organisation.clone()), &name).text;
        let actions = record.actions_of(&Scope::Organisation(organisation.clone()));
        let title = asked.say_with("calendar-actions", &[("organisation", name.into())]);
        let text = icalendar::due_dates(&title, &actions, point.today, &words);
        Ok(asked.cached(&headers, &etag, CALENDAR, text))
    }
    .await;
    asked.answer(result)
}

/// Which feed: at most one of a body, an organisation and an instrument.
#[derive(Debug, Default, Deserialize)]
struct FeedQuery {
    body: Option<String>,
    organisation: Option<String>,
    instrument: Option<String>,
}

impl FeedQuery {
    fn scope(&self, asked: &Asked) -> Result<Scope, Refused> {
        match (given(self.body.as_deref()), given(self.organisation.as_deref()), given(self.instrument.as_deref())) {
            (None, None, None) => Ok(Scope::All),
            (Some(b), None, None) => Ok(Scope::Body(Key::parse(b).map_err(|e| ApiError::bad_request(e, "body"))?)),
            (None, Some(o), None) => {
                Ok(Scope::Organisation(OrgId::parse(o).map_err(|e| ApiError::bad_request(e, "organisation"))?))
            }
            (None, None, Some(i)) => {
                Ok(Scope::Instrument(Key::parse(i).map_err(|e| ApiError::bad_request(e, "instrument"))?))
            }
            _ => Err(Refused::Said(StatusCode::BAD_REQUEST, asked.say("feed-one-scope"))),
        }
    }
}

/// The feed's path (keeping the language where `?lang=` chose it) and title, as asked.
fn named(asked: &Asked, kind: &str, scope: &Scope) -> (String, String) {
    let (param, value) = match scope {
        Scope::All => return (asked.keep(&format!("/public/feeds/{kind}.atom")), asked.say(&format!("feed-{kind}"))),
        Scope::Body(b) => ("body", b.to_string()),
        Scope::Organisation(o) => ("organisation", o.to_string()),
        Scope::Instrument(i) => ("instrument", i.to_string()),
    };
    let title = asked.say_with(&format!("feed-{kind}-of"), &[("scope", value.as_str().into())]);
    (asked.keep(&format!("/public/feeds/{kind}.atom?{param}={value}")), title)
}

/// `GET /public/feeds/decisions.atom`.
async fn decisions(
    State(service): State<Arc<Service>>,
    asked: Asked,
    headers: HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
) -> Response {
    let result = feed(&service, &asked, &headers, query, "decisions", |feed, record, scope| {
        atom::decisions(feed, &record.decisions(scope))
    })
    .await;
    asked.answer(result)
}

/// `GET /public/feeds/progress.atom`.
async fn progress(
    State(service): State<Arc<Service>>,
    asked: Asked,
    headers: HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
) -> Response {
    let result = feed(&service, &asked, &headers, query, "progress", |feed, record, scope| {
        atom::progress(feed, &record.actions_of(scope))
    })
    .await;
    asked.answer(result)
}

/// The feed of `kind` the query asks for, written by `write` from the public record of now.
async fn feed(
    service: &Service,
    asked: &Asked,
    headers: &HeaderMap,
    query: Result<axum::extract::Query<FeedQuery>, QueryRejection>,
    kind: &str,
    write: impl FnOnce(&atom::Feed<'_>, &PublicRecord, &Scope) -> String,
) -> Result<Response, Refused> {
    let scope = read(query)?.scope(asked)?;
    let point = Point::read(None)?;
    let (record, etag) = record(service, asked, &point).await?;
    let (path, title) = named(asked, kind, &scope);
    let words = Words(asked.voice(), &record);
    let feed = atom::Feed { path: &path, title: &title, today: point.today, lang: asked.lang.code(), words: &words };
    Ok(asked.cached(headers, &etag, ATOM, write(&feed, &record, &scope)))
}

/// A body or organisation the public record does not hold.
fn unknown(asked: &Asked, what: &str, key: &str) -> Refused {
    Refused::Said(StatusCode::NOT_FOUND, asked.say_with(&format!("not-found-calendar-{what}"), &[("key", key.into())]))
}
