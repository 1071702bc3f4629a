//! Meetings, for the secretariat: the form that records a meeting of a body (its date, title and
//! agenda items), and the meeting's page, which lists its agenda and the resolutions on record
//! and holds the forms that record a resolution (with the endorsement or adoption it gives) and
//! publish the minutes. Every command goes down the API's recording path through
//! [`super::form`].

use std::sync::Arc;

use app::{Action, Provenance, Submission};
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::ids::{meeting_stream, resolution_stream};
use domain::resolution::Outcome;
use domain::{Aggregate, Command, Key, instrument, meeting, resolution};
use kernel::{StreamId, Timestamp};
use maud::{Markup, html};
use projections::Filters;

use super::form::{self, Check, FieldError, Read, RecordedQuery, Typed};
use super::session::{About, Viewer};
use super::{Failure, Point, body_options, layout, read};
use crate::{ApiError, Service};

pub(crate) const NEW: &str = "/dashboard/meetings/new";

/// The outcomes a resolution may have, as the form offers them.
const OUTCOMES: [(&str, &str, Outcome); 8] = [
    ("noted", "Noted", Outcome::Noted),
    ("endorsed", "Endorsed", Outcome::Endorsed),
    ("adopted", "Adopted", Outcome::Adopted),
    ("approved", "Approved", Outcome::Approved),
    ("agreed", "Agreed", Outcome::Agreed),
    ("recommended", "Recommended", Outcome::Recommended),
    ("deferred", "Deferred", Outcome::Deferred),
    ("rejected", "Rejected", Outcome::Rejected),
];

/// `GET /dashboard/meetings/new`.
pub(crate) async fn new(State(service): State<Arc<Service>>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.0.require(Action::Record(Aggregate::Meeting))?;
    new_page(&service, &viewer, Typed::BLANK).await
}

async fn new_page(service: &Service, viewer: &Viewer, typed: Typed<'_>) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let models = service.reports.models(point.as_of).await?;
    let bodies = body_options(&models);
    drop(models);
    let shown = typed.shown(Some(Read::Version(0)));
    let content = html! {
        (shown.summary())
        p { "Record a meeting of a board or committee from its agenda or minutes. A meeting on a date still to come is recorded as scheduled; one on or before today as held, ready for its resolutions." }
        form.record method="post" action="/dashboard/meetings" novalidate {
            (shown.hidden(viewer))
            (shown.select("body", "Body", &bodies, Some("Choose the body that met")))
            (shown.date("date", "Date of the meeting", Some("For example, 9 3 2021")))
            (shown.text("title", "Title of the meeting", Some("As the agenda gives it, for example Health and Wellbeing Board, 9 March 2021")))
            (shown.textarea("agenda", "Agenda items", Some("One item a line, in order. Begin a line with its minute number and a full stop when the minutes number it, for example: 45. Homes for Independence Blueprint")))
            (shown.text("source", "Source", Some("The paper this comes from, such as the address of the agenda or minutes")))
            button type="submit" { "Record the meeting" }
        }
    };
    Ok(form::page(service, viewer, &point, "Record a meeting", content, typed.problems).await)
}

