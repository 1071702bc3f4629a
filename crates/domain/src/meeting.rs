//! The Meeting aggregate: a meeting of a body, scheduled, then held or cancelled; its agenda
//! items with their minute numbers; its minutes, published and then confirmed as a correct record
//! at a later meeting of the same body.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::{body_stream, meeting_stream};
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{Date, Key, has_text};
use crate::when::Happened;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Schedule {
        id: Key,
        body: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        date: Date,
        title: String,
    },
    /// Adds an agenda item; `item` is its number on the agenda, `minute_number` the number of the
    /// minute that records it, such as `45`.
    AddAgendaItem {
        id: Key,
        item: String,
        title: String,
        minute_number: Option<String>,
    },
    Hold {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        held_on: Date,
    },
    Cancel {
        id: Key,
        reason: String,
    },
    PublishMinutes {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        published_on: Date,
    },
    /// Records that a later meeting of the same body confirmed these minutes as a correct record.
    ConfirmMinutes {
        id: Key,
        at_meeting: Key,
        minute_number: Option<String>,
    },
    /// Records the meeting's title, or an agenda item's (`item`), in Welsh; a later translation
    /// replaces it.
    Translate {
        id: Key,
        field: Field,
        item: Option<String>,
        language: Language,
        text: String,
    },
}

crate::command_ids!(Key, meeting_stream:
    Schedule, AddAgendaItem, Hold, Cancel, PublishMinutes, ConfirmMinutes, Translate);

