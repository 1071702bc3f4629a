//! The Organisation aggregate: a council, NHS body, ICB, police or fire service, housing
//! association, voluntary or community organisation, parish or town council, or partnership,
//! identified in the org-id style; renamed, succeeded by another organisation, dissolved; the
//! contact its action reminders go to, whether it has opted out of them, and each reminder sent.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::organisation_stream;
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{Date, OrgId, has_text};
use crate::when::Happened;

/// What sort of organisation it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    LocalAuthority,
    CombinedAuthority,
    NhsBody,
    IntegratedCareBoard,
    Police,
    Fire,
    HousingAssociation,
    VoluntaryCommunity,
    ParishTownCouncil,
    Partnership,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Registers an organisation under its primary identifier.
    Register {
        id: OrgId,
        name: String,
        kind: Kind,
        /// Other identifiers the organisation is known by in other registers.
        #[serde(default)]
        identifiers: Vec<OrgId>,
    },
    Rename {
        id: OrgId,
        name: String,
        #[serde(deserialize_with = "crate::values::strict_date")]
        effective_on: Date,
    },
    /// Records that `successor` took over this organisation's functions, as in local government
    /// reorganisation; its open commitments then pass to the successor.
    Succeed {
        id: OrgId,
        successor: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        effective_on: Date,
    },
    Dissolve {
        id: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        effective_on: Date,
    },
    /// Names the person reminders about the organisation's actions are sent to.
    NameContact { id: OrgId, name: String, email: String },
    /// The organisation's contact is sent no more reminders.
    OptOutOfReminders { id: OrgId },
    /// Reminders are sent to the organisation's contact again.
    OptInToReminders { id: OrgId },
    /// A reminder of the organisation's overdue, due-soon and stale actions was sent to its
    /// contact for `period` (an ISO week, such as `2026-W49`).
    RecordReminder { id: OrgId, period: String, to: String, actions: Vec<crate::values::Key> },
    /// Records the organisation's name in Welsh; a later translation replaces it.
    Translate { id: OrgId, field: Field, language: Language, text: String },
}

crate::command_ids!(OrgId, organisation_stream:
    Register, Rename, Succeed, Dissolve, NameContact, OptOutOfReminders, OptInToReminders, RecordReminder,
    Translate);

impl Command {
    /// The day the command says this happened, and the field that says so; `None` for a
    /// registration, which carries no date of its own.
    pub fn happened_on(&self) -> Option<Happened> {
        match self {
            Command::Register { .. }
            | Command::NameContact { .. }
            | Command::OptOutOfReminders { .. }
            | Command::OptInToReminders { .. }
            | Command::RecordReminder { .. }
            | Command::Translate { .. } => None,
            Command::Rename { effective_on, .. }
            | Command::Succeed { effective_on, .. }
            | Command::Dissolve { effective_on, .. } => Some(Happened::new("effective_on", *effective_on)),
        }
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Succeed { successor, .. } => vec![organisation_stream(successor)],
            Command::Translate { .. }
            | Command::Register { .. }
            | Command::Rename { .. }
            | Command::Dissolve { .. }
            | Command::NameContact { .. }
            | Command::OptOutOfReminders { .. }
            | Command::OptInToReminders { .. }
            | Command::RecordReminder { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Registered { id: OrgId, name: String, kind: Kind, identifiers: Vec<OrgId> },
        Renamed { name: String, previous_name: String, effective_on: Date },
        Succeeded { successor: OrgId, effective_on: Date },
        Dissolved { effective_on: Date },
        ContactNamed { name: String, email: String },
        RemindersOptedOut {},
        RemindersOptedIn {},
        Reminded { period: String, to: String, actions: Vec<crate::values::Key> },
        Translated { field: Field, language: Language, text: String },
    }
}

/// The person reminders are sent to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<OrgId>,
    pub name: String,
    pub kind: Option<Kind>,
    pub identifiers: Vec<OrgId>,
    pub former_names: Vec<String>,
    pub successor: Option<OrgId>,
    pub succeeded_on: Option<Date>,
    pub dissolved_on: Option<Date>,
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub reminders_opted_out: bool,
    /// The latest period a reminder was sent for.
    #[serde(default)]
    pub reminded_for: Option<String>,
    /// Its name in Welsh, until it is renamed.
    #[serde(default)]
    pub welsh: Translations,
}

