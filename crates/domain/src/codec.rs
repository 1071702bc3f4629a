//! The stored form of domain events: the one place that maps each [`Event`] to its kernel event
//! type name, schema version and canonical payload, and back, upcasting older schema versions on
//! the way in.
//!
//! An event type is named `<Aggregate><Variant>`, such as `ResolutionRecorded`; its payload is the
//! variant's fields as a JSON object. [`CATALOGUE`] lists every type with its current schema
//! version, and `docs/events.md` describes each; a test keeps the three in agreement. Stored
//! events are never rewritten: when a payload changes shape, its version goes up and an
//! [`Upcaster`] turns the old shape into the new one when it is read.

mod variant;

use std::collections::HashMap;
use std::sync::OnceLock;

use kernel::{EventType, LoadedEvent, Payload, RecordedEvent, StreamId};
use serde_json::{Map, Value, json};

use crate::Event;
use crate::ids::{Aggregate, StreamKey};
pub(crate) use variant::Variant;

/// One event type and its current schema version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventSpec {
    pub aggregate: Aggregate,
    /// The variant name, such as `Recorded`.
    pub variant: &'static str,
    pub version: u32,
}

impl EventSpec {
    /// The stored type name, such as `ResolutionRecorded`.
    pub fn name(&self) -> String {
        format!("{}{}", self.aggregate.event_prefix(), self.variant)
    }
}

const fn spec(aggregate: Aggregate, variant: &'static str, version: u32) -> EventSpec {
    EventSpec { aggregate, variant, version }
}

/// Every event type, with its current schema version.
pub const CATALOGUE: &[EventSpec] = &[
    spec(Aggregate::Organisation, "Registered", 1),
    spec(Aggregate::Organisation, "Renamed", 1),
    spec(Aggregate::Organisation, "Succeeded", 1),
    spec(Aggregate::Organisation, "Dissolved", 1),
    spec(Aggregate::Organisation, "ContactNamed", 1),
    spec(Aggregate::Organisation, "RemindersOptedOut", 1),
    spec(Aggregate::Organisation, "RemindersOptedIn", 1),
    spec(Aggregate::Organisation, "Reminded", 1),
    spec(Aggregate::Organisation, "Translated", 1),
    spec(Aggregate::Body, "Established", 1),
    spec(Aggregate::Body, "MemberJoined", 1),
    spec(Aggregate::Body, "MemberLeft", 1),
    spec(Aggregate::Body, "Abolished", 1),
    spec(Aggregate::Body, "Translated", 1),
    spec(Aggregate::Meeting, "Scheduled", 1),
    spec(Aggregate::Meeting, "AgendaItemAdded", 1),
    spec(Aggregate::Meeting, "Held", 1),
    spec(Aggregate::Meeting, "Cancelled", 1),
    spec(Aggregate::Meeting, "MinutesPublished", 1),
    spec(Aggregate::Meeting, "MinutesConfirmed", 1),
    spec(Aggregate::Meeting, "Translated", 1),
    spec(Aggregate::Resolution, "Recorded", 2),
    spec(Aggregate::Resolution, "Published", 1),
    spec(Aggregate::Resolution, "CalledIn", 1),
    spec(Aggregate::Resolution, "CallInRejected", 1),
    spec(Aggregate::Resolution, "ReferredBack", 1),
    spec(Aggregate::Resolution, "Corrected", 1),
    spec(Aggregate::Resolution, "Rescinded", 1),
    spec(Aggregate::Resolution, "Superseded", 1),
    spec(Aggregate::Resolution, "Translated", 1),
    spec(Aggregate::Instrument, "Drafted", 1),
    spec(Aggregate::Instrument, "VersionPublished", 1),
    spec(Aggregate::Instrument, "ObjectiveAdded", 1),
    spec(Aggregate::Instrument, "PartyAdded", 1),
    spec(Aggregate::Instrument, "ConsultationOpened", 1),
    spec(Aggregate::Instrument, "ConsultationClosed", 1),
    spec(Aggregate::Instrument, "Endorsed", 1),
    spec(Aggregate::Instrument, "Adopted", 1),
    spec(Aggregate::Instrument, "Signed", 1),
    spec(Aggregate::Instrument, "PartyWithdrew", 1),
    spec(Aggregate::Instrument, "PartySucceeded", 1),
    spec(Aggregate::Instrument, "DeliveryStarted", 1),
    spec(Aggregate::Instrument, "ReviewStarted", 1),
    spec(Aggregate::Instrument, "Refreshed", 1),
    spec(Aggregate::Instrument, "Superseded", 1),
    spec(Aggregate::Instrument, "Expired", 1),
    spec(Aggregate::Instrument, "Withdrawn", 1),
    spec(Aggregate::Instrument, "Translated", 1),
    spec(Aggregate::Commitment, "Made", 1),
    spec(Aggregate::Commitment, "MilestoneAdded", 1),
    spec(Aggregate::Commitment, "MilestoneReached", 1),
    spec(Aggregate::Commitment, "Rescheduled", 1),
    spec(Aggregate::Commitment, "ProgressReported", 2),
    spec(Aggregate::Commitment, "Completed", 1),
    spec(Aggregate::Commitment, "Deferred", 1),
    spec(Aggregate::Commitment, "Resumed", 1),
    spec(Aggregate::Commitment, "Cancelled", 1),
    spec(Aggregate::Commitment, "Transferred", 1),
    spec(Aggregate::Commitment, "Translated", 1),
    spec(Aggregate::Indicator, "Defined", 1),
    spec(Aggregate::Indicator, "BaselineSet", 1),
    spec(Aggregate::Indicator, "TargetSet", 1),
    spec(Aggregate::Indicator, "Measured", 1),
    spec(Aggregate::Indicator, "MeasurementRevised", 1),
];

