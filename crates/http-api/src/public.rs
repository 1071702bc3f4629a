//! The public record under `/public`: pages anyone may read without signing in, laid out from
//! `app::Reports::public` (the read models with everything `projections::is_public` refuses left
//! out), in the dashboard's layout without its signed-in navigation: bodies and their meetings,
//! each meeting's decisions with their delivery trail, instruments with their status and
//! indicators, a search of decisions, and the accessibility statement; every page as of any day,
//! in English or in Welsh (`?lang=`, else `Accept-Language`; [`crate::locale`]), every word of it
//! from the message catalogues. Each answer carries an ETag naming the log's position, the day it
//! counts from and the language, `Vary: Accept-Language`, and `Cache-Control` for a shared cache,
//! and a request whose `If-None-Match` names it gets 304. `docs/public.md` says what is published
//! when.
//!
//! Architecture Invariant: a public page shows only what `Reports::public` gives; it never
//! reads the read models itself, so nothing the publication rule refuses can reach it.

use std::sync::Arc;

use app::ReportError;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{Date, Key, OrgId};
use fluent_bundle::FluentValue;
use kernel::Position;
use maud::{Markup, html};
use projections::{Caused, Own, PartyStanding, PublicRecord, PublicSearch, ResolutionEntry, Said, Standing};
use serde::Deserialize;

use crate::dashboard::layout::{self, Frame, PickerWords, Voice};
use crate::dashboard::{CONTENT_SECURITY_POLICY, Failure, Point, chart, given, read};
use crate::{ApiError, Lang, Service, queries};

/// The public record's routes.
pub(crate) fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route("/public", get(home))
        .route("/public/bodies/{body}", get(body))
        .route("/public/meetings/{meeting}", get(meeting))
        .route("/public/instruments/{instrument}", get(instrument))
        .route("/public/search", get(search))
        .route("/public/accessibility", get(accessibility))
}

/// How long a shared cache may keep a public answer before asking again with its ETag.
const CACHE_CONTROL: &str = "public, max-age=60";

/// The query every public page reads: the "as of" day (and `lang`, which [`Asked`] reads).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PointQuery {
    as_of: Option<String>,
}

/// What a public answer is asked for beyond its record: the language, whether `?lang=` chose it
/// (so that the page's links and forms keep it), and the page's path and query (for the switch
/// to the other language). Read from any request, whatever else is wrong with it.
#[derive(Clone, Debug)]
pub(crate) struct Asked {
    pub(crate) lang: Lang,
    chosen: bool,
    path: String,
    query: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Asked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.uri, &parts.headers))
    }
}

impl Asked {
    /// What a request to `uri` with `headers` asks for.
    pub(crate) fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let query = uri.query().unwrap_or_default().to_owned();
        let given = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .ok()
            .and_then(|Query(pairs)| pairs.into_iter().rev().find(|(name, _)| name == "lang").map(|(_, v)| v));
        let chosen = given.as_deref().and_then(Lang::parse).is_some();
        let lang = Lang::asked(given.as_deref(), headers);
        Self { lang, chosen, path: uri.path().to_owned(), query }
    }

    /// The message `id`, in the language asked for.
    pub(crate) fn say(&self, id: &str) -> String {
        self.lang.text(id)
    }

    /// The message `id` with `args`, in the language asked for.
    pub(crate) fn say_with(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.lang.with(id, args)
    }

    /// `path`, keeping the language when `?lang=` chose it.
    pub(crate) fn keep(&self, path: &str) -> String {
        if !self.chosen {
            return path.to_owned();
        }
        let joint = if path.contains('?') { '&' } else { '?' };
        format!("{path}{joint}lang={}", self.lang.code())
    }

    /// The hidden field that keeps the language on a GET form, when `?lang=` chose it.
    fn kept(&self) -> Vec<(&'static str, &'static str)> {
        if self.chosen { vec![("lang", self.lang.code())] } else { Vec::new() }
    }

    /// This page in the other language: its query as sent, with `lang` naming the other.
    fn switched(&self) -> String {
        let mut pairs: Vec<&str> =
            self.query.split('&').filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("lang")).collect();
        let lang = format!("lang={}", self.lang.other().code());
        pairs.push(&lang);
        format!("{}?{}", self.path, pairs.join("&"))
    }

    /// How a public page speaks: in the language asked for, dates written out.
    pub(crate) fn voice(&self) -> Voice {
        Voice { lang: self.lang, dates_written_out: true }
    }

    /// The public answer `result` gives, or, when it failed, the page saying why, in the
    /// language asked for.
    pub(crate) fn answer(&self, result: Result<Response, Refused>) -> Response {
        result.unwrap_or_else(|refused| self.refusal(refused))
    }

    fn refusal(&self, refused: Refused) -> Response {
        let (status, said) = match refused {
            Refused::Said(status, said) => (status, html! { (said) }),
            Refused::Failed(Failure(error)) => {
                let status = error.status();
                if status.is_server_error() {
                    tracing::error!(%error, "public page failed");
                }
                // The reason, as the shared checks give it: in English.
                let detail = error.problem().detail;
                let said = match self.lang {
                    Lang::En => html! { (detail) },
                    _ => html! { span lang="en" { (detail) } " (" (self.say("english-only")) ")" },
                };
                (status, said)
            }
        };
        let title = self.say(match status {
            StatusCode::NOT_FOUND => "error-not-found",
            s if s.is_client_error() => "error-bad-request",
            _ => "error-server",
        });
        let content = html! {
            p.alert role="alert" { (said) }
            p { a href=(self.keep("/public")) { (self.say("error-back")) } }
        };
        self.error_page(status, &title, false, content)
    }

    /// A page of the public record saying what went wrong, with `status`, titled `title` (its
    /// `<title>` begun "Error: " when it shows what is wrong with what was typed); no cache keeps it.
    pub(crate) fn error_page(&self, status: StatusCode, title: &str, typed: bool, content: Markup) -> Response {
        let skip = self.say("skip-link");
        let head_title = if typed { format!("{}: {title}", self.say("error-prefix")) } else { title.to_owned() };
        let markup = layout::public_page(
            Frame { lang: self.lang.tag(), skip: &skip },
            &head_title,
            html! { (title) },
            self.header(None),
            None,
            content,
            self.footer(),
        );
        let mut response = self.headed(markup.into_string().into_response());
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        *response.status_mut() = status;
        response
    }

    /// `response` with the headers every public answer carries.
    fn headed(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(self.lang.code()));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
        response
    }

    /// The public header: the service's name, the navigation, and the switch to the other
    /// language, labelled in that language (as GOV.UK services do).
    fn header(&self, point: Option<&Point>) -> Markup {
        let link = |path: &str| self.keep(&point.map_or_else(|| path.to_owned(), |p| p.link(path)));
        let other = self.lang.other();
        html! {
            a.name href=(link("/public")) { (self.say("site-name")) }
            nav aria-label=(self.say("nav-label")) {
                ul {
                    li { a href=(link("/public")) { (self.say("nav-home")) } }
                    li { a href=(link("/public/search")) { (self.say("nav-search")) } }
                }
            }
            nav.language aria-label=(self.say("language-nav")) {
                a href=(self.switched()) hreflang=(other.code()) lang=(other.code()) rel="alternate" {
                    span.visually-hidden { (other.text("language-switch")) }
                    span aria-hidden="true" { (other.text("language-name")) }
                }
            }
        }
    }

    fn footer(&self) -> Markup {
        html! {
            p {
                a href=(self.keep("/public/accessibility")) { (self.say("footer-accessibility")) }
                " · " (self.say("footer-note"))
            }
        }
    }

    /// The validator of a public answer: the head of the log, the day counted from (which moves
    /// overdue and due-soon items even when the log does not), and the language.
    pub(crate) fn etag(&self, head: Position, point: &Point) -> String {
        format!("\"{}-{}-{}\"", head.0, point.today, self.lang.code())
    }

    /// `body` as a public answer of `content_type` in the language asked for, or 304 when the
    /// request already holds `etag`.
    pub(crate) fn cached(&self, request: &HeaderMap, etag: &str, content_type: &'static str, body: String) -> Response {
        self.headed(cached(request, etag, content_type, body))
    }
}