impl State {
    pub fn is_registered(&self) -> bool {
        self.id.is_some()
    }

    /// Registered and neither succeeded nor dissolved: it can take on new obligations.
    pub fn is_active(&self) -> bool {
        self.is_registered() && self.successor.is_none() && self.dissolved_on.is_none()
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error(
            "organisation {0} is already registered: rename it, or register a new organisation under its own identifier"
        )]
        AlreadyRegistered(OrgId),
        #[error("organisation {0} is not registered: register it first")]
        NotRegistered(OrgId),
        #[error("organisation {0} was dissolved on {1}: record changes against its successor instead")]
        Dissolved(OrgId, Date),
        #[error("organisation name is empty: give the name as it appears in its register")]
        EmptyName,
        #[error("organisation is already called '{0}': give the new name")]
        SameName(String),
        #[error("organisation {id} was already succeeded by {successor}: record a further change against {successor}")]
        AlreadySucceeded { id: OrgId, successor: OrgId },
        #[error("successor {0} is not registered: register the successor organisation first")]
        SuccessorNotRegistered(OrgId),
        #[error("successor {0} is no longer active: name an organisation that still exists")]
        SuccessorInactive(OrgId),
        #[error("organisation {0} cannot succeed itself: name the organisation that took over its functions")]
        SuccessorIsSelf(OrgId),
        #[error("contact name is empty: give the name of the person reminders go to")]
        EmptyContactName,
        #[error("'{0}' is not an e-mail address: give one such as housing@west-lindsey.gov.uk")]
        NotAnEmail(String),
        #[error("organisation {0} has already opted out of reminders: nothing to record; opt it in to send them again")]
        AlreadyOptedOut(OrgId),
        #[error("organisation {0} has not opted out of reminders: nothing to record; opt it out to stop them")]
        NotOptedOut(OrgId),
        #[error("organisation {0} names no contact: name one before recording a reminder")]
        NoContact(OrgId),
        #[error("organisation {0} has opted out of reminders: record none")]
        OptedOut(OrgId),
        #[error("organisation {id} was already reminded for {period}: a period has one reminder")]
        AlreadyReminded { id: OrgId, period: String },
        #[error("'{0}' is not a reminder period: give an ISO week such as 2026-W49")]
        NotAPeriod(String),
    }
    in_future: "{0}: record it on or after the day it happens",
}

/// The fields of an organisation that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Name];

/// True for `YYYY-Www`, an ISO week, which sorts in time order as text.
fn is_period(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 8 && b[..4].iter().all(u8::is_ascii_digit) && &b[4..6] == b"-W" && b[6..].iter().all(u8::is_ascii_digit)
}

