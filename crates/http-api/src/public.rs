//! The public record under `/public`: pages anyone may read without signing in, laid out from
//! `app::Reports::public` (the read models with everything `projections::is_public` refuses left
//! out), in the dashboard's layout without its signed-in navigation: bodies and their meetings,
//! each meeting's decisions with their delivery trail, instruments with their status and
//! indicators, a search of decisions, and the accessibility statement; every page as of any day.
//! Each answer carries an ETag naming the log's position and the day it counts from, and
//! `Cache-Control` for a shared cache, and a request whose `If-None-Match` names it gets 304.
//! `docs/public.md` says what is published when.
//!
//! Architecture Invariant: a public page shows only what `Reports::public` gives; it never
//! reads the read models itself, so nothing the publication rule refuses can reach it.

use std::sync::Arc;

use app::ReportError;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::values::in_words;
use domain::{Key, OrgId};
use kernel::Position;
use maud::{Markup, html};
use projections::{PublicRecord, PublicSearch, ResolutionEntry};
use serde::Deserialize;

use crate::dashboard::{CONTENT_SECURITY_POLICY, Failure, Point, chart, given, layout, read};
use crate::{ApiError, Service, queries};

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

/// The query every public page reads: the "as of" day.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PointQuery {
    as_of: Option<String>,
}

/// The public record at the page's point, and the ETag that names it.
pub(crate) async fn record(service: &Service, point: &Point) -> Result<(PublicRecord, String), ReportError> {
    let (record, head) = service.reports.public(point.as_of, point.today).await?;
    Ok((record, etag(head, point)))
}

/// The validator of a public answer: the head of the log and the day counted from (which moves
/// overdue and due-soon items even when the log does not).
fn etag(head: Position, point: &Point) -> String {
    format!("\"{}-{}\"", head.0, point.today)
}

/// `body` as a public answer of `content_type`, or 304 when the request already holds `etag`.
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
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    response
}

fn page(request: &HeaderMap, etag: &str, markup: Markup) -> Response {
    cached(request, etag, "text/html; charset=utf-8", markup.into_string())
}

/// A record the public record does not hold (or not on the page's day).
fn not_found(what: &str, key: &str, point: &Point) -> Failure {
    Failure(ApiError::NotFound(format!(
        "the public record holds no {what} {key}{}: start from the list of bodies and instruments at /public",
        point.day.map(|d| format!(" on {d}")).unwrap_or_default()
    )))
}

/// `GET /public`: every body, every public instrument, the latest decisions, and where the
/// calendars and feeds are.
async fn home(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    query: Result<Query<PointQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let point = Point::read(read(query)?.as_of.as_deref())?;
    let (record, etag) = record(&service, &point).await?;
    let mut latest: Vec<&ResolutionEntry> = record.resolutions.iter().collect();
    latest.sort_by(|a, b| b.decided_on.cmp(&a.decided_on).then_with(|| a.resolution.cmp(&b.resolution)));
    latest.truncate(10);
    let organisations = record.organisations();
    let content = html! {
        p { "The decisions of these bodies, what each decision led to, and whether it was delivered, as published." }
        h2 { "Bodies" }
        table #bodies {
            caption.visually-hidden { "Bodies" }
            thead { tr { th scope="col" { "Body" } th scope="col" { "Organisations" } th scope="col" .num { "Meetings" } } }
            tbody {
                @for b in &record.bodies {
                    tr data-body=(b.body) {
                        th scope="row" { a href=(point.link(&format!("/public/bodies/{}", b.body))) { (b.name) } }
                        td { (names(&b.organisations)) }
                        td.num { (record.meetings.iter().filter(|m| m.body == b.body).count()) }
                    }
                }
            }
        }
        h2 { "Strategies, plans and agreements" }
        @if record.instruments.is_empty() {
            p.note { "None is published or adopted yet." }
        } @else {
            table #instruments {
                caption.visually-hidden { "Instruments" }
                thead { tr {
                    th scope="col" { "Title" } th scope="col" { "Kind" } th scope="col" { "Status" }
                    th scope="col" .num { "Complete" } th scope="col" { "RAG" }
                } }
                tbody {
                    @for i in &record.instruments {
                        tr data-instrument=(i.instrument) {
                            th scope="row" { a href=(point.link(&format!("/public/instruments/{}", i.instrument))) { (i.title) } }
                            td { (projections::kind_in_words(i.kind)) }
                            td { (in_words(&i.state)) }
                            td.num { (layout::progress(i.progress)) }
                            td { (layout::rag(i.rag)) }
                        }
                    }
                }
            }
        }
        h2 { "Latest decisions" }
        (decision_list(&point, &latest))
        h2 { "Calendars and feeds" }
        ul.subscribe {
            li { a href="/public/feeds/decisions.atom" { "Feed of every published decision (Atom)" } }
            li { a href="/public/feeds/progress.atom" { "Feed of progress on every public commitment (Atom)" } }
        }
        table #organisations {
            caption { "By organisation" }
            thead { tr { th scope="col" { "Organisation" } th scope="col" { "Calendar and feeds" } } }
            tbody {
                @for (id, name) in &organisations {
                    tr data-organisation=(id) {
                        th scope="row" { (name) }
                        td {
                            a href=(format!("/public/organisations/{id}/actions.ics")) { "Actions due (iCalendar)" } ", "
                            a href=(format!("/public/feeds/decisions.atom?organisation={id}")) { "decisions (Atom)" } ", "
                            a href=(format!("/public/feeds/progress.atom?organisation={id}")) { "progress (Atom)" }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&headers, &etag, layout::public_page("Public record", &point, "/public", &[], content)))
}

/// Organisations by name.
fn names(orgs: &[(OrgId, String)]) -> String {
    orgs.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", ")
}