/// `body` as a public answer of `content_type` with its `etag` and the public record's caching,
/// or 304 when the request already holds `etag`: for answers in a language, through
/// [`Asked::cached`]; for the OParl API's JSON, which is in none, as it is.
pub(crate) fn cached(request: &HeaderMap, etag: &str, content_type: &'static str, body: String) -> Response {
    let held = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if held {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}

/// Why a public answer could not be given: said in its language by the public record itself, or
/// an error of the checks it shares with the API (whose words are English).
#[derive(Debug)]
pub(crate) enum Refused {
    Said(StatusCode, String),
    Failed(Failure),
}

impl From<Failure> for Refused {
    fn from(failure: Failure) -> Self {
        Refused::Failed(failure)
    }
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Self {
        Refused::Failed(Failure(error))
    }
}

impl From<ReportError> for Refused {
    fn from(error: ReportError) -> Self {
        Refused::Failed(error.into())
    }
}

/// One public page being laid out: what was asked, and the point it shows.
struct Here<'a> {
    asked: &'a Asked,
    point: Point,
    voice: Voice,
}

impl<'a> Here<'a> {
    fn new(asked: &'a Asked, as_of: Option<&str>) -> Result<Self, Refused> {
        Ok(Self::at(asked, Point::read(as_of)?))
    }

    fn at(asked: &'a Asked, point: Point) -> Self {
        Self { asked, point, voice: asked.voice() }
    }

    fn say(&self, id: &str) -> String {
        self.asked.say(id)
    }

    fn say_with(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.asked.say_with(id, args)
    }

    /// `path`, keeping the page's "as of" date and, where it was chosen, its language.
    fn link(&self, path: &str) -> String {
        self.asked.keep(&self.point.link(path))
    }

    /// Text the record holds in English only.
    fn english(&self, text: &str) -> Markup {
        self.voice.english(text)
    }

    /// A text of the record, `english` as recorded: its Welsh on a page in Welsh where one is
    /// recorded, else the English.
    fn said<'r>(&self, record: &'r PublicRecord, own: Own, english: &'r str) -> Said<'r> {
        record.said(self.asked.lang == Lang::Cy, &own, english)
    }

    /// A text of the record laid out: its Welsh marked `lang="cy"`, or the English, marked as
    /// English on a page in another language.
    fn own(&self, record: &PublicRecord, own: Own, english: &str) -> Markup {
        let said = self.said(record, own, english);
        match said.translated {
            Some(language) => html! { span lang=(language.code()) { (said.text) } },
            None => self.english(said.text),
        }
    }