/// The catalogue entry for a stored type name. Every stored event is looked up when it is read,
/// so the catalogue is indexed by name once, on the first lookup.
pub fn lookup(name: &str) -> Option<&'static EventSpec> {
    static BY_NAME: OnceLock<HashMap<String, &'static EventSpec>> = OnceLock::new();
    BY_NAME.get_or_init(|| CATALOGUE.iter().map(|spec| (spec.name(), spec)).collect()).get(name).copied()
}

/// The fields of a payload, as an upcaster sees them.
pub type Fields = Map<String, Value>;

/// Turns the payload of `name` at schema version `from` into the shape of version `from + 1`.
#[derive(Clone, Copy, Debug)]
pub struct Upcaster {
    pub name: &'static str,
    pub from: u32,
    pub apply: fn(Fields) -> Result<Fields, String>,
}

/// Every upcaster, applied in sequence from a stored version to the current one.
pub const UPCASTERS: &[Upcaster] = &[
    Upcaster { name: "CommitmentProgressReported", from: 1, apply: progress_reported_v1_to_v2 },
    Upcaster { name: "ResolutionRecorded", from: 1, apply: resolution_recorded_v1_to_v2 },
];

/// Version 2 of `ResolutionRecorded` adds `exempt_under`, the paragraph of Schedule 12A that
/// makes a resolution exempt information. Nothing recorded before it was marked exempt.
fn resolution_recorded_v1_to_v2(mut v1: Fields) -> Result<Fields, String> {
    if v1.contains_key("exempt_under") {
        return Err("field 'exempt_under' is present in version 1".into());
    }
    v1.insert("exempt_under".into(), Value::Null);
    Ok(v1)
}

