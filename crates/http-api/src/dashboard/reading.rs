//! Indicators' readings, for a partner organisation's lead and the secretariat: the list of the
//! indicators the viewer may record readings of (a contributor: those its organisation owns;
//! the secretariat and an administrator: every one), and the form that records a reading (the
//! value, the day it is as of, a note and the source). A contributor is refused (403) an
//! indicator its organisation does not own, when it asks for the form and again, by
//! `app::access`, when it posts. The command goes down the API's recording path through
//! [`super::form`].

use std::sync::Arc;

use app::Principal;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::ids::indicator_stream;
use domain::{Aggregate, Command, Key, indicator};
use maud::html;
use projections::{Filters, IndicatorStatus};

use super::form::{self, FieldError, RecordedQuery, Typed};
use super::session::{About, Viewer};
use super::{Failure, Point, layout};
use crate::{ApiError, Service};

pub(crate) const LIST: &str = "/dashboard/readings";

/// The indicators `principal` may record readings of as of `point`: its organisation's, or every
/// one for a role not bound to an organisation that may record indicators.
async fn indicators(service: &Service, principal: &Principal, point: &Point) -> Result<Vec<IndicatorStatus>, Failure> {
    let organisation = super::actions::acting_for(principal, Aggregate::Indicator)?;
    let models = service.reports.models(point.as_of).await?;
    let filters = Filters { organisation, ..Filters::default() };
    Ok(models.indicators().view(&filters, service.reports.rules(), point.today).indicators)
}

/// The indicator `key`, when `principal` may record its readings.
async fn indicator(service: &Service, principal: &Principal, key: &Key) -> Result<IndicatorStatus, Failure> {
    let point = Point::read(None)?;
    indicators(service, principal, &point).await?.into_iter().find(|i| &i.indicator == key).ok_or_else(|| {
        Failure(ApiError::Forbidden(format!(
            "{key} is not an indicator your organisation owns: you may only record readings of your own organisation's indicators, listed at {LIST}"
        )))
    })
}

/// A reading as a page shows it: "2,610 households, as of 31 December 2023".
fn reading(reading: Option<indicator::Reading>, unit: &str) -> maud::Markup {
    html! {
        @match reading {
            Some(r) => { (r.value) " " (unit) ", as of " (layout::date(Some(r.as_of))) },
            None => "none recorded",
        }
    }
}

/// `GET /dashboard/readings`.
pub(crate) async fn list(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let listed = indicators(&service, &viewer.0, &point).await?;
    let content = html! {
        p { "The indicators whose readings you may record. Record each new reading from the indicator's page, with the day it is as of and where it comes from." }
        (layout::scrolling("Indicators", html! {
            table #indicators {
                caption { "Indicators" }
                thead { tr { th scope="col" { "Indicator" } th scope="col" { "Owner" } th scope="col" { "Latest reading" } } }
                tbody {
                    @for i in &listed {
                        tr data-indicator=(i.indicator) {
                            th scope="row" { a href=(format!("/dashboard/indicators/{}/readings", i.indicator)) { (i.title) } }
                            td { (i.owner_name.as_deref().unwrap_or("–")) }
                            td { (reading(i.latest, &i.unit)) }
                        }
                    }
                }
            }
        }))
        @if listed.is_empty() { p.note { "No indicator is on record for your organisation." } }
    };
    Ok(form::page(&service, &viewer, &point, "Indicators' readings", content, &[]).await)
}

/// `GET /dashboard/indicators/{indicator}/readings`.
pub(crate) async fn new(
    About { service, viewer, key }: About,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let (key, confirmation) = form::named(&service, query, key, "indicator", indicator_stream).await?;
    reading_page(&service, &viewer, &key, confirmation, Typed::BLANK).await
}

async fn reading_page(
    service: &Service,
    viewer: &Viewer,
    key: &Key,
    confirmation: maud::Markup,
    typed: Typed<'_>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let status = indicator(service, &viewer.0, key).await?;
    let read_at = form::read_at(service, typed.fields, &indicator_stream(key)).await?;
    let shown = typed.shown(Some(read_at));
    let content = html! {
        (confirmation)
        (shown.summary())
        dl.facts #facts {
            dt { "Owner" } dd { (status.owner_name.as_deref().unwrap_or("–")) }
            dt { "Unit" } dd { (status.unit) }
            dt { "Baseline" } dd { (reading(status.baseline, &status.unit)) }
            dt { "Latest reading" } dd data-field="latest" { (reading(status.latest, &status.unit)) }
            dt { "Target" } dd { (reading(status.target, &status.unit)) }
        }
        h2 #record-reading { "Record a reading" }
        form.record method="post" action=(format!("/dashboard/indicators/{key}/readings")) novalidate {
            (shown.hidden(viewer))
            (shown.text("value", &format!("Value, in {}", status.unit), Some("A number, such as 1250 or 12.5")))
            (shown.date("reading_date", "Date the reading is as of", Some("The last day it counts, for example 31 3 2024")))
            (shown.text("note", "Note (optional)", Some("For example, rolling twelve months")))
            (shown.text("source", "Source", Some("The return, dataset or paper the figure comes from")))
            button type="submit" { "Record the reading" }
        }
    };
    Ok(form::page(service, viewer, &point, &status.title, content, typed.problems).await)
}

/// `POST /dashboard/indicators/{indicator}/readings`.
pub(crate) async fn record(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = form::posted_about(&viewer, posted, Aggregate::Indicator, key, "indicator")?;
    indicator(&service, &viewer.0, &key).await?;
    let again = async |problems: &[FieldError]| {
        reading_page(&service, &viewer, &key, html! {}, Typed { fields: &fields, problems }).await
    };
    let path = format!("/dashboard/indicators/{key}/readings");
    form::record(&service, &viewer, &path, &fields, &path, again, |check| {
        let value = check.decimal("value", "Value");
        let as_of = check.date("reading_date", "Date the reading is as of");
        let note = check.optional("note");
        let command = indicator::Command::RecordMeasurement { id: key.clone(), value: value?, as_of: as_of?, note };
        Some((Command::Indicator(command), None))
    })
    .await
}