    /// Organisations by name, each in the page's language where its name is translated.
    fn names(&self, record: &PublicRecord, orgs: &[(OrgId, String)]) -> Markup {
        html! {
            @for (n, (id, name)) in orgs.iter().enumerate() {
                @if n > 0 { ", " }
                (self.own(record, Own::OrganisationName(id.clone()), name))
            }
        }
    }

    /// A day written out.
    fn day(&self, day: Date) -> String {
        self.voice.day(day)
    }

    /// A domain value in words, from the catalogue's `family`.
    fn word<T: serde::Serialize>(&self, family: &str, value: &T) -> String {
        self.asked.lang.word(family, value)
    }

    /// The public record at the page's point, and the ETag that names it.
    async fn record(&self, service: &Service) -> Result<(PublicRecord, String), ReportError> {
        record(service, self.asked, &self.point).await
    }

    /// A record the public record does not hold (or not on the page's day).
    fn not_found(&self, what: &str, key: &str) -> Refused {
        let said = match self.point.day {
            Some(day) => {
                self.say_with(&format!("not-found-{what}-on"), &[("key", key.into()), ("date", self.day(day).into())])
            }
            None => self.say_with(&format!("not-found-{what}"), &[("key", key.into())]),
        };
        Refused::Said(StatusCode::NOT_FOUND, said)
    }

    /// The page titled `title` (its heading `heading`), with `content`, as an answer cached
    /// under `etag`; the "as of" form sends the reader to `path` with `keep`.
    #[expect(clippy::too_many_arguments, reason = "the parts of a page, each named where it is laid out")]
    fn page(
        &self,
        request: &HeaderMap,
        etag: &str,
        title: &str,
        heading: Markup,
        path: &str,
        keep: &[(&str, &str)],
        content: Markup,
    ) -> Response {
        let asked = self.asked;
        let words = PickerWords {
            region: &self.say("as-of-region"),
            legend: &self.say("as-of-legend"),
            parts: [&self.say("date-day"), &self.say("date-month"), &self.say("date-year")],
            show: &self.say("as-of-show"),
            today: &self.say("as-of-now"),
        };
        let said = match self.point.day {
            Some(day) => self.say_with("as-of-on", &[("day", self.day(day).into())]),
            None => self.say_with("as-of-today", &[("day", self.day(self.point.today).into())]),
        };
        let mut kept: Vec<(&str, &str)> = keep.to_vec();
        kept.extend(asked.kept());
        let picker = layout::as_of(&self.point, path, &kept, &words, &asked.keep(path), html! { (said) });
        let skip = self.say("skip-link");
        let markup = layout::public_page(
            Frame { lang: asked.lang.tag(), skip: &skip },
            title,
            heading,
            asked.header(Some(&self.point)),
            Some(picker),
            content,
            asked.footer(),
        );
        asked.cached(request, etag, "text/html; charset=utf-8", markup.into_string())
    }
}

/// The public record at `point`, and the ETag that names it in the language asked for.
pub(crate) async fn record(
    service: &Service,
    asked: &Asked,
    point: &Point,
) -> Result<(PublicRecord, String), ReportError> {
    let (record, head) = service.reports.public(point.as_of, point.today).await?;
    Ok((record, asked.etag(head, point)))
}

/// What a public page of the record reads before its own part: what is asked (the language), the
/// request's headers (for `If-None-Match`), the point its query asks for, and the public record
/// at that point with its ETag. Refused in the language asked for.
struct Visit {
    asked: Asked,
    headers: HeaderMap,
    point: Point,
    record: PublicRecord,
    etag: String,
}

impl FromRequestParts<Arc<Service>> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, Response> {
        let asked = Asked::of(&parts.uri, &parts.headers);
        let query = Query::<PointQuery>::from_request_parts(parts, service).await;
        let visited = async {
            let here = Here::new(&asked, read(query)?.as_of.as_deref())?;
            let (record, etag) = here.record(service).await?;
            Ok::<_, Refused>((here.point, record, etag))
        }
        .await;
        match visited {
            Ok((point, record, etag)) => Ok(Self { headers: parts.headers.clone(), asked, point, record, etag }),
            Err(refused) => Err(asked.answer(Err(refused))),
        }
    }
}

