//! Uploading a file to import, for the secretariat: the form that takes the files `covenant
//! import` takes (an action-plan CSV, a ModernGov meeting or committee list as XML, a file of
//! commands as JSON Lines; `docs/imports.md`), the check of the whole file against the rules and
//! the record as it stands, by the import's own code (`action_plan::check`,
//! `moderngov::check_meeting`, `moderngov::check_committees`, `commands::check`), and the
//! confirmation step. A file with problems shows every one with its line and records nothing; a
//! good one shows what it would record, and records it only when that is confirmed, through the
//! import itself, which checks the file again as it records.

use std::sync::Arc;

use app::interchange::{ImportError, ImportProblem, Importer, Plan, action_plan, commands, moderngov};
use app::{Action, IdSeed, Provenance};
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Command, Key, OrgId};
use kernel::Timestamp;
use maud::{Markup, html};
use projections::Filters;

use super::form::{self, Check, FieldError, Fields, RecordedQuery, Shown};
use super::session::Viewer;
use super::{Failure, Point, organisation_options, read};
use crate::{ApiError, Service};

pub(crate) const PATH: &str = "/dashboard/imports";
const CONFIRM: &str = "/dashboard/imports/confirm";
const TITLE: &str = "Upload a file to import";

/// The kinds of file the upload takes, as the form offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileKind {
    ActionPlan,
    Meeting,
    Committees,
    Commands,
}

const KINDS: [(&str, &str, FileKind); 4] = [
    (
        "action_plan",
        "An action plan (CSV, in the columns of covenant import action-plan --template)",
        FileKind::ActionPlan,
    ),
    ("moderngov", "A meeting from ModernGov (XML, the answer of GetMeeting)", FileKind::Meeting),
    (
        "moderngov_committees",
        "A council's committees from ModernGov (XML, the answer of GetCommittees)",
        FileKind::Committees,
    ),
    ("commands", "Commands (JSON Lines, one command a line, as covenant record --file takes them)", FileKind::Commands),
];

/// A file to import, read from the form: its kind and the options its import takes.
#[derive(Clone, Debug)]
enum Upload {
    ActionPlan(action_plan::Options),
    ModernGov(FileKind, moderngov::Options),
    Commands { file: String },
}

impl Upload {
    fn file(&self) -> &str {
        match self {
            Upload::ActionPlan(o) => &o.file,
            Upload::ModernGov(_, o) => &o.file,
            Upload::Commands { file } => file,
        }
    }

    /// The kind's value in the form.
    fn kind(&self) -> &'static str {
        let kind = match self {
            Upload::ActionPlan(_) => FileKind::ActionPlan,
            Upload::ModernGov(kind, _) => *kind,
            Upload::Commands { .. } => FileKind::Commands,
        };
        KINDS.iter().find(|(_, _, k)| *k == kind).map_or("", |(v, _, _)| v)
    }

    /// The hidden fields that carry the options to the confirmation.
    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="kind" value=(self.kind());
            input type="hidden" name="file_name" value=(self.file());
            @match self {
                Upload::ActionPlan(o) => {
                    @if let Some(instrument) = &o.instrument { input type="hidden" name="instrument" value=(instrument); }
                    input type="hidden" name="on" value=(o.on);
                }
                Upload::ModernGov(_, o) => {
                    input type="hidden" name="council" value=(o.council);
                    input type="hidden" name="on" value=(o.on);
                }
                Upload::Commands { .. } => {}
            }
        }
    }
}

/// `GET /dashboard/imports/action-plan`.
pub(crate) async fn page(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    viewer.0.require(Action::Import)?;
    let recorded = read(query)?.recorded;
    let confirmation = form::confirmation_of_any(&service, recorded.as_deref()).await;
    upload_page(&service, &viewer, confirmation, &Fields::default(), &[], html! {}).await
}

async fn upload_page(
    service: &Service,
    viewer: &Viewer,
    confirmation: Markup,
    fields: &Fields,
    problems: &[FieldError],
    found: Markup,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let (instruments, councils): (Vec<(String, String)>, _) = {
        let models = service.reports.models(point.as_of).await?;
        let board = models.status().view(&Filters::default(), service.reports.rules(), point.today);
        let instruments = board.instruments.into_iter().map(|i| (i.instrument.to_string(), i.title)).collect();
        (instruments, organisation_options(&models))
    };
    let shown = Shown { fields, problems, read: None };
    let wrong = problems.iter().find(|p| p.field.as_deref() == Some("file"));
    let content = html! {
        (confirmation)
        (shown.summary())
        (found)
        p { "Upload a file " code { "covenant import" } " takes: an action plan as CSV, a ModernGov meeting or committee list as XML, or commands as JSON Lines (" code { "docs/imports.md" } " lays them out). The whole file is checked first; nothing is recorded until you confirm." }
        form.record method="post" action=(PATH) enctype="multipart/form-data" novalidate {
            (shown.hidden(viewer))
            div class=(if wrong.is_some() { "field field-error" } else { "field" }) {
                label for="file" { "File" }
                p.hint #file-hint { "Saved in UTF-8" }
                @if let Some(p) = wrong {
                    p.error-message #file-error { span.visually-hidden { "Error: " } (p.message) }
                }
                input #file type="file" name="file" accept=".csv,.xml,.jsonl,.txt,text/csv,application/xml,text/xml" aria-describedby=(if wrong.is_some() { "file-hint file-error" } else { "file-hint" });
            }
            (shown.radios("kind", "What the file holds", &KINDS.map(|(v, l, _)| (v, l))))
            (shown.select("instrument", "Instrument (an action plan only, optional)", &instruments, Some("The one each row names")))
            (shown.select("council", "Council (ModernGov only)", &councils, Some("Choose the council whose ModernGov site the file comes from")))
            (shown.date("on", "Date the file stands at (an action plan or ModernGov)", Some("For an action plan, the date of the plan or return: actions are made and progress reported on it. For ModernGov, the day committees are established and corrections made. For example, 1 4 2024")))
            button type="submit" { "Check the file" }
        }
    };
    Ok(form::page(service, viewer, &point, TITLE, content, problems).await)
}