/// Version 1 of `CommitmentProgressReported` had `rag`, `percent`, a single optional `evidence`
/// reference and a `period` label. Version 2 names the judgement `status`, the percentage
/// `percent_complete`, holds a list of `evidence_refs` and a structured `period` with optional
/// dates.
fn progress_reported_v1_to_v2(mut v1: Fields) -> Result<Fields, String> {
    let mut take = |field: &str| v1.remove(field).ok_or_else(|| format!("field '{field}' is missing"));
    let status = take("rag")?;
    let percent = take("percent")?;
    let evidence = take("evidence")?;
    let period = take("period")?;
    let narrative = take("narrative")?;
    let reported_on = take("reported_on")?;
    let evidence_refs = match evidence {
        Value::Null => json!([]),
        Value::String(s) => json!([s]),
        other => return Err(format!("field 'evidence' is {other}, not a string or null")),
    };
    let Value::String(label) = period else {
        return Err("field 'period' is not a string".into());
    };
    let mut v2 = v1;
    v2.insert("status".into(), status);
    v2.insert("percent_complete".into(), percent);
    v2.insert("narrative".into(), narrative);
    v2.insert("evidence_refs".into(), evidence_refs);
    v2.insert("period".into(), json!({ "label": label, "from": null, "to": null }));
    v2.insert("reported_on".into(), reported_on);
    Ok(v2)
}

/// Why an event could not be encoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EncodeError {
    #[error("event could not be encoded: {0}")]
    Payload(String),
}

/// Why a stored event could not be decoded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("event type {0} is not in the catalogue: upgrade Covenant to a version that knows it")]
    UnknownType(String),
    #[error(
        "event type {name} has schema version {version}, newer than the {current} this build knows: upgrade Covenant"
    )]
    NewerVersion { name: String, version: u32, current: u32 },
    #[error("event type {name} version {version} has no upcaster to version {next}: add one to the codec")]
    MissingUpcaster { name: String, version: u32, next: u32 },
    #[error("event type {name} version {version} could not be upcast ({reason}): check the stored payload")]
    Upcast { name: String, version: u32, reason: String },
    #[error("payload of {name} does not match its schema ({reason}): check the stored payload against docs/events.md")]
    Malformed { name: String, reason: String },
    #[error(
        "event type {name} belongs to {aggregate} streams, not stream {stream}: check the stream the event was appended to"
    )]
    WrongStream { name: String, aggregate: Aggregate, stream: String },
}

/// The stored form of an event: its type name, schema version and canonical payload.
pub fn encode(event: &Event) -> Result<(EventType, u32, Payload), EncodeError> {
    let value = serde_json::to_value(event).map_err(|e| EncodeError::Payload(e.to_string()))?;
    let Value::Object(mut fields) = value else {
        return Err(EncodeError::Payload("an event must serialise to an object".into()));
    };
    fields.remove("aggregate");
    let variant = match fields.remove("event") {
        Some(Value::String(v)) => v,
        _ => return Err(EncodeError::Payload("an event must name its variant".into())),
    };
    let name = format!("{}{variant}", event.aggregate().event_prefix());
    let spec = lookup(&name).ok_or_else(|| EncodeError::Payload(format!("{name} is missing from the catalogue")))?;
    let event_type = EventType::parse(name).map_err(EncodeError::Payload)?;
    let payload = Payload::from_value(&Value::Object(fields)).map_err(EncodeError::Payload)?;
    Ok((event_type, spec.version, payload))
}

/// Reads a stored event back, upcasting older schema versions to the current one.
pub fn decode(event_type: &EventType, version: u32, payload: &Payload) -> Result<Event, DecodeError> {
    let name = event_type.as_str();
    let spec = lookup(name).ok_or_else(|| DecodeError::UnknownType(name.to_owned()))?;
    if version > spec.version {
        return Err(DecodeError::NewerVersion { name: name.to_owned(), version, current: spec.version });
    }
    let malformed = |reason: String| DecodeError::Malformed { name: name.to_owned(), reason };
    if version == spec.version {
        // The current shape: read the payload straight into its variant, in one pass.
        let mut json = serde_json::Deserializer::from_str(payload.as_str());
        let event =
            Event::deserialize_stored(spec.aggregate, spec.variant, &mut json).and_then(|e| json.end().map(|()| e));
        return event.map_err(|e| malformed(e.to_string()));
    }
    let mut fields = match payload.to_value().map_err(|e| malformed(e.to_string()))? {
        Value::Object(map) => map,
        _ => return Err(malformed("the payload is not an object".into())),
    };
    for from in version..spec.version {
        let upcaster = UPCASTERS
            .iter()
            .find(|u| u.name == name && u.from == from)
            .ok_or_else(|| DecodeError::MissingUpcaster { name: name.to_owned(), version: from, next: from + 1 })?;
        fields = (upcaster.apply)(fields).map_err(|reason| DecodeError::Upcast {
            name: name.to_owned(),
            version: from,
            reason,
        })?;
    }
    Event::deserialize_stored(spec.aggregate, spec.variant, Value::Object(fields)).map_err(|e| malformed(e.to_string()))
}

