//! When a command happened in the world: the day a command carries as its own date
//! ([`Command::happened_on`]: a resolution's `decided_on`, an adoption's `adopted_on`, a
//! reading's `as_of`), and the `occurred_at` its events are recorded with, worked out once for
//! every interface from that day, the time a caller gives, and the time of recording.
//!
//! The rule: a command that carries its own date happened at the start of that day (midnight,
//! UTC), unless the caller gives a time within the same day; a time on another day is refused,
//! naming both. A command whose date follows from another record (a rescission takes the date of
//! the resolution that rescinds; a confirmation of minutes, the date of the meeting that confirms
//! them: [`derived`]) happened on that date by the same rule, once the rules have found it. Any
//! other command happened when the caller says, or else when it is recorded. Either way,
//! `occurred_at` lies from 1900-01-01 to a year after today.

use chrono::{Months, NaiveTime};
use kernel::Timestamp;

use crate::values::{Date, earliest_date};
use crate::{Command, Event, indicator, meeting, resolution};

/// The day a command says it happened, and the field of the command that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Happened {
    pub field: &'static str,
    pub on: Date,
}

impl Happened {
    pub fn new(field: &'static str, on: Date) -> Self {
        Self { field, on }
    }
}

/// Why the time a command happened cannot be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error(
        "the command says it happened on {on} ({field}) but occurred_at says {given}: leave out occurred_at, or give the same date"
    )]
    Disagrees { field: &'static str, on: Date, given: Date },
    #[error("{field} {date} is before 1900-01-01: give the date it happened, as YYYY-MM-DD")]
    TooEarly { field: &'static str, date: Date },
    #[error("{field} {date} is more than a year after today ({today}): give the date it happened, as YYYY-MM-DD")]
    TooLate { field: &'static str, date: Date, today: Date },
    #[error(
        "{what} as of {as_of} cannot have happened on {on}, before the reading's own date: leave out occurred_at, or give a date on or after {as_of}"
    )]
    BeforeReading { what: &'static str, as_of: Date, on: Date },
}

impl Error {
    /// The field at fault: the command's own date field, or `occurred_at`.
    pub fn field(&self) -> &'static str {
        match self {
            Error::TooEarly { field, .. } | Error::TooLate { field, .. } => field,
            Error::Disagrees { .. } | Error::BeforeReading { .. } => "occurred_at",
        }
    }
}

/// The start of `day`, midnight UTC: the `occurred_at` of a command that happened on that day.
pub fn start_of_day(day: Date) -> Timestamp {
    Timestamp::from_datetime(day.and_time(NaiveTime::MIN).and_utc())
}

/// The `occurred_at` to record `command` with, given the time the caller gave (`given`) and the
/// time of recording (`now`); see the module's rule.
pub fn occurred_at(command: &Command, given: Option<Timestamp>, now: Timestamp) -> Result<Timestamp, Error> {
    occurred_on(command, command.happened_on(), given, now)
}

/// The day an event says it happened when the command that caused it carries no date of its own
/// and the rules found the date in another record: the date of the resolution that rescinds or
/// supersedes, of the meeting that confirms the minutes.
pub fn derived(event: &Event) -> Option<Happened> {
    match event {
        Event::Resolution(resolution::Event::Rescinded { on, .. } | resolution::Event::Superseded { on, .. }) => {
            Some(Happened::new("the later resolution's decided_on", *on))
        }
        Event::Meeting(meeting::Event::MinutesConfirmed { confirmed_on, .. }) => {
            Some(Happened::new("the confirming meeting's held_on", *confirmed_on))
        }
        _ => None,
    }
}

