//! The Resolution aggregate: what a body decided at a meeting on an agenda item, in the minute's
//! own words, with its outcome and dates; call-in where it applies; corrections that keep the
//! original wording in the history; rescission or supersession by a later resolution. A
//! resolution is never edited in place.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::{body_stream, meeting_stream, resolution_stream};
use crate::meeting;
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{Date, Key, OrgId, has_text};
use crate::when::Happened;

/// The outcome a resolution records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Noted,
    Endorsed,
    Adopted,
    Approved,
    Agreed,
    Recommended,
    Deferred,
    Rejected,
}

/// What an instrument event may cite a resolution as authority for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    Endorsement,
    Adoption,
    Signature,
    Withdrawal,
    Decision,
}

impl Act {
    /// The act in words, as a sentence names it: "an adoption".
    pub fn with_article(self) -> &'static str {
        match self {
            Act::Endorsement => "an endorsement",
            Act::Adoption => "an adoption",
            Act::Signature => "a signature",
            Act::Withdrawal => "a withdrawal",
            Act::Decision => "a decision",
        }
    }
}

impl Outcome {
    /// True when a resolution with this outcome can authorise `act`.
    pub fn authorises(self, act: Act) -> bool {
        use Outcome::*;
        match act {
            Act::Endorsement => matches!(self, Endorsed | Approved | Agreed | Adopted),
            Act::Adoption => matches!(self, Adopted | Approved | Agreed),
            Act::Signature => matches!(self, Approved | Agreed | Endorsed | Adopted),
            Act::Withdrawal | Act::Decision => matches!(self, Approved | Agreed | Adopted | Endorsed),
        }
    }

