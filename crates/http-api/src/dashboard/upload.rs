//! Uploading an action plan, for the secretariat: the form that takes an action-plan CSV (the
//! file `covenant import action-plan` takes, laid out in `docs/imports.md`), the check of the
//! whole file against the rules and the record as it stands, by the import's own code
//! (`app::interchange::action_plan::check`), and the confirmation step. A file with problems
//! shows every one with its line and records nothing; a good one shows what it would record,
//! and records it only when that is confirmed, through `action_plan::import`, which checks the
//! file again as it records.

use std::sync::Arc;

use app::Action;
use app::interchange::{ImportError, Plan, Problem as FileProblem, action_plan};
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::ids::commitment_stream;
use domain::{Date, Key};
use kernel::{StreamId, Timestamp};
use maud::{Markup, html};
use projections::{Filters, GroupBy};

use super::form::{self, Check, Fields, Problem, Shown};
use super::meeting::RecordedQuery;
use super::session::Viewer;
use super::{Failure, Point, read};
use crate::{ApiError, Service};

const PATH: &str = "/dashboard/imports/action-plan";
const CONFIRM: &str = "/dashboard/imports/action-plan/confirm";
const TITLE: &str = "Upload an action plan";

/// `GET /dashboard/imports/action-plan`.
pub(crate) async fn page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    viewer.0.require(Action::Import)?;
    let recorded = read(query)?.recorded;
    let confirmation = match recorded {
        Some(recorded) => {
            let streams: Vec<StreamId> = {
                let point = Point::read(None)?;
                let models = service.reports.models(point.as_of).await?;
                let view = models.actions().view(
                    &Filters::default(),
                    service.reports.rules(),
                    point.today,
                    GroupBy::Organisation,
                );
                view.rows.iter().map(|r| commitment_stream(&r.commitment)).collect()
            };
            form::confirmation(&service, Some(&recorded), &streams).await
        }
        None => html! {},
    };
    upload_page(&service, &viewer, confirmation, &Fields::default(), &[], html! {}).await
}

async fn upload_page(
    service: &Service,
    viewer: &Viewer,
    confirmation: Markup,
    fields: &Fields,
    problems: &[Problem],
    found: Markup,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let instruments: Vec<(String, String)> = {
        let models = service.reports.models(point.as_of).await?;
        let board = models.status().view(&Filters::default(), service.reports.rules(), point.today);
        board.instruments.into_iter().map(|i| (i.instrument.to_string(), i.title)).collect()
    };
    let shown = Shown { fields, problems, read: None };
    let wrong = problems.iter().find(|p| p.field.as_deref() == Some("file"));
    let content = html! {
        (confirmation)
        (shown.summary())
        (found)
        p { "Upload an action plan as a CSV file, one row per action, in the columns " code { "covenant import action-plan --template" } " writes (" code { "docs/imports.md" } " lays them out). The whole file is checked first; nothing is recorded until you confirm." }
        form.record method="post" action=(PATH) enctype="multipart/form-data" novalidate {
            (shown.hidden(viewer))
            div class=(if wrong.is_some() { "field field-error" } else { "field" }) {
                label for="file" { "Action plan file (CSV)" }
                p.hint #file-hint { "Saved as CSV in UTF-8, with the header row" }
                @if let Some(p) = wrong {
                    p.error-message #file-error { span.visually-hidden { "Error: " } (p.message) }
                }
                input #file type="file" name="file" accept=".csv,text/csv" aria-describedby=(if wrong.is_some() { "file-hint file-error" } else { "file-hint" });
            }
            (shown.select("instrument", "Instrument (optional)", &instruments, Some("The one each row names")))
            (shown.date("on", "Date the plan stands at", Some("The date of the plan or return: actions are made and progress reported on it, for example 1 4 2024")))
            button type="submit" { "Check the file" }
        }
    };
    Ok(form::page(service, viewer, &point, TITLE, content, problems).await)
}

/// What the upload form typed, read: the options of the import.
fn options(check: &mut Check<'_>, file: String) -> Option<action_plan::Options> {
    let instrument = check.key("instrument");
    let on: Option<Date> = check.date("on", "Date the plan stands at");
    Some(action_plan::Options { instrument, on: on?, file })
}

/// `POST /dashboard/imports/action-plan`: checks the file, and shows what it would record or
/// every problem with it.
pub(crate) async fn check(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    mut multipart: Multipart,
) -> Result<Response, Failure> {
    let mut posted = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("the form cannot be read: {e}"), "file"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("action plan").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| ApiError::bad_request(format!("the file cannot be read: {e}"), "file"))?;
            file = Some((file_name, bytes.to_vec()));
        } else {
            let value = field
                .text()
                .await
                .map_err(|e| ApiError::bad_request(format!("the form cannot be read: {e}"), &name))?;
            posted.push((name, value));
        }
    }
    let fields = Fields::posted(posted);
    form::guard(&viewer, &fields)?;
    viewer.0.require(Action::Import)?;
    let mut check = Check::new(&fields);
    let (file_name, text) = match file {
        Some((name, bytes)) if !bytes.is_empty() => match String::from_utf8(bytes) {
            Ok(text) => (name, Some(text)),
            Err(_) => {
                check.add("file", "The file must be saved as CSV in UTF-8");
                (name, None)
            }
        },
        _ => {
            check.add("file", "Select the action plan file");
            (String::new(), None)
        }
    };
    let options = options(&mut check, file_name);
    let (Some(text), Some(options), true) = (text, options, check.problems.is_empty()) else {
        return upload_page(&service, &viewer, html! {}, &fields, &check.problems, html! {}).await;
    };
    match action_plan::check(service.recorder.store(), &text, &options, Timestamp::now()).await {
        Ok(plan) => review(&service, &viewer, &text, &options, &plan).await,
        Err(ImportError::Invalid(found)) => refused(&service, &viewer, &fields, &found).await,
        Err(other) => Err(failed(other)),
    }
}