/// `POST /dashboard/meetings`.
pub(crate) async fn record(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let fields = form::posted(&viewer, posted, Aggregate::Meeting)?;
    let again = async |problems: &[FieldError]| new_page(&service, &viewer, Typed { fields: &fields, problems }).await;
    let mut check = Check::new(&fields);
    let body = check.text("body", "Choose the body that met");
    let date = check.date("date", "Date of the meeting");
    let title = check.text("title", "Enter the title of the meeting");
    let items = agenda(&mut check, fields.get("agenda"));
    let source = check.optional("source");
    let id = match (&body, date) {
        (Some(body), Some(date)) => Some(Key::from_words(&format!("{body} {date}"))),
        _ => None,
    };
    let id = match id {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            check.add("body", "Choose the body that met");
            None
        }
        None => None,
    };
    if let Some(id) = &id {
        let models = service.reports.models(Point::read(None)?.as_of).await?;
        if models.meeting(id).is_some() {
            check.add("date-day", format!("A meeting of this body on this date is already on record, at /dashboard/meetings/{id}: add to it there"));
        }
    }
    let (Some(id), Some(body), Some(date), Some(title), true) = (id, body, date, title, check.problems.is_empty())
    else {
        return again(&check.problems).await;
    };
    let body = Key::parse(body).map_err(|e| ApiError::bad_request(e, "body"))?;
    // Scheduling and agenda items carry no date of their own: they happened on the meeting's.
    let on = Timestamp::parse(&date.to_string()).map_err(|e| ApiError::bad_request(e, "date"))?;
    let provenance = Provenance { source, occurred_at: Some(on), ..Provenance::new(viewer.0.actor()) };
    let mut commands = vec![meeting::Command::Schedule { id: id.clone(), body, date, title }];
    for (n, (minute_number, title)) in items.into_iter().enumerate() {
        commands.push(meeting::Command::AddAgendaItem {
            id: id.clone(),
            item: (n + 1).to_string(),
            title,
            minute_number,
        });
    }
    if date <= Point::read(None)?.today {
        commands.push(meeting::Command::Hold { id: id.clone(), held_on: date });
    }
    let submissions = commands
        .into_iter()
        .map(|c| Submission { command: Command::Meeting(c), provenance: provenance.clone() })
        .collect();
    let done = format!("/dashboard/meetings/{id}");
    form::send(&service, &viewer, "/dashboard/meetings", &fields, submissions, &done, again).await
}

/// The agenda typed one item a line, as (minute number, title): a line beginning with a number
/// and a full stop ("45. Blueprint") gives its minute number.
fn agenda(check: &mut Check<'_>, text: &str) -> Vec<(Option<String>, String)> {
    let items: Vec<(Option<String>, String)> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once(". ") {
            Some((minute, title))
                if !minute.is_empty()
                    && minute.len() <= 20
                    && minute.chars().any(|c| c.is_ascii_digit())
                    && !minute.contains(char::is_whitespace) =>
            {
                (Some(minute.to_owned()), title.trim().to_owned())
            }
            _ => (None, line.to_owned()),
        })
        .collect();
    if items.is_empty() {
        check.add("agenda", "Enter the agenda items, one a line");
    }
    items
}

/// `GET /dashboard/packs/{body}`: a body's board pack, as the API gives it, for the links on
/// each meeting's page.
pub(crate) async fn pack(
    State(service): State<Arc<Service>>,
    viewer: Viewer,
    Path(body): Path<String>,
    query: Result<Query<crate::packs::PackQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    Ok(crate::packs::answer(&service, &viewer.0, body, query).await?)
}

/// `GET /dashboard/meetings/{meeting}`.
pub(crate) async fn page(
    About { service, viewer, key }: About,
    query: Result<Query<RecordedQuery>, QueryRejection>,
) -> Result<Response, Failure> {
    let recorded = read(query)?.recorded;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, "meeting"))?;
    let confirmation = {
        let models = service.reports.models(Point::read(None)?.as_of).await?;
        let mut streams: Vec<StreamId> = resolutions(&models, &key).iter().map(|(k, _)| resolution_stream(k)).collect();
        streams.push(meeting_stream(&key));
        drop(models);
        form::confirmation(&service, recorded.as_deref(), &streams).await
    };
    meeting_page(&service, &viewer, &key, confirmation, Forms::default()).await
}

/// The forms of a meeting's page, as posted when one is shown again.
#[derive(Debug, Default)]
struct Forms<'a> {
    resolution: Option<Typed<'a>>,
    minutes: Option<Typed<'a>>,
}

/// The resolutions on record made at `meeting`, with their minute numbers.
fn resolutions(models: &projections::ReadModels, meeting: &Key) -> Vec<(Key, resolution::State)> {
    models
        .resolutions_on_record()
        .filter(|r| r.meeting.as_ref() == Some(meeting))
        .filter_map(|r| Some((r.id.clone()?, r.clone())))
        .collect()
}