/// What the upload form typed, read: the kind of file and the options of its import.
fn options(check: &mut Check<'_>, file: String) -> Option<Upload> {
    let kind = check.choice("kind", &KINDS.map(|(v, _, k)| (v, k)), "Select what the file holds")?;
    let on = |check: &mut Check<'_>| check.date("on", "Date the file stands at");
    match kind {
        FileKind::ActionPlan => {
            let instrument = check.key("instrument");
            Some(Upload::ActionPlan(action_plan::Options { instrument, on: on(check)?, file }))
        }
        FileKind::Meeting | FileKind::Committees => {
            let council =
                check.chosen_organisation("council", "Choose the council whose ModernGov site the file comes from");
            let on = on(check);
            Some(Upload::ModernGov(kind, moderngov::Options { council: council?, on: on?, file }))
        }
        FileKind::Commands => Some(Upload::Commands { file }),
    }
}

/// What `upload` of `text` would record, checked by its import's own check, recording nothing:
/// each line with the streams and commands it records, and how many lines record nothing.
async fn checked(service: &Service, viewer: &Viewer, text: &str, upload: &Upload) -> Result<Found, Failure> {
    let found = check_file(service, viewer, text, upload).await;
    match found {
        Ok(found) => Ok(Ok(found)),
        Err(ImportError::Invalid(problems)) => Ok(Err(problems)),
        Err(other) => Err(failed(other)),
    }
}

/// What a file would record (each line with its commands, and how many lines record nothing),
/// or every problem with it.
type Found = Result<(Vec<(usize, Vec<Command>)>, usize), Vec<ImportProblem>>;

async fn check_file(
    service: &Service,
    viewer: &Viewer,
    text: &str,
    upload: &Upload,
) -> Result<(Vec<(usize, Vec<Command>)>, usize), ImportError> {
    let now = Timestamp::now();
    let plan = |plan: Plan| (plan.lines.into_iter().map(|l| (l.line, l.commands)).collect(), plan.unchanged);
    match upload {
        Upload::ActionPlan(options) => {
            Ok(plan(action_plan::check(service.recorder.store(), text, options, now).await?))
        }
        Upload::ModernGov(FileKind::Committees, options) => {
            Ok(plan(moderngov::check_committees(&service.recorder, text, options, now).await?))
        }
        Upload::ModernGov(_, options) => {
            let Ok(live) = service.reports.now().await else {
                return Err(ImportError::Invalid(vec![ImportProblem::new(
                    1,
                    None,
                    "the record cannot be read to match the meeting to what is on record: try again in a moment",
                )]));
            };
            Ok(plan(moderngov::check_meeting(&service.recorder, &live, text, options, now).await?))
        }
        Upload::Commands { file } => {
            let provenance = Provenance::new(viewer.0.actor());
            let found = commands::check(&service.recorder, text, file, &provenance, now).await?;
            Ok((found.lines.into_iter().map(|c| (c.line, vec![c.command])).collect(), 0))
        }
    }
}

/// `GET /dashboard/imports/action-plan`, where the upload was first: the upload.
pub(crate) async fn moved() -> Response {
    Redirect::permanent(PATH).into_response()
}

/// `POST /dashboard/imports`: checks the file, and shows what it would record or every problem
/// with it.
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
            let file_name = field.file_name().unwrap_or("uploaded file").to_owned();
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
    let fields = form::guarded(&viewer, posted)?;
    viewer.0.require(Action::Import)?;
    let mut check = Check::new(&fields);
    let (file_name, text) = match file {
        Some((name, bytes)) if !bytes.is_empty() => match String::from_utf8(bytes) {
            Ok(text) => (name, Some(text)),
            Err(_) => {
                check.add("file", "The file must be saved in UTF-8");
                (name, None)
            }
        },
        _ => {
            check.add("file", "Select the file to import");
            (String::new(), None)
        }
    };
    let upload = options(&mut check, file_name);
    let (Some(text), Some(upload), true) = (text, upload, check.problems.is_empty()) else {
        return upload_page(&service, &viewer, html! {}, &fields, &check.problems, html! {}).await;
    };
    match checked(&service, &viewer, &text, &upload).await? {
        Ok((lines, unchanged)) => review(&service, &viewer, &text, &upload, &lines, unchanged).await,
        Err(found) => refused(&service, &viewer, &fields, &found).await,
    }
}