/// The form shown again with every problem the file has, by line; nothing recorded.
async fn refused(
    service: &Service,
    viewer: &Viewer,
    fields: &Fields,
    found: &[FileProblem],
) -> Result<Response, Failure> {
    let count = if found.len() == 1 { "1 problem".to_owned() } else { format!("{} problems", found.len()) };
    let problems = vec![Problem {
        field: Some("file".to_owned()),
        message: format!(
            "The file has {count}, listed below: nothing was recorded. Correct the file and upload it again"
        ),
    }];
    let table = html! {
        table #file-problems {
            caption { "Problems in the file" }
            thead { tr { th scope="col" .num { "Line" } th scope="col" { "Column" } th scope="col" { "What to fix" } } }
            tbody {
                @for p in found {
                    tr { td.num { (p.line) } td { (p.column.as_deref().unwrap_or("–")) } td { (form::sentence(&p.message)) } }
                }
            }
        }
    };
    upload_page(service, viewer, html! {}, fields, &problems, table).await
}

/// The check answers: what the file would record, and the form that confirms it.
async fn review(
    service: &Service,
    viewer: &Viewer,
    text: &str,
    options: &action_plan::Options,
    plan: &Plan,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let content = html! {
        p { "The file has no problems. Check what it would record, then record it." }
        table #plan {
            caption { "What the file would record" }
            thead { tr { th scope="col" .num { "Line" } th scope="col" { "Action" } th scope="col" { "Records" } } }
            tbody {
                @for line in &plan.lines {
                    tr {
                        td.num { (line.line) }
                        td { (line.commands.first().map(|c| c.stream_id().to_string()).unwrap_or_default()) }
                        td { (line.commands.iter().map(command_name).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
        @if plan.unchanged > 0 { p #unchanged { (plan.unchanged) " lines are recorded already and record nothing." } }
        @if plan.lines.is_empty() {
            p { "Everything in the file is recorded already: there is nothing to record." }
        } @else {
            form.record method="post" action=(CONFIRM) novalidate {
                (Shown { fields: &Fields::default(), problems: &[], read: None }.hidden(viewer))
                input type="hidden" name="csv" value=(text);
                input type="hidden" name="file_name" value=(options.file);
                @if let Some(instrument) = &options.instrument { input type="hidden" name="instrument" value=(instrument); }
                input type="hidden" name="on" value=(options.on);
                button type="submit" { "Record the action plan" }
            }
        }
        p { a href=(PATH) { "Upload another file instead" } }
    };
    Ok(form::page(service, viewer, &point, "Check the action plan before recording it", content, &[]).await)
}

/// A command's name as the command line and the API write it, such as `make` or
/// `report_progress`.
fn command_name(command: &domain::Command) -> String {
    let value = serde_json::to_value(command).unwrap_or_default();
    value["command"].as_str().unwrap_or_default().replace('_', " ")
}

/// Why an import could not be checked or recorded, other than problems in the file.
fn failed(error: ImportError) -> Failure {
    match error {
        ImportError::Record { error, .. } | ImportError::Store(error) => Failure(ApiError::from_record(error, false)),
        ImportError::Invalid(found) => {
            Failure(ApiError::Unprocessable { detail: ImportError::Invalid(found).to_string(), field: None })
        }
    }
}

/// `POST /dashboard/imports/action-plan/confirm`: records the file confirmed, checked again.
pub(crate) async fn confirm(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let fields = Fields::posted(posted);
    form::guard(&viewer, &fields)?;
    viewer.0.require(Action::Import)?;
    let changed = || ApiError::bad_request("the confirmation form was changed: upload the file again", "csv");
    let instrument =
        Some(fields.get("instrument")).filter(|i| !i.is_empty()).map(Key::parse).transpose().map_err(|_| changed())?;
    let on = domain::parse_date(fields.get("on")).map_err(|_| changed())?;
    let options = action_plan::Options { instrument, on, file: fields.get("file_name").to_owned() };
    let imported =
        action_plan::import(&service.recorder, fields.get("csv"), &options, &viewer.0.actor(), &mut |_, _| {}).await;
    match imported {
        Ok(imported) => {
            service.metrics.recorded(imported.events);
            let to = match imported.last_position {
                Some(position) => format!("{PATH}?{}={}", form::RECORDED, position.0),
                None => PATH.to_owned(),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(ImportError::Invalid(found)) => refused(&service, &viewer, &Fields::default(), &found).await,
        Err(other) => Err(failed(other)),
    }
}