async fn meeting_page(
    service: &Service,
    viewer: &Viewer,
    key: &Key,
    confirmation: Markup,
    forms: Forms<'_>,
) -> Result<Response, Failure> {
    let point = Point::read(None)?;
    let models = service.reports.models(point.as_of).await?;
    let m = models
        .meeting(key)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("no meeting {key} is on record: record it at {NEW}")))?;
    let body = m.body.as_ref().and_then(|b| models.bodies().find(|s| s.id.as_ref() == Some(b))).cloned();
    let recorded = resolutions(&models, key);
    let board = models.status().view(&Filters::default(), service.reports.rules(), point.today);
    let instruments: Vec<(String, String)> =
        board.instruments.into_iter().map(|i| (i.instrument.to_string(), i.title)).collect();
    drop(models);
    let held = m.held_on;
    let may_resolve = viewer.0.require(Action::Record(Aggregate::Resolution)).is_ok() && held.is_some();
    let may_publish = viewer.0.require(Action::Record(Aggregate::Meeting)).is_ok()
        && held.is_some()
        && m.minutes_published_on.is_none();
    let items: Vec<(String, String)> = m
        .items
        .iter()
        .filter(|i| !recorded.iter().any(|(_, r)| r.agenda_item == i.item))
        .map(|i| (i.item.clone(), item_label(i)))
        .collect();
    let (resolution, minutes) = (forms.resolution.unwrap_or(Typed::BLANK), forms.minutes.unwrap_or(Typed::BLANK));
    let resolution_form = resolution.shown(Some(Read::Version(0)));
    let read = form::read_at(service, minutes.fields, &meeting_stream(key)).await?;
    let minutes_form = minutes.shown(Some(read));
    let title = if m.title.is_empty() { key.to_string() } else { m.title.clone() };
    let content = html! {
        (confirmation)
        (resolution_form.summary())
        (minutes_form.summary())
        dl.facts #facts {
            dt { "Body" } dd { @match &body { Some(b) => (b.name), None => "–" } }
            dt { "Date" } dd { (layout::date(m.date)) }
            dt { "Held" } dd data-field="held" { (layout::date(m.held_on)) }
            dt { "Minutes published" } dd data-field="minutes" { (layout::date(m.minutes_published_on)) }
        }
        @if let (Some(b), Some(day)) = (&m.body, m.date) {
            p #pack {
                "The board pack for this meeting: "
                a href=(format!("/dashboard/packs/{b}?as_of={day}&format=html")) { "read it as a web page" }
                ", "
                a href=(format!("/dashboard/packs/{b}?as_of={day}&format=pdf")) { "download it as a PDF" }
                " or "
                a href=(format!("/dashboard/packs/{b}?as_of={day}&format=xlsx")) { "download it as a spreadsheet" }
                "."
            }
        }
        (layout::scrolling("Agenda", html! {
            table #agenda {
                caption { "Agenda" }
                thead { tr { th scope="col" { "Item" } th scope="col" { "Minute" } th scope="col" { "Title" } th scope="col" { "Resolution" } } }
                tbody {
                    @for i in &m.items {
                        tr {
                            td { (i.item) }
                            td { (i.minute_number.as_deref().unwrap_or("–")) }
                            td { (i.title) }
                            td { @match recorded.iter().find(|(_, r)| r.agenda_item == i.item) {
                                Some((k, r)) => a href=(format!("/dashboard/resolutions/{k}")) { (r.outcome.as_ref().map_or_else(|| "the resolution".to_owned(), domain::values::in_words)) },
                                None => "none recorded",
                            } }
                        }
                    }
                }
            }
        }))
        @if may_resolve && !items.is_empty() {
            h2 #add-resolution { "Add a resolution" }
            p { "The resolution is recorded as decided on " (layout::date(held)) ", the day of the meeting." }
            form.record method="post" action=(format!("/dashboard/meetings/{key}/resolutions")) novalidate {
                (resolution_form.hidden(viewer))
                (resolution_form.select("item", "Agenda item", &items, Some("Choose the item it was made on")))
                (resolution_form.textarea("text", "Text of the resolution", Some("Word for word, as the minutes give it")))
                (resolution_form.radios("outcome", "Outcome", &OUTCOMES.map(|(v, l, _)| (v, l))))
                (resolution_form.select("instrument", "Instrument it endorses or adopts (optional)", &instruments, Some("None")))
                (resolution_form.checkbox("call_in", "The decision may be called in by scrutiny before it takes effect"))
                (resolution_form.select("exempt", "Exempt information (Schedule 12A to the Local Government Act 1972)", &exemptions(), Some("Not exempt: publish it with the minutes")))
                (resolution_form.text("source", "Source", Some("The minute or paper it comes from")))
                button type="submit" { "Record the resolution" }
            }
        }
        @if may_publish {
            h2 #publish-minutes { "Publish the minutes" }
            form.record method="post" action=(format!("/dashboard/meetings/{key}/minutes")) novalidate {
                (minutes_form.hidden(viewer))
                (minutes_form.date("published_on", "Date the minutes were published", Some("For example, 23 3 2021")))
                (minutes_form.text("source", "Source", Some("Where the minutes are published, such as their address")))
                button type="submit" { "Publish the minutes" }
            }
        }
    };
    let problems: Vec<FieldError> = resolution.problems.iter().chain(minutes.problems).cloned().collect();
    Ok(form::page(service, viewer, &point, &title, content, &problems).await)
}

