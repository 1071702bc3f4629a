//! The board dashboard: pages served as HTML under `/dashboard` for board members, officers and
//! partner leads, behind the same tokens as the API (a session cookie or the bearer header). An
//! overview of every instrument, one page per instrument and per resolution, and the audit
//! trail with chain verification, each as the record stood on any "as of" date; and the forms
//! that keep the record: a secretariat's meetings, resolutions and minutes, and a partner lead's
//! progress reports; and for administrators, who signed in recently, with a button to end any
//! session. `docs/dashboard.md` describes the forms, `docs/http.md` the pages.
//!
//! Architecture Invariant: the dashboard lays out what the read models compute and nothing
//! else. Every figure on a page comes from a view of `projections` or from `app::views`; the
//! pages only choose which to show and how. Its forms build domain commands and record them
//! down the API's one recording path (`commands::submit`, through [`form`]): the rules they
//! meet are the domain's and `app::access`'s, never the page's own. No JavaScript: filters and
//! the "as of" picker are GET forms, and everything else is a POST form.

mod actions;
mod audit;
pub(crate) mod chart;
mod commitment;
mod correction;
mod drafting;
mod form;
mod instrument;
pub(crate) mod layout;
pub(crate) use picker::picked;
mod meeting;
mod overview;
mod picker;
mod reading;
mod record;
mod registry;
mod resolution;
mod session;
mod sign_ins;
mod upload;

use std::sync::Arc;

use app::{Asked, ReportRequest};
use axum::Router;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::Date;
use kernel::Timestamp;
use maud::{Markup, html};
use projections::{AsOf, Filters, ReportKind, TrailFilters};

use crate::{ApiError, Service, queries};

/// The dashboard's routes.
pub(crate) fn routes() -> Router<Arc<Service>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/dashboard", get(overview::page))
        .route("/dashboard/instruments", post(drafting::record))
        .route("/dashboard/instruments/new", get(drafting::new))
        .route("/dashboard/instruments/{instrument}", get(instrument::page))
        .route("/dashboard/instruments/{instrument}/versions", post(drafting::publish_version))
        .route("/dashboard/instruments/{instrument}/versions/new", get(drafting::new_version))
        .route("/dashboard/resolutions/{resolution}", get(resolution::page))
        .route("/dashboard/resolutions/{resolution}/proof", get(resolution::proof))
        .route("/dashboard/packs/{body}", get(meeting::pack))
        .route("/dashboard/resolutions/{resolution}/correction", get(correction::new))
        .route("/dashboard/resolutions/{resolution}/corrections", post(correction::record))
        .route("/dashboard/audit", get(audit::page))
        .route("/dashboard/meetings", post(meeting::record))
        .route("/dashboard/meetings/new", get(meeting::new))
        .route("/dashboard/meetings/{meeting}", get(meeting::page))
        .route("/dashboard/meetings/{meeting}/resolutions", post(meeting::record_resolution))
        .route("/dashboard/meetings/{meeting}/minutes", post(meeting::publish_minutes))
        .route("/dashboard/actions", get(actions::list).post(commitment::record))
        .route("/dashboard/actions/new", get(commitment::new))
        .route("/dashboard/actions/{commitment}", get(actions::page))
        .route("/dashboard/actions/{commitment}/progress", post(actions::report))
        .route("/dashboard/actions/{commitment}/milestones", post(actions::reach_milestone))
        .route("/dashboard/actions/{commitment}/milestones/new", post(actions::add_milestone))
        .route("/dashboard/actions/{commitment}/complete", post(actions::complete))
        .route("/dashboard/record", get(record::page))
        .route("/dashboard/readings", get(reading::list))
        .route("/dashboard/indicators/{indicator}/readings", get(reading::new).post(reading::record))
        .route("/dashboard/organisations", get(registry::organisations_page).post(registry::register))
        .route("/dashboard/organisations/successions", post(registry::succeed))
        .route("/dashboard/bodies", get(registry::bodies_page).post(registry::establish))
        .route("/dashboard/bodies/members", post(registry::add_member))
        .route("/dashboard/bodies/members/removals", post(registry::remove_member))
        .route("/dashboard/imports", get(upload::page).post(upload::check))
        .route("/dashboard/imports/confirm", post(upload::confirm))
        .route("/dashboard/imports/action-plan", get(upload::moved))
        .route("/dashboard/sign-in", get(session::form).post(session::sign_in))
        .route("/dashboard/sign-in/with/{provider}", get(session::with_provider))
        .route("/dashboard/sign-in/callback", get(session::callback))
        .route("/dashboard/sign-out", post(session::sign_out))
        .route("/dashboard/sign-ins", get(sign_ins::page))
        .route("/dashboard/sign-ins/end", post(sign_ins::end))
}

/// The dashboard's page of `kind`, for the reports it has a page of: its navigation lists these,
/// in the order of [`ReportKind::ALL`], by title.
pub fn report_page(kind: ReportKind) -> Option<&'static str> {
    match kind {
        ReportKind::Status => Some("/dashboard"),
        ReportKind::Audit => Some("/dashboard/audit"),
        ReportKind::Resolutions | ReportKind::Actions | ReportKind::Indicators => None,
    }
}

/// The point in time a page shows: the end of the "as of" day, or now.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point {
    /// The day asked for, if any.
    pub(crate) day: Option<Date>,
    pub(crate) as_of: AsOf,
    /// The day overdue and stale items are counted on: the "as of" day, else today.
    pub(crate) today: Date,
}

