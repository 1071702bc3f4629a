//! One instrument: its facts, the adoption and signature matrix (party by party, with the
//! authorising resolution and date) and its endorsements, its objectives with the actions towards
//! each and their progress, a chart of each indicator against its baseline and targets, and the
//! timeline of its own events.

use app::Action;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::response::Response;
use domain::values::in_words;
use domain::{Aggregate, Key};
use maud::{Markup, html};
use projections::{ActionRow, Filters, GroupBy, InstrumentStatus, ReportKind, Standing, TrailFilters};
use serde::Deserialize;

use super::form;
use super::session::About;
use super::{Failure, Point, chart, layout, read, render};
use crate::ApiError;

#[derive(Debug, Default, Deserialize)]
struct PointQuery {
    as_of: Option<String>,
    /// The position a form recorded, after a success.
    recorded: Option<String>,
}

/// What the page of one instrument or resolution reads from its query: the point it is shown at,
/// and the position a form recorded, after a success. Refused as [`read`] and [`Point::read`]
/// refuse.
pub(crate) struct Shown {
    pub(crate) point: Point,
    pub(crate) recorded: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Shown {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        let query = read(Query::<PointQuery>::from_request_parts(parts, state).await)?;
        Ok(Self { point: Point::read(query.as_of.as_deref())?, recorded: query.recorded })
    }
}

/// `GET /dashboard/instruments/{instrument}`.
pub(crate) async fn page(
    About { service, viewer, key }: About,
    Shown { point, recorded }: Shown,
) -> Result<Response, Failure> {
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "instrument"))?;
    let stream = domain::ids::instrument_stream(&key);
    let confirmation = form::confirmation(&service, recorded.as_deref(), std::slice::from_ref(&stream)).await;
    let may_version = viewer.0.require(Action::Record(Aggregate::Instrument)).is_ok();
    let rules = *service.reports.rules();
    let filters = Filters { instrument: Some(key.clone()), ..Filters::default() };
    let models = service.reports.models(point.as_of).await?;
    let status = models.status().instrument(&key, &rules, point.today).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no instrument {key} was on record{}: the overview lists every instrument",
            point.day.map(|d| format!(" on {d}")).unwrap_or_default()
        ))
    })?;
    let actions = models.actions().view(&filters, &rules, point.today, GroupBy::Organisation).rows;
    let indicators = models.indicators().view(&filters, &rules, point.today).indicators;
    drop(models);
    let (timeline, _) =
        service.reports.audit(&point.request(ReportKind::Audit, filters, TrailFilters::default())?).await?;
    let may_audit = viewer.0.require(Action::ReadAudit).is_ok();

    let content = html! {
        (confirmation)
        (facts(&status))
        @if may_version {
            p { a href=(format!("/dashboard/instruments/{key}/versions/new")) { "Publish a new version of " (status.title) } }
        }
        h2 #parties { "Adoption and signatures" }
        (layout::scrolling("Adoption and signatures", html! {
            table {
                caption { "Each party's standing, with the resolution that authorised it" }
                thead { tr {
                    th scope="col" { "Party" } th scope="col" { "Standing" } th scope="col" { "Date" } th scope="col" { "Authorising resolution" }
                } }
                tbody {
                    @for p in &status.parties {
                        tr data-party=(p.organisation) {
                            th scope="row" { (p.described()) br; span.note { (p.organisation) } }
                            @match &p.standing {
                                Standing::Pending => { td { "Pending" } td { "–" } td { "–" } }
                                Standing::Adopted { on, resolution } => { td { "Adopted" } td { (layout::date(Some(*on))) } td { (party_resolution(&point, resolution.as_ref(), p.resolution_name.as_ref())) } }
                                Standing::Signed { on, resolution } => { td { "Signed" } td { (layout::date(Some(*on))) } td { (party_resolution(&point, resolution.as_ref(), p.resolution_name.as_ref())) } }
                                Standing::Withdrawn { on } => { td { "Withdrawn" } td { (layout::date(Some(*on))) } td { "–" } }
                            }
                        }
                    }
                }
            }
        }))
        @if status.parties.is_empty() { p.note { "No parties are on record." } }
        (layout::scrolling("Endorsements", html! {
            table {
                caption { "Endorsements" }
                thead { tr { th scope="col" { "Body" } th scope="col" { "Date" } th scope="col" { "Resolution" } th scope="col" { "Recommendation" } } }
                tbody {
                    @for e in &status.endorsements {
                        tr {
                            th scope="row" { (e.body_name) }
                            td { (layout::date(Some(e.endorsed_on))) }
                            td { (resolution_link(&point, &e.resolution, Some(&e.resolution_name))) }
                            td { @match &e.recommendation { Some(r) => (r), None => "–" } }
                        }
                    }
                }
            }
        }))
        @if status.endorsements.is_empty() { p.note { "Not yet endorsed." } }

        h2 #objectives { "Objectives and actions" }
        @for o in &status.objectives {
            section aria-labelledby=(format!("objective-{}", o.objective)) {
                h3 id=(format!("objective-{}", o.objective)) { (o.title) }
                p {
                    (layout::rag(o.rag)) " "
                    (layout::progress(o.progress))
                    @if o.commitments == 0 { " · no commitment counted towards it yet" }
                    @else { " across " (layout::count(o.commitments, "counted commitment", "counted commitments")) }
                    @if !o.themes.is_empty() { span.note { " · Themes: " (o.themes.join(", ")) } }
                }
                (action_table(&o.title, actions.iter().filter(|a| a.towards.as_ref().is_some_and(|t| t.objective == o.objective)).collect()))
            }
        }
        @if status.objectives.is_empty() { p.note { "No objectives are on record." } }

        h2 #indicators { "Indicators" }
        @for i in &indicators {
            h3 { (i.title) }
            p {
                (layout::rag(i.rag))
                @if let Some(d) = i.direction { " " (in_words(&d)) }
                @if let Some(owner) = &i.owner_name { span.note { " · Owner: " (owner) } }
            }
            (chart::indicator(i))
        }
        @if indicators.is_empty() { p.note { "No indicator measures this instrument's objectives." } }

        h2 #timeline { "Timeline" }
        ol.timeline {
            @for e in &timeline.entries {
                li { (layout::date(Some(e.occurred_at.as_datetime().date_naive()))) (layout::with_days(&e.summary)) }
            }
        }
        @if may_audit {
            p { a href=(point.link(&format!("/dashboard/audit?stream={stream}"))) { "Audit trail of this instrument" } }
        }
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page(
        &status.title,
        broken.as_ref(),
        &viewer,
        &point,
        &format!("/dashboard/instruments/{key}"),
        &[],
        content,
    )))
}

