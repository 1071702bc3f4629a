//! The overview: every instrument with its lifecycle state, the RAG mix of the commitments
//! towards it, its percentage complete, how many are overdue and the days since anything was
//! done on it; filtered by body, organisation and theme.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::values::in_words;
use domain::{Key, OrgId};
use maud::{Markup, html};
use projections::{Filters, InstrumentStatus, RagMix};
use serde::Deserialize;

use super::session::Viewer;
use super::{Failure, Point, distinct, given, layout, read, render};
use crate::{ApiError, Service};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OverviewQuery {
    as_of: Option<String>,
    body: Option<String>,
    organisation: Option<String>,
    theme: Option<String>,
}

/// `GET /dashboard`.
pub(crate) async fn page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<OverviewQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let query = read(query)?;
    let point = Point::read(query.as_of.as_deref())?;
    let body = given(query.body.as_deref());
    let organisation = given(query.organisation.as_deref());
    let theme = given(query.theme.as_deref());
    let filters = Filters {
        body: body.map(Key::parse).transpose().map_err(|e| ApiError::bad_request(e, "body"))?,
        organisation: organisation
            .map(OrgId::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(e, "organisation"))?,
        theme: theme.map(str::to_owned),
        ..Filters::default()
    };
    let models = service.reports.models(point.as_of).await?;
    let view = models.status().view(&filters, service.reports.rules(), point.today);
    let bodies = distinct(models.bodies().filter_map(|b| Some((b.id.as_ref()?.to_string(), b.name.clone()))).collect());
    let organisations: Vec<(String, String)> =
        models.organisations().filter_map(|o| Some((o.id.as_ref()?.to_string(), o.name.clone()))).collect();
    let themes = models.status().themes();
    drop(models);

    let mut keep = Vec::new();
    for (name, value) in [("body", body), ("organisation", organisation), ("theme", theme)] {
        if let Some(value) = value {
            keep.push((name, value));
        }
    }
    let content = html! {
        @if let Some(day) = service.settings.demo_day {
            div.ok #demo {
                p {
                    "This is the demo: the stories of the seed papers, whose latest event happened on "
                    strong { (day) } ". Nothing has been recorded since, so counted on a later day its open "
                    "actions are overdue, their progress reports stale and their RAG red: the papers' plans "
                    "ran to dates now past. The dashboard opened as of " (day) "; "
                    a href="/dashboard" { "see the record as it stands today" } "."
                }
            }
        }
        form.filters method="get" action="/dashboard" aria-label="Filters" {
            @if let Some(day) = point.day { input type="hidden" name="as_of" value=(day); }
            div {
                label for="body" { "Body" }
                (choice("body", &bodies, body))
            }
            div {
                label for="organisation" { "Organisation" }
                (choice("organisation", &organisations, organisation))
            }
            div {
                label for="theme" { "Theme" }
                (choice("theme", &themes.iter().map(|t| (t.clone(), t.clone())).collect::<Vec<_>>(), theme))
            }
            div { button type="submit" { "Apply filters" } }
        }
        (layout::scrolling("Instruments", html! {
            table #instruments {
                caption {
                    (layout::count(view.instruments.len(), "instrument", "instruments"))
                    @if let Some(note) = filters_note(body, organisation, theme) { ", " (note) }
                    ", with overdue items and days since the last update counted on " (view.today)
                }
                thead {
                    tr {
                        th scope="col" { "Instrument" }
                        th scope="col" { "State" }
                        th scope="col" { "RAG" }
                        th scope="col" { "RAG mix of actions" }
                        th scope="col" .num { "Complete" }
                        th scope="col" .num { "Overdue" }
                        th scope="col" .num { "Days since last update" }
                    }
                }
                tbody {
                    @for i in &view.instruments { (row(&point, i)) }
                }
            }
        }))
        @if view.instruments.is_empty() {
            @if filters_note(body, organisation, theme).is_some() {
                p.note { "No instrument matches these filters." }
            } @else {
                p.note { "No instrument is on record " @match point.day { Some(day) => { "as it stood on " (day) }, None => { "yet" } } "." }
            }
        }
    };
    let broken = service.reports.broken().await;
    Ok(render(layout::page("Instruments at a glance", broken.as_ref(), &viewer, &point, "/dashboard", &keep, content)))
}

fn row(point: &Point, i: &InstrumentStatus) -> Markup {
    html! {
        tr data-instrument=(i.instrument) {
            th scope="row" {
                a href=(point.link(&format!("/dashboard/instruments/{}", i.instrument))) { (i.title) }
                br;
                span.note { (projections::kind_in_words(i.kind)) @if let Some(owner) = &i.owner_name { ", " (owner) } }
            }
            td data-field="state" { (in_words(&i.state)) }
            td data-field="rag" { (layout::rag(i.rag)) }
            td data-field="mix" { (mix(&i.rag_mix)) }
            td.num data-field="progress" { (layout::progress(i.progress)) }
            td.num data-field="overdue" { (i.overdue.len()) }
            td.num data-field="days" {
                @match i.days_since_update { Some(days) => (days), None => "–" }
            }
        }
    }
}

/// "1 Red, 0 Amber, 2 Green": the words carry the figures; the bar beside them is decoration.
fn mix(mix: &RagMix) -> Markup {
    let total = mix.total();
    if total == 0 {
        return html! { span.note { "no actions" } };
    }
    let parts = [(mix.red, "#a4262c"), (mix.amber, "#f6c342"), (mix.green, "#1e6b34"), (mix.unrated, "#ffffff")];
    let mut x = 0.0;
    let rects: Vec<(f64, f64, &str)> = parts
        .into_iter()
        .map(|(n, colour)| {
            let width = n as f64 * 80.0 / total as f64;
            x += width;
            (x - width, width, colour)
        })
        .collect();
    html! {
        span.mix {
            svg width="80" height="10" aria-hidden="true" focusable="false" style="vertical-align: middle; margin-right: 6px; border: 1px solid #4a4a4a" {
                @for (x, width, colour) in rects {
                    rect x=(format!("{x:.1}")) y="0" width=(format!("{width:.1}")) height="10" fill=(colour) {}
                }
            }
            (mix.red) " Red, " (mix.amber) " Amber, " (mix.green) " Green"
            @if mix.unrated > 0 { ", " (mix.unrated) " not rated" }
        }
    }
}

/// A select of `options` (value, label), with "All" first, keeping `chosen`.
fn choice(name: &str, options: &[(String, String)], chosen: Option<&str>) -> Markup {
    html! {
        select id=(name) name=(name) {
            option value="" { "All" }
            @for (value, label) in options {
                option value=(value) selected[chosen == Some(value.as_str())] { (label) }
            }
        }
    }
}

fn filters_note(body: Option<&str>, organisation: Option<&str>, theme: Option<&str>) -> Option<String> {
    let parts: Vec<String> = [("body", body), ("organisation", organisation), ("theme", theme)]
        .into_iter()
        .filter_map(|(name, value)| Some(format!("{name} {}", value?)))
        .collect();
    (!parts.is_empty()).then(|| format!("filtered to {}", parts.join(", ")))
}