    pub fn all() -> [Outcome; 8] {
        use Outcome::*;
        [Noted, Endorsed, Adopted, Approved, Agreed, Recommended, Deferred, Rejected]
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Records a resolution as the minutes word it.
    Record {
        id: Key,
        body: Key,
        meeting: Key,
        /// The agenda item number the resolution was made on.
        agenda_item: String,
        /// The verbatim text, such as "RESOLVED that West Lindsey District Council adopt ...".
        text: String,
        outcome: Outcome,
        #[serde(deserialize_with = "crate::values::strict_date")]
        decided_on: Date,
        #[serde(default, deserialize_with = "crate::values::strict_optional_date")]
        published_on: Option<Date>,
        #[serde(default, deserialize_with = "crate::values::strict_optional_date")]
        effective_on: Option<Date>,
        /// True when the decision may be called in by scrutiny before it takes effect.
        #[serde(default)]
        subject_to_call_in: bool,
        /// The paragraph (1 to 7) of Part 1 of Schedule 12A to the Local Government Act 1972
        /// under which the item is exempt information, when the press and public were excluded
        /// for it. An exempt resolution is never published to the public record.
        #[serde(default)]
        exempt_under: Option<u8>,
    },
    Publish {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        published_on: Date,
    },
    CallIn {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        called_in_on: Date,
        by: String,
        reason: String,
    },
    RejectCallIn {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        decided_on: Date,
        reason: String,
    },
    ReferBack {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        decided_on: Date,
        reason: String,
    },
    /// Corrects the recorded wording; the original stays in the history.
    Correct {
        id: Key,
        text: String,
        reason: String,
    },
    Rescind {
        id: Key,
        by_resolution: Key,
    },
    Supersede {
        id: Key,
        by_resolution: Key,
    },
    /// Records the resolution's words (`field` `text`) in Welsh; a later translation replaces it.
    Translate {
        id: Key,
        field: Field,
        language: Language,
        text: String,
    },
}

crate::command_ids!(Key, resolution_stream:
    Record, Publish, CallIn, RejectCallIn, ReferBack, Correct, Rescind, Supersede, Translate);

impl Command {
    /// The day the command says this happened, and the field that says so. A correction carries
    /// no date of its own; a rescission or supersession takes its date from the later resolution.
    pub fn happened_on(&self) -> Option<Happened> {
        match self {
            Command::Record { decided_on, .. }
            | Command::RejectCallIn { decided_on, .. }
            | Command::ReferBack { decided_on, .. } => Some(Happened::new("decided_on", *decided_on)),
            Command::Publish { published_on, .. } => Some(Happened::new("published_on", *published_on)),
            Command::CallIn { called_in_on, .. } => Some(Happened::new("called_in_on", *called_in_on)),
            Command::Correct { .. }
            | Command::Rescind { .. }
            | Command::Supersede { .. }
            | Command::Translate { .. } => None,
        }
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Record { body, meeting, .. } => vec![body_stream(body), meeting_stream(meeting)],
            Command::Rescind { by_resolution, .. } | Command::Supersede { by_resolution, .. } => {
                vec![resolution_stream(by_resolution)]
            }
            Command::Translate { .. }
            | Command::Publish { .. }
            | Command::CallIn { .. }
            | Command::RejectCallIn { .. }
            | Command::ReferBack { .. }
            | Command::Correct { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Recorded {
            id: Key,
            body: Key,
            /// The body's parent organisations when it decided: whom the resolution binds.
            organisations: Vec<OrgId>,
            meeting: Key,
            agenda_item: String,
            minute_number: Option<String>,
            text: String,
            outcome: Outcome,
            decided_on: Date,
            published_on: Option<Date>,
            effective_on: Option<Date>,
            subject_to_call_in: bool,
            /// Added in version 2: the paragraph of Schedule 12A, Part 1, that makes it exempt.
            exempt_under: Option<u8>,
        },
        Published {
            published_on: Date,
        },
        CalledIn {
            called_in_on: Date,
            by: String,
            reason: String,
        },
        CallInRejected {
            decided_on: Date,
            reason: String,
        },
        ReferredBack {
            decided_on: Date,
            reason: String,
        },
        Corrected {
            previous_text: String,
            text: String,
            reason: String,
        },
        Rescinded {
            by_resolution: Key,
            on: Date,
        },
        Superseded {
            by_resolution: Key,
            on: Date,
        },
        Translated {
            field: Field,
            language: Language,
            text: String,
        },
    }
}

crate::status! {
    pub enum Status {
        Decided,
        CalledIn,
        ReferredBack,
        Rescinded,
        Superseded,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub body: Option<Key>,
    pub organisations: Vec<OrgId>,
    pub meeting: Option<Key>,
    pub agenda_item: String,
    pub minute_number: Option<String>,
    pub text: String,
    /// Every earlier wording, oldest first, with the reason it was corrected.
    pub corrections: Vec<(String, String)>,
    pub outcome: Option<Outcome>,
    pub decided_on: Option<Date>,
    pub published_on: Option<Date>,
    pub effective_on: Option<Date>,
    pub subject_to_call_in: bool,
    pub call_in_rejected: bool,
    pub status: Status,
    pub replaced_by: Option<Key>,
    /// The paragraph of Schedule 12A, Part 1, under which it is exempt information, if it is.
    #[serde(default)]
    pub exempt_under: Option<u8>,
    /// Its words in Welsh, until a correction changes the English.
    #[serde(default)]
    pub welsh: Translations,
}

impl State {
    pub fn exists(&self) -> bool {
        self.id.is_some()
    }

    /// Decided, not awaiting a call-in decision, not referred back, rescinded or superseded.
    pub fn is_in_force(&self) -> bool {
        self.status == Status::Decided
    }

    /// The day a decision subject to call-in took effect because its call-in period of
    /// `working_days` passed without a call-in, if it had by `today`: the working day after the
    /// period's last. The period counts working days (Monday to Friday) from the day after the
    /// decision was published, or decided when no publication is recorded; bank holidays are not
    /// known and count as working days. `None` when not subject to call-in, when called in (a
    /// rejected call-in included: the decision then takes effect by that decision), or when the
    /// period has not yet passed.
    pub fn effective_after_call_in(&self, working_days: u32, today: Date) -> Option<Date> {
        if !self.subject_to_call_in || self.call_in_rejected || self.status != Status::Decided {
            return None;
        }
        let from = self.published_on.or(self.decided_on)?;
        let effective = add_working_days(from, working_days.saturating_add(1));
        (effective <= today).then_some(effective)
    }
}

/// The date `days` working days (Monday to Friday) after `from`.
pub fn add_working_days(from: Date, days: u32) -> Date {
    use chrono::{Datelike, Weekday};
    let mut date = from;
    let mut left = days;
    while left > 0 {
        let Some(next) = date.succ_opt() else { return date };
        date = next;
        if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    date
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("resolution {0} is already recorded: correct it with a reason, or record a new resolution")]
        AlreadyRecorded(Key),
        #[error("resolution {0} is not recorded: record it first")]
        NotRecorded(Key),
        #[error("body {0} is not established: establish the body before recording its resolutions")]
        UnknownBody(Key),
        #[error("meeting {meeting} is not a meeting of body {body}: name the meeting at which the body decided")]
        WrongMeeting { meeting: Key, body: Key },
        #[error("meeting {0} has not been held: record that it was held before recording its resolutions")]
        MeetingNotHeld(Key),
        #[error(
            "resolution is dated {decided_on} but meeting {meeting} was held on {held_on}: give the date of the meeting"
        )]
        DateNotMeeting { decided_on: Date, meeting: Key, held_on: Date },
        #[error("agenda item {item} is not on the agenda of meeting {meeting}: add the agenda item first")]
        UnknownAgendaItem { item: String, meeting: Key },
        #[error("resolution text is empty: give the verbatim wording from the minutes")]
        EmptyText,
        #[error("{0} is empty: say why")]
        MissingReason(&'static str),
        #[error("{what} on {date} is before the decision on {decided_on}: check the dates")]
        BeforeDecision { what: &'static str, date: Date, decided_on: Date },
        #[error("resolution was already published on {0}: nothing to change")]
        AlreadyPublished(Date),
        #[error("resolution is not subject to call-in: only a decision recorded as subject to call-in can be called in")]
        NotCallable,
        #[error("resolution is not awaiting a call-in decision: call it in first")]
        NotCalledIn,
        #[error("resolution is {state}, not in force: only a resolution in force can be {}", .1, state = crate::values::in_words(.0))]
        NotInForce(Status, &'static str),
        #[error("the corrected text is the same as the recorded text: give the corrected wording")]
        SameText,
        #[error("resolution {0} cannot replace this one: name a different, later resolution that is in force")]
        NotALaterResolution(Key),
        #[error(
            "exempt_under is {0}, but Schedule 12A, Part 1, has paragraphs 1 to 7: give the paragraph the exclusion of the press and public cited"
        )]
        NoSuchExemption(u8),
    }
    in_future: "{0}: record a decision only once it has been made",
}

/// The fields of a resolution that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Text];

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    let not_before = |what, date: Date, decided_on: Date| {
        if date < decided_on { Err(Error::BeforeDecision { what, date, decided_on }) } else { Ok(()) }
    };
    if let Command::Record {
        id,
        text,
        decided_on,
        body,
        meeting,
        agenda_item,
        published_on,
        effective_on,
        exempt_under,
        outcome,
        subject_to_call_in,
    } = command
    {
        if state.exists() {
            return Err(Error::AlreadyRecorded(id.clone()));
        }
        if !has_text(text) {
            return Err(Error::EmptyText);
        }
        ctx.not_future("decision", *decided_on)?;
        let body_state =
            ctx.facts.bodies.get(body).filter(|b| b.exists()).ok_or_else(|| Error::UnknownBody(body.clone()))?;
        let meeting_state = ctx
            .facts
            .meetings
            .get(meeting)
            .filter(|m| m.body.as_ref() == Some(body))
            .ok_or_else(|| Error::WrongMeeting { meeting: meeting.clone(), body: body.clone() })?;
        let held_on = match (meeting_state.status, meeting_state.held_on) {
            (meeting::Status::Held, Some(on)) => on,
            _ => return Err(Error::MeetingNotHeld(meeting.clone())),
        };
        if held_on != *decided_on {
            return Err(Error::DateNotMeeting { decided_on: *decided_on, meeting: meeting.clone(), held_on });
        }
        let item = meeting_state
            .item(agenda_item)
            .ok_or_else(|| Error::UnknownAgendaItem { item: agenda_item.clone(), meeting: meeting.clone() })?;
        if let Some(p) = published_on {
            not_before("publication", *p, *decided_on)?;
            ctx.not_future("publication", *p)?;
        }
        if let Some(e) = effective_on {
            not_before("taking effect", *e, *decided_on)?;
        }
        if let Some(paragraph) = exempt_under.filter(|p| !(1..=7).contains(p)) {
            return Err(Error::NoSuchExemption(paragraph));
        }
        return Ok(vec![Event::Recorded {
            id: id.clone(),
            body: body.clone(),
            organisations: body_state.parents.clone(),
            meeting: meeting.clone(),
            agenda_item: agenda_item.clone(),
            minute_number: item.minute_number.clone(),
            text: text.clone(),
            outcome: *outcome,
            decided_on: *decided_on,
            published_on: *published_on,
            effective_on: *effective_on,
            subject_to_call_in: *subject_to_call_in,
            exempt_under: *exempt_under,
        }]);
    }
    let decided_on = state.decided_on.ok_or_else(|| Error::NotRecorded(command.id().clone()))?;
    match command {
        Command::Record { .. } => Ok(Vec::new()),
        Command::Publish { published_on, .. } => {
            if let Some(on) = state.published_on {
                return Err(Error::AlreadyPublished(on));
            }
            not_before("publication", *published_on, decided_on)?;
            ctx.not_future("publication", *published_on)?;
            Ok(vec![Event::Published { published_on: *published_on }])
        }
        Command::CallIn { called_in_on, by, reason, .. } => {
            if !state.subject_to_call_in || state.call_in_rejected {
                return Err(Error::NotCallable);
            }
            if state.status != Status::Decided {
                return Err(Error::NotInForce(state.status, "called in"));
            }
            if !has_text(by) {
                return Err(Error::MissingReason("who called the decision in"));
            }
            if !has_text(reason) {
                return Err(Error::MissingReason("call-in reason"));
            }
            not_before("call-in", *called_in_on, decided_on)?;
            ctx.not_future("call-in", *called_in_on)?;
            Ok(vec![Event::CalledIn { called_in_on: *called_in_on, by: by.clone(), reason: reason.clone() }])
        }
        Command::RejectCallIn { decided_on: on, reason, .. } | Command::ReferBack { decided_on: on, reason, .. } => {
            if state.status != Status::CalledIn {
                return Err(Error::NotCalledIn);
            }
            if !has_text(reason) {
                return Err(Error::MissingReason("call-in decision reason"));
            }
            not_before("call-in decision", *on, decided_on)?;
            ctx.not_future("call-in decision", *on)?;
            Ok(vec![if matches!(command, Command::RejectCallIn { .. }) {
                Event::CallInRejected { decided_on: *on, reason: reason.clone() }
            } else {
                Event::ReferredBack { decided_on: *on, reason: reason.clone() }
            }])
        }
        Command::Correct { text, reason, .. } => {
            if !has_text(reason) {
                return Err(Error::MissingReason("correction reason"));
            }
            if !has_text(text) {
                return Err(Error::EmptyText);
            }
            if *text == state.text {
                return Err(Error::SameText);
            }
            Ok(vec![Event::Corrected { previous_text: state.text.clone(), text: text.clone(), reason: reason.clone() }])
        }
        Command::Rescind { by_resolution, .. } | Command::Supersede { by_resolution, .. } => {
            let verb = if matches!(command, Command::Rescind { .. }) { "rescinded" } else { "superseded" };
            if !matches!(state.status, Status::Decided | Status::CalledIn) {
                return Err(Error::NotInForce(state.status, verb));
            }
            let later = ctx.facts.resolutions.get(by_resolution).filter(|r| {
                Some(by_resolution) != state.id.as_ref()
                    && r.is_in_force()
                    && r.decided_on.is_some_and(|on| on >= decided_on)
                    && r.outcome.is_some_and(|o| o.authorises(Act::Decision))
            });
            let on =
                later.and_then(|r| r.decided_on).ok_or_else(|| Error::NotALaterResolution(by_resolution.clone()))?;
            let by_resolution = by_resolution.clone();
            Ok(vec![if verb == "rescinded" {
                Event::Rescinded { by_resolution, on }
            } else {
                Event::Superseded { by_resolution, on }
            }])
        }
        Command::Translate { field, language, text, .. } => {
            translation::check("resolution", TRANSLATED, *field, text)?;
            Ok(vec![Event::Translated { field: *field, language: *language, text: text.clone() }])
        }
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Recorded {
            id,
            body,
            organisations,
            meeting,
            agenda_item,
            minute_number,
            text,
            outcome,
            decided_on,
            published_on,
            effective_on,
            subject_to_call_in,
            exempt_under,
        } => {
            state.id = Some(id.clone());
            state.body = Some(body.clone());
            state.organisations = organisations.clone();
            state.meeting = Some(meeting.clone());
            state.agenda_item = agenda_item.clone();
            state.minute_number = minute_number.clone();
            state.text = text.clone();
            state.outcome = Some(*outcome);
            state.decided_on = Some(*decided_on);
            state.published_on = *published_on;
            state.effective_on = *effective_on;
            state.subject_to_call_in = *subject_to_call_in;
            state.exempt_under = *exempt_under;
            state.status = Status::Decided;
        }
        Event::Published { published_on } => state.published_on = Some(*published_on),
        Event::CalledIn { .. } => state.status = Status::CalledIn,
        Event::CallInRejected { .. } => {
            state.status = Status::Decided;
            state.call_in_rejected = true;
        }
        Event::ReferredBack { .. } => state.status = Status::ReferredBack,
        Event::Corrected { previous_text, text, reason } => {
            state.corrections.push((previous_text.clone(), reason.clone()));
            state.text = text.clone();
            state.welsh.clear(Field::Text, None);
        }
        Event::Rescinded { by_resolution, .. } => {
            state.status = Status::Rescinded;
            state.replaced_by = Some(by_resolution.clone());
        }
        Event::Superseded { by_resolution, .. } => {
            state.status = Status::Superseded;
            state.replaced_by = Some(by_resolution.clone());
        }
        Event::Translated { field, language, text } => state.welsh.set(Translation::whole(*field, *language, text)),
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").expect("valid date")
    }