/// The form shown again with every problem the file has, by line; nothing recorded.
async fn refused(
    service: &Service,
    viewer: &Viewer,
    fields: &Fields,
    found: &[ImportProblem],
) -> Result<Response, Failure> {
    let count = if found.len() == 1 { "1 problem".to_owned() } else { format!("{} problems", found.len()) };
    let problems = vec![FieldError {
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
    upload: &Upload,
    lines: &[(usize, Vec<Command>)],
    unchanged: usize,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let content = html! {
        p { "The file has no problems. Check what it would record, then record it." }
        table #plan {
            caption { "What the file would record" }
            thead { tr { th scope="col" .num { "Line" } th scope="col" { "Record" } th scope="col" { "Records" } } }
            tbody {
                @for (line, commands) in lines {
                    tr {
                        td.num { (line) }
                        td { (commands.first().map(|c| c.stream_id().to_string()).unwrap_or_default()) }
                        td { (commands.iter().map(command_name).collect::<Vec<_>>().join(", ")) }
                    }
                }
            }
        }
        @if unchanged > 0 { p #unchanged { (unchanged) " lines are recorded already and record nothing." } }
        @if lines.is_empty() {
            p { "Everything in the file is recorded already: there is nothing to record." }
        } @else {
            form.record method="post" action=(CONFIRM) novalidate {
                (Shown { fields: &Fields::default(), problems: &[], read: None }.hidden(viewer))
                input type="hidden" name="text" value=(text);
                (upload.hidden())
                button type="submit" { "Record the file" }
            }
        }
        p { a href=(PATH) { "Upload another file instead" } }
    };
    Ok(form::page(service, viewer, &point, "Check the file before recording it", content, &[]).await)
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

/// The upload the confirmation form carries, as the check read it.
fn confirmed(fields: &Fields) -> Result<Upload, ApiError> {
    let changed = || ApiError::bad_request("the confirmation form was changed: upload the file again", "text");
    let file = fields.get("file_name").to_owned();
    let kind = KINDS.iter().find(|(v, _, _)| *v == fields.get("kind")).map(|(_, _, k)| *k).ok_or_else(changed)?;
    let on = || domain::parse_date(fields.get("on")).map_err(|_| changed());
    Ok(match kind {
        FileKind::ActionPlan => {
            let instrument = Some(fields.get("instrument"))
                .filter(|i| !i.is_empty())
                .map(Key::parse)
                .transpose()
                .map_err(|_| changed())?;
            Upload::ActionPlan(action_plan::Options { instrument, on: on()?, file })
        }
        FileKind::Meeting | FileKind::Committees => {
            let council = OrgId::parse(fields.get("council")).map_err(|_| changed())?;
            Upload::ModernGov(kind, moderngov::Options { council, on: on()?, file })
        }
        FileKind::Commands => Upload::Commands { file },
    })
}

/// `POST /dashboard/imports/confirm`: records the file confirmed, checked again by its import.
/// Commands are recorded under ids derived from the confirmation's idempotency key, so a
/// confirmation sent twice records once; the other imports leave out what is recorded already.
pub(crate) async fn confirm(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let fields = form::guarded(&viewer, posted)?;
    viewer.0.require(Action::Import)?;
    let upload = confirmed(&fields)?;
    let text = fields.get("text");
    let actor = viewer.0.actor();
    let (recorder, none) = (&service.recorder, &mut |_, _| {});
    let last = match &upload {
        Upload::ActionPlan(options) => {
            action_plan::import(Importer { recorder, actor: &actor, progress: none }, text, options)
                .await
                .map(|i| (i.last_position, i.events))
        }
        Upload::ModernGov(FileKind::Committees, options) => {
            moderngov::import_committees(Importer { recorder, actor: &actor, progress: none }, text, options)
                .await
                .map(|i| (i.last_position, i.events))
        }
        Upload::ModernGov(_, options) => {
            let live = service.reports.now().await?;
            moderngov::import_meeting(Importer { recorder, actor: &actor, progress: none }, &live, text, options)
                .await
                .map(|i| (i.last_position, i.events))
        }
        Upload::Commands { file } => {
            let key = fields.get("idempotency_key");
            let provenance =
                Provenance { id_seed: Some(IdSeed::new(&viewer.0.scope(), key)), ..Provenance::new(actor.clone()) };
            commands::import(recorder, text, file, &provenance, Timestamp::now())
                .await
                .map(|r| (r.events.last().map(|e| e.position), r.events.len()))
        }
    };
    match last {
        Ok((last, events)) => {
            service.metrics.recorded(events);
            let to = match last {
                Some(position) => format!("{PATH}?{}={}", form::RECORDED, position.0),
                None => PATH.to_owned(),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(ImportError::Invalid(found)) => refused(&service, &viewer, &Fields::default(), &found).await,
        Err(other) => Err(failed(other)),
    }
}
