//! The event log as CloudEvents: the seed stories exported and restored into an empty store give
//! the same read models and a chain that verifies with the same head hash; a tampered file, a
//! file with an event removed and a store that is not empty are refused with nothing written; an
//! import interrupted part way and run again ends as a clean import does; and the export's
//! filters select what they say, in pieces that verify on their own. An export holding a control
//! character (which a log kept before they were refused may hold, and PostgreSQL cannot store)
//! names the line of that event and writes nothing.

use std::io::Cursor;

use app::interchange::cloudevents::{self, Export, Filter, FilterArgs, RestoreFileError, Restored};
use app::{Recorder, Stores};
use domain::testing::default_now;
use kernel::{
    ChainHead, ChainVerifier, EventStore, InvalidAppend, InvalidRestore, Position, RecordedEvent, VerifyFailure,
};
use projections::ReadModels;
use tests::national_log::record_governance_log;
use tests::{TestStore, on_both_backends};

on_both_backends!(
    the_seed_stories_round_trip_to_the_same_read_models_and_head,
    a_tampered_file_is_refused_and_writes_nothing,
    a_store_that_is_not_empty_is_refused,
    an_event_holding_a_control_character_is_refused_by_its_line,
    an_interrupted_import_run_again_ends_as_a_clean_import,
    filters_select_what_they_say_and_each_piece_verifies,
);

async fn record_seed_stories(stores: &Stores) {
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
}

/// The export of `stores`' log that `filter` selects, as JSON Lines.
async fn export(stores: &Stores, filter: Filter) -> String {
    let mut export = Export::start(stores.events.clone(), filter).await.expect("the export starts");
    let mut text = Vec::new();
    export.write_to(&mut text, |_| ()).await.expect("the export is written");
    String::from_utf8(text).expect("UTF-8")
}

async fn import(store: &dyn EventStore, text: &str) -> Result<Restored, RestoreFileError> {
    cloudevents::restore(store, || Ok(Cursor::new(text.as_bytes())), |_| ()).await
}

async fn every_event(store: &dyn EventStore) -> Vec<RecordedEvent> {
    store.read_all(Position::ZERO, usize::MAX).await.expect("the log reads")
}

async fn read_models(stores: &Stores) -> ReadModels {
    app::views::current(stores, |_, _| ()).await.expect("the read models build").0
}

async fn the_seed_stories_round_trip_to_the_same_read_models_and_head(db: &TestStore) {
    let source = db.stores().await;
    record_seed_stories(&source).await;
    let text = export(&source, Filter::default()).await;
    let exported = every_event(source.events.as_ref()).await;
    assert_eq!(text.lines().count(), exported.len());
    assert!(exported.len() > 200, "the seed stories hold {} events", exported.len());

    let empty = db.another().await;
    let target = empty.stores().await;
    let imported = import(target.events.as_ref(), &text).await.expect("the export is restored");
    let head = source.events.head().await.expect("the head reads");
    assert_eq!(
        imported,
        Restored { events: exported.len() as u64, already_present: 0, written: exported.len() as u64, head }
    );
    let verified = target.events.verify(None).await.expect("the chain is read");
    assert!(verified.is_ok(), "{:?}", verified.failure);
    assert_eq!(verified.verified_head, head, "the restored chain ends with the same head hash");
    assert_eq!(every_event(target.events.as_ref()).await, exported, "ids, times, actors, sources and hashes kept");
    assert_eq!(read_models(&target).await, read_models(&source).await);
    empty.finish().await;
}

