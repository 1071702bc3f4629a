//! The audit page: the events of any entity (or of the whole log) with who recorded each, when it
//! happened, when Covenant learnt it and where it came from, and the result of verifying the
//! hash chain of the whole log. Needs a role that may read the audit trail.

use std::sync::Arc;

use app::Action;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::ids;
use kernel::StreamId;
use maud::{Markup, html};
use projections::{Filters, ReportKind, TrailFilters};
use serde::Deserialize;

use super::session::Viewer;
use super::{Failure, Point, distinct, given, layout, read, render};
use crate::{ApiError, Service, verify};

/// The events a page lists.
const PAGE: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    as_of: Option<String>,
    /// One entity's stream, such as `instrument-lincolnshire-homes-for-independence-blueprint`.
    stream: Option<String>,
    /// The page of events, counted from 1 in log order; the last (the latest events) when not
    /// given.
    page: Option<String>,
}

/// `GET /dashboard/audit`.
pub(crate) async fn page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    viewer.0.require(Action::ReadAudit)?;
    let query = read(query)?;
    let point = Point::read(query.as_of.as_deref())?;
    let stream = given(query.stream.as_deref());
    let trail = TrailFilters {
        stream: stream.map(StreamId::parse).transpose().map_err(|e| ApiError::bad_request(e, "stream"))?,
        actor: None,
    };
    let page = given(query.page.as_deref())
        .map(|page| {
            page.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ApiError::bad_request(format!("'{page}' is not a page number: give a whole number from 1"), "page")
            })
        })
        .transpose()?;
    let models = service.reports.models(point.as_of).await?;
    let mut entities: Vec<(&str, Vec<(String, String)>)> = vec![
        (
            "Instruments",
            models
                .status()
                .view(&Filters::default(), service.reports.rules(), point.today)
                .instruments
                .iter()
                .map(|i| (ids::instrument_stream(&i.instrument).to_string(), i.title.clone()))
                .collect(),
        ),
        (
            "Resolutions",
            models
                .resolutions_on_record()
                .filter_map(|r| Some((ids::resolution_stream(r.id.as_ref()?).to_string(), r.id.as_ref()?.to_string())))
                .collect(),
        ),
        (
            "Bodies",
            distinct(
                models
                    .bodies()
                    .filter_map(|b| Some((ids::body_stream(b.id.as_ref()?).to_string(), b.name.clone())))
                    .collect(),
            ),
        ),
        (
            "Organisations",
            models
                .organisations()
                .filter_map(|o| Some((ids::organisation_stream(o.id.as_ref()?).to_string(), o.name.clone())))
                .collect(),
        ),
    ];
    drop(models);
    if let Some(chosen) = stream {
        if !entities.iter().flat_map(|(_, e)| e).any(|(s, _)| s == chosen) {
            entities.push(("Other", vec![(chosen.to_owned(), chosen.to_owned())]));
        }
    }
    let (view, at) = service.reports.audit(&point.request(ReportKind::Audit, Filters::default(), trail)?).await?;
    let verification = match viewer.0.require(Action::Verify) {
        Ok(()) => Some(verify::check(&service).await?),
        Err(_) => None,
    };
    let keep: Vec<(&str, &str)> = stream.map(|s| ("stream", s)).into_iter().collect();
    let content = html! {
        h2 { "Chain verification" }
        @match &verification {
            Some(v) if v.verified => p.ok #verification role="status" {
                @if v.checked == 1 { "Verified: the hash chain of its 1 event holds" }
                @else { "Verified: the hash chain of all " (v.checked) " events holds" }
                ", up to position " (v.head_position) ". "
                span.note { "Head hash " code { (v.head_hash) } ". Verification always reads the log as it is now." }
            },
            Some(v) => p.alert #verification role="alert" {
                "Not verified: " (v.failure.as_deref().unwrap_or("the chain does not hold"))
                ". The last event that verified is at position " (v.head_position) "."
            },
            None => p.note #verification { "Your role may not verify the hash chain." },
        }
        h2 { "Events" }
        form.filters method="get" action="/dashboard/audit" aria-label="Entity" {
            @if let Some(day) = point.day { input type="hidden" name="as_of" value=(day); }
            div {
                label for="stream" { "Entity" }
                select #stream name="stream" {
                    option value="" { "The whole log" }
                    @for (group, options) in &entities {
                        optgroup label=(group) {
                            @for (value, label) in options {
                                option value=(value) selected[stream == Some(value.as_str())] { (label) }
                            }
                        }
                    }
                }
            }
            div { button type="submit" { "Show events" } }
        }
        (entries(&view.entries, at.0, stream, page, &point))
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page("Audit trail", broken.as_ref(), &viewer, &point, "/dashboard/audit", &keep, content)))
}

/// One page of `entries` (the last when `page` is not given, or is past the last), with where it
/// stands among them and links to the pages either side.
fn entries(
    entries: &[projections::AuditEntry],
    at: u64,
    stream: Option<&str>,
    page: Option<usize>,
    point: &Point,
) -> Markup {
    let total = entries.len();
    let pages = total.div_ceil(PAGE).max(1);
    let page = page.unwrap_or(pages).min(pages);
    let first = (page - 1) * PAGE;
    let entries = &entries[first..total.min(first + PAGE)];
    let link = |page: usize| {
        let stream = stream.map(|s| format!("stream={s}&")).unwrap_or_default();
        point.link(&format!("/dashboard/audit?{stream}page={page}"))
    };
    html! {
        @if total > 0 {
            p #paging {
                "Events " (first + 1) " to " (first + entries.len()) " of " (total) ", " (PAGE) " a page: page "
                (page) " of " (pages) "."
            }
        }
        @if pages > 1 {
            nav aria-label="Pages of events" {
                ul.pages {
                    @if page > 1 { li { a href=(link(page - 1)) rel="prev" { "Earlier events" } } }
                    @if page < pages { li { a href=(link(page + 1)) rel="next" { "Later events" } } }
                }
            }
        }
        (layout::scrolling("Events", html! {
            table #events {
                caption {
                    (layout::count(total, "event", "events"))
                    @if let Some(s) = stream { " of " code { (s) } }
                    ", in log order, as the log stood at position " (at)
                }
                thead { tr {
                    th scope="col" .num { "Position" } th scope="col" { "Entity" } th scope="col" { "What" }
                    th scope="col" { "Who" } th scope="col" { "When" } th scope="col" { "When recorded" } th scope="col" { "Source" }
                } }
                tbody {
                    @for e in entries {
                        tr {
                            td.num { (e.position.0) }
                            td { code { (e.stream) } }
                            th scope="row" { (e.summary) br; span.note { (e.event_type) " v" (e.schema_version) } }
                            td { (e.actor) }
                            td { (layout::moment(e.occurred_at)) }
                            td { (layout::moment(e.recorded_at)) }
                            td { @match &e.source { Some(s) => (s), None => "–" } }
                        }
                    }
                }
            }
        }))
    }
}