/// An agenda item as a choice: "Minute 45: Blueprint", or "Item 3: Blueprint".
fn item_label(item: &meeting::AgendaItem) -> String {
    match &item.minute_number {
        Some(minute) => format!("Minute {minute}: {}", item.title),
        None => format!("Item {}: {}", item.item, item.title),
    }
}

/// `POST /dashboard/meetings/{meeting}/resolutions`.
pub(crate) async fn record_resolution(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = form::posted_about(&viewer, posted, Aggregate::Resolution, key, "meeting")?;
    let again = async |problems: &[FieldError]| {
        let forms = Forms { resolution: Some(Typed { fields: &fields, problems }), minutes: None };
        meeting_page(&service, &viewer, &key, html! {}, forms).await
    };
    let models = service.reports.models(Point::read(None)?.as_of).await?;
    let m =
        models.meeting(&key).cloned().ok_or_else(|| ApiError::NotFound(format!("no meeting {key} is on record")))?;
    let parents = m
        .body
        .as_ref()
        .and_then(|b| models.bodies().find(|s| s.id.as_ref() == Some(b)))
        .map(|b| b.parents.clone())
        .unwrap_or_default();
    drop(models);
    let mut check = Check::new(&fields);
    if m.held_on.is_none() || m.body.is_none() {
        check.add(
            "item",
            "The meeting is not on record as held: a resolution can only be recorded on a meeting that was held",
        );
    }
    let chosen = check.text("item", "Choose the agenda item the resolution was made on");
    let item = chosen.as_ref().and_then(|c| m.items.iter().find(|i| &i.item == c)).cloned();
    if chosen.is_some() && item.is_none() {
        check.add("item", "Choose an agenda item of this meeting");
    }
    let text = check.text("text", "Enter the text of the resolution");
    let outcome = check.choice("outcome", &OUTCOMES.map(|(v, _, o)| (v, o)), "Select the outcome");
    let instrument = check.optional("instrument").map(Key::parse).transpose().unwrap_or_else(|e| {
        check.add("instrument", e);
        None
    });
    let exempt_under = match fields.get("exempt") {
        "" => None,
        given => match given.parse::<u8>() {
            Ok(paragraph) => Some(paragraph),
            Err(_) => {
                check.add(
                    "exempt",
                    "Choose the paragraph of Schedule 12A the press and public were excluded under, or Not exempt",
                );
                None
            }
        },
    };
    let party = match (&instrument, outcome) {
        (Some(_), Some(Outcome::Endorsed)) | (None, _) | (_, None) => None,
        (Some(_), Some(Outcome::Adopted)) => match parents.as_slice() {
            [party] => Some(party.clone()),
            _ => {
                check.add("instrument", "This body acts for more than one organisation (or none), so an adoption cannot be recorded from its resolution here: choose None, and record each party's adoption apart");
                None
            }
        },
        (Some(_), Some(_)) => {
            check.add("instrument", "Choose an instrument only when the outcome is Endorsed or Adopted");
            None
        }
    };
    let (Some(item), Some(text), Some(outcome), Some(held_on), Some(body), true) =
        (item, text, outcome, m.held_on, m.body.clone(), check.problems.is_empty())
    else {
        return again(&check.problems).await;
    };
    let minute = item.minute_number.clone().unwrap_or_else(|| format!("item {}", item.item));
    let id = Key::from_words(&format!("{key} {minute}")).map_err(|e| ApiError::bad_request(e, "item"))?;
    let provenance = form::provenance(&viewer, &fields, None);
    let mut commands = vec![Command::Resolution(resolution::Command::Record {
        id: id.clone(),
        body: body.clone(),
        meeting: key.clone(),
        agenda_item: item.item.clone(),
        text,
        outcome,
        decided_on: held_on,
        published_on: None,
        effective_on: None,
        subject_to_call_in: fields.get("call_in") == "yes",
        exempt_under,
    })];
    match (instrument, party) {
        (Some(instrument), Some(party)) => commands.push(Command::Instrument(instrument::Command::Adopt {
            id: instrument,
            party,
            resolution: id.clone(),
            adopted_on: held_on,
        })),
        (Some(instrument), None) => commands.push(Command::Instrument(instrument::Command::Endorse {
            id: instrument,
            body,
            resolution: id.clone(),
            endorsed_on: held_on,
            recommendation: None,
        })),
        (None, _) => {}
    }
    let submissions =
        commands.into_iter().map(|command| Submission { command, provenance: provenance.clone() }).collect();
    let path = format!("/dashboard/meetings/{key}/resolutions");
    let done = format!("/dashboard/meetings/{key}");
    form::send(&service, &viewer, &path, &fields, submissions, &done, again).await
}

