//! What every form that records shares: reading and checking what was posted, laying fields out
//! as the GOV.UK Design System does (an error summary at the top, the message beside the field,
//! dates as day, month and year), the hidden fields every form carries, and sending its commands
//! down the API's one recording path (`commands::submit`), so no rule is written twice.
//!
//! Every form carries three hidden fields: the session's anti-forgery value ([`Csrf`]), checked
//! before anything else; an idempotency key minted when the form is shown, so that a form sent
//! twice (a double click, back and resubmit) records once; and what the form was read at
//! ([`Read`]), from which the expected version of the stream it records on is sent, so that a
//! form read before someone else recorded something on the same stream is refused with a page
//! saying what changed. A form
//! shown again after an error keeps what was typed and the version it was first read at, under
//! a fresh key. After a success, the browser is sent (303) to the page showing what was
//! recorded, which confirms it with the event's position in the log.

use std::fmt::Write as _;

use app::{Action, Principal, Provenance, Submission};
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{Aggregate, Command, ContentHash, Date, Key, OrgId};
use kernel::{Position, StreamBound, StreamId};
use maud::{Markup, html};
use serde::Deserialize;

use super::session::{CSRF_FIELD, Viewer, fresh};
use super::{Failure, Point, layout, read, render};
use crate::commands::{RecordedEvents, fingerprint, submit};
use crate::{ApiError, Service};

/// The hidden field holding a form's idempotency key.
const KEY_FIELD: &str = "idempotency_key";
/// The hidden field holding the version of the stream the form was read at.
const VERSION_FIELD: &str = "version";
/// The hidden field holding the log's head the form was read at, for a form whose stream is
/// chosen in it.
const HEAD_FIELD: &str = "read_at";
/// Where the "as of" picker of a page with forms sends the reader: such a page shows the record
/// as it stands, to record on it, so a past date is shown on the overview.
pub(crate) const AS_OF_PAGE: &str = "/dashboard";
/// The query parameter a page is sent to after a success, naming the position recorded.
pub(crate) const RECORDED: &str = "recorded";

/// The query of a page sent to after a success.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordedQuery {
    pub(crate) recorded: Option<String>,
}

/// The record the address of a page holding forms names, `key` (else 400, blaming the field
/// `field`), and the panel confirming what a form recorded on its stream (`stream`), when the
/// page is sent to after a success (`query`).
pub(crate) async fn named(
    service: &Service,
    query: Result<Query<RecordedQuery>, QueryRejection>,
    key: String,
    field: &str,
    stream: fn(&Key) -> StreamId,
) -> Result<(Key, Markup), Failure> {
    let recorded = read(query)?.recorded;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, field))?;
    let confirmation = confirmation(service, recorded.as_deref(), &[stream(&key)]).await;
    Ok((key, confirmation))
}

/// The fields of a form, by name, in the order sent: what was posted, or none for a new form.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// What was posted.
    pub(crate) fn posted(pairs: Vec<(String, String)>) -> Self {
        Fields(pairs)
    }

    /// The value of `name`, or empty.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `name`, trimmed, leaving out empty ones: the boxes ticked of a group.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    }

    /// What the form was read at, as it carries it.
    pub(crate) fn read(&self) -> Result<Option<Read>, ApiError> {
        for (field, read) in [(VERSION_FIELD, Read::Version as fn(u64) -> Read), (HEAD_FIELD, Read::Head)] {
            let text = self.get(field).trim();
            if !text.is_empty() {
                return text.parse().map(|n| Some(read(n))).map_err(|_| {
                    ApiError::bad_request(
                        format!("the form's {field} field was changed: open the form again from its page"),
                        field,
                    )
                });
            }
        }
        Ok(None)
    }
}

/// What a form was read at, carried in a hidden field: the expected version of the stream it
/// records on is found from it when the form is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// The version of the one stream the form records on (0 for a stream it starts).
    Version(u64),
    /// The log's head, for a form whose stream is chosen in it (the organisation replaced, the
    /// body joined): the expected version is the chosen stream's version at that position.
    Head(u64),
}

/// The version `stream` is at: 0 when it has no events.
pub(crate) async fn stream_version(service: &Service, stream: &StreamId) -> Result<u64, Failure> {
    let events = service.stores.events.read_stream(stream, StreamBound::All).await?;
    Ok(events.last().map_or(0, |e| e.stream_version))
}

/// What the form `fields`, of `stream`, was read at: as it carries it when it is shown again,
/// else `stream`'s version now.
pub(crate) async fn read_at(service: &Service, fields: &Fields, stream: &StreamId) -> Result<Read, Failure> {
    match fields.read().ok().flatten() {
        Some(read) => Ok(read),
        None => Ok(Read::Version(stream_version(service, stream).await?)),
    }
}

