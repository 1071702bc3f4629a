//! The stored form of events: every event round-trips through encode and decode, the catalogue
//! in code and `docs/events.md` agree, and stored version 1 payloads still decode through the
//! upcaster.

use std::collections::{BTreeMap, BTreeSet};

use domain::codec::{self, CATALOGUE, DecodeError};
use domain::{Event, commitment, resolution};
use kernel::{EventType, Payload};

#[test]
fn every_catalogued_event_is_emitted_and_round_trips() {
    let corpus = domain::testing::corpus(app::seeds::seeded());
    let mut seen = BTreeSet::new();
    for event in &corpus {
        let (event_type, version, payload) = codec::encode(event).expect("encodes");
        seen.insert(event_type.to_string());
        let back = codec::decode(&event_type, version, &payload).expect("decodes");
        assert_eq!(&back, event);
    }
    let catalogued: BTreeSet<String> = CATALOGUE.iter().map(|s| s.name()).collect();
    assert_eq!(seen, catalogued, "the test corpus should emit every catalogued event type");
}

/// Reads `docs/events.md`: each `### Name (vN)` heading and the backticked names on its
/// `Fields:` line.
fn documented() -> BTreeMap<String, (u32, BTreeSet<String>)> {
    let text = include_str!("../../../docs/events.md");
    let mut out = BTreeMap::new();
    let mut current: Option<(String, u32)> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            let (name, version) = heading.split_once(" (v").expect("heading is '### Name (vN)'");
            let version = version.trim_end_matches(')').parse().expect("version number");
            current = Some((name.trim_matches('`').to_owned(), version));
        } else if let Some(fields) = line.strip_prefix("Fields:") {
            let (name, version) = current.clone().expect("fields follow a heading");
            let names = fields.split('`').skip(1).step_by(2).map(str::to_owned).collect();
            out.insert(name, (version, names));
        }
    }
    out
}

#[test]
fn the_catalogue_document_matches_the_code() {
    let docs = documented();
    let code: BTreeMap<String, u32> = CATALOGUE.iter().map(|s| (s.name(), s.version)).collect();
    let doc_versions: BTreeMap<String, u32> = docs.iter().map(|(n, (v, _))| (n.clone(), *v)).collect();
    assert_eq!(doc_versions, code, "docs/events.md and codec::CATALOGUE list different events or versions");
    for event in domain::testing::corpus(app::seeds::seeded()) {
        let (event_type, _, payload) = codec::encode(&event).expect("encodes");
        let fields: BTreeSet<String> = match payload.to_value().expect("json") {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            _ => panic!("payload is an object"),
        };
        assert_eq!(fields, docs[event_type.as_str()].1, "fields of {event_type} in docs/events.md");
    }
}

fn fixture(name: &str) -> (EventType, u32, Payload) {
    let text = match name {
        "progress_reported_v1" => include_str!("fixtures/commitment_progress_reported_v1.json"),
        "progress_reported_v1_no_evidence" => include_str!("fixtures/commitment_progress_reported_v1_no_evidence.json"),
        "resolution_recorded_v1" => include_str!("fixtures/resolution_recorded_v1.json"),
        _ => panic!("no fixture {name}"),
    };
    let stored: serde_json::Value = serde_json::from_str(text).expect("fixture json");
    let event_type = EventType::parse(stored["event_type"].as_str().expect("type")).expect("type");
    let version = u32::try_from(stored["schema_version"].as_u64().expect("version")).expect("small");
    let payload = Payload::from_value(&stored["payload"]).expect("payload");
    (event_type, version, payload)
}

#[test]
fn stored_version_1_progress_reports_still_decode() {
    let (event_type, version, payload) = fixture("progress_reported_v1");
    assert_eq!(version, 1);
    let event = codec::decode(&event_type, version, &payload).expect("upcast");
    let Event::Commitment(commitment::Event::ProgressReported {
        status, percent_complete, evidence_refs, period, ..
    }) = event
    else {
        panic!("a progress report");
    };
    assert_eq!(status, domain::rag::Rag::Amber);
    assert_eq!(percent_complete, 40);
    assert_eq!(evidence_refs, ["HHCDG minutes, October 2021"]);
    assert_eq!(period.label, "2021/22 Q2");
    assert_eq!((period.from, period.to), (None, None));

    let (event_type, version, payload) = fixture("progress_reported_v1_no_evidence");
    let event = codec::decode(&event_type, version, &payload).expect("upcast");
    let Event::Commitment(commitment::Event::ProgressReported { evidence_refs, .. }) = event else {
        panic!("a progress report");
    };
    assert!(evidence_refs.is_empty());
}