fn facts(s: &InstrumentStatus) -> Markup {
    html! {
        dl.facts #facts {
            dt { "Kind" } dd { (projections::kind_in_words(s.kind)) }
            dt { "State" } dd data-field="state" { (in_words(&s.state)) }
            dt { "RAG" } dd data-field="rag" { (layout::rag(s.rag)) }
            dt { "Complete" } dd data-field="progress" { (layout::progress(s.progress)) }
            dt { "Overdue actions" } dd data-field="overdue" { (s.overdue.len()) }
            dt { "Stale actions" } dd { (s.stale.len()) }
            dt { "Parties" } dd { (s.parties_summary()) }
            @if let Some(v) = &s.version {
                dt { "Version" } dd { (v.label) " (version " (v.number) ", published " (v.published_on) ")" }
            }
            @if let Some(owner) = &s.owner_name { dt { "Owner" } dd { (owner) } }
            @if let Some(p) = &s.period { dt { "Period" } dd { (p.from) " to " (p.to) } }
            @if let Some(b) = &s.builds_on_title { dt { "Builds on" } dd { (b) } }
            dt { "Last update" } dd { (layout::date(s.last_update)) }
        }
    }
}

fn action_table(objective: &str, rows: Vec<&ActionRow>) -> Markup {
    if rows.is_empty() {
        return html! { p.note { "No actions are recorded towards this objective." } };
    }
    html! {
        (layout::scrolling("Actions", html! {
            table {
                caption { "Actions towards " (objective) }
                thead { tr {
                    th scope="col" { "Action" } th scope="col" { "Organisation" } th scope="col" { "Lead" }
                    th scope="col" { "Due" } th scope="col" { "State" } th scope="col" .num { "Complete" } th scope="col" { "RAG" }
                } }
                tbody {
                    @for a in rows {
                        tr data-commitment=(a.commitment) {
                            th scope="row" { (a.title) }
                            td { @match &a.organisation_name { Some(o) => (o), None => "–" } }
                            td { (a.lead) }
                            td { (layout::date(a.due_on)) }
                            td { (in_words(&a.state)) @if a.stale { ", stale" } }
                            td.num { (layout::progress(Some(a.progress))) }
                            td { (layout::rag_beside_lead(a.rag, a.lead_status())) }
                        }
                    }
                }
            }
        }))
    }
}

/// A link to a resolution's page, named as board papers cite it.
pub(crate) fn resolution_link(point: &Point, resolution: &Key, name: Option<&String>) -> Markup {
    let text = name.map_or_else(|| resolution.to_string(), Clone::clone);
    html! { a href=(point.link(&format!("/dashboard/resolutions/{resolution}"))) { (layout::with_days(&text)) } }
}

/// The resolution a party adopted or signed under, linked, or a dash when none is named.
fn party_resolution(point: &Point, resolution: Option<&Key>, name: Option<&String>) -> Markup {
    match resolution {
        Some(resolution) => resolution_link(point, resolution, name),
        None => html! { "–" },
    }
}