/// A plausible e-mail address: one `@` with text either side, a dot in the domain, no spaces.
fn is_email(text: &str) -> bool {
    let mut parts = text.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        }
        _ => false,
    }
}

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    if let Command::Register { id, name, kind, identifiers } = command {
        if state.is_registered() {
            return Err(Error::AlreadyRegistered(id.clone()));
        }
        if !has_text(name) {
            return Err(Error::EmptyName);
        }
        return Ok(vec![Event::Registered {
            id: id.clone(),
            name: name.trim().to_owned(),
            kind: *kind,
            identifiers: identifiers.clone(),
        }]);
    }
    let id = command.id();
    if !state.is_registered() {
        return Err(Error::NotRegistered(id.clone()));
    }
    // A dissolved organisation's name is still on the record of what it did.
    if let Command::Translate { field, language, text, .. } = command {
        translation::check("organisation", TRANSLATED, *field, text)?;
        return Ok(vec![Event::Translated { field: *field, language: *language, text: text.clone() }]);
    }
    if let Some(on) = state.dissolved_on {
        return Err(Error::Dissolved(id.clone(), on));
    }
    match command {
        Command::Register { .. } | Command::Translate { .. } => Ok(Vec::new()),
        Command::Rename { name, effective_on, .. } => {
            if !has_text(name) {
                return Err(Error::EmptyName);
            }
            if name.trim() == state.name {
                return Err(Error::SameName(state.name.clone()));
            }
            Ok(vec![Event::Renamed {
                name: name.trim().to_owned(),
                previous_name: state.name.clone(),
                effective_on: *effective_on,
            }])
        }
        Command::Succeed { successor, effective_on, .. } => {
            if let Some(existing) = &state.successor {
                return Err(Error::AlreadySucceeded { id: id.clone(), successor: existing.clone() });
            }
            if successor == id {
                return Err(Error::SuccessorIsSelf(id.clone()));
            }
            ctx.not_future("succession", *effective_on)?;
            match ctx.facts.organisations.get(successor) {
                Some(s) if s.is_active() => {}
                Some(_) => return Err(Error::SuccessorInactive(successor.clone())),
                None => return Err(Error::SuccessorNotRegistered(successor.clone())),
            }
            Ok(vec![Event::Succeeded { successor: successor.clone(), effective_on: *effective_on }])
        }
        Command::Dissolve { effective_on, .. } => {
            ctx.not_future("dissolution", *effective_on)?;
            Ok(vec![Event::Dissolved { effective_on: *effective_on }])
        }
        Command::NameContact { name, email, .. } => {
            if !has_text(name) {
                return Err(Error::EmptyContactName);
            }
            let email = email.trim();
            if !is_email(email) {
                return Err(Error::NotAnEmail(email.to_owned()));
            }
            Ok(vec![Event::ContactNamed { name: name.trim().to_owned(), email: email.to_owned() }])
        }
        Command::OptOutOfReminders { .. } if state.reminders_opted_out => Err(Error::AlreadyOptedOut(id.clone())),
        Command::OptOutOfReminders { .. } => Ok(vec![Event::RemindersOptedOut {}]),
        Command::OptInToReminders { .. } if !state.reminders_opted_out => Err(Error::NotOptedOut(id.clone())),
        Command::OptInToReminders { .. } => Ok(vec![Event::RemindersOptedIn {}]),
        Command::RecordReminder { period, to, actions, .. } => {
            if !is_period(period) {
                return Err(Error::NotAPeriod(period.clone()));
            }
            if state.contact.is_none() {
                return Err(Error::NoContact(id.clone()));
            }
            if state.reminders_opted_out {
                return Err(Error::OptedOut(id.clone()));
            }
            if state.reminded_for.as_ref().is_some_and(|last| last >= period) {
                return Err(Error::AlreadyReminded { id: id.clone(), period: period.clone() });
            }
            if !is_email(to) {
                return Err(Error::NotAnEmail(to.clone()));
            }
            Ok(vec![Event::Reminded { period: period.clone(), to: to.clone(), actions: actions.clone() }])
        }
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Registered { id, name, kind, identifiers } => {
            state.id = Some(id.clone());
            state.name = name.clone();
            state.kind = Some(*kind);
            state.identifiers = identifiers.clone();
        }
        Event::Renamed { name, previous_name, .. } => {
            state.former_names.push(previous_name.clone());
            state.name = name.clone();
            state.welsh.clear(Field::Name, None);
        }
        Event::Succeeded { successor, effective_on } => {
            state.successor = Some(successor.clone());
            state.succeeded_on = Some(*effective_on);
        }
        Event::Dissolved { effective_on } => state.dissolved_on = Some(*effective_on),
        Event::ContactNamed { name, email } => {
            state.contact = Some(Contact { name: name.clone(), email: email.clone() })
        }
        Event::RemindersOptedOut {} => state.reminders_opted_out = true,
        Event::RemindersOptedIn {} => state.reminders_opted_out = false,
        Event::Reminded { period, .. } => state.reminded_for = Some(period.clone()),
        Event::Translated { field, language, text } => state.welsh.set(Translation::whole(*field, *language, text)),
    }
    state
}