/// `GET /public`: every body, every public instrument, the latest decisions, and where the
/// calendars and feeds are.
async fn home(visit: Visit) -> Response {
    let Visit { asked, headers, point, record, etag } = visit;
    let here = Here::at(&asked, point);
    let result = async {
        let mut latest: Vec<&ResolutionEntry> = record.resolutions.iter().collect();
        latest.sort_by(|a, b| b.decided_on.cmp(&a.decided_on).then_with(|| a.resolution.cmp(&b.resolution)));
        latest.truncate(10);
        let organisations = record.organisations();
        let v = here.voice;
        let content = html! {
            p { (here.say("home-intro")) }
            h2 { (here.say("bodies")) }
            table #bodies {
                caption.visually-hidden { (here.say("bodies")) }
                thead { tr { th scope="col" { (here.say("col-body")) } th scope="col" { (here.say("col-organisations")) } th scope="col" .num { (here.say("col-meetings")) } } }
                tbody {
                    @for b in &record.bodies {
                        tr data-body=(b.body) {
                            th scope="row" { a href=(here.link(&format!("/public/bodies/{}", b.body))) { (here.own(&record, Own::BodyName(b.body.clone()), &b.name)) } }
                            td { (here.names(&record, &b.organisations)) }
                            td.num { (record.meetings.iter().filter(|m| m.body == b.body).count()) }
                        }
                    }
                }
            }
            h2 { (here.say("instruments")) }
            @if record.instruments.is_empty() {
                p.note { (here.say("instruments-none")) }
            } @else {
                table #instruments {
                    caption.visually-hidden { (here.say("instruments-caption")) }
                    thead { tr {
                        th scope="col" { (here.say("col-title")) } th scope="col" { (here.say("col-kind")) } th scope="col" { (here.say("col-status")) }
                        th scope="col" .num { (here.say("col-complete")) } th scope="col" { (here.say("col-rag")) }
                    } }
                    tbody {
                        @for i in &record.instruments {
                            tr data-instrument=(i.instrument) {
                                th scope="row" { a href=(here.link(&format!("/public/instruments/{}", i.instrument))) { (here.own(&record, Own::InstrumentTitle(i.instrument.clone()), &i.title)) } }
                                td { (here.word("kind", &i.kind)) }
                                td { (here.word("instrument-status", &i.state)) }
                                td.num { (v.progress(i.progress)) }
                                td { (v.rag(i.rag)) }
                            }
                        }
                    }
                }
            }
            h2 { (here.say("latest-decisions")) }
            (decision_list(&here, &record, &latest))
            h2 { (here.say("subscribe")) }
            ul.subscribe {
                li { a href=(asked.keep("/public/feeds/decisions.atom")) { (here.say("feed-every-decision")) } }
                li { a href=(asked.keep("/public/feeds/progress.atom")) { (here.say("feed-every-progress")) } }
            }
            table #organisations {
                caption { (here.say("by-organisation")) }
                thead { tr { th scope="col" { (here.say("col-organisation")) } th scope="col" { (here.say("col-subscribe")) } } }
                tbody {
                    @for (id, name) in &organisations {
                        tr data-organisation=(id) {
                            th scope="row" { (here.own(&record, Own::OrganisationName(id.clone()), name)) }
                            td {
                                a href=(asked.keep(&format!("/public/organisations/{id}/actions.ics"))) { (here.say("organisation-calendar")) } ", "
                                a href=(asked.keep(&format!("/public/feeds/decisions.atom?organisation={id}"))) { (here.say("organisation-decisions")) } ", "
                                a href=(asked.keep(&format!("/public/feeds/progress.atom?organisation={id}"))) { (here.say("organisation-progress")) }
                            }
                        }
                    }
                }
            }
        };
        let title = here.say("home-title");
        Ok(here.page(&headers, &etag, &title, html! { (title) }, "/public", &[], content))
    }
    .await;
    asked.answer(result)
}

/// "Prosperous Communities Committee, minute 45, 9 March 2021": a decision as a board paper
/// cites it, in `voice`.
pub(crate) fn heading(voice: Voice, r: &ResolutionEntry) -> String {
    let lang = voice.lang;
    let minute = match &r.minute_number {
        Some(number) => lang.with("minute", &[("number", number.as_str().into())]),
        None => lang.with("agenda-item", &[("item", r.agenda_item.as_str().into())]),
    };
    let body: FluentValue<'_> = r.body_name.as_deref().unwrap_or("–").into();
    match r.decided_on {
        Some(day) => {
            lang.with("decision-heading", &[("body", body), ("minute", minute.into()), ("date", voice.day(day).into())])
        }
        None => lang.with("decision-heading-undated", &[("body", body), ("minute", minute.into())]),
    }
}

/// Decisions as a list of links to their meetings.
fn decision_list(here: &Here<'_>, record: &PublicRecord, decisions: &[&ResolutionEntry]) -> Markup {
    html! {
        @if decisions.is_empty() {
            p.note { (here.say("no-decision-matches")) }
        } @else {
            ul.decisions {
                @for r in decisions {
                    li data-resolution=(r.resolution) {
                        @match &r.meeting {
                            Some(m) => a href=(here.link(&format!("/public/meetings/{m}")) + "#" + r.resolution.as_str()) { (heading(here.voice, r)) },
                            None => (heading(here.voice, r)),
                        }
                        ": " (here.own(record, Own::ResolutionText(r.resolution.clone()), &excerpt(here.said(record, Own::ResolutionText(r.resolution.clone()), &r.text).text)))
                    }
                }
            }
        }
    }
}

/// The first words of a decision's text.
fn excerpt(text: &str) -> String {
    const WORDS: usize = 30;
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= WORDS { words.join(" ") } else { format!("{} …", words[..WORDS].join(" ")) }
}