/// The log's head now, for a form whose stream is chosen in it.
pub(crate) async fn head(service: &Service) -> Result<Read, Failure> {
    Ok(Read::Head(service.stores.events.head().await?.position.0))
}

/// The version of `stream` a form read at `read` expects.
async fn expected(service: &Service, stream: &StreamId, read: Read) -> Result<u64, ApiError> {
    match read {
        Read::Version(version) => Ok(version),
        Read::Head(position) => {
            let events = service.stores.events.read_stream(stream, StreamBound::All).await.map_err(ApiError::from)?;
            Ok(events.iter().filter(|e| e.position.0 <= position).map(|e| e.stream_version).max().unwrap_or(0))
        }
    }
}

/// One thing wrong with what was typed: the id of the field to go to, and what to do.
#[derive(Clone, Debug)]
pub(crate) struct FieldError {
    /// The field's id, or none for a refusal that names no one field.
    pub field: Option<String>,
    pub message: String,
}

/// Checks what was posted, field by field, collecting what is wrong with each.
#[derive(Debug)]
pub(crate) struct Check<'a> {
    fields: &'a Fields,
    pub problems: Vec<FieldError>,
}

impl<'a> Check<'a> {
    pub(crate) fn new(fields: &'a Fields) -> Self {
        Check { fields, problems: Vec::new() }
    }

    /// What was posted, for a field read its own way.
    pub(crate) fn fields(&self) -> &'a Fields {
        self.fields
    }

    fn wrong(&mut self, field: &str, message: String) {
        self.problems.push(FieldError { field: Some(field.to_owned()), message });
    }

    /// The text of `name`, trimmed; `missing` when it is empty.
    pub(crate) fn text(&mut self, name: &str, missing: &str) -> Option<String> {
        let value = self.fields.get(name).trim();
        if value.is_empty() {
            self.wrong(name, missing.to_owned());
            return None;
        }
        Some(value.to_owned())
    }

    /// The text of `name`, trimmed, if any was typed.
    pub(crate) fn optional(&self, name: &str) -> Option<String> {
        Some(self.fields.get(name).trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// The whole number of `name`, from `min` to `max`; `label` names it in messages, as
    /// "Percentage complete".
    pub(crate) fn number(&mut self, name: &str, label: &str, min: u32, max: u32) -> Option<u32> {
        let value = self.fields.get(name).trim().trim_end_matches('%').trim();
        if value.is_empty() {
            self.wrong(name, format!("Enter the {}", lower_first(label)));
            return None;
        }
        match value.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(_) => {
                self.wrong(name, format!("{label} must be between {min} and {max}"));
                None
            }
            Err(_) => {
                self.wrong(name, format!("{label} must be a whole number, like 60"));
                None
            }
        }
    }

    /// The number of `name`, which may have a decimal point ("12.5") and commas between
    /// thousands; `label` names it in messages, as "Value".
    pub(crate) fn decimal(&mut self, name: &str, label: &str) -> Option<f64> {
        let value = self.fields.get(name).trim().replace(',', "");
        if value.is_empty() {
            self.wrong(name, format!("Enter the {}", lower_first(label)));
            return None;
        }
        match value.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.wrong(name, format!("{label} must be a number, like 1250 or 12.5"));
                None
            }
        }
    }

    /// The option of `name` chosen among `options` (value, what it stands for); `missing` when
    /// none, or one not offered, was chosen.
    pub(crate) fn choice<T: Clone>(&mut self, name: &str, options: &[(&str, T)], missing: &str) -> Option<T> {
        let value = self.fields.get(name).trim();
        let chosen = options.iter().find(|(v, _)| *v == value).map(|(_, t)| t.clone());
        if chosen.is_none() {
            self.wrong(name, missing.to_owned());
        }
        chosen
    }

    /// The date typed in the day, month and year fields of `name` (`name-day`, `name-month`,
    /// `name-year`); `label` names it in messages, as "Date of the meeting".
    pub(crate) fn date(&mut self, name: &str, label: &str) -> Option<Date> {
        let parts = ["day", "month", "year"].map(|part| self.fields.get(&format!("{name}-{part}")).trim().to_owned());
        typed_date(&parts).map_err(|(part, wrong)| self.wrong(&format!("{name}-{part}"), wrong.english(label))).ok()
    }

    /// The key (`lincolnshire-hhcdg`) typed or chosen in `name`, if any; a problem when it is
    /// not one.
    pub(crate) fn key(&mut self, name: &str) -> Option<Key> {
        let value = self.optional(name)?;
        Key::parse(value).map_err(|e| self.wrong(name, sentence(&e))).ok()
    }

    /// The key chosen in `name`; `missing` when none was.
    pub(crate) fn chosen_key(&mut self, name: &str, missing: &str) -> Option<Key> {
        if self.optional(name).is_none() {
            self.wrong(name, missing.to_owned());
        }
        self.key(name)
    }

    /// The organisation chosen in `name`; `missing` when none was.
    pub(crate) fn chosen_organisation(&mut self, name: &str, missing: &str) -> Option<OrgId> {
        if self.optional(name).is_none() {
            self.wrong(name, missing.to_owned());
        }
        self.organisation(name)
    }

    /// The organisations ticked in the checkboxes `name`.
    pub(crate) fn organisations(&mut self, name: &str) -> Vec<OrgId> {
        let mut found = Vec::new();
        for value in self.fields.all(name) {
            match OrgId::parse(value) {
                Ok(id) => found.push(id),
                Err(_) => self.wrong(name, "Choose the organisations from the list".to_owned()),
            }
        }
        found
    }

    /// The reference typed in `name`, or, when none was, one made from `words` (a title).
    pub(crate) fn reference(&mut self, name: &str, words: Option<&str>) -> Option<Key> {
        match self.optional(name) {
            Some(_) => self.key(name),
            None => words.and_then(|w| Key::from_words(w).ok()),
        }
    }

    /// The organisation identifier (`GB-LAE-WLI`) typed or chosen in `name`, if any; a problem
    /// when it is not one.
    pub(crate) fn organisation(&mut self, name: &str) -> Option<OrgId> {
        let value = self.optional(name)?;
        OrgId::parse(value).map_err(|e| self.wrong(name, sentence(&e))).ok()
    }

    /// The SHA-256 of a document typed in `name` (`sha256:` and 64 hex digits, or the digits
    /// alone as `sha256sum` prints them), if any; a problem when it is not one.
    pub(crate) fn content_hash(&mut self, name: &str) -> Option<ContentHash> {
        let value = self.optional(name)?.to_lowercase();
        let value = if value.starts_with("sha256:") { value } else { format!("sha256:{value}") };
        ContentHash::parse(value).map_err(|e| self.wrong(name, sentence(&e))).ok()
    }

    /// Adds a problem the form's own reading found.
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.wrong(field, message.into());
    }
}

