//! The event log as CloudEvents 1.0 in JSON (`docs/interchange.md`): each recorded event as one
//! JSON object carrying every field the hash chain covers, so that an export can be verified and
//! restored on its own. This module is the format ([`encode`], [`encode_binary`], [`decode`], the
//! type names and the log's URI); [`export`] reads the log a page at a time and encodes the events
//! a [`Filter`] selects; [`restore`](restore()) checks a whole file before it writes anything,
//! then restores it in batches, one transaction each, so that a run that was interrupted is
//! continued by the next.

mod export;
mod restore;

pub use export::{Export, Filter, FilterArgs, InvalidFilter};
pub use restore::{RestoreFileError, RestoreProgress, Restored, restore};

use std::borrow::Cow;
use std::fmt::Write as _;

use kernel::{
    EventId, EventStore, EventType, Hash, Metadata, Payload, Position, RecordedEvent, StoreError, StreamId, Timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

/// The CloudEvents version written and accepted.
pub const SPEC_VERSION: &str = "1.0";
/// What every event type starts with: `uk.covenant.<aggregate>.<event>.v<schema version>`.
pub const TYPE_PREFIX: &str = "uk.covenant.";
/// The media type of every event's `data`: its payload, a JSON object.
pub const DATA_CONTENT_TYPE: &str = "application/json";
/// The `source` of an event recorded without one names the log instead: this prefix and the
/// hash of the log's first event.
pub const LOG_URI_PREFIX: &str = "urn:covenant:log:";
/// Events read from the log per page while exporting, and restored per transaction while
/// importing (the store's limit for one restore).
pub const PAGE: usize = 10_000;

/// The CloudEvents `type` of a stored event type and schema version: the type name's words,
/// lowercased, the first (the aggregate) apart from the rest, which are joined by `_`, such as
/// `uk.covenant.commitment.progress_reported.v2` for `CommitmentProgressReported` version 2.
/// `None` when the name is not made of capitalised words of ASCII letters and digits, the form
/// every catalogued event type has.
pub fn type_name(event_type: &EventType, schema_version: u32) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for c in event_type.as_str().chars() {
        if c.is_ascii_uppercase() {
            words.push(c.to_ascii_lowercase().to_string());
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            words.last_mut()?.push(c);
        } else {
            return None;
        }
    }
    let (aggregate, rest) = words.split_first()?;
    let mut name = format!("{TYPE_PREFIX}{aggregate}");
    if !rest.is_empty() {
        let _ = write!(name, ".{}", rest.join("_"));
    }
    let _ = write!(name, ".v{schema_version}");
    Some(name)
}

/// Reads a CloudEvents `type` back into the stored type name and, when it ends in `.v<N>`, the
/// schema version: the inverse of [`type_name`].
pub fn parse_type_name(text: &str) -> Result<(EventType, Option<u32>), String> {
    let wrong = || {
        format!(
            "'{text}' is not a Covenant event type: give one such as uk.covenant.commitment.progress_reported.v2 (see docs/interchange.md)"
        )
    };
    let rest = text.strip_prefix(TYPE_PREFIX).ok_or_else(wrong)?;
    let (rest, version) = match rest.rsplit_once(".v") {
        Some((name, digits)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(digits.parse::<u32>().map_err(|_| wrong())?))
        }
        _ => (rest, None),
    };
    let segments: Vec<&str> = rest.split('.').collect();
    if segments.len() > 2 || segments[0].contains('_') {
        return Err(wrong());
    }
    let mut name = String::with_capacity(rest.len());
    for word in segments.iter().flat_map(|s| s.split('_')) {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) if first.is_ascii_lowercase() => name.push(first.to_ascii_uppercase()),
            _ => return Err(wrong()),
        }
        for c in chars {
            if !(c.is_ascii_lowercase() || c.is_ascii_digit()) {
                return Err(wrong());
            }
            name.push(c);
        }
    }
    Ok((EventType::parse(name).map_err(|_| wrong())?, version))
}