/// Decisions as a list of links to their meetings.
fn decision_list(point: &Point, decisions: &[&ResolutionEntry]) -> Markup {
    html! {
        @if decisions.is_empty() {
            p.note { "No decision matches." }
        } @else {
            ul.decisions {
                @for r in decisions {
                    li data-resolution=(r.resolution) {
                        @match &r.meeting {
                            Some(m) => a href=(point.link(&format!("/public/meetings/{m}")) + "#" + r.resolution.as_str()) { (r.heading()) },
                            None => (r.heading()),
                        }
                        ": " (excerpt(&r.text))
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
async fn body(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    query: Result<Query<PointQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let point = Point::read(read(query)?.as_of.as_deref())?;
    let (record, etag) = record(&service, &point).await?;
    let b = record.bodies.iter().find(|b| b.body.as_str() == key).ok_or_else(|| not_found("body", &key, &point))?;
    let content = html! {
        dl.facts {
            dt { "Organisations" } dd { (names(&b.organisations)) }
            dt { "Members" } dd { @if b.members.is_empty() { "–" } @else { (names(&b.members)) } }
        }
        ul.subscribe {
            li { a href=(format!("/public/bodies/{}/meetings.ics", b.body)) { "Calendar of " (b.name) "'s meetings (iCalendar)" } }
            li { a href=(format!("/public/feeds/decisions.atom?body={}", b.body)) { "Feed of " (b.name) "'s decisions (Atom)" } }
            li { a href=(format!("/public/feeds/progress.atom?body={}", b.body)) { "Feed of progress on " (b.name) "'s actions (Atom)" } }
        }
        h2 { "Meetings" }
        table #meetings {
            caption.visually-hidden { "Meetings" }
            thead { tr {
                th scope="col" { "Date" } th scope="col" { "Meeting" } th scope="col" { "Status" }
                th scope="col" { "Minutes published" } th scope="col" .num { "Decisions" }
            } }
            tbody {
                @for m in record.meetings.iter().filter(|m| m.body == b.body) {
                    tr data-meeting=(m.meeting) {
                        td { (layout::date(Some(m.date))) }
                        th scope="row" { a href=(point.link(&format!("/public/meetings/{}", m.meeting))) { (m.title) } }
                        td { (in_words(&m.status)) }
                        td { (layout::date(m.minutes_published_on)) }
                        td.num { (m.resolutions.len()) }
                    }
                }
            }
        }
    };
    let path = format!("/public/bodies/{key}");
    Ok(page(&headers, &etag, layout::public_page(&b.name, &point, &path, &[], content)))
}

/// `GET /public/meetings/{meeting}`: a meeting, its public agenda, and each published decision
/// with what it authorised and the commitments delivering it.
async fn meeting(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    query: Result<Query<PointQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let point = Point::read(read(query)?.as_of.as_deref())?;
    let (record, etag) = record(&service, &point).await?;
    let m =
        record.meetings.iter().find(|m| m.meeting.as_str() == key).ok_or_else(|| not_found("meeting", &key, &point))?;
    let decisions: Vec<&ResolutionEntry> =
        record.resolutions.iter().filter(|r| m.resolutions.contains(&r.resolution)).collect();
    let title = format!("{}, {}", m.title, m.date);
    let content = html! {
        dl.facts {
            dt { "Body" } dd { a href=(point.link(&format!("/public/bodies/{}", m.body))) { (m.body_name) } }
            dt { "Date" } dd { (layout::date(Some(m.date))) }
            dt { "Status" } dd { (in_words(&m.status)) }
            dt { "Minutes published" } dd { (layout::date(m.minutes_published_on)) }
        }
        h2 { "Agenda" }
        @if m.agenda.is_empty() { p.note { "No agenda item is on record." } } @else {
            table #agenda {
                caption.visually-hidden { "Agenda" }
                thead { tr { th scope="col" { "Item" } th scope="col" { "Title" } th scope="col" { "Minute" } } }
                tbody {
                    @for item in &m.agenda {
                        tr { td { (item.item) } th scope="row" { (item.title) } td { @match &item.minute_number { Some(n) => (n), None => "–" } } }
                    }
                }
            }
        }
        h2 { "Decisions" }
        @if decisions.is_empty() { p.note { "No decision of this meeting is published." } }
        @for r in &decisions { (decision(&point, &record, r)) }
    };
    let path = format!("/public/meetings/{key}");
    Ok(page(&headers, &etag, layout::public_page(&title, &point, &path, &[], content)))
}

/// One decision in full, with its delivery trail.
fn decision(point: &Point, record: &PublicRecord, r: &ResolutionEntry) -> Markup {
    let instrument_title =
        |key: &Key| record.instruments.iter().find(|i| &i.instrument == key).map(|i| i.title.clone());
    html! {
        section.decision id=(r.resolution) data-resolution=(r.resolution) {
            h3 { (r.heading()) }
            dl.facts {
                dt { "Outcome" } dd { @match &r.outcome { Some(o) => (in_words(o)), None => "–" } }
                dt { "Decided" } dd { (layout::date(r.decided_on)) }
                dt { "Published" } dd { (layout::date(r.published_on)) }
                dt { "Standing" } dd { (r.standing_words()) }
            }
            blockquote.text { (r.text) }
            @for c in &r.corrections {
                p.note { "Corrected on " (layout::date(c.corrected_on)) ". Reason: " (c.reason) ". Earlier wording: “" (c.previous_text) "”." }
            }
            @if !r.caused.is_empty() {
                h4 { "What it authorised" }
                ul {
                    @for c in &r.caused {
                        li {
                            (c.description)
                            @if let Some(title) = c.act.instrument().and_then(instrument_title) {
                                " (" a href=(point.link(&format!("/public/instruments/{}", c.act.instrument().map(Key::as_str).unwrap_or_default()))) { (title) } ")"
                            }
                        }
                    }
                }
            }
            @if !r.commitments.is_empty() {
                (layout::commitment_trail(point, &r.commitments, "/public/instruments", None))
            }
        }
    }
}

/// `GET /public/instruments/{instrument}`: an instrument's status, parties, objectives,
/// indicators (each chart with its data as a table) and the commitments delivering it.
async fn instrument(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    query: Result<Query<PointQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let point = Point::read(read(query)?.as_of.as_deref())?;
    let (record, etag) = record(&service, &point).await?;
    let i = record
        .instruments
        .iter()
        .find(|i| i.instrument.as_str() == key)
        .ok_or_else(|| not_found("instrument", &key, &point))?;
    let indicators: Vec<_> =
        record.indicators.iter().filter(|s| s.towards.as_ref().is_some_and(|t| t.instrument == i.instrument)).collect();
    let content = html! {
        dl.facts {
            dt { "Kind" } dd { (projections::kind_in_words(i.kind)) }
            dt { "Status" } dd { (in_words(&i.state)) }
            dt { "Owner" } dd { @match &i.owner_name { Some(o) => (o), None => "–" } }
            @if let Some(period) = &i.period { dt { "Period" } dd { (period.from) " to " (period.to) } }
            @if let Some(v) = &i.version { dt { "Version" } dd { (v.label) " (" (v.published_on) ")" } }
            dt { "Complete" } dd { (layout::progress(i.progress)) }
            dt { "RAG" } dd { (layout::rag(i.rag)) }
        }
        ul.subscribe {
            li { a href=(format!("/public/feeds/decisions.atom?instrument={}", i.instrument)) { "Feed of decisions on " (i.title) " (Atom)" } }
            li { a href=(format!("/public/feeds/progress.atom?instrument={}", i.instrument)) { "Feed of progress on " (i.title) " (Atom)" } }
        }
        h2 { "Parties" }
        table #parties {
            caption.visually-hidden { "Parties" }
            thead { tr { th scope="col" { "Organisation" } th scope="col" { "Standing" } } }
            tbody {
                @for p in &i.parties {
                    tr { th scope="row" { (p.described()) } td { (p.standing_words()) } }
                }
            }
        }
        h2 { "Objectives" }
        table #objectives {
            caption.visually-hidden { "Objectives" }
            thead { tr {
                th scope="col" { "Objective" } th scope="col" { "Themes" } th scope="col" .num { "Commitments" }
                th scope="col" .num { "Complete" } th scope="col" { "RAG" }
            } }
            tbody {
                @for o in &i.objectives {
                    tr { th scope="row" { (o.title) } td { (o.themes.join(", ")) } td.num { (o.commitments) } td.num { (layout::progress(o.progress)) } td { (layout::rag(o.rag)) } }
                }
            }
        }
        @if !indicators.is_empty() {
            h2 { "Indicators" }
            @for s in &indicators { h3 { (s.title) } (chart::indicator(s)) }
        }
        h2 { "Commitments" }
        table #actions {
            caption.visually-hidden { "Commitments" }
            thead { tr {
                th scope="col" { "Commitment" } th scope="col" { "Organisation" } th scope="col" { "Due" }
                th scope="col" { "State" } th scope="col" .num { "Complete" } th scope="col" { "RAG" } th scope="col" { "Latest report" }
            } }
            tbody {
                @for a in record.actions.iter().filter(|a| a.instrument.as_ref() == Some(&i.instrument)) {
                    tr data-commitment=(a.commitment) {
                        th scope="row" { (a.title) }
                        td { @match &a.organisation_name { Some(o) => (o), None => "–" } }
                        td { (layout::date(a.due_on)) }
                        td { (in_words(&a.state)) }
                        td.num { (layout::progress(Some(a.progress))) }
                        td { (layout::rag(a.rag)) }
                        td { @match &a.last_report { Some(r) => { (r.reported_on) ": " (r.narrative) }, None => "–" } }
                    }
                }
            }
        }
    };
    let path = format!("/public/instruments/{key}");
    Ok(page(&headers, &etag, layout::public_page(&i.title, &point, &path, &[], content)))
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
    headers: HeaderMap,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let q = read(query)?;
    let point = Point::read(q.as_of.as_deref())?;
    let body =
        given(q.body.as_deref()).map(|b| Key::parse(b).map_err(|e| ApiError::bad_request(e, "body"))).transpose()?;
    let organisation = given(q.organisation.as_deref())
        .map(|o| OrgId::parse(o).map_err(|e| ApiError::bad_request(e, "organisation")))
        .transpose()?;
    let from = queries::date(&given(q.from.as_deref()).map(str::to_owned), "from")?;
    let to = queries::date(&given(q.to.as_deref()).map(str::to_owned), "to")?;
    let theme = given(q.theme.as_deref()).map(str::to_owned);
    let wanted = PublicSearch { words: given(q.q.as_deref()).map(str::to_owned), body, organisation, from, to, theme };
    let (record, etag) = record(&service, &point).await?;
    let found = record.search(&wanted);
    let organisations = record.organisations();
    let selected = |value: &str, given: Option<&str>| given == Some(value);
    let content = html! {
        form.filters method="get" action="/public/search" {
            div { label for="q" { "Words" } input #q type="text" name="q" value=[given(q.q.as_deref())]; }
            div {
                label for="body" { "Body" }
                select #body name="body" {
                    option value="" { "Any body" }
                    @for b in &record.bodies { option value=(b.body) selected[selected(b.body.as_str(), given(q.body.as_deref()))] { (b.name) } }
                }
            }
            div {
                label for="organisation" { "Organisation" }
                select #organisation name="organisation" {
                    option value="" { "Any organisation" }
                    @for (id, name) in &organisations { option value=(id) selected[selected(id.as_str(), given(q.organisation.as_deref()))] { (name) } }
                }
            }
            div {
                label for="theme" { "Theme" }
                select #theme name="theme" {
                    option value="" { "Any theme" }
                    @for t in record.themes() { option value=(t) selected[selected(t, given(q.theme.as_deref()))] { (t) } }
                }
            }
            div { label for="from" { "Decided from" } input #from type="date" name="from" value=[from]; }
            div { label for="to" { "Decided to" } input #to type="date" name="to" value=[to]; }
            @if let Some(day) = point.day { input type="hidden" name="as_of" value=(day); }
            button type="submit" { "Search" }
        }
        h2 #results { (found.len()) " decision" @if found.len() != 1 { "s" } " found" }
        (decision_list(&point, &found))
    };
    Ok(page(&headers, &etag, layout::public_page("Search decisions", &point, "/public/search", &[], content)))
}

/// `GET /public/accessibility`: the accessibility statement, as GDS's model statement sets it
/// out.
async fn accessibility(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    query: Result<Query<PointQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let point = Point::read(read(query)?.as_of.as_deref())?;
    let (_, etag) = record(&service, &point).await?;
    let content = html! {
        p { "This statement applies to the public record of decisions and delivery published by Covenant at /public, and to the board dashboard at /dashboard." }
        p { "This website is run by the partnership's secretariat. We want as many people as possible to be able to use it. For example, that means you should be able to:" }
        ul {
            li { "change colours, contrast levels and fonts using browser or device settings" }
            li { "zoom in up to 400% without the text spilling off the screen" }
            li { "navigate most of the website using just a keyboard or speech recognition software" }
            li { "listen to most of the website using a screen reader" }
            li { "use every page without JavaScript" }
        }
        h2 { "How accessible this website is" }
        p { "Every chart of an indicator has its figures in a table beside it, RAG ratings are always written as a word beside their colour, and every table has headers. We check every page with axe-core in an automated browser test." }
        p { "We know some parts of this website are not fully accessible:" }
        ul {
            li { "the \"as of\" and date search fields use the browser's own date field rather than separate day, month and year fields" }
            li { "the public record is in English only" }
        }
        h2 { "Feedback and contact information" }
        p { "If you need information on this website in a different format, or find a problem not listed on this page, contact the secretariat of the body concerned. We'll consider your request and get back to you within 10 working days." }
        h2 { "Enforcement procedure" }
        p {
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you're not happy with how we respond to your complaint, "
            a href="https://www.equalityadvisoryservice.com/" { "contact the Equality Advisory and Support Service (EASS)" } "."
        }
        h2 { "Technical information about this website's accessibility" }
        p { "We are committed to making this website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018." }
        h3 { "Compliance status" }
        p { "This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliances listed below." }
        h3 { "Non-accessible content" }
        p { "The content listed below is non-accessible for the following reasons." }
        ul {
            li { "Date fields are single browser date fields, not day, month and year fields as the GOV.UK Design System recommends. This may make dates harder to enter with some assistive technologies (WCAG 2.2 success criterion 3.3.2, labels or instructions)." }
        }
        h2 { "How we tested this website" }
        p { "Every public page, and every dashboard page the browser test visits, is checked with axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules each time the software changes. The statement is reviewed when the software changes." }
    };
    Ok(page(
        &headers,
        &etag,
        layout::public_page("Accessibility statement", &point, "/public/accessibility", &[], content),
    ))
}