/// `text` with its first letter in lower case: "Date of the meeting" in "Enter the date of ...".
/// What is wrong with a date typed as day, month and year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DateWrong {
    /// None of the three was typed.
    Missing,
    /// Some of them were not: which, day before month before year.
    MissingParts(Vec<&'static str>),
    /// The year is not four figures.
    Year,
    /// The calendar has no such day.
    NotReal,
}

impl DateWrong {
    /// The GOV.UK Design System's message for it, for the date field labelled `label`.
    pub(crate) fn english(&self, label: &str) -> String {
        match self {
            DateWrong::Missing => format!("Enter the {}", lower_first(label)),
            DateWrong::MissingParts(parts) => format!("{label} must include a {}", parts.join(" and ")),
            DateWrong::Year => "Year must include 4 numbers".to_owned(),
            DateWrong::NotReal => format!("{label} must be a real date"),
        }
    }
}

/// The day typed as `parts` (day, month, year), or what is wrong with it and the part (`day`,
/// `month`, `year`) whose field the message points at.
pub(crate) fn typed_date(parts: &[String; 3]) -> Result<Date, (&'static str, DateWrong)> {
    let missing: Vec<&'static str> =
        ["day", "month", "year"].into_iter().zip(parts).filter(|(_, v)| v.is_empty()).map(|(p, _)| p).collect();
    match missing.as_slice() {
        [_, _, _] => return Err(("day", DateWrong::Missing)),
        [first, ..] => return Err((first, DateWrong::MissingParts(missing.clone()))),
        [] => {}
    }
    let numbers: Vec<Option<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    if parts[2].len() != 4 || numbers[2].is_none() {
        return Err(("year", DateWrong::Year));
    }
    let date = match numbers.as_slice() {
        [Some(day), Some(month), Some(year)] => {
            i32::try_from(*year).ok().and_then(|y| Date::from_ymd_opt(y, *month, *day))
        }
        _ => None,
    };
    date.ok_or_else(|| {
        let month_ok = numbers[1].is_some_and(|m| (1..=12).contains(&m));
        (if month_ok || numbers[0].is_none() { "day" } else { "month" }, DateWrong::NotReal)
    })
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// A form being shown: its values, what is wrong with them, and its hidden fields.
#[derive(Debug)]
pub(crate) struct Shown<'a> {
    pub fields: &'a Fields,
    pub problems: &'a [FieldError],
    /// What the form is read at.
    pub read: Option<Read>,
}

