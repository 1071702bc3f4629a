//! The audit trail: every event in the log, by entity (its stream), actor and period, with who
//! recorded it, what it was (its type and a short summary), when it happened, when Covenant
//! learnt it, where the fact came from, and its position in the log.
//!
//! One row per event. Actors, sources, stream ids and type names repeat across many events, so
//! each is stored once and rows refer to it by number; a row's own text is its summary, at most
//! [`crate::summary`]'s limit.

use std::collections::HashMap;

use domain::Event;
use domain::codec::{self, DecodeError};
use domain::ids::{body_stream, instrument_stream, organisation_stream};
use kernel::{Position, RecordedEvent, StreamId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::summary::summary;
use crate::words::{clip, or_dash};
use crate::{Filters, Projection, Report};

/// The read model behind the audit trail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditTrail {
    strings: Strings,
    rows: Vec<Row>,
}

/// Each distinct string once, numbered in order of first use.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
struct Strings {
    strings: Vec<String>,
    numbers: HashMap<String, u32>,
}

impl PartialEq for Strings {
    fn eq(&self, other: &Self) -> bool {
        self.strings == other.strings
    }
}

impl From<Vec<String>> for Strings {
    fn from(strings: Vec<String>) -> Self {
        let numbers = strings.iter().enumerate().map(|(n, s)| (s.clone(), n as u32)).collect();
        Self { strings, numbers }
    }
}

impl From<Strings> for Vec<String> {
    fn from(strings: Strings) -> Self {
        strings.strings
    }
}

impl Strings {
    fn number(&mut self, text: &str) -> u32 {
        if let Some(n) = self.numbers.get(text) {
            return *n;
        }
        let n = self.strings.len() as u32;
        self.strings.push(text.to_owned());
        self.numbers.insert(text.to_owned(), n);
        n
    }

    fn get(&self, n: u32) -> &str {
        self.strings.get(n as usize).map_or("", String::as_str)
    }
}

/// One event, with its repeated strings by number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    position: Position,
    stream: u32,
    event_type: u32,
    schema_version: u32,
    actor: u32,
    source: Option<u32>,
    occurred_at: Timestamp,
    recorded_at: Timestamp,
    summary: String,
}

impl Projection for AuditTrail {
    const NAME: &'static str = "audit";
    const VERSION: u32 = 1;

    /// Records every event, including one this build cannot decode: its summary then says why.
    fn apply(&mut self, event: &RecordedEvent) {
        self.record(event, codec::decode_recorded(event).as_ref());
    }
}

impl AuditTrail {
    /// Records `event`, already decoded (or found unreadable).
    pub(crate) fn record(&mut self, event: &RecordedEvent, decoded: Result<&Event, &DecodeError>) {
        let summary = match decoded {
            Ok(decoded) => summary(decoded),
            Err(e) => clip(&format!("not readable by this version: {e}"), crate::summary::LIMIT),
        };
        let row = Row {
            position: event.position,
            stream: self.strings.number(event.stream_id.as_str()),
            event_type: self.strings.number(event.event_type.as_str()),
            schema_version: event.schema_version,
            actor: self.strings.number(&event.metadata.actor),
            source: event.metadata.source.as_deref().map(|s| self.strings.number(s)),
            occurred_at: event.metadata.occurred_at,
            recorded_at: event.recorded_at,
            summary,
        };
        self.rows.push(row);
    }
}

/// What to narrow the audit trail to, besides the shared [`Filters`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailFilters {
    /// One entity's stream, such as `resolution-west-lindsey-pcc-2021-03-09-45`.
    pub stream: Option<StreamId>,
    /// One actor, exactly as recorded.
    pub actor: Option<String>,
}

/// One event in the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub position: Position,
    pub stream: String,
    pub event_type: String,
    pub schema_version: u32,
    pub summary: String,
    pub actor: String,
    pub source: Option<String>,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
}

/// The trail, in log order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditView {
    pub filters: Filters,
    pub trail: TrailFilters,
    pub entries: Vec<AuditEntry>,
}

impl AuditTrail {
    /// The events the filters select, in position order. `trail.stream` and `trail.actor` select
    /// exactly; `instrument`, `body` and `organisation` each select that entity's own stream, and
    /// when more than one is given, the events of any of them; the period selects events that
    /// happened within it (by `occurred_at`; "as known on" limits by when they were recorded).
    pub fn view(&self, filters: &Filters, trail: &TrailFilters) -> AuditView {
        let entities: Vec<StreamId> = filters
            .instrument
            .iter()
            .map(instrument_stream)
            .chain(filters.body.iter().map(body_stream))
            .chain(filters.organisation.iter().map(organisation_stream))
            .collect();
        let mut entries: Vec<AuditEntry> = self
            .rows
            .iter()
            .map(|row| self.entry(row))
            .filter(|e| {
                trail.stream.as_ref().is_none_or(|s| s.as_str() == e.stream)
                    && trail.actor.as_ref().is_none_or(|a| *a == e.actor)
                    && (entities.is_empty() || entities.iter().any(|s| s.as_str() == e.stream))
                    && filters.in_period(e.occurred_at.as_datetime().date_naive())
            })
            .collect();
        entries.sort_by_key(|e| e.position);
        AuditView { filters: filters.clone(), trail: trail.clone(), entries }
    }

    fn entry(&self, row: &Row) -> AuditEntry {
        AuditEntry {
            position: row.position,
            stream: self.strings.get(row.stream).to_owned(),
            event_type: self.strings.get(row.event_type).to_owned(),
            schema_version: row.schema_version,
            summary: row.summary.clone(),
            actor: self.strings.get(row.actor).to_owned(),
            source: row.source.map(|n| self.strings.get(n).to_owned()),
            occurred_at: row.occurred_at,
            recorded_at: row.recorded_at,
        }
    }
}

impl AuditView {
    /// One row per event.
    pub fn report(&self) -> Report {
        let mut report = Report::new(
            "Audit trail",
            vec!["Position", "Occurred", "Recorded", "Entity", "Event", "Summary", "Actor", "Source"],
        );
        if let Some(note) = self.filters.note() {
            report = report.note(note);
        }
        if let Some(stream) = &self.trail.stream {
            report = report.note(format!("Entity {stream}."));
        }
        if let Some(actor) = &self.trail.actor {
            report = report.note(format!("Recorded by {actor}."));
        }
        for e in &self.entries {
            report.push(vec![
                e.position.to_string(),
                e.occurred_at.to_string(),
                e.recorded_at.to_string(),
                e.stream.clone(),
                e.event_type.clone(),
                e.summary.clone(),
                e.actor.clone(),
                or_dash(e.source.as_ref()),
            ]);
        }
        report
    }
}