/// [`occurred_at`] for a command whose events say the day it happened ([`derived`]), found after
/// the rules decided it; a command with a date of its own keeps it.
pub fn occurred_at_derived(
    command: &Command,
    events: &[Event],
    given: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp, Error> {
    let happened = command.happened_on().or_else(|| events.iter().find_map(derived));
    occurred_on(command, happened, given, now)
}

fn occurred_on(
    command: &Command,
    happened: Option<Happened>,
    given: Option<Timestamp>,
    now: Timestamp,
) -> Result<Timestamp, Error> {
    let day = |t: Timestamp| t.as_datetime().date_naive();
    let (field, at) = match (happened, given) {
        (Some(happened), Some(given)) if day(given) != happened.on => {
            return Err(Error::Disagrees { field: happened.field, on: happened.on, given: day(given) });
        }
        (Some(happened), Some(given)) => (happened.field, given),
        (Some(happened), None) => (happened.field, start_of_day(happened.on)),
        (None, Some(given)) => ("occurred_at", given),
        (None, None) => ("occurred_at", now),
    };
    let date = day(at);
    if date < earliest_date() {
        return Err(Error::TooEarly { field, date });
    }
    let today = day(now);
    if today.checked_add_months(Months::new(12)).is_none_or(|latest| date > latest) {
        return Err(Error::TooLate { field, date, today });
    }
    let reading = match command {
        Command::Indicator(indicator::Command::SetBaseline { as_of, .. }) => Some(("a baseline", *as_of)),
        Command::Indicator(indicator::Command::ReviseMeasurement { as_of, .. }) => {
            Some(("a revision of the reading", *as_of))
        }
        _ => None,
    };
    if let Some((what, as_of)) = reading.filter(|(_, as_of)| date < *as_of) {
        return Err(Error::BeforeReading { what, as_of, on: date });
    }
    Ok(at)
}

/// A day still to come given as the day something happened: nothing is recorded before the day
/// it happens. Every aggregate's error holds it as `InFuture`, and says after it what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{what} date {date} is in the future (today is {today})")]
pub struct InFuture {
    /// What happened on that day, in the user's words ("progress report").
    pub what: &'static str,
    pub date: Date,
    pub today: Date,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{date, default_now, key};
    use crate::{commitment, resolution};

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).expect("a time")
    }

    fn report(reported_on: &str) -> Command {
        commitment::Command::ReportProgress {
            id: key("c"),
            status: crate::rag::Rag::Green,
            percent_complete: 10,
            narrative: "on track".into(),
            evidence_refs: Vec::new(),
            period: commitment::ReportingPeriod { label: "Q1".into(), from: None, to: None },
            reported_on: date(reported_on),
        }
        .into()
    }

    #[test]
    fn a_command_with_its_own_date_happened_at_the_start_of_that_day() {
        let command = report("2023-06-29");
        assert_eq!(occurred_at(&command, None, default_now()), Ok(at("2023-06-29T00:00:00Z")));
        let within = at("2023-06-29T18:30:00Z");
        assert_eq!(occurred_at(&command, Some(within), default_now()), Ok(within));
    }

    #[test]
    fn a_time_on_another_day_is_refused_naming_both_dates() {
        let error = occurred_at(&report("2023-06-29"), Some(at("2023-07-01")), default_now()).expect_err("another day");
        assert_eq!(
            error.to_string(),
            "the command says it happened on 2023-06-29 (reported_on) but occurred_at says 2023-07-01: leave out occurred_at, or give the same date"
        );
        assert_eq!(error.field(), "occurred_at");
    }

    #[test]
    fn a_command_without_a_date_happened_when_given_or_when_recorded() {
        let correct: Command =
            resolution::Command::Correct { id: key("r"), text: "t".into(), reason: "typo".into() }.into();
        assert_eq!(correct.happened_on(), None);
        assert_eq!(occurred_at(&correct, None, default_now()), Ok(default_now()));
        assert_eq!(occurred_at(&correct, Some(at("2021-03-09")), default_now()), Ok(at("2021-03-09")));
    }

    #[test]
    fn implausible_dates_are_refused_naming_the_field() {
        let error = occurred_at(&report("0000-01-01"), None, default_now()).expect_err("year 0");
        assert_eq!(error, Error::TooEarly { field: "reported_on", date: date("0000-01-01") });
        assert!(error.to_string().starts_with("reported_on 0000-01-01 is before 1900-01-01: "), "{error}");
        let correct: Command =
            resolution::Command::Correct { id: key("r"), text: "t".into(), reason: "typo".into() }.into();
        let error = occurred_at(&correct, Some(at("2999-01-01")), default_now()).expect_err("2999");
        assert_eq!(error.field(), "occurred_at");
        assert!(error.to_string().contains("more than a year after today (2024-06-01)"), "{error}");
        assert!(occurred_at(&correct, Some(at("2025-06-01")), default_now()).is_ok(), "a year ahead is the limit");
        assert!(occurred_at(&correct, Some(at("2025-06-02")), default_now()).is_err());
    }

    #[test]
    fn a_revision_cannot_happen_before_the_reading_it_revises() {
        let revise: Command = indicator::Command::ReviseMeasurement {
            id: key("i"),
            as_of: date("2024-03-31"),
            value: 2.0,
            reason: "late returns".into(),
        }
        .into();
        let error = occurred_at(&revise, Some(at("2024-03-30")), default_now()).expect_err("before the reading");
        assert_eq!(
            error,
            Error::BeforeReading {
                what: "a revision of the reading",
                as_of: date("2024-03-31"),
                on: date("2024-03-30")
            }
        );
        assert!(error.to_string().contains("2024-03-31") && error.to_string().contains("2024-03-30"));
        assert!(occurred_at(&revise, Some(at("2024-03-31")), default_now()).is_ok());
    }
}