/// One event as a CloudEvent: the attributes, the extensions, and the payload as `data`.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    specversion: Cow<'a, str>,
    id: Uuid,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    subject: Cow<'a, str>,
    #[serde(borrow)]
    time: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    datacontenttype: Option<Cow<'a, str>>,
    #[serde(borrow)]
    recordedtime: Cow<'a, str>,
    /// The position, zero-padded to 20 digits: the sequence extension asks for a string that
    /// sorts in order.
    #[serde(borrow)]
    sequence: Cow<'a, str>,
    streamversion: u64,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    correlationid: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    causationid: Option<Uuid>,
    prevhash: Hash,
    hash: Hash,
    /// Written last, from the stored canonical text as it is.
    #[serde(borrow, default, skip_serializing)]
    data: Option<&'a RawValue>,
}

/// Why an event cannot be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "the event at position {position} has type {event_type}, which has no CloudEvents name: only types made of capitalised words of letters and digits can be exported"
    )]
    Unnamed { position: Position, event_type: EventType },
    #[error(
        "the event at position {position} was recorded with the source '{source_text}', which reads as the URI Covenant gives events recorded without a source: it cannot be exported faithfully"
    )]
    ReservedSource { position: Position, source_text: String },
    #[error("failed to write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The URI naming a log: [`LOG_URI_PREFIX`] and the hash of its first event.
pub fn log_uri(first: &Hash) -> String {
    format!("{LOG_URI_PREFIX}{first}")
}

/// The attributes and extensions of one recorded event, its payload apart. `log` is the
/// `source` given to an event recorded without one ([`log_uri`]).
fn envelope<'a>(event: &'a RecordedEvent, log: &'a str) -> Result<Envelope<'a>, ExportError> {
    let m = &event.metadata;
    let kind = type_name(&event.event_type, event.schema_version)
        .ok_or_else(|| ExportError::Unnamed { position: event.position, event_type: event.event_type.clone() })?;
    let source = match &m.source {
        Some(source) if source.starts_with(LOG_URI_PREFIX) => {
            return Err(ExportError::ReservedSource { position: event.position, source_text: source.clone() });
        }
        Some(source) => source.as_str(),
        None => log,
    };
    Ok(Envelope {
        specversion: SPEC_VERSION.into(),
        id: event.event_id.0,
        source: source.into(),
        kind: kind.into(),
        subject: event.stream_id.as_str().into(),
        time: m.occurred_at.to_string().into(),
        datacontenttype: Some(DATA_CONTENT_TYPE.into()),
        recordedtime: event.recorded_at.to_string().into(),
        sequence: format!("{:020}", event.position.0).into(),
        streamversion: event.stream_version,
        actor: m.actor.as_str().into(),
        correlationid: m.correlation_id,
        causationid: m.causation_id,
        prevhash: event.prev_hash,
        hash: event.hash,
        data: None,
    })
}

/// The `source` given to events recorded without one in `store`'s log: [`log_uri`] of its first
/// event, or of the genesis hash while the log is empty.
pub async fn log_source(store: &dyn EventStore) -> Result<String, StoreError> {
    let first = store.read_all(Position::ZERO, 1).await?;
    Ok(first.first().map_or_else(|| log_uri(&Hash::GENESIS), |e| log_uri(&e.hash)))
}

/// Encodes one recorded event as a CloudEvent, one line of JSON without its newline. `log` is
/// the `source` given to an event recorded without one ([`log_uri`]).
pub fn encode(event: &RecordedEvent, log: &str) -> Result<String, ExportError> {
    let envelope = envelope(event, log)?;
    // The payload is already canonical JSON: it is placed as it is, not parsed and written again.
    let mut line = serde_json::to_string(&envelope).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    line.pop();
    line.push_str(",\"data\":");
    line.push_str(event.payload.as_str());
    line.push('}');
    Ok(line)
}

/// The header that carries the media type of the data in binary mode, in place of a
/// `datacontenttype` attribute.
pub const CONTENT_TYPE_HEADER: &str = "content-type";
/// What every attribute's header starts with in binary mode.
pub const HEADER_PREFIX: &str = "ce-";

/// A CloudEvent in binary content mode: its attributes as headers, its data apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary<'a> {
    /// Each header's name and value, in no particular order.
    pub headers: Vec<(String, String)>,
    /// The payload, as it is stored.
    pub data: &'a str,
}

