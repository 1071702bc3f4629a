//! The audit trail: every event in the log, by entity (its stream), actor and period, with who
//! recorded it, what it was (its type and a short summary), when it happened, when Covenant
//! learnt it, where the fact came from, and its position in the log.
//!
//! The log is the audit trail, so nothing of it is saved beside the log: a trail is folded for
//! each request from the events it selects. [`AuditTrail::streams`] says which streams those can
//! be, so that a trail of one entity reads only that entity's stream. A trail of one resolution's
//! stream is its whole story: its own events and every event they caused (the acts it
//! authorised, the commitments arising from it, the rescission of an earlier resolution), and
//! what those caused in turn, found by causation id.

use std::collections::BTreeSet;

use domain::codec;
use domain::ids::{StreamKey, body_stream, instrument_stream, organisation_stream};
use kernel::{EventId, Position, RecordedEvent, StreamId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::summary::{Naming, summary};
use crate::words::{clip, or_dash};
use crate::{Filters, ReadModels, Report};

/// The events the filters select, folded one at a time, in log order.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditTrail {
    filters: Filters,
    trail: TrailFilters,
    /// The streams of the instrument, body and organisation the filters name.
    entities: Vec<StreamId>,
    /// When the trail is one resolution's story: the ids of the events in it so far, which
    /// select the events they caused.
    story: Option<BTreeSet<EventId>>,
    entries: Vec<AuditEntry>,
}

/// What to narrow the audit trail to, besides the shared [`Filters`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrailFilters {
    /// One entity's stream, such as `resolution-west-lindsey-pcc-2021-03-09-45`.
    pub stream: Option<StreamId>,
    /// One actor, exactly as recorded.
    pub actor: Option<String>,
}

/// One event in the trail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub position: Position,
    /// The entity's stream, by key: what an auditor follows.
    pub stream: String,
    pub event_type: String,
    pub schema_version: u32,
    /// The event in words, by key, or by name once [`AuditView::named`].
    pub summary: String,
    /// The event decoded, for naming its summary; none when this build cannot read it.
    #[serde(skip)]
    event: Option<Box<domain::Event>>,
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
    /// An empty trail of the events `filters` and `trail` select. `trail.stream` and `trail.actor`
    /// select exactly; `instrument`, `body` and `organisation` each select that entity's own
    /// stream, and when more than one is given, the events of any of them; the period selects
    /// events that happened within it (by `occurred_at`; "as known on" limits by when they were
    /// recorded, which is for the reader of the log to apply).
    pub fn new(filters: &Filters, trail: &TrailFilters) -> Self {
        let entities = filters
            .instrument
            .iter()
            .map(instrument_stream)
            .chain(filters.body.iter().map(body_stream))
            .chain(filters.organisation.iter().map(organisation_stream))
            .collect();
        let resolution = |s: &StreamId| matches!(StreamKey::parse(s), Ok(StreamKey::Resolution(_)));
        let story = trail.stream.as_ref().filter(|s| resolution(s)).map(|_| BTreeSet::new());
        Self { filters: filters.clone(), trail: trail.clone(), entities, story, entries: Vec::new() }
    }

    /// The only streams whose events the trail can hold, or `None` when it may hold any (a
    /// resolution's story reaches the streams its events caused events in).
    pub fn streams(&self) -> Option<Vec<StreamId>> {
        match &self.trail.stream {
            Some(_) if self.story.is_some() => None,
            Some(stream) => Some(vec![stream.clone()]),
            None if !self.entities.is_empty() => Some(self.entities.clone()),
            None => None,
        }
    }

    /// Adds `event` when the filters select it, including an event this build cannot decode: its
    /// summary then says why. A resolution's story must be given its events in log order, as
    /// the log reads: a cause always comes before what it caused.
    pub fn apply(&mut self, event: &RecordedEvent) {
        let stream = &event.stream_id;
        let in_story = self.story.as_mut().is_some_and(|story| {
            let caused = event.metadata.causation_id.is_some_and(|c| story.contains(&EventId(c)));
            let own = self.trail.stream.as_ref() == Some(stream);
            if own || caused {
                story.insert(event.event_id);
            }
            own || caused
        });
        let selected = (self.trail.stream.as_ref().is_none_or(|s| s == stream) || in_story)
            && self.trail.actor.as_ref().is_none_or(|a| *a == event.metadata.actor)
            && (self.entities.is_empty() || self.entities.contains(stream))
            && self.filters.in_period(event.metadata.occurred_at.as_datetime().date_naive());
        if !selected {
            return;
        }
        let (summary, decoded) = match codec::decode_recorded(event) {
            Ok(decoded) => (summary(&decoded, Naming::default()), Some(Box::new(decoded))),
            Err(e) => (clip(&format!("not readable by this version: {e}"), crate::summary::LIMIT), None),
        };
        self.entries.push(AuditEntry {
            position: event.position,
            stream: stream.as_str().to_owned(),
            event_type: event.event_type.as_str().to_owned(),
            schema_version: event.schema_version,
            summary,
            event: decoded,
            actor: event.metadata.actor.clone(),
            source: event.metadata.source.clone(),
            occurred_at: event.metadata.occurred_at,
            recorded_at: event.recorded_at,
        });
    }

    /// The events selected, in position order.
    pub fn view(mut self) -> AuditView {
        self.entries.sort_by_key(|e| e.position);
        AuditView { filters: self.filters, trail: self.trail, entries: self.entries }
    }
}

impl AuditView {
    /// The trail with each summary naming what its event refers to by the names `models` hold
    /// (organisations and bodies by name, instruments by title, resolutions by body and minute),
    /// where it gave keys and organisation ids; each entry's stream keeps the key.
    pub fn named(mut self, models: &ReadModels) -> Self {
        for entry in &mut self.entries {
            if let Some(event) = &entry.event {
                entry.summary = summary(event, Naming(Some(models)));
            }
        }
        self
    }

    /// One row per event.
    pub fn report(&self) -> Report {
        let mut report = Report::new(
            "Audit trail",
            vec!["Position", "Occurred", "Recorded", "Entity", "Event", "Summary", "Actor", "Source"],
        )
        .essential(&["Occurred", "Event", "Summary"]);
        if let Some(note) = self.filters.note() {
            report = report.note(note);
        }
        if let Some(stream) = &self.trail.stream {
            let story = matches!(StreamKey::parse(stream), Ok(StreamKey::Resolution(_)));
            report = report.note(if story {
                format!("Entity {stream}, with every event it caused.")
            } else {
                format!("Entity {stream}.")
            });
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