impl Shown<'_> {
    fn problem(&self, id: &str) -> Option<&str> {
        self.problems.iter().find(|p| p.field.as_deref() == Some(id)).map(|p| p.message.as_str())
    }

    /// The error summary, when anything is wrong: "There is a problem", and a link to each field.
    pub(crate) fn summary(&self) -> Markup {
        self.summary_in("There is a problem")
    }

    /// The error summary as [`Shown::summary`] lays it out, headed `title`.
    pub(crate) fn summary_in(&self, title: &str) -> Markup {
        html! {
            @if !self.problems.is_empty() {
                div.error-summary #error-summary role="alert" tabindex="-1" autofocus aria-labelledby="error-summary-title" {
                    h2 #error-summary-title { (title) }
                    ul {
                        @for p in self.problems {
                            li { @match &p.field {
                                Some(id) => a href=(format!("#{id}")) { (p.message) },
                                None => (p.message),
                            } }
                        }
                    }
                }
            }
        }
    }

    /// The hidden fields every form carries: the session's anti-forgery value, a fresh
    /// idempotency key and what it was read at.
    pub(crate) fn hidden(&self, viewer: &Viewer) -> Markup {
        html! {
            (viewer.1.field())
            input type="hidden" name=(KEY_FIELD) value=(fresh());
            @match self.read {
                Some(Read::Version(version)) => input type="hidden" name=(VERSION_FIELD) value=(version);,
                Some(Read::Head(position)) => input type="hidden" name=(HEAD_FIELD) value=(position);,
                None => {},
            }
        }
    }

    fn message(&self, id: &str) -> Markup {
        html! { @if let Some(message) = self.problem(id) { p.error-message #(format!("{id}-error")) { span.visually-hidden { "Error: " } (message) } } }
    }

    fn described(&self, id: &str, hint: Option<&str>) -> Option<String> {
        let mut ids = Vec::new();
        if hint.is_some() {
            ids.push(format!("{id}-hint"));
        }
        if self.problem(id).is_some() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    /// The class of the field `name`'s box: marked when something is wrong with it.
    fn class(&self, name: &str) -> &'static str {
        if self.problem(name).is_some() { "field field-error" } else { "field" }
    }

    /// The field `name` in its box: its label, its hint when it has one, the message saying what
    /// is wrong with it, then `control`, the input itself.
    fn labelled(&self, name: &str, label: &str, hint: Option<&str>, control: Markup) -> Markup {
        html! {
            div class=(self.class(name)) {
                label for=(name) { (label) }
                @if let Some(hint) = hint { p.hint #(format!("{name}-hint")) { (hint) } }
                (self.message(name))
                (control)
            }
        }
    }

    /// A text field.
    pub(crate) fn text(&self, name: &str, label: &str, hint: Option<&str>) -> Markup {
        let described = self.described(name, hint);
        let control =
            html! { input #(name) type="text" name=(name) value=(self.fields.get(name)) aria-describedby=[described]; };
        self.labelled(name, label, hint, control)
    }

    /// A field for a whole number, such as a percentage.
    pub(crate) fn number(&self, name: &str, label: &str, hint: Option<&str>, suffix: &str) -> Markup {
        let described = self.described(name, hint);
        let control = html! {
            input.width-3 #(name) type="text" inputmode="numeric" name=(name) value=(self.fields.get(name)) aria-describedby=[described];
            " " (suffix)
        };
        self.labelled(name, label, hint, control)
    }

    /// A text area.
    pub(crate) fn textarea(&self, name: &str, label: &str, hint: Option<&str>) -> Markup {
        let described = self.described(name, hint);
        let control =
            html! { textarea #(name) name=(name) rows="5" aria-describedby=[described] { (self.fields.get(name)) } };
        self.labelled(name, label, hint, control)
    }

    /// A select of `options` (value, label), starting with `blank` when one is given.
    pub(crate) fn select(&self, name: &str, label: &str, options: &[(String, String)], blank: Option<&str>) -> Markup {
        let chosen = self.fields.get(name);
        let control = html! {
            select #(name) name=(name) aria-describedby=[self.described(name, None)] {
                @if let Some(blank) = blank { option value="" { (blank) } }
                @for (value, label) in options {
                    option value=(value) selected[value == chosen] { (label) }
                }
            }
        };
        self.labelled(name, label, None, control)
    }

    /// Radio buttons of `options` (value, label) in one fieldset.
    pub(crate) fn radios(&self, name: &str, legend: &str, options: &[(&str, &str)]) -> Markup {
        let chosen = self.fields.get(name);
        html! {
            div class=(self.class(name)) {
                fieldset aria-describedby=[self.described(name, None)] {
                    legend { (legend) }
                    (self.message(name))
                    div.radios {
                        @for (i, (value, label)) in options.iter().enumerate() {
                            @let id = if i == 0 { name.to_owned() } else { format!("{name}-{value}") };
                            div.radio {
                                input #(id) type="radio" name=(name) value=(value) checked[*value == chosen];
                                label for=(id) { (label) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A checkbox, ticked when the form holds its value.
    pub(crate) fn checkbox(&self, name: &str, label: &str) -> Markup {
        html! {
            div.field.checkbox {
                input #(name) type="checkbox" name=(name) value="yes" checked[self.fields.get(name) == "yes"];
                label for=(name) { (label) }
            }
        }
    }

    /// Checkboxes of `options` (value, label) in one fieldset, each ticked when the form holds
    /// its value.
    pub(crate) fn checkboxes(
        &self,
        name: &str,
        legend: &str,
        hint: Option<&str>,
        options: &[(String, String)],
    ) -> Markup {
        let ticked = self.fields.all(name);
        html! {
            div class=(self.class(name)) {
                fieldset aria-describedby=[self.described(name, hint)] {
                    legend { (legend) }
                    @if let Some(hint) = hint { p.hint #(format!("{name}-hint")) { (hint) } }
                    (self.message(name))
                    @for (i, (value, label)) in options.iter().enumerate() {
                        @let id = if i == 0 { name.to_owned() } else { format!("{name}-{i}") };
                        div.checkbox {
                            input #(id) type="checkbox" name=(name) value=(value) checked[ticked.contains(&value.as_str())];
                            label for=(id) { (label) }
                        }
                    }
                }
            }
        }
    }

    /// A date as day, month and year fields in one fieldset, as the GOV.UK Design System asks.
    pub(crate) fn date(&self, name: &str, legend: &str, hint: Option<&str>) -> Markup {
        self.date_in(name, legend, hint, DATE_PARTS, "Error: ")
    }

    /// The date field `name` as [`Shown::date`] lays it out, its three fields labelled `labels`
    /// (day, month, year) and its message begun, for a screen reader, by `error`.
    pub(crate) fn date_in(
        &self,
        name: &str,
        legend: &str,
        hint: Option<&str>,
        labels: [&str; 3],
        error: &str,
    ) -> Markup {
        let [day, month, year] = labels;
        let parts = [("day", day, 2), ("month", month, 2), ("year", year, 4)];
        let wrong = parts.iter().find_map(|(part, _, _)| self.problem(&format!("{name}-{part}")));
        let class = if wrong.is_some() { "field field-error" } else { "field" };
        let hint_id = format!("{name}-hint");
        let error_id = format!("{name}-error");
        let described: Vec<&str> =
            [hint.map(|_| hint_id.as_str()), wrong.map(|_| error_id.as_str())].into_iter().flatten().collect();
        html! {
            div class=(class) {
                fieldset role="group" aria-describedby=[(!described.is_empty()).then(|| described.join(" "))] {
                    legend { (legend) }
                    @if let Some(hint) = hint { p.hint #(hint_id) { (hint) } }
                    @if let Some(message) = wrong { p.error-message #(error_id) { span.visually-hidden { (error) } (message) } }
                    div.date-input {
                        @for (part, label, width) in parts {
                            @let id = format!("{name}-{part}");
                            div.date-item {
                                label for=(id) { (label) }
                                input class=(format!("width-{width}")) #(id) type="text" inputmode="numeric" name=(id) value=(self.fields.get(&id));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The labels of a date's three fields, in English.
pub(crate) const DATE_PARTS: [&str; 3] = ["Day", "Month", "Year"];

/// The fields of a form not yet filled in.
static BLANK: Fields = Fields(Vec::new());

/// What was typed in a form and what is wrong with it: a page holding one form is shown with
/// them, blank at first ([`Typed::BLANK`]) and as posted when it is shown again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Typed<'a> {
    pub fields: &'a Fields,
    pub problems: &'a [FieldError],
}

impl<'a> Typed<'a> {
    /// A form not yet filled in.
    pub(crate) const BLANK: Typed<'static> = Typed { fields: &BLANK, problems: &[] };

    /// The form as typed, read at `read`.
    pub(crate) fn shown(self, read: Option<Read>) -> Shown<'a> {
        Shown { fields: self.fields, problems: self.problems, read }
    }
}

/// One of the forms of a page that holds several, shown again: which (its name), what was
/// posted and what is wrong with it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Again<'a> {
    pub which: &'static str,
    pub fields: &'a Fields,
    pub problems: &'a [FieldError],
}

impl<'a> Again<'a> {
    /// The form `which` of a page holding several, read at `read`: as posted, keeping what it
    /// was first read at, when it is the one shown again (`again`); else blank.
    pub(crate) fn form(again: Option<&Again<'a>>, which: &str, read: Option<Read>) -> Shown<'a> {
        match again {
            Some(a) if a.which == which => {
                let kept = a.fields.read().ok().flatten().or(read);
                Shown { fields: a.fields, problems: a.problems, read: kept }
            }
            _ => Shown { fields: &BLANK, problems: &[], read },
        }
    }

    /// What is wrong with the form shown again, if any.
    pub(crate) fn problems(again: Option<&Again<'a>>) -> &'a [FieldError] {
        again.map_or(&[], |a| a.problems)
    }
}

/// What a form posted, once it is known to come from the session's own page ([`guard`]) and
/// `viewer`'s role may record commands on `aggregate`: else 403, nothing read or recorded.
pub(crate) fn posted(viewer: &Viewer, posted: Vec<(String, String)>, aggregate: Aggregate) -> Result<Fields, Failure> {
    let fields = guarded(viewer, posted)?;
    viewer.0.require(Action::Record(aggregate))?;
    Ok(fields)
}

/// What a form posted to the address of one record asked, read as [`posted`] reads it (else
/// 403), and the key of that record, `key` (else 400, blaming the field `field`).
pub(crate) fn posted_about(
    viewer: &Viewer,
    posted: Vec<(String, String)>,
    aggregate: Aggregate,
    key: String,
    field: &str,
) -> Result<(Fields, Key), Failure> {
    let fields = self::posted(viewer, posted, aggregate)?;
    let key = Key::parse(key).map_err(|e| ApiError::bad_request(e, field))?;
    Ok((fields, key))
}

/// What a form posted, once it is known to come from the session's own page ([`guard`]): else
/// 403, nothing read or recorded.
pub(crate) fn guarded(viewer: &Viewer, posted: Vec<(String, String)>) -> Result<Fields, Failure> {
    let fields = Fields::posted(posted);
    guard(viewer, &fields)?;
    Ok(fields)
}

/// Refuses a post that does not carry the session's anti-forgery value: 403, nothing recorded.
pub(crate) fn guard(viewer: &Viewer, fields: &Fields) -> Result<(), Failure> {
    let posted = fields.0.iter().find(|(n, _)| n == CSRF_FIELD).map(|(_, v)| v.as_str());
    if viewer.1.matches(posted) {
        return Ok(());
    }
    Err(Failure(ApiError::Forbidden(
        "the form was not sent from this service's own page, or was sent from before you last signed in: nothing was recorded; open the form again from the dashboard and send it from there".to_owned(),
    )))
}

/// Sends `submissions` for `viewer` down the API's recording path, as the form `fields` posted
/// to `path` asked, against the version the form was read at (of the first command's stream).
/// On a success, or the same form sent again, sends the browser to `done` with the position of
/// the last event recorded on the first command's stream; when the stream changed since the form
/// was read, answers with the conflict page; when the rules refuse the commands, with the form's
/// page shown `again` with why.
pub(crate) async fn send(
    service: &Service,
    viewer: &Viewer,
    path: &str,
    fields: &Fields,
    submissions: Vec<Submission>,
    done: &str,
    again: impl AsyncFnOnce(&[FieldError]) -> Result<Response, Failure>,
) -> Result<Response, Failure> {
    match sent(service, &viewer.0, path, fields, submissions).await {
        Ok(position) => {
            let to = match position {
                Some(position) => format!("{done}?{RECORDED}={position}"),
                None => done.to_owned(),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err((ApiError::PreconditionFailed(_), Some(stream), Some(version))) => {
            conflict(service, viewer, &stream, version, done).await
        }
        Err((ApiError::Unprocessable { detail, .. } | ApiError::BadRequest { detail, .. }, _, _)) => {
            again(&[FieldError { field: None, message: sentence(&detail) }]).await
        }
        Err((other, _, _)) => Err(Failure(other)),
    }
}

/// The provenance of what `viewer` records from the form `fields`: the source it gives, and, for
/// a command that carries no date of its own, the day `on` it happened.
pub(crate) fn provenance(viewer: &Viewer, fields: &Fields, on: Option<Date>) -> Provenance {
    let source = Check::new(fields).optional("source");
    Provenance { source, occurred_at: on.map(domain::when::start_of_day), ..Provenance::new(viewer.0.actor()) }
}

/// What a form that records one command reads from its fields: the command, and, for one that
/// carries no date of its own, the day it happened; none when something is wrong with them.
pub(crate) type Reading = Option<(Command, Option<Date>)>;

/// The steps of a form that records one command: `read` checks the fields `fields` and makes the
/// command; the form's page is shown `again` with what is wrong, or the command is sent, as the
/// form posted to `path` asks, as [`send`] does, the browser then sent to `done`.
pub(crate) async fn record(
    service: &Service,
    viewer: &Viewer,
    path: &str,
    fields: &Fields,
    done: &str,
    again: impl AsyncFnOnce(&[FieldError]) -> Result<Response, Failure>,
    read: impl FnOnce(&mut Check<'_>) -> Reading,
) -> Result<Response, Failure> {
    let mut check = Check::new(fields);
    match (read(&mut check), check.problems.is_empty()) {
        (Some((command, on)), true) => {
            let submission = Submission { command, provenance: provenance(viewer, fields, on) };
            send(service, viewer, path, fields, vec![submission], done, again).await
        }
        _ => again(&check.problems).await,
    }
}

/// A refusal as a sentence: its first letter in capitals.
pub(crate) fn sentence(detail: &str) -> String {
    let mut chars = detail.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Why commands were not recorded, with the stream and the version the form was read at.
type Refusal = (ApiError, Option<StreamId>, Option<u64>);

async fn sent(
    service: &Service,
    principal: &Principal,
    path: &str,
    fields: &Fields,
    submissions: Vec<Submission>,
) -> Result<Option<u64>, Refusal> {
    let stream = submissions.first().map(|s| s.command.stream_id());
    let read = fields.read().map_err(|e| (e, stream.clone(), None))?;
    let version = match (read, &stream) {
        (Some(read), Some(stream)) => {
            Some(expected(service, stream, read).await.map_err(|e| (e, Some(stream.clone()), None))?)
        }
        _ => None,
    };
    let refused = |e: ApiError| (e, stream.clone(), version);
    let key = Some(fields.get(KEY_FIELD).trim()).filter(|k| !k.is_empty() && k.len() <= 200).map(str::to_owned);
    if key.is_none() {
        return Err(refused(ApiError::bad_request(
            "the form has lost its idempotency key: open the form again from its page",
            KEY_FIELD,
        )));
    }
    let mut body = String::new();
    for (name, value) in fields.0.iter().filter(|(n, _)| n != CSRF_FIELD && n != KEY_FIELD) {
        let _ = write!(body, "{}={}\n{}\n", name.len(), name, value.replace('\n', "\n "));
    }
    let request = fingerprint(path, version, None, None, body.as_bytes());
    let (answer, _) = submit(service, principal, submissions, version, key, request).await.map_err(refused)?;
    if answer.status.is_success() {
        let recorded: RecordedEvents = serde_json::from_str(&answer.body)
            .map_err(|e| refused(ApiError::Internal(format!("a kept answer cannot be read: {e}"))))?;
        // The position of what the form recorded: the last event on the first command's stream.
        let first = stream.as_ref().map(ToString::to_string);
        let on_first = recorded.events.iter().filter(|e| Some(&e.stream_id) == first.as_ref()).map(|e| e.position);
        return Ok(on_first.max().or_else(|| recorded.events.iter().map(|e| e.position).max()));
    }
    // A refusal kept from the first time this form was sent.
    let problem: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
    let detail = problem["detail"].as_str().unwrap_or_default().to_owned();
    let field = problem["field"].as_str().map(str::to_owned);
    Err(refused(match answer.status {
        StatusCode::PRECONDITION_FAILED => ApiError::PreconditionFailed(detail),
        StatusCode::FORBIDDEN => ApiError::Forbidden(detail),
        StatusCode::BAD_REQUEST => ApiError::BadRequest { detail, field },
        _ => ApiError::Unprocessable { detail, field },
    }))
}

/// The page for a form read at `version` of `stream` before someone else recorded on it: what
/// they recorded since, and nothing of the form recorded. Status 409.
async fn conflict(
    service: &Service,
    viewer: &Viewer,
    stream: &StreamId,
    version: u64,
    back: &str,
) -> Result<Response, Failure> {
    let events = service.stores.events.read_stream(stream, StreamBound::All).await?;
    let since: Vec<_> = events.into_iter().filter(|e| e.stream_version > version).collect();
    let point = Point::read(None)?;
    let content = html! {
        div.error-summary role="alert" {
            h2 { "Nothing was recorded" }
            p { "Someone else recorded something on this record after you opened the form, so what you entered was not recorded over it." }
        }
        h2 { "What was recorded since you opened the form" }
        (layout::scrolling("Recorded since", html! {
            table #since {
                thead { tr {
                    th scope="col" .num { "Position" } th scope="col" { "What" } th scope="col" { "Recorded" }
                    th scope="col" { "By" } th scope="col" { "Source" }
                } }
                tbody {
                    @for e in &since {
                        tr {
                            td.num { (e.position.0) }
                            td { (e.event_type) }
                            td { (layout::moment(e.recorded_at)) }
                            td { (e.metadata.actor) }
                            td { (e.metadata.source.as_deref().unwrap_or("–")) }
                        }
                    }
                }
            }
        }))
        p { a href=(back) { "Go back to the record as it stands now" } ", check what you meant to record still applies, and enter it again." }
    };
    let broken = service.reports.broken().await;
    let mut response = render(layout::page(
        "Someone else recorded something first",
        broken.as_ref(),
        viewer,
        &point,
        AS_OF_PAGE,
        &[],
        content,
    ));
    *response.status_mut() = StatusCode::CONFLICT;
    Ok(response)
}

/// The confirmation panel of a page sent to after a success, when `recorded` is the position of
/// an event on one of `streams`.
pub(crate) async fn confirmation(service: &Service, recorded: Option<&str>, streams: &[StreamId]) -> Markup {
    confirmed(service, recorded, |stream| streams.contains(stream)).await
}

/// The confirmation panel of a page sent to after a success that may record on any stream (an
/// upload), when `recorded` is the position of an event.
pub(crate) async fn confirmation_of_any(service: &Service, recorded: Option<&str>) -> Markup {
    confirmed(service, recorded, |_| true).await
}

async fn confirmed(service: &Service, recorded: Option<&str>, of: impl Fn(&StreamId) -> bool) -> Markup {
    let Some(position) = recorded.and_then(|r| r.parse::<u64>().ok()).filter(|p| *p > 0) else {
        return html! {};
    };
    let event = service.stores.events.read_all(Position(position - 1), 1).await.ok().and_then(|e| e.into_iter().next());
    match event.filter(|e| e.position.0 == position && of(&e.stream_id)) {
        Some(e) => html! {
            div.panel #recorded role="status" {
                h2 { "Recorded" }
                p { "It is entry " strong { (e.position.0) } " of the log (" (e.event_type) ", recorded " (layout::moment(e.recorded_at)) ")." }
            }
        },
        None => html! {},
    }
}

/// A page holding forms, titled `title`, at `point`: 200, or 422 when it shows what is wrong,
/// with "Error: " before its `<title>` as GOV.UK services do.
pub(crate) async fn page(
    service: &Service,
    viewer: &Viewer,
    point: &Point,
    title: &str,
    content: Markup,
    problems: &[FieldError],
) -> Response {
    let broken = service.reports.broken().await;
    let head = if problems.is_empty() { title.to_owned() } else { format!("Error: {title}") };
    let titles = layout::Titles { head: &head, heading: title };
    let mut response = render(layout::page(titles, broken.as_ref(), viewer, point, AS_OF_PAGE, &[], content));
    if !problems.is_empty() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Fields {
        Fields::posted(pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect())
    }

    fn date(day: &str, month: &str, year: &str) -> (Option<Date>, Vec<String>) {
        let fields = posted(&[("on-day", day), ("on-month", month), ("on-year", year)]);
        let mut check = Check::new(&fields);
        let date = check.date("on", "Date of the meeting");
        let messages =
            check.problems.iter().map(|p| format!("{}: {}", p.field.clone().unwrap_or_default(), p.message)).collect();
        (date, messages)
    }

    #[test]
    fn dates_are_read_from_day_month_and_year_with_govuk_messages() {
        assert_eq!(date("5", "3", "2024"), (Date::from_ymd_opt(2024, 3, 5), vec![]));
        assert_eq!(date(" 05 ", "03", "2024").0, Date::from_ymd_opt(2024, 3, 5));
        assert_eq!(date("", "", "").1, ["on-day: Enter the date of the meeting"]);
        assert_eq!(date("5", "", "2024").1, ["on-month: Date of the meeting must include a month"]);
        assert_eq!(date("", "3", "").1, ["on-day: Date of the meeting must include a day and year"]);
        assert_eq!(date("31", "2", "2024").1, ["on-day: Date of the meeting must be a real date"]);
        assert_eq!(date("3", "13", "2024").1, ["on-month: Date of the meeting must be a real date"]);
        assert_eq!(date("3", "1", "24").1, ["on-year: Year must include 4 numbers"]);
        assert_eq!(date("x", "1", "2024").1, ["on-day: Date of the meeting must be a real date"]);
    }

    #[test]
    fn numbers_and_choices_say_what_to_enter() {
        let fields = posted(&[("percent", "120"), ("status", "blue")]);
        let mut check = Check::new(&fields);
        assert_eq!(check.number("percent", "Percentage complete", 0, 100), None);
        assert_eq!(check.choice("status", &[("green", 1)], "Select the status"), None);
        let messages: Vec<&str> = check.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["Percentage complete must be between 0 and 100", "Select the status"]);
        let fields = posted(&[("value", "1,250.5"), ("other", "a lot"), ("none", " ")]);
        let mut check = Check::new(&fields);
        assert_eq!(check.decimal("value", "Value"), Some(1250.5));
        assert_eq!(check.decimal("other", "Value"), None);
        assert_eq!(check.decimal("none", "Value"), None);
        let messages: Vec<&str> = check.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages, ["Value must be a number, like 1250 or 12.5", "Enter the value"]);
        let fields = posted(&[("percent", "60%")]);
        assert_eq!(Check::new(&fields).number("percent", "Percentage complete", 0, 100), Some(60));
    }
}