/// `GET /public/bodies/{body}`: a body, its organisations and members, and its meetings.
async fn body(Path(key): Path<String>, visit: Visit) -> Response {
    let Visit { asked, headers, point, record, etag } = visit;
    let here = Here::at(&asked, point);
    let result = async {
        let b = record.bodies.iter().find(|b| b.body.as_str() == key).ok_or_else(|| here.not_found("body", &key))?;
        let name = here.said(&record, Own::BodyName(b.body.clone()), &b.name).text;
        let named: [(&str, FluentValue<'_>); 1] = [("body", name.into())];
        let content = html! {
            dl.facts {
                dt { (here.say("col-organisations")) } dd { (here.names(&record, &b.organisations)) }
                dt { (here.say("col-members")) } dd { @if b.members.is_empty() { "–" } @else { (here.names(&record, &b.members)) } }
            }
            ul.subscribe {
                li { a href=(asked.keep(&format!("/public/bodies/{}/meetings.ics", b.body))) { (here.say_with("body-calendar", &named)) } }
                li { a href=(asked.keep(&format!("/public/feeds/decisions.atom?body={}", b.body))) { (here.say_with("body-decisions", &named)) } }
                li { a href=(asked.keep(&format!("/public/feeds/progress.atom?body={}", b.body))) { (here.say_with("body-progress", &named)) } }
            }
            h2 { (here.say("meetings")) }
            table #meetings {
                caption.visually-hidden { (here.say("meetings")) }
                thead { tr {
                    th scope="col" { (here.say("col-date")) } th scope="col" { (here.say("col-meeting")) } th scope="col" { (here.say("col-status")) }
                    th scope="col" { (here.say("col-minutes-published")) } th scope="col" .num { (here.say("col-decisions")) }
                } }
                tbody {
                    @for m in record.meetings.iter().filter(|m| m.body == b.body) {
                        tr data-meeting=(m.meeting) {
                            td { (here.voice.date(Some(m.date))) }
                            th scope="row" { a href=(here.link(&format!("/public/meetings/{}", m.meeting))) { (here.own(&record, Own::MeetingTitle(m.meeting.clone()), &m.title)) } }
                            td { (here.word("meeting-status", &m.status)) }
                            td { (here.voice.date(m.minutes_published_on)) }
                            td.num { (m.resolutions.len()) }
                        }
                    }
                }
            }
        };
        let path = format!("/public/bodies/{key}");
        let heading = here.own(&record, Own::BodyName(b.body.clone()), &b.name);
        Ok(here.page(&headers, &etag, name, heading, &path, &[], content))
    }
    .await;
    asked.answer(result)
}

/// `GET /public/meetings/{meeting}`: a meeting, its public agenda, and each published decision
/// with what it authorised and the commitments delivering it.
async fn meeting(Path(key): Path<String>, visit: Visit) -> Response {
    let Visit { asked, headers, point, record, etag } = visit;
    let here = Here::at(&asked, point);
    let result = async {
        let m =
            record.meetings.iter().find(|m| m.meeting.as_str() == key).ok_or_else(|| here.not_found("meeting", &key))?;
        let decisions: Vec<&ResolutionEntry> =
            record.resolutions.iter().filter(|r| m.resolutions.contains(&r.resolution)).collect();
        let own_title = || Own::MeetingTitle(m.meeting.clone());
        let said = here.said(&record, own_title(), &m.title).text;
        let title = here.say_with("meeting-title", &[("meeting", said.into()), ("date", here.day(m.date).into())]);
        let heading = html! { (here.own(&record, own_title(), &m.title)) ", " (here.day(m.date)) };
        let content = html! {
            dl.facts {
                dt { (here.say("col-body")) } dd { a href=(here.link(&format!("/public/bodies/{}", m.body))) { (here.own(&record, Own::BodyName(m.body.clone()), &m.body_name)) } }
                dt { (here.say("col-date")) } dd { (here.voice.date(Some(m.date))) }
                dt { (here.say("col-status")) } dd { (here.word("meeting-status", &m.status)) }
                dt { (here.say("col-minutes-published")) } dd { (here.voice.date(m.minutes_published_on)) }
            }
            h2 { (here.say("agenda")) }
            @if m.agenda.is_empty() { p.note { (here.say("agenda-none")) } } @else {
                table #agenda {
                    caption.visually-hidden { (here.say("agenda")) }
                    thead { tr { th scope="col" { (here.say("col-item")) } th scope="col" { (here.say("col-title")) } th scope="col" { (here.say("col-minute")) } } }
                    tbody {
                        @for item in &m.agenda {
                            tr { td { (item.item) } th scope="row" { (here.own(&record, Own::AgendaItemTitle(m.meeting.clone(), item.item.clone()), &item.title)) } td { @match &item.minute_number { Some(n) => (n), None => "–" } } }
                        }
                    }
                }
            }
            h2 { (here.say("decisions")) }
            @if decisions.is_empty() { p.note { (here.say("decisions-none")) } }
            @for r in &decisions { (decision(&here, &record, r)) }
        };
        let path = format!("/public/meetings/{key}");
        Ok(here.page(&headers, &etag, &title, heading, &path, &[], content))
    }
    .await;
    asked.answer(result)
}

/// What a decision authorised or brought about, in the page's language.
fn caused(here: &Here<'_>, record: &PublicRecord, act: &Caused) -> String {
    let instrument = |key: &Key| -> FluentValue<'static> {
        record
            .instruments
            .iter()
            .find(|i| &i.instrument == key)
            .map_or_else(
                || key.to_string(),
                |i| here.said(record, Own::InstrumentTitle(key.clone()), &i.title).text.to_owned(),
            )
            .into()
    };
    let organisations = record.organisations();
    let party = |id: &OrgId| -> FluentValue<'static> {
        organisations
            .iter()
            .find(|(o, _)| o == id)
            .map_or_else(
                || id.to_string(),
                |(_, name)| here.said(record, Own::OrganisationName(id.clone()), name).text.to_owned(),
            )
            .into()
    };
    let cite = |key: &Key| -> FluentValue<'static> {
        record
            .resolutions
            .iter()
            .find(|r| &r.resolution == key)
            .map_or_else(|| key.to_string(), |r| heading(here.voice, r))
            .into()
    };
    match act {
        Caused::Endorsement { instrument: i, .. } => {
            here.say_with("caused-endorsement", &[("instrument", instrument(i))])
        }
        Caused::Adoption { instrument: i, party: p, .. } => {
            here.say_with("caused-adoption", &[("instrument", instrument(i)), ("party", party(p))])
        }
        Caused::Signature { instrument: i, party: p, .. } => {
            here.say_with("caused-signature", &[("instrument", instrument(i)), ("party", party(p))])
        }
        Caused::PartyWithdrawal { instrument: i, party: p, .. } => {
            here.say_with("caused-party_withdrawal", &[("instrument", instrument(i)), ("party", party(p))])
        }
        Caused::Refresh { instrument: i, version, .. } => {
            here.say_with("caused-refresh", &[("instrument", instrument(i)), ("version", (*version).into())])
        }
        Caused::InstrumentWithdrawal { instrument: i, .. } => {
            here.say_with("caused-instrument_withdrawal", &[("instrument", instrument(i))])
        }
        Caused::Rescission { resolution, .. } => {
            here.say_with("caused-rescission", &[("resolution", cite(resolution))])
        }
        Caused::Supersession { resolution, .. } => {
            here.say_with("caused-supersession", &[("resolution", cite(resolution))])
        }
    }
}