    #[test]
    fn working_days_skip_weekends() {
        assert_eq!(add_working_days(day("2021-03-09"), 5), day("2021-03-16"), "Tuesday to Tuesday");
        assert_eq!(add_working_days(day("2021-03-12"), 1), day("2021-03-15"), "Friday to Monday");
        assert_eq!(add_working_days(day("2021-03-13"), 0), day("2021-03-13"));
    }

    #[test]
    fn a_decision_subject_to_call_in_takes_effect_the_working_day_after_its_period() {
        let decided = State {
            id: Some(Key::parse("cabinet-2021-03-09-7").expect("valid")),
            decided_on: Some(day("2021-03-09")),
            subject_to_call_in: true,
            status: Status::Decided,
            ..State::default()
        };
        // Five working days: 10, 11, 12, 15 and 16 March; in effect from Wednesday 17 March.
        assert_eq!(decided.effective_after_call_in(5, day("2021-03-16")), None);
        assert_eq!(decided.effective_after_call_in(5, day("2021-03-17")), Some(day("2021-03-17")));
        let published_later = State { published_on: Some(day("2021-03-11")), ..decided.clone() };
        assert_eq!(published_later.effective_after_call_in(5, day("2021-03-17")), None, "counted from publication");
        assert_eq!(published_later.effective_after_call_in(5, day("2021-03-19")), Some(day("2021-03-19")));
        let called_in = State { status: Status::CalledIn, ..decided.clone() };
        assert_eq!(called_in.effective_after_call_in(5, day("2021-04-30")), None);
        let not_subject = State { subject_to_call_in: false, ..decided };
        assert_eq!(not_subject.effective_after_call_in(5, day("2021-04-30")), None);
    }
}