#[test]
fn stored_version_1_resolutions_still_decode_as_not_exempt() {
    let (event_type, version, payload) = fixture("resolution_recorded_v1");
    assert_eq!(version, 1);
    let event = codec::decode(&event_type, version, &payload).expect("upcast");
    let Event::Resolution(resolution::Event::Recorded { id, minute_number, exempt_under, .. }) = event else {
        panic!("a resolution");
    };
    assert_eq!(id.as_str(), "west-lindsey-pcc-2021-03-09-45");
    assert_eq!(minute_number.as_deref(), Some("45"));
    assert_eq!(exempt_under, None);
}

#[test]
fn current_resolutions_are_written_at_version_2() {
    let event = domain::testing::corpus(app::seeds::seeded())
        .into_iter()
        .find(|e| matches!(e, Event::Resolution(resolution::Event::Recorded { .. })))
        .expect("a resolution in the corpus");
    let (event_type, version, _) = codec::encode(&event).expect("encodes");
    assert_eq!((event_type.as_str(), version), ("ResolutionRecorded", 2));
}

#[test]
fn a_broken_version_1_payload_names_the_upcast_failure() {
    let event_type = EventType::parse("CommitmentProgressReported").expect("type");
    let payload = Payload::parse(r#"{"rag":"green","percent":10}"#).expect("payload");
    let err = codec::decode(&event_type, 1, &payload).expect_err("missing fields");
    assert!(matches!(err, DecodeError::Upcast { .. }), "{err:?}");
    assert!(err.to_string().contains("field 'evidence' is missing"), "{err}");
}

#[test]
fn current_progress_reports_are_written_at_version_2() {
    let event = domain::testing::corpus(app::seeds::seeded())
        .into_iter()
        .find(|e| matches!(e, Event::Commitment(commitment::Event::ProgressReported { .. })))
        .expect("a progress report in the corpus");
    let (event_type, version, _) = codec::encode(&event).expect("encodes");
    assert_eq!((event_type.as_str(), version), ("CommitmentProgressReported", 2));
}

#[test]
fn a_current_payload_with_a_field_of_the_wrong_shape_is_malformed() {
    for event in domain::testing::corpus(app::seeds::seeded()) {
        let (event_type, version, payload) = codec::encode(&event).expect("encodes");
        let mut fields: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(payload.as_str()).expect("a JSON object");
        let Some(first) = fields.keys().next().cloned() else { continue };
        fields.insert(first.clone(), serde_json::json!({"not": "this"}));
        let broken = Payload::from_stored(serde_json::Value::Object(fields).to_string());
        let decoded = codec::decode(&event_type, version, &broken);
        assert!(matches!(decoded, Err(DecodeError::Malformed { .. })), "{event_type} with {first} broken: {decoded:?}");
    }
}

/// A stored event read as it was before the one-pass decoders: upcast as a JSON object, its
/// `aggregate` and `event` tags put back, and read through the internally tagged [`Event`].
fn read_through_the_tags(event_type: &EventType, version: u32, payload: &Payload) -> Event {
    let name = event_type.as_str();
    let spec = codec::lookup(name).expect("catalogued");
    let serde_json::Value::Object(mut fields) = payload.to_value().expect("json") else {
        panic!("{name}: the payload is not an object");
    };
    for from in version..spec.version {
        let upcaster = codec::UPCASTERS.iter().find(|u| u.name == name && u.from == from).expect("an upcaster");
        fields = (upcaster.apply)(fields).expect("upcasts");
    }
    fields.insert("aggregate".into(), spec.aggregate.prefix().into());
    fields.insert("event".into(), spec.variant.into());
    serde_json::from_value(serde_json::Value::Object(fields)).expect("reads through the tags")
}

#[test]
fn every_stored_event_decodes_in_one_pass_to_what_the_tagged_enum_reads_and_encodes_to_the_same_bytes() {
    let corpus = domain::testing::corpus(app::seeds::seeded());
    let mut stored: Vec<(EventType, u32, Payload)> =
        corpus.iter().map(|event| codec::encode(event).expect("encodes")).collect();
    let old = ["progress_reported_v1", "progress_reported_v1_no_evidence", "resolution_recorded_v1"];
    stored.extend(old.map(fixture));
    let mut upcast = 0;
    for (event_type, version, payload) in &stored {
        let event = codec::decode(event_type, *version, payload).expect("decodes");
        assert_eq!(event, read_through_the_tags(event_type, *version, payload), "{event_type} v{version}");
        let (again_type, again_version, again) = codec::encode(&event).expect("encodes");
        assert_eq!(&again_type, event_type);
        if again_version == *version {
            assert_eq!(again.as_str(), payload.as_str(), "{event_type} v{version} encodes to other bytes");
        } else {
            // An older version is written anew at the current one.
            assert_eq!(Some(again_version), codec::lookup(event_type.as_str()).map(|spec| spec.version));
            upcast += 1;
        }
    }
    assert_eq!(upcast, old.len(), "every old version's fixture was upcast");
    assert!(stored.len() > 100, "the corpus holds the seed stories: {} events", stored.len());
}