/// Where a decision stands: in force, or rescinded, superseded (by which, when public), called
/// in or referred back.
fn standing(here: &Here<'_>, r: &ResolutionEntry) -> String {
    let words = here.word("standing", &r.standing);
    match (r.standing, &r.replaced_by_name) {
        (domain::resolution::Status::Decided, _) | (_, None) => words,
        (_, Some(by)) => here.say_with("standing-by", &[("standing", words.into()), ("by", by.as_str().into())]),
    }
}

/// One decision in full, with its delivery trail.
fn decision(here: &Here<'_>, record: &PublicRecord, r: &ResolutionEntry) -> Markup {
    let instrument_title = |key: &Key| record.instruments.iter().find(|i| &i.instrument == key).map(|i| &i.title);
    let text = here.said(record, Own::ResolutionText(r.resolution.clone()), &r.text);
    let english_only = here.asked.lang != Lang::En && text.translated.is_none();
    html! {
        section.decision id=(r.resolution) data-resolution=(r.resolution) {
            h3 { (heading(here.voice, r)) }
            dl.facts {
                dt { (here.say("col-outcome")) } dd { @match &r.outcome { Some(o) => (here.word("outcome", o)), None => "–" } }
                dt { (here.say("col-decided")) } dd { (here.voice.date(r.decided_on)) }
                dt { (here.say("col-published")) } dd { (here.voice.date(r.published_on)) }
                dt { (here.say("col-standing")) } dd { (standing(here, r)) }
            }
            @if english_only { p.note { strong.tag { (here.say("english-only")) } } }
            @match (english_only, text.translated) {
                (true, _) => blockquote.text lang="en" { (text.text) },
                (false, Some(language)) => blockquote.text lang=(language.code()) { (text.text) },
                (false, None) => blockquote.text { (text.text) },
            }
            @for c in &r.corrections {
                p.note { (here.say_with("corrected", &[
                    ("date", c.corrected_on.map_or_else(|| "–".to_owned(), |d| here.day(d)).into()),
                    ("reason", c.reason.as_str().into()),
                    ("previous", c.previous_text.as_str().into()),
                ])) }
            }
            @if !r.caused.is_empty() {
                h4 { (here.say("authorised")) }
                ul {
                    @for c in &r.caused {
                        li {
                            (caused(here, record, &c.act))
                            @if let Some((key, title)) = c.act.instrument().and_then(|k| Some((k, instrument_title(k)?))) {
                                " (" a href=(here.link(&format!("/public/instruments/{key}"))) { (here.own(record, Own::InstrumentTitle(key.clone()), title)) } ")"
                            }
                        }
                    }
                }
            }
            @if !r.commitments.is_empty() {
                (layout::commitment_trail(here.voice, &|path| here.link(path), &r.commitments, "/public/instruments", None))
            }
        }
    }
}

/// Where a party to an instrument stands, in words, naming the resolution it acted under when
/// the public record names one (only a public resolution is named).
fn party_standing(here: &Here<'_>, party: &PartyStanding) -> String {
    let on = |id: &str, day: &Date| match &party.resolution_name {
        Some(name) => here
            .say_with(&format!("{id}-under"), &[("date", here.day(*day).into()), ("resolution", name.as_str().into())]),
        None => here.say_with(id, &[("date", here.day(*day).into())]),
    };
    match &party.standing {
        Standing::Pending => here.say("party-pending"),
        Standing::Adopted { on: day, .. } => on("party-adopted", day),
        Standing::Signed { on: day, .. } => on("party-signed", day),
        Standing::Withdrawn { on: day } => here.say_with("party-withdrawn", &[("date", here.day(*day).into())]),
    }
}