/// `POST /dashboard/meetings/{meeting}/minutes`.
pub(crate) async fn publish_minutes(
    About { service, viewer, key }: About,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Failure> {
    let (fields, key) = form::posted_about(&viewer, posted, Aggregate::Meeting, key, "meeting")?;
    let again = async |problems: &[FieldError]| {
        let forms = Forms { resolution: None, minutes: Some(Typed { fields: &fields, problems }) };
        meeting_page(&service, &viewer, &key, html! {}, forms).await
    };
    let path = format!("/dashboard/meetings/{key}/minutes");
    let done = format!("/dashboard/meetings/{key}");
    form::record(&service, &viewer, &path, &fields, &done, again, |check| {
        let published_on = check.date("published_on", "Date the minutes were published");
        let command = meeting::Command::PublishMinutes { id: key.clone(), published_on: published_on? };
        Some((Command::Meeting(command), None))
    })
    .await
}

/// The paragraphs of Part 1 of Schedule 12A to the Local Government Act 1972, as the select of
/// exempt information offers them.
fn exemptions() -> Vec<(String, String)> {
    [
        "1: information relating to any individual",
        "2: information likely to reveal the identity of an individual",
        "3: the financial or business affairs of any particular person",
        "4: consultations or negotiations on a labour relations matter",
        "5: information subject to legal professional privilege",
        "6: a proposed notice, order or direction under an enactment",
        "7: the prevention, investigation or prosecution of crime",
    ]
    .iter()
    .enumerate()
    .map(|(i, label)| ((i + 1).to_string(), format!("Paragraph {label}")))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agenda_lines_give_items_and_minute_numbers() {
        let fields = form::Fields::posted(Vec::new());
        let mut check = Check::new(&fields);
        let items = agenda(
            &mut check,
            "45. Homes for Independence Blueprint\n\n  Apologies  \nHWB/23. Annual report\n2021 budget. Noted",
        );
        let expected = [
            (Some("45"), "Homes for Independence Blueprint"),
            (None, "Apologies"),
            (Some("HWB/23"), "Annual report"),
            (None, "2021 budget. Noted"),
        ];
        let items: Vec<(Option<&str>, &str)> = items.iter().map(|(m, t)| (m.as_deref(), t.as_str())).collect();
        assert_eq!(items, expected);
        assert!(check.problems.is_empty());
        agenda(&mut check, " \n ");
        assert_eq!(check.problems.len(), 1, "an empty agenda is a mistake");
    }
}