async fn a_tampered_file_is_refused_and_writes_nothing(db: &TestStore) {
    let source = db.stores().await;
    record_seed_stories(&source).await;
    let text = export(&source, Filter::default()).await;
    let lines: Vec<&str> = text.lines().collect();
    let resolution = lines
        .iter()
        .position(|l| {
            l.contains("\"type\":\"uk.covenant.resolution.recorded.v2\"")
                && l.contains("\"subject\":\"resolution-west-lindsey-pcc-2021-03-09-45\"")
        })
        .expect("West Lindsey's resolution is exported");
    let adopted = lines[resolution].replace("adopt and agree", "note and consider");
    assert_ne!(adopted, lines[resolution], "the resolution's text is changed");
    let mut altered = lines.clone();
    altered[resolution] = &adopted;
    let mut removed = lines.clone();
    removed.remove(resolution);

    let later = lines.len() - 1;
    assert!(later > resolution + 1, "the resolution is not the last event");
    let mut altered_and_cut = altered.clone();
    altered_and_cut[later] = "{\"specversion\": \"1.0\", \"id\": ";
    let mut cut = lines.clone();
    cut[later] = altered_and_cut[later];

    let target = db.another().await;
    // A line cut short after the changed one: the earlier fault is the one reported.
    for (what, file) in [
        ("a payload changed", altered),
        ("an event removed", removed),
        ("a payload changed, a later line cut short", altered_and_cut),
    ] {
        let error = import(target.store(), &(file.join("\n") + "\n")).await.expect_err(what);
        let position = Position(resolution as u64 + 1);
        match &error {
            RestoreFileError::Chain { line, failure } => {
                assert_eq!(*line, resolution as u64 + 1, "{what}: {error}");
                match failure {
                    VerifyFailure::HashMismatch { position: at, .. } => assert_eq!(*at, position, "{what}"),
                    VerifyFailure::Gap { expected, .. } => assert_eq!(*expected, position, "{what}"),
                    other => panic!("{what}: {other}"),
                }
            }
            other => panic!("{what}: {other}"),
        }
        assert!(error.to_string().contains("nothing was written"), "{error}");
        assert_eq!(target.store().head().await.expect("head"), ChainHead::default(), "{what}: nothing written");
    }
    let error = import(target.store(), &(cut.join("\n") + "\n")).await.expect_err("a line cut short");
    match &error {
        RestoreFileError::Line { line, detail } => {
            assert_eq!(*line, later as u64 + 1, "{error}");
            assert!(detail.contains("not a Covenant CloudEvent"), "{error}");
        }
        other => panic!("a line cut short: {other}"),
    }
    assert_eq!(target.store().head().await.expect("head"), ChainHead::default(), "a line cut short: nothing written");
    target.finish().await;
}

async fn a_store_that_is_not_empty_is_refused(db: &TestStore) {
    let source = db.stores().await;
    record_seed_stories(&source).await;
    let text = export(&source, Filter::default()).await;

    let other = db.another().await;
    let stores = other.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), default_now()).await.expect("recorded");
    let before = every_event(other.store()).await;
    let error = import(other.store(), &text).await.expect_err("the store holds other events");
    assert!(matches!(error, RestoreFileError::StoreNotEmpty { position: Position(1) }), "{error}");
    assert!(error.to_string().contains("import into an empty database"), "{error}");
    assert_eq!(every_event(other.store()).await, before, "nothing written");

    // A store holding more than the file is refused as well, even when it starts the same way.
    let first_half: String = text.lines().take(40).map(|l| format!("{l}\n")).collect();
    let error = import(source.events.as_ref(), &first_half).await.expect_err("the store holds more");
    assert!(matches!(error, RestoreFileError::StoreHoldsMore { events: 40, .. }), "{error}");
    other.finish().await;
}

/// `events` re-hashed from `from` on, as the log that held them would have chained them.
fn rehash(events: &mut [RecordedEvent], from: usize) {
    for n in from..events.len() {
        if n > 0 {
            events[n].prev_hash = events[n - 1].hash;
        }
        events[n].hash = kernel::event_hash(&events[n]);
    }
}

async fn an_event_holding_a_control_character_is_refused_by_its_line(db: &TestStore) {
    let source = db.stores().await;
    let recorder = Recorder::new(source.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), default_now()).await.expect("recorded");
    let text = export(&source, Filter::default()).await;
    let exported: Vec<RecordedEvent> =
        text.lines().map(|l| cloudevents::decode(l).expect("a line of the export")).collect();
    let at = exported.len() / 2;
    let log = cloudevents::log_uri(&exported[0].hash);

    let mut in_source = exported.clone();
    in_source[at].metadata.source = Some("West Lindsey minute 45\0".into());
    let mut in_payload = exported.clone();
    let mut payload = in_payload[at].payload.to_value().expect("JSON");
    payload["note"] = "Agreed\u{0}".into();
    in_payload[at].payload = kernel::Payload::from_value(&payload).expect("a payload");
    let target = db.another().await;
    for (what, mut events, expected) in [
        ("a NUL in the source", in_source, "source contains a control character (U+0000) at byte 22: remove it"),
        ("a NUL in the payload", in_payload, "note contains a control character (U+0000) at byte 6: remove it"),
    ] {
        rehash(&mut events, at);
        let file: String = events.iter().map(|e| cloudevents::encode(e, &log).expect("encodes") + "\n").collect();
        let error = import(target.store(), &file).await.expect_err(what);
        match &error {
            RestoreFileError::Invalid {
                line,
                error: InvalidRestore::Invalid { error: InvalidAppend::ControlCharacter { .. }, .. },
            } => {
                assert_eq!(*line, at as u64 + 1, "{what}: {error}");
            }
            other => panic!("{what}: {other}"),
        }
        let message = error.to_string();
        assert!(message.starts_with(&format!("line {}: ", at + 1)), "{what}: {message}");
        assert!(message.contains(expected) && message.ends_with("nothing was written"), "{what}: {message}");
        assert_eq!(target.store().head().await.expect("head"), ChainHead::default(), "{what}: nothing written");
    }
    target.finish().await;
}