/// `GET /public/instruments/{instrument}`: an instrument's status, parties, objectives,
/// indicators (each chart with its data as a table) and the commitments delivering it.
async fn instrument(Path(key): Path<String>, visit: Visit) -> Response {
    let Visit { asked, headers, point, record, etag } = visit;
    let here = Here::at(&asked, point);
    let result = async {
        let i = record
            .instruments
            .iter()
            .find(|i| i.instrument.as_str() == key)
            .ok_or_else(|| here.not_found("instrument", &key))?;
        let indicators: Vec<_> = record
            .indicators
            .iter()
            .filter(|s| s.towards.as_ref().is_some_and(|t| t.instrument == i.instrument))
            .collect();
        let title = here.said(&record, Own::InstrumentTitle(i.instrument.clone()), &i.title).text;
        let named: [(&str, FluentValue<'_>); 1] = [("instrument", title.into())];
        let v = here.voice;
        let content = html! {
            dl.facts {
                dt { (here.say("col-kind")) } dd { (here.word("kind", &i.kind)) }
                dt { (here.say("col-status")) } dd { (here.word("instrument-status", &i.state)) }
                dt { (here.say("col-owner")) } dd { @match (&i.owner_body, &i.owner_name) {
                    (Some(body), Some(o)) => (here.own(&record, Own::BodyName(body.clone()), o)),
                    (None, Some(o)) => (here.english(o)),
                    (_, None) => "–",
                } }
                @if let Some(period) = &i.period {
                    dt { (here.say("col-period")) }
                    dd { (here.say_with("period", &[("from", here.day(period.from).into()), ("to", here.day(period.to).into())])) }
                }
                @if let Some(version) = &i.version {
                    dt { (here.say("col-version")) }
                    dd { (here.say_with("version", &[("label", version.label.as_str().into()), ("date", here.day(version.published_on).into())])) }
                }
                dt { (here.say("col-complete")) } dd { (v.progress(i.progress)) }
                dt { (here.say("col-rag")) } dd { (v.rag(i.rag)) }
            }
            ul.subscribe {
                li { a href=(asked.keep(&format!("/public/feeds/decisions.atom?instrument={}", i.instrument))) { (here.say_with("instrument-decisions", &named)) } }
                li { a href=(asked.keep(&format!("/public/feeds/progress.atom?instrument={}", i.instrument))) { (here.say_with("instrument-progress", &named)) } }
            }
            h2 { (here.say("parties")) }
            table #parties {
                caption.visually-hidden { (here.say("parties")) }
                thead { tr { th scope="col" { (here.say("col-organisation")) } th scope="col" { (here.say("col-standing")) } } }
                tbody {
                    @for p in &i.parties {
                        tr {
                            th scope="row" { @match &p.successor_to_name {
                                Some(before) => (here.english(&here.say_with("party-successor", &[("party", p.name.as_str().into()), ("predecessor", before.as_str().into())]))),
                                None => (here.own(&record, Own::OrganisationName(p.organisation.clone()), &p.name)),
                            } }
                            td { (party_standing(&here, p)) }
                        }
                    }
                }
            }
            h2 { (here.say("objectives")) }
            table #objectives {
                caption.visually-hidden { (here.say("objectives")) }
                thead { tr {
                    th scope="col" { (here.say("col-objective")) } th scope="col" { (here.say("col-themes")) } th scope="col" .num { (here.say("col-commitments")) }
                    th scope="col" .num { (here.say("col-complete")) } th scope="col" { (here.say("col-rag")) }
                } }
                tbody {
                    @for o in &i.objectives {
                        tr { th scope="row" { (here.own(&record, Own::ObjectiveTitle(i.instrument.clone(), o.objective.clone()), &o.title)) } td { (here.english(&o.themes.join(", "))) } td.num { (o.commitments) } td.num { (v.progress(o.progress)) } td { (v.rag(o.rag)) } }
                    }
                }
            }
            @if !indicators.is_empty() {
                h2 { (here.say("indicators")) }
                @for s in &indicators { h3 { (here.english(&s.title)) } (chart::indicator_in(v, s)) }
            }
            h2 { (here.say("commitments")) }
            table #actions {
                caption.visually-hidden { (here.say("commitments")) }
                thead { tr {
                    th scope="col" { (here.say("col-commitment")) } th scope="col" { (here.say("col-organisation")) } th scope="col" { (here.say("col-due")) }
                    th scope="col" { (here.say("col-state")) } th scope="col" .num { (here.say("col-complete")) } th scope="col" { (here.say("col-rag")) } th scope="col" { (here.say("col-latest-report")) }
                } }
                tbody {
                    @for a in record.actions.iter().filter(|a| a.instrument.as_ref() == Some(&i.instrument)) {
                        tr data-commitment=(a.commitment) {
                            th scope="row" { (here.own(&record, Own::CommitmentTitle(a.commitment.clone()), &a.title)) }
                            td { @match (&a.organisation, &a.organisation_name) {
                                (Some(id), Some(o)) => (here.own(&record, Own::OrganisationName(id.clone()), o)),
                                (None, Some(o)) => (here.english(o)),
                                (_, None) => "–",
                            } }
                            td { (v.date(a.due_on)) }
                            td { (here.word("action-state", &a.state)) }
                            td.num { (v.progress(Some(a.progress))) }
                            td { (v.rag(a.rag)) }
                            td { @match &a.last_report {
                                Some(r) => { (here.day(r.reported_on)) ": " (here.english(&r.narrative)) },
                                None => "–",
                            } }
                        }
                    }
                }
            }
        };
        let path = format!("/public/instruments/{key}");
        let heading = here.own(&record, Own::InstrumentTitle(i.instrument.clone()), &i.title);
        Ok(here.page(&headers, &etag, title, heading, &path, &[], content))
    }
    .await;
    asked.answer(result)
}

/// The search form's query.
#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    q: Option<String>,
    body: Option<String>,
    organisation: Option<String>,
    from: Option<String>,
    to: Option<String>,
    theme: Option<String>,
    as_of: Option<String>,
}