impl Command {
    /// The day the command says this happened, and the field that says so: the day a meeting was
    /// held or its minutes published. Scheduling (whose `date` is the day planned, not the day
    /// it was scheduled), agenda items, cancellation and confirmation carry no date of their own.
    pub fn happened_on(&self) -> Option<Happened> {
        match self {
            Command::Hold { held_on, .. } => Some(Happened::new("held_on", *held_on)),
            Command::PublishMinutes { published_on, .. } => Some(Happened::new("published_on", *published_on)),
            Command::Schedule { .. }
            | Command::AddAgendaItem { .. }
            | Command::Cancel { .. }
            | Command::ConfirmMinutes { .. }
            | Command::Translate { .. } => None,
        }
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Schedule { body, .. } => vec![body_stream(body)],
            Command::ConfirmMinutes { at_meeting, .. } => vec![meeting_stream(at_meeting)],
            Command::Translate { .. }
            | Command::AddAgendaItem { .. }
            | Command::Hold { .. }
            | Command::Cancel { .. }
            | Command::PublishMinutes { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Scheduled { id: Key, body: Key, date: Date, title: String },
        AgendaItemAdded { item: String, title: String, minute_number: Option<String> },
        Held { held_on: Date },
        Cancelled { reason: String },
        MinutesPublished { published_on: Date },
        MinutesConfirmed { at_meeting: Key, confirmed_on: Date, minute_number: Option<String> },
        Translated { field: Field, item: Option<String>, language: Language, text: String },
    }
}

crate::status! {
    pub enum Status {
        Scheduled,
        Held,
        Cancelled,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub item: String,
    pub title: String,
    pub minute_number: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub body: Option<Key>,
    pub date: Option<Date>,
    pub title: String,
    pub status: Status,
    pub held_on: Option<Date>,
    pub items: Vec<AgendaItem>,
    pub minutes_published_on: Option<Date>,
    pub minutes_confirmed_at: Option<Key>,
    pub minutes_confirmed_on: Option<Date>,
    /// Its title and its agenda items' titles (by item) in Welsh.
    #[serde(default)]
    pub welsh: Translations,
}

impl State {
    pub fn item(&self, item: &str) -> Option<&AgendaItem> {
        self.items.iter().find(|i| i.item == item)
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("meeting {0} is already scheduled: choose another key for a new meeting")]
        AlreadyScheduled(Key),
        #[error("meeting {0} is not scheduled: schedule it first")]
        NotScheduled(Key),
        #[error("body {0} is not established or was abolished: establish the body before scheduling its meetings")]
        UnknownBody(Key),
        #[error("{0} is empty: give it as the agenda or minutes word it")]
        Empty(&'static str),
        #[error("agenda item {0} is already on the agenda: give each item its own number")]
        DuplicateItem(String),
        #[error("meeting was cancelled: schedule a new meeting instead")]
        Cancelled,
        #[error("meeting was already held on {0}: nothing to change")]
        AlreadyHeld(Date),
        #[error("meeting has not been held: record that it was held first")]
        NotHeld,
        #[error("minutes were already published on {0}: nothing to change")]
        AlreadyPublished(Date),
        #[error("minutes are not published: publish them before they are confirmed")]
        MinutesNotPublished,
        #[error("minutes were already confirmed at meeting {0}: nothing to change")]
        AlreadyConfirmed(Key),
        #[error("minutes cannot be published on {published_on}, before the meeting was held on {held_on}: check the dates")]
        PublishedBeforeHeld { published_on: Date, held_on: Date },
        #[error("meeting {0} cannot confirm these minutes: name a later meeting of the same body that has been held")]
        NotALaterMeeting(Key),
    }
    in_future: "{0}: record it on or after the day it happens",
}

/// The fields of a meeting, and of each of its agenda items, that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Title];

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    if let Command::Schedule { id, body, date, title } = command {
        if state.id.is_some() {
            return Err(Error::AlreadyScheduled(id.clone()));
        }
        if !ctx.facts.bodies.get(body).is_some_and(|b| b.is_active()) {
            return Err(Error::UnknownBody(body.clone()));
        }
        if !has_text(title) {
            return Err(Error::Empty("meeting title"));
        }
        return Ok(vec![Event::Scheduled { id: id.clone(), body: body.clone(), date: *date, title: title.clone() }]);
    }
    if state.id.is_none() {
        return Err(Error::NotScheduled(command.id().clone()));
    }
    match command {
        Command::Schedule { .. } => Ok(Vec::new()),
        Command::AddAgendaItem { item, title, minute_number, .. } => {
            if !has_text(item) {
                return Err(Error::Empty("agenda item number"));
            }
            if !has_text(title) {
                return Err(Error::Empty("agenda item title"));
            }
            if state.item(item).is_some() {
                return Err(Error::DuplicateItem(item.clone()));
            }
            Ok(vec![Event::AgendaItemAdded {
                item: item.clone(),
                title: title.clone(),
                minute_number: minute_number.clone(),
            }])
        }
        Command::Hold { held_on, .. } => {
            match state.status {
                Status::Cancelled => return Err(Error::Cancelled),
                Status::Held => return Err(Error::AlreadyHeld(state.held_on.unwrap_or(*held_on))),
                Status::Unknown | Status::Scheduled => {}
            }
            ctx.not_future("meeting", *held_on)?;
            Ok(vec![Event::Held { held_on: *held_on }])
        }
        Command::Cancel { reason, .. } => {
            match state.status {
                Status::Cancelled => return Err(Error::Cancelled),
                Status::Held => return Err(Error::AlreadyHeld(state.held_on.unwrap_or_default())),
                Status::Unknown | Status::Scheduled => {}
            }
            if !has_text(reason) {
                return Err(Error::Empty("cancellation reason"));
            }
            Ok(vec![Event::Cancelled { reason: reason.clone() }])
        }
        Command::PublishMinutes { published_on, .. } => {
            let held_on = state.held_on.ok_or(Error::NotHeld)?;
            if let Some(on) = state.minutes_published_on {
                return Err(Error::AlreadyPublished(on));
            }
            if *published_on < held_on {
                return Err(Error::PublishedBeforeHeld { published_on: *published_on, held_on });
            }
            ctx.not_future("publication", *published_on)?;
            Ok(vec![Event::MinutesPublished { published_on: *published_on }])
        }
        Command::ConfirmMinutes { at_meeting, minute_number, .. } => {
            let held_on = state.held_on.ok_or(Error::NotHeld)?;
            if state.minutes_published_on.is_none() {
                return Err(Error::MinutesNotPublished);
            }
            if let Some(at) = &state.minutes_confirmed_at {
                return Err(Error::AlreadyConfirmed(at.clone()));
            }
            let later = ctx.facts.meetings.get(at_meeting).and_then(|m| {
                let on = m.held_on?;
                (m.body == state.body && on > held_on).then_some(on)
            });
            let confirmed_on = later.ok_or_else(|| Error::NotALaterMeeting(at_meeting.clone()))?;
            Ok(vec![Event::MinutesConfirmed {
                at_meeting: at_meeting.clone(),
                confirmed_on,
                minute_number: minute_number.clone(),
            }])
        }
        Command::Translate { field, item, language, text, .. } => {
            translation::check("meeting", TRANSLATED, *field, text)?;
            if let Some(part) = item.as_ref().filter(|i| state.item(i).is_none()) {
                let (what, part, field) = ("agenda item", part.clone(), *field);
                return Err(translation::Error::NoSuchPart { record: "meeting", what, part, field }.into());
            }
            Ok(vec![Event::Translated { field: *field, item: item.clone(), language: *language, text: text.clone() }])
        }
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Scheduled { id, body, date, title } => {
            state.id = Some(id.clone());
            state.body = Some(body.clone());
            state.date = Some(*date);
            state.title = title.clone();
            state.status = Status::Scheduled;
        }
        Event::AgendaItemAdded { item, title, minute_number } => state.items.push(AgendaItem {
            item: item.clone(),
            title: title.clone(),
            minute_number: minute_number.clone(),
        }),
        Event::Held { held_on } => {
            state.status = Status::Held;
            state.held_on = Some(*held_on);
        }
        Event::Cancelled { .. } => state.status = Status::Cancelled,
        Event::MinutesPublished { published_on } => state.minutes_published_on = Some(*published_on),
        Event::MinutesConfirmed { at_meeting, confirmed_on, .. } => {
            state.minutes_confirmed_at = Some(at_meeting.clone());
            state.minutes_confirmed_on = Some(*confirmed_on);
        }
        Event::Translated { field, item, language, text } => {
            state.welsh.set(Translation { field: *field, part: item.clone(), language: *language, text: text.clone() })
        }
    }
    state
}