impl Point {
    /// Reads the `as_of` parameter (YYYY-MM-DD; empty means today).
    pub(crate) fn read(as_of: Option<&str>) -> Result<Self, ApiError> {
        let day = queries::date(&given(as_of).map(str::to_owned), "as_of")?;
        let decided_by =
            given(as_of).map(Timestamp::parse_end_of).transpose().map_err(|e| ApiError::bad_request(e, "as_of"))?;
        let request = request(ReportKind::Status, Asked { decided_by, ..Asked::default() })?;
        Ok(Self { day, as_of: request.as_of, today: request.today })
    }

    /// The request for `kind` at this point, narrowed by `filters` and `trail`.
    fn request(&self, kind: ReportKind, filters: Filters, trail: TrailFilters) -> Result<ReportRequest, ApiError> {
        let asked =
            Asked { decided_by: self.as_of.decided_by, today: Some(self.today), filters, trail, ..Asked::default() };
        request(kind, asked)
    }

    /// `path`, keeping the page's "as of" date.
    pub(crate) fn link(&self, path: &str) -> String {
        match self.day {
            Some(day) if path.contains('?') => format!("{path}&as_of={day}"),
            Some(day) => format!("{path}?as_of={day}"),
            None => path.to_owned(),
        }
    }
}

/// The request for `kind` that `asked` describes.
fn request(kind: ReportKind, asked: Asked) -> Result<ReportRequest, ApiError> {
    ReportRequest::new(kind, asked).map_err(|refused| ApiError::bad_request(refused.to_string(), refused.option))
}

/// A query parameter that was given and is not empty (an empty select or date field sends one).
pub(crate) fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Options for a select, as (value, label): a label that more than one option has (two councils'
/// cabinets) is followed by its value, so that each can be told apart.
fn distinct(options: Vec<(String, String)>) -> Vec<(String, String)> {
    let shared = |label: &str| options.iter().filter(|(_, l)| l == label).count() > 1;
    let labels: Vec<String> = options
        .iter()
        .map(|(value, label)| if shared(label) { format!("{label} ({value})") } else { label.clone() })
        .collect();
    options.into_iter().zip(labels).map(|((value, _), label)| (value, label)).collect()
}

/// The bodies still active, as the options of a select.
fn body_options(models: &projections::ReadModels) -> Vec<(String, String)> {
    let active = models.bodies().filter(|b| b.is_active());
    distinct(active.filter_map(|b| Some((b.id.as_ref()?.to_string(), b.name.clone()))).collect())
}

/// The organisations not dissolved, as the options of a select.
fn organisation_options(models: &projections::ReadModels) -> Vec<(String, String)> {
    let standing = models.organisations().filter(|o| o.dissolved_on.is_none());
    distinct(standing.filter_map(|o| Some((o.id.as_ref()?.to_string(), o.name.clone()))).collect())
}

/// A page's query, or the reason it cannot be read.
pub(crate) fn read<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, Failure> {
    crate::problem::query_params(query, "check the address").map_err(Failure)
}

/// What every page may load and who may frame it: nothing from elsewhere, no scripts, and no
/// framing by any page (against clickjacking). Styles are inline (the one stylesheet in `<head>`
/// and the widths of progress bars), so `style-src` allows them.
pub(crate) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// A page, as an HTML response that no cache keeps and no other site may frame.
fn render(markup: Markup) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], markup.into_string())
            .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    response
}

/// Why a page could not be shown, as an HTML page with the status of the error.
#[derive(Debug)]
pub(crate) struct Failure(pub ApiError);

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure(error)
    }
}

impl From<kernel::StoreError> for Failure {
    fn from(error: kernel::StoreError) -> Self {
        Failure(error.into())
    }
}

impl From<projections::ProjectionError> for Failure {
    fn from(error: projections::ProjectionError) -> Self {
        Failure(error.into())
    }
}

impl From<app::ReportError> for Failure {
    fn from(error: app::ReportError) -> Self {
        Failure(error.into())
    }
}

impl From<app::AccessError> for Failure {
    fn from(error: app::AccessError) -> Self {
        Failure(error.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "dashboard page failed");
        }
        let problem = self.0.problem();
        let page = layout::bare(
            &problem.title,
            html! {
                p.alert role="alert" { (problem.detail) }
                p { a href="/dashboard" { "Back to the overview" } }
            },
            true,
        );
        let mut response = render(page);
        *response.status_mut() = status;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_with_the_same_label_are_told_apart_by_their_value() {
        let option = |value: &str, label: &str| (value.to_owned(), label.to_owned());
        let options = vec![
            option("rotherham-cabinet", "Cabinet"),
            option("bexley-hwb", "Bexley Health and Wellbeing Board"),
            option("west-northamptonshire-cabinet", "Cabinet"),
        ];
        assert_eq!(
            distinct(options),
            [
                option("rotherham-cabinet", "Cabinet (rotherham-cabinet)"),
                option("bexley-hwb", "Bexley Health and Wellbeing Board"),
                option("west-northamptonshire-cabinet", "Cabinet (west-northamptonshire-cabinet)"),
            ]
        );
    }

    #[test]
    fn links_keep_the_as_of_date() {
        let point = Point::read(Some("2021-03-09")).expect("a date");
        assert_eq!(point.link("/dashboard"), "/dashboard?as_of=2021-03-09");
        assert_eq!(point.link("/dashboard/audit?stream=x"), "/dashboard/audit?stream=x&as_of=2021-03-09");
        assert_eq!(Point::read(Some("")).expect("empty is today").link("/dashboard"), "/dashboard");
        assert!(Point::read(Some("9 March 2021")).is_err());
    }
}