/// `GET /public/search`: decisions by word, body, organisation, theme and date.
async fn search(
    State(service): State<Arc<Service>>,
    asked: Asked,
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let q = read(query)?;
        let here = Here::new(&asked, q.as_of.as_deref())?;
        let body = given(q.body.as_deref())
            .map(|b| Key::parse(b).map_err(|e| ApiError::bad_request(e, "body")))
            .transpose()?;
        let organisation = given(q.organisation.as_deref())
            .map(|o| OrgId::parse(o).map_err(|e| ApiError::bad_request(e, "organisation")))
            .transpose()?;
        let from = queries::date(&given(q.from.as_deref()).map(str::to_owned), "from")?;
        let to = queries::date(&given(q.to.as_deref()).map(str::to_owned), "to")?;
        let theme = given(q.theme.as_deref()).map(str::to_owned);
        let wanted =
            PublicSearch { words: given(q.q.as_deref()).map(str::to_owned), body, organisation, from, to, theme };
        let (record, etag) = here.record(&service).await?;
        let found = record.search(&wanted);
        let organisations = record.organisations();
        let selected = |value: &str, given: Option<&str>| given == Some(value);
        // An option holds text alone: the names' language is the option's own.
        let english = (asked.lang != Lang::En).then_some("en");
        let language = |said: Said<'_>| said.translated.map(|l| l.code()).or(english);
        let content = html! {
            form.filters method="get" action="/public/search" {
                div { label for="q" { (here.say("search-words")) } input #q type="text" name="q" value=[given(q.q.as_deref())]; }
                div {
                    label for="body" { (here.say("col-body")) }
                    select #body name="body" {
                        option value="" { (here.say("search-any-body")) }
                        @for b in &record.bodies {
                            @let name = here.said(&record, Own::BodyName(b.body.clone()), &b.name);
                            option value=(b.body) lang=[language(name)] selected[selected(b.body.as_str(), given(q.body.as_deref()))] { (name.text) }
                        }
                    }
                }
                div {
                    label for="organisation" { (here.say("col-organisation")) }
                    select #organisation name="organisation" {
                        option value="" { (here.say("search-any-organisation")) }
                        @for (id, name) in &organisations {
                            @let name = here.said(&record, Own::OrganisationName(id.clone()), name);
                            option value=(id) lang=[language(name)] selected[selected(id.as_str(), given(q.organisation.as_deref()))] { (name.text) }
                        }
                    }
                }
                div {
                    label for="theme" { (here.say("search-theme")) }
                    select #theme name="theme" {
                        option value="" { (here.say("search-any-theme")) }
                        @for t in record.themes() { option value=(t) lang=[english] selected[selected(t, given(q.theme.as_deref()))] { (t) } }
                    }
                }
                div { label for="from" { (here.say("search-from")) } input #from type="date" name="from" value=[from]; }
                div { label for="to" { (here.say("search-to")) } input #to type="date" name="to" value=[to]; }
                @if let Some(day) = here.point.day { input type="hidden" name="as_of" value=(day); }
                @for (name, value) in asked.kept() { input type="hidden" name=(name) value=(value); }
                button type="submit" { (here.say("search-button")) }
            }
            h2 #results { (here.say_with("decisions-found", &[("count", found.len().into())])) }
            (decision_list(&here, &record, &found))
        };
        let keep: Vec<(&str, &str)> = [("q", &q.q), ("body", &q.body), ("organisation", &q.organisation), ("theme", &q.theme), ("from", &q.from), ("to", &q.to)]
            .into_iter()
            .filter_map(|(name, value)| Some((name, given(value.as_deref())?)))
            .collect();
        let title = here.say("search-title");
        Ok(here.page(&headers, &etag, &title, html! { (title) }, "/public/search", &keep, content))
    }
    .await;
    asked.answer(result)
}

/// `GET /public/accessibility`: the accessibility statement, as GDS's model statement sets it
/// out.
async fn accessibility(visit: Visit) -> Response {
    let Visit { asked, headers, point, etag, .. } = visit;
    let here = Here::at(&asked, point);
    let result = async {
        let say = |id: &str| here.say(id);
        let content = html! {
            p { (say("a11y-applies")) }
            p { (say("a11y-run-by")) }
            ul {
                @for id in ["a11y-able-colours", "a11y-able-zoom", "a11y-able-keyboard", "a11y-able-screen-reader", "a11y-able-no-script", "a11y-able-welsh"] {
                    li { (say(id)) }
                }
            }
            h2 { (say("a11y-how")) }
            p { (say("a11y-how-text")) }
            p { (say("a11y-known")) }
            ul {
                li { (say("a11y-known-dates")) }
                li { (say("a11y-known-english")) }
            }
            h2 { (say("a11y-feedback")) }
            p { (say("a11y-feedback-text")) }
            h2 { (say("a11y-enforcement")) }
            p {
                (say("a11y-enforcement-text")) " "
                a href="https://www.equalityadvisoryservice.com/" { (say("a11y-eass")) } "."
            }
            h2 { (say("a11y-technical")) }
            p { (say("a11y-technical-text")) }
            h3 { (say("a11y-compliance")) }
            p { (say("a11y-compliance-text")) }
            h3 { (say("a11y-non-accessible")) }
            p { (say("a11y-non-accessible-text")) }
            ul { li { (say("a11y-non-accessible-dates")) } }
            h2 { (say("a11y-tested")) }
            p { (say("a11y-tested-text")) }
        };
        let title = say("a11y-title");
        Ok(here.page(&headers, &etag, &title, html! { (title) }, "/public/accessibility", &[], content))
    }
    .await;
    asked.answer(result)
}