/// Encodes one recorded event as a CloudEvent in binary content mode, as the NATS and HTTP
/// bindings lay it out: each attribute and extension of [`encode`]'s JSON as a header named
/// `ce-<name>` holding its value as text, `datacontenttype` as `content-type`, and the payload,
/// as it is stored, as the message's data. The same attributes as the JSON format, with the
/// same values.
pub fn encode_binary<'a>(event: &'a RecordedEvent, log: &str) -> Result<Binary<'a>, ExportError> {
    let envelope = envelope(event, log)?;
    let fields = match serde_json::to_value(&envelope).map_err(|e| StoreError::Unavailable(e.to_string()))? {
        serde_json::Value::Object(fields) => fields,
        other => return Err(StoreError::Unavailable(format!("an envelope encoded as {other}")).into()),
    };
    let headers = fields
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            if name == "datacontenttype" {
                (CONTENT_TYPE_HEADER.to_owned(), text)
            } else {
                (format!("{HEADER_PREFIX}{name}"), text)
            }
        })
        .collect();
    Ok(Binary { headers, data: event.payload.as_str() })
}

/// Decodes one line written by [`encode`] back into the event it describes. The hash is read,
/// not recomputed: checking it is the chain's business.
pub fn decode(line: &str) -> Result<RecordedEvent, String> {
    let e: Envelope<'_> = serde_json::from_str(line).map_err(|e| format!("it is not a Covenant CloudEvent: {e}"))?;
    if e.specversion != SPEC_VERSION {
        return Err(format!("specversion is {}: Covenant reads CloudEvents {SPEC_VERSION}", e.specversion));
    }
    if let Some(media) = e.datacontenttype.as_deref().filter(|m| *m != DATA_CONTENT_TYPE) {
        return Err(format!("datacontenttype is {media}: Covenant's events carry {DATA_CONTENT_TYPE}"));
    }
    let (event_type, version) = parse_type_name(&e.kind)?;
    let schema_version =
        version.ok_or_else(|| format!("type {} names no schema version: end it with .v1, .v2, ...", e.kind))?;
    let position =
        e.sequence.parse::<u64>().ok().filter(|p| *p > 0).ok_or_else(|| {
            format!("sequence '{}' is not a position: give the event's position, such as 1", e.sequence)
        })?;
    let data = e.data.ok_or("data is missing: give the event's payload, a JSON object")?;
    let time = |name: &str, text: &str| Timestamp::parse(text).map_err(|error| format!("{name}: {error}"));
    Ok(RecordedEvent {
        position: Position(position),
        stream_id: StreamId::parse(e.subject.as_ref()).map_err(|error| format!("subject: {error}"))?,
        stream_version: e.streamversion,
        event_id: EventId(e.id),
        event_type,
        schema_version,
        payload: Payload::parse(data.get()).map_err(|error| format!("data: {error}"))?,
        metadata: Metadata {
            actor: e.actor.into_owned(),
            correlation_id: e.correlationid,
            causation_id: e.causationid,
            source: (!e.source.starts_with(LOG_URI_PREFIX)).then(|| e.source.into_owned()),
            occurred_at: time("time", &e.time)?,
        },
        recorded_at: time("recordedtime", &e.recordedtime)?,
        prev_hash: e.prevhash,
        hash: e.hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(name: &str) -> EventType {
        EventType::parse(name).expect("valid")
    }

    #[test]
    fn type_names_are_reverse_dns_versioned_and_read_back() {
        for (name, version, expected) in [
            ("CommitmentProgressReported", 2, "uk.covenant.commitment.progress_reported.v2"),
            ("ResolutionCallInRejected", 1, "uk.covenant.resolution.call_in_rejected.v1"),
            ("OrganisationRegistered", 1, "uk.covenant.organisation.registered.v1"),
            ("Registered", 3, "uk.covenant.registered.v3"),
            ("IndicatorMeasured2024", 1, "uk.covenant.indicator.measured2024.v1"),
        ] {
            let named = type_name(&stored(name), version).expect("named");
            assert_eq!(named, expected);
            assert_eq!(parse_type_name(&named), Ok((stored(name), Some(version))));
        }
        assert_eq!(
            parse_type_name("uk.covenant.commitment.progress_reported"),
            Ok((stored("CommitmentProgressReported"), None))
        );
        for unnamed in ["commitment.made", "Commitment-Made", "commitmentMade"] {
            assert_eq!(type_name(&stored(unnamed), 1), None, "{unnamed}");
        }
        for wrong in [
            "org.example.commitment.made.v1",
            "uk.covenant.Commitment.made.v1",
            "uk.covenant.commitment.made.extra.v1",
            "uk.covenant.commitment_made.v1",
            "uk.covenant..v1",
        ] {
            assert!(parse_type_name(wrong).is_err(), "{wrong}");
        }
    }

    fn event(source: Option<&str>, causation: Option<Uuid>) -> RecordedEvent {
        let mut event = RecordedEvent {
            position: Position(12),
            stream_id: StreamId::parse("resolution-west-lindsey-pcc-2021-03-09-45").expect("valid"),
            stream_version: 1,
            event_id: EventId::new(),
            event_type: stored("ResolutionRecorded"),
            schema_version: 1,
            payload: Payload::parse(
                r#"{"outcome":"adopted","text":"RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives of the Homes for Independence Blueprint.","score":0.1}"#,
            )
            .expect("valid"),
            metadata: Metadata {
                actor: "democratic.services@west-lindsey.gov.uk".into(),
                correlation_id: Uuid::now_v7(),
                causation_id: causation,
                source: source.map(str::to_owned),
                occurred_at: Timestamp::parse("2021-03-09T18:30:00.000125Z").expect("valid"),
            },
            recorded_at: Timestamp::parse("2021-03-10T09:12:44.5Z").expect("valid"),
            prev_hash: Hash([3; 32]),
            hash: Hash::GENESIS,
        };
        event.hash = kernel::event_hash(&event);
        event
    }

    #[test]
    fn an_event_round_trips_through_a_line() {
        let log = log_uri(&Hash([9; 32]));
        for e in
            [event(Some("West Lindsey PCC minutes, 9 March 2021, minute 45"), Some(Uuid::now_v7())), event(None, None)]
        {
            let line = encode(&e, &log).expect("encodes");
            assert!(!line.contains('\n'));
            let value: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            assert_eq!(value["specversion"], "1.0");
            assert_eq!(value["type"], "uk.covenant.resolution.recorded.v1");
            assert_eq!(value["subject"], "resolution-west-lindsey-pcc-2021-03-09-45");
            assert_eq!(value["time"], "2021-03-09T18:30:00.000125Z");
            assert_eq!(value["sequence"], "00000000000000000012");
            assert_eq!(value["data"]["outcome"], "adopted");
            assert_eq!(value["causationid"].is_null(), e.metadata.causation_id.is_none());
            let expected_source = e.metadata.source.clone().unwrap_or_else(|| log.clone());
            assert_eq!(value["source"], expected_source.as_str());
            for key in value.as_object().expect("object").keys() {
                assert!(key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{key}");
            }
            let back = decode(&line).expect("decodes");
            assert_eq!(back, e);
            assert_eq!(kernel::event_hash(&back), e.hash);
        }
    }

    #[test]
    fn binary_mode_carries_the_json_formats_attributes_as_headers() {
        let log = log_uri(&Hash([9; 32]));
        for e in [event(Some("minute 45"), Some(Uuid::now_v7())), event(None, None)] {
            let json: serde_json::Value = serde_json::from_str(&encode(&e, &log).expect("encodes")).expect("JSON");
            let Binary { headers, data } = encode_binary(&e, &log).expect("encodes");
            assert_eq!(data, e.payload.as_str());
            assert_eq!(serde_json::from_str::<serde_json::Value>(data).expect("JSON"), json["data"]);
            let fields = json.as_object().expect("object");
            // Every attribute but the data is a header, and nothing else is.
            assert_eq!(headers.len(), fields.len() - 1);
            for (name, value) in &headers {
                let attribute = match name.as_str() {
                    CONTENT_TYPE_HEADER => "datacontenttype",
                    other => other.strip_prefix(HEADER_PREFIX).expect("prefixed"),
                };
                let expected = match &fields[attribute] {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                assert_eq!(value, &expected, "{name}");
            }
            let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
            assert_eq!(header("ce-id"), Some(e.event_id.0.to_string().as_str()));
            assert_eq!(header("ce-type"), Some("uk.covenant.resolution.recorded.v1"));
            assert_eq!(header("ce-streamversion"), Some("1"));
            assert_eq!(header("content-type"), Some("application/json"));
            assert_eq!(header("ce-causationid").is_some(), e.metadata.causation_id.is_some());
        }
    }

    #[test]
    fn a_line_that_is_not_a_covenant_event_says_what_is_wrong() {
        let line = encode(&event(None, None), "urn:covenant:log:00").expect("encodes");
        let cases = [
            (line.replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "Covenant reads CloudEvents 1.0"),
            (line.replace(".recorded.v1", ".recorded"), "names no schema version"),
            (line.replace("\"00000000000000000012\"", "\"twelve\""), "is not a position"),
            (line.replace("2021-03-09T18:30:00.000125Z", "09/03/2021"), "time: "),
            (line.replace("application/json", "text/xml"), "datacontenttype is text/xml"),
            ("{\"specversion\":\"1.0\"}".to_owned(), "missing field"),
        ];
        for (text, expected) in cases {
            let error = decode(&text).expect_err("refused");
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn a_source_that_reads_as_the_log_is_not_exported() {
        let e = event(Some("urn:covenant:log:abc"), None);
        assert!(matches!(encode(&e, "urn:covenant:log:00"), Err(ExportError::ReservedSource { .. })));
    }

    #[test]
    fn filters_are_read_and_say_what_is_wrong() {
        let filter = Filter::parse(FilterArgs {
            after: Some(10),
            until: Some(20),
            stream: Some("commitment-hhcdg-delivery-plan"),
            event_type: Some("uk.covenant.commitment.progress_reported"),
            from: Some("2021-01-01"),
            to: Some("2021-12-31"),
        })
        .expect("valid");
        assert_eq!(filter.event_type, Some((stored("CommitmentProgressReported"), None)));
        assert_eq!(filter.to, Some(Timestamp::parse("2021-12-31T23:59:59.999999Z").expect("valid")));
        let by_name = Filter::parse(FilterArgs { event_type: Some("ResolutionRecorded"), ..FilterArgs::default() });
        assert_eq!(by_name.expect("valid").event_type, Some((stored("ResolutionRecorded"), None)));
        let refused = |args: FilterArgs<'_>| Filter::parse(args).expect_err("refused");
        assert_eq!(refused(FilterArgs { after: Some(5), until: Some(5), ..FilterArgs::default() }).parameter, "until");
        assert_eq!(refused(FilterArgs { from: Some("09/03/2021"), ..FilterArgs::default() }).parameter, "from");
        let backwards = FilterArgs { from: Some("2021-03-10"), to: Some("2021-03-09"), ..FilterArgs::default() };
        assert_eq!(refused(backwards).parameter, "to");
        assert_eq!(
            refused(FilterArgs { event_type: Some("uk.covenant.Made"), ..FilterArgs::default() }).parameter,
            "type"
        );

        let e = event(None, None);
        let select = |args: FilterArgs<'_>| Filter::parse(args).expect("valid").matches(&e);
        assert!(select(FilterArgs::default()));
        assert!(select(FilterArgs { event_type: Some("uk.covenant.resolution.recorded.v1"), ..FilterArgs::default() }));
        assert!(!select(FilterArgs {
            event_type: Some("uk.covenant.resolution.recorded.v2"),
            ..FilterArgs::default()
        }));
        assert!(select(FilterArgs { from: Some("2021-03-09"), to: Some("2021-03-09"), ..FilterArgs::default() }));
        assert!(!select(FilterArgs { from: Some("2021-03-10"), ..FilterArgs::default() }));
        assert!(!select(FilterArgs {
            stream: Some("resolution-lincolnshire-hwb-2020-12-01-7"),
            ..FilterArgs::default()
        }));
    }
}
