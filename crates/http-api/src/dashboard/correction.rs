//! Correcting a resolution, for the secretariat: the form that records a resolution's corrected
//! wording with the reason, which is required, and the date it was corrected. The resolution is
//! never edited in place: the correction is a later event, and the resolution's page shows the
//! earlier wording beside it. The command goes down the API's recording path through
//! [`super::form`].

use axum::Form;
use axum::response::Response;
use domain::ids::resolution_stream;
use domain::{Aggregate, Command, Key, resolution};
use maud::html;

use super::form::{self, FieldError, Typed};
use super::session::{About, Viewer};
use super::{Failure, Point};
use crate::{ApiError, Service};

/// `GET /dashboard/resolutions/{resolution}/correction`.
pub(crate) async fn new(About { service, viewer, key }: About) -> Result<Response, Failure> {
    viewer.0.require(app::Action::Record(Aggregate::Resolution))?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "resolution"))?;
    correction_page(&service, &viewer, &key, Typed::BLANK).await
}

async fn correction_page(service: &Service, viewer: &Viewer, key: &Key, typed: Typed<'_>) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let entry = {
        let models = service.reports.models(point.as_of).await?;
        models.resolutions().resolution(key, service.reports.rules(), point.today)
    };
    let entry = entry.ok_or_else(|| ApiError::NotFound(format!("no resolution {key} is on record")))?;
    let read = form::read_at(service, typed.fields, &resolution_stream(key)).await?;
    let shown = typed.shown(Some(read));
    let content = html! {
        (shown.summary())
        p { "The resolution is not changed in place: the corrected wording is recorded after it, with the reason, and its page shows the earlier wording beside it." }
        h2 { "Its wording now" }
        blockquote.text #text { (entry.text) }
        form.record method="post" action=(format!("/dashboard/resolutions/{key}/corrections")) novalidate {
            (shown.hidden(viewer))
            (shown.textarea("text", "Corrected wording", Some("The whole text, word for word as the confirmed minutes give it")))
            (shown.textarea("reason", "Reason for the correction", Some("For example, Minutes confirmed at the next meeting with the wording amended")))
            (shown.date("corrected_on", "Date it was corrected", Some("The date of the meeting or notice that corrected it, for example 8 6 2021")))
            (shown.text("source", "Source", Some("The minute or paper that corrects it")))
            button type="submit" { "Record the correction" }
        }
    };
    let title = format!("Correct {}", entry.heading());
    Ok(form::page(service, viewer, &point, &title, content, typed.problems).await)
}

/// `POST /dashboard/resolutions/{resolution}/corrections`.
pub(crate) async fn record(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = form::posted_about(&viewer, posted, Aggregate::Resolution, key, "resolution")?;
    let again = async |problems: &[FieldError]| {
        correction_page(&service, &viewer, &key, Typed { fields: &fields, problems }).await
    };
    let path = format!("/dashboard/resolutions/{key}/corrections");
    let done = format!("/dashboard/resolutions/{key}");
    form::record(&service, &viewer, &path, &fields, &done, again, |check| {
        let text = check.text("text", "Enter the corrected wording of the resolution");
        let reason = check.text("reason", "Enter the reason for the correction");
        let corrected_on = check.date("corrected_on", "Date it was corrected");
        let command = resolution::Command::Correct { id: key.clone(), text: text?, reason: reason? };
        // A correction carries no date of its own: it happened on the date the form gives.
        Some((Command::Resolution(command), Some(corrected_on?)))
    })
    .await
}