async fn an_interrupted_import_run_again_ends_as_a_clean_import(db: &TestStore) {
    let source = db.stores().await;
    // Long enough for several batches of 10,000, so that the interruption falls inside one.
    record_governance_log(source.events.as_ref(), 25_000, 10_000).await.expect("the log appends");
    record_seed_stories(&source).await;
    let text = export(&source, Filter::default()).await;
    let exported = every_event(source.events.as_ref()).await;

    let target = db.another().await;
    let cut: String = text.lines().take(12_345).map(|l| format!("{l}\n")).collect();
    let partial = import(target.store(), &cut).await.expect("the first part is restored");
    assert_eq!((partial.written, partial.head.position), (12_345, Position(12_345)));

    let resumed = import(target.store(), &text).await.expect("the import continues");
    assert_eq!(resumed.already_present, 12_345);
    assert_eq!(resumed.written, exported.len() as u64 - 12_345);
    assert_eq!(every_event(target.store()).await, exported, "the same log as a clean import");
    let verified = target.store().verify(None).await.expect("the chain is read");
    assert!(verified.is_ok(), "{:?}", verified.failure);
    assert_eq!(verified.verified_head, source.events.head().await.expect("head"));
    assert_eq!(read_models(&target.stores().await).await, read_models(&source).await);

    let again = import(target.store(), &text).await.expect("a third run finds everything in place");
    assert_eq!((again.already_present, again.written), (exported.len() as u64, 0));
    target.finish().await;
}

async fn filters_select_what_they_say_and_each_piece_verifies(db: &TestStore) {
    let source = db.stores().await;
    record_seed_stories(&source).await;
    let all = every_event(source.events.as_ref()).await;
    let exported = async |args: FilterArgs<'_>| -> Vec<RecordedEvent> {
        let text = export(&source, Filter::parse(args).expect("a valid filter")).await;
        text.lines().map(|l| cloudevents::decode(l).expect("each line decodes")).collect()
    };

    let range = exported(FilterArgs { after: Some(20), until: Some(60), ..FilterArgs::default() }).await;
    assert_eq!(range, all[20..60]);
    // A range verifies on its own, trusting only its first event's link.
    let mut verifier = ChainVerifier::new(ChainHead { position: Position(20), hash: range[0].prev_hash });
    assert!(range.iter().all(|e| verifier.check(e).is_ok()));

    let stream = "resolution-west-lindsey-pcc-2021-03-09-45";
    let of_stream = exported(FilterArgs { stream: Some(stream), ..FilterArgs::default() }).await;
    let expected: Vec<_> = all.iter().filter(|e| e.stream_id.as_str() == stream).cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(of_stream, expected);
    // Each event of a selection still proves its own content against its hash.
    assert!(of_stream.iter().all(|e| kernel::event_hash(e) == e.hash));

    let decided_2021 = exported(FilterArgs {
        event_type: Some("uk.covenant.resolution.recorded"),
        from: Some("2021-01-01"),
        to: Some("2021-12-31"),
        ..FilterArgs::default()
    })
    .await;
    let expected: Vec<_> = all
        .iter()
        .filter(|e| e.event_type.as_str() == "ResolutionRecorded")
        .filter(|e| e.metadata.occurred_at.to_string().starts_with("2021-"))
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(decided_2021, expected);

    // A piece of the log is not a whole export, and is not restored.
    let piece =
        export(&source, Filter::parse(FilterArgs { after: Some(20), ..FilterArgs::default() }).expect("valid")).await;
    let target = db.another().await;
    let error = import(target.store(), &piece).await.expect_err("not from position 1");
    assert!(matches!(error, RestoreFileError::NotFromStart { line: 1, position: Position(21) }), "{error}");
    target.finish().await;
}