/// Decodes a recorded event, checking that its type belongs to the aggregate its stream names.
pub fn decode_recorded(recorded: &RecordedEvent) -> Result<Event, DecodeError> {
    decode_keyed(recorded).map(|(_, event)| event)
}

/// Decodes a recorded event with the key its stream names (the stream id read once, for a fold
/// that needs both), checking that its type belongs to that key's aggregate.
pub fn decode_keyed(recorded: &RecordedEvent) -> Result<(StreamKey, Event), DecodeError> {
    decode_in(&recorded.stream_id, &recorded.event_type, recorded.schema_version, &recorded.payload)
}

/// Decodes an event a command loaded from `stream` ([`kernel::EventStore::load_stream`]),
/// checking that its type belongs to the stream's aggregate.
pub fn decode_loaded(stream: &StreamId, loaded: &LoadedEvent) -> Result<Event, DecodeError> {
    decode_in(stream, &loaded.event_type, loaded.schema_version, &loaded.payload).map(|(_, event)| event)
}

fn decode_in(
    stream: &StreamId,
    event_type: &EventType,
    schema_version: u32,
    payload: &Payload,
) -> Result<(StreamKey, Event), DecodeError> {
    let event = decode(event_type, schema_version, payload)?;
    match StreamKey::parse(stream) {
        Ok(key) if key.aggregate() == event.aggregate() => Ok((key, event)),
        _ => Err(DecodeError::WrongStream {
            name: event_type.to_string(),
            aggregate: event.aggregate(),
            stream: stream.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_are_unique_and_valid() {
        let mut names: Vec<String> = CATALOGUE.iter().map(EventSpec::name).collect();
        for name in &names {
            assert!(EventType::parse(name.clone()).is_ok(), "{name}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
    }

    #[test]
    fn each_name_finds_its_own_entry_and_nothing_else_finds_one() {
        for spec in CATALOGUE {
            assert_eq!(lookup(&spec.name()), Some(spec));
        }
        for name in ["", "Commitment", "Made", "CommitmentMadeAgain", "BodyRecorded", "commitmentMade"] {
            assert_eq!(lookup(name), None, "{name}");
        }
    }

    #[test]
    fn every_upcaster_names_a_catalogued_older_version() {
        for u in UPCASTERS {
            let spec = lookup(u.name).expect("catalogued");
            assert!(u.from < spec.version, "{} v{}", u.name, u.from);
        }
        for spec in CATALOGUE {
            for from in 1..spec.version {
                assert!(UPCASTERS.iter().any(|u| u.name == spec.name() && u.from == from), "{} v{from}", spec.name());
            }
        }
    }

    #[test]
    fn unknown_and_newer_types_are_refused() {
        let payload = Payload::parse("{}").expect("payload");
        let unknown = EventType::parse("OrganisationMerged").expect("type");
        assert!(matches!(decode(&unknown, 1, &payload), Err(DecodeError::UnknownType(_))));
        let known = EventType::parse("OrganisationDissolved").expect("type");
        let err = decode(&known, 2, &payload).expect_err("newer");
        assert!(err.to_string().contains("upgrade Covenant"), "{err}");
        assert!(matches!(decode(&known, 1, &payload), Err(DecodeError::Malformed { .. })));
    }
}
