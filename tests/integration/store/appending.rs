//! Appends: expectations, atomicity across streams, idempotent retries and refused input.

use kernel::{
    AppendError, AppendRequest, ChainHead, EventId, Expected, InvalidAppend, InvalidRestore, MAX_PAYLOAD_BYTES,
    Payload, Position, RecordedEvent, RestoreError, StreamAppend, StreamBound, StreamId, event_hash,
};
use tests::{TestStore, on_both_backends, progress_report, stream};

on_both_backends!(
    expectations_guard_each_stream,
    a_failed_expectation_writes_nothing_for_any_stream,
    a_retried_batch_returns_the_original_positions,
    a_reused_event_id_with_different_content_is_refused,
    a_large_batch_is_answered_for_recorded_ids_as_a_small_one_is,
    bad_input_is_refused_with_nothing_written,
);

async fn expectations_guard_each_stream(db: &TestStore) {
    let store = db.store();
    let s = stream("commitment-hfi-01");
    let first = store
        .append(AppendRequest::single(s.clone(), Expected::NoStream, vec![progress_report("hfi-01", 1)]))
        .await
        .expect("a new stream accepts NoStream");
    assert_eq!(first.positions, [Position(1)]);
    assert_eq!(first.stream_versions, [(s.clone(), 1)]);

    let again =
        store.append(AppendRequest::single(s.clone(), Expected::NoStream, vec![progress_report("hfi-01", 2)])).await;
    match again {
        Err(AppendError::Conflict(c)) => {
            assert_eq!((c.stream, c.expected, c.actual), (s.clone(), Expected::NoStream, 1));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let stale =
        store.append(AppendRequest::single(s.clone(), Expected::Exactly(3), vec![progress_report("hfi-01", 3)])).await;
    let message = stale.expect_err("stale version is refused").to_string();
    assert!(
        message.contains("commitment-hfi-01") && message.contains("version 3") && message.contains("version 1"),
        "{message}"
    );

    store
        .append(AppendRequest::single(s.clone(), Expected::Exactly(1), vec![progress_report("hfi-01", 4)]))
        .await
        .expect("the right version is accepted");
    store
        .append(AppendRequest::single(s.clone(), Expected::Any, vec![progress_report("hfi-01", 5)]))
        .await
        .expect("any version is accepted");
    let versions: Vec<u64> =
        store.read_stream(&s, StreamBound::All).await.expect("read").iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, [1, 2, 3]);
}

async fn a_failed_expectation_writes_nothing_for_any_stream(db: &TestStore) {
    let store = db.store();
    let existing = stream("instrument-homes-for-independence");
    store
        .append(AppendRequest::single(existing.clone(), Expected::NoStream, vec![progress_report("x", 0)]))
        .await
        .expect("seed");
    let head = store.head().await.expect("head");
    let request = AppendRequest {
        streams: vec![
            StreamAppend {
                stream_id: stream("commitment-new"),
                expected: Expected::NoStream,
                events: vec![progress_report("n", 1)],
            },
            StreamAppend { stream_id: existing, expected: Expected::NoStream, events: vec![progress_report("x", 1)] },
        ],
    };
    assert!(matches!(store.append(request).await, Err(AppendError::Conflict(_))));
    assert_eq!(store.head().await.expect("head"), head);
    assert!(store.read_stream(&stream("commitment-new"), StreamBound::All).await.expect("read").is_empty());
}

async fn a_retried_batch_returns_the_original_positions(db: &TestStore) {
    let store = db.store();
    store
        .append(AppendRequest::single(stream("other"), Expected::Any, vec![progress_report("o", 0)]))
        .await
        .expect("seed");
    let request = AppendRequest {
        streams: vec![
            StreamAppend {
                stream_id: stream("commitment-a"),
                expected: Expected::NoStream,
                events: vec![progress_report("a", 1), progress_report("a", 2)],
            },
            StreamAppend {
                stream_id: stream("commitment-b"),
                expected: Expected::NoStream,
                events: vec![progress_report("b", 1)],
            },
        ],
    };
    let first = store.append(request.clone()).await.expect("first append");
    assert_eq!(first.positions, [Position(2), Position(3), Position(4)]);
    assert!(!first.replayed);
    let head = store.head().await.expect("head");

    let retry = store.append(request).await.expect("a retry succeeds even though NoStream no longer holds");
    assert!(retry.replayed);
    assert_eq!(retry.positions, first.positions);
    assert_eq!(retry.stream_versions, first.stream_versions);
    assert_eq!(store.head().await.expect("head"), head, "a retry writes nothing");
}

async fn a_reused_event_id_with_different_content_is_refused(db: &TestStore) {
    let store = db.store();
    let original = progress_report("a", 1);
    store
        .append(AppendRequest::single(stream("commitment-a"), Expected::Any, vec![original.clone()]))
        .await
        .expect("first append");
    let head = store.head().await.expect("head");

    let mut altered = original.clone();
    altered.payload = Payload::parse(r#"{"status":"off_track"}"#).expect("valid");
    let refused = store.append(AppendRequest::single(stream("commitment-a"), Expected::Any, vec![altered])).await;
    assert!(matches!(refused, Err(AppendError::EventIdReused { position: Position(1), .. })), "{refused:?}");

    let elsewhere =
        store.append(AppendRequest::single(stream("commitment-b"), Expected::Any, vec![original.clone()])).await;
    assert!(matches!(elsewhere, Err(AppendError::EventIdReused { .. })), "same event on another stream: {elsewhere:?}");

    let partial = store
        .append(AppendRequest::single(stream("commitment-a"), Expected::Any, vec![original, progress_report("a", 2)]))
        .await;
    assert!(matches!(partial, Err(AppendError::PartiallyRecorded { recorded: 1, total: 2 })), "{partial:?}");
    assert_eq!(store.head().await.expect("head"), head, "nothing was written");
}

/// A batch of 1,000 events or more is written another way on PostgreSQL (`COPY`), which leaves
/// finding recorded event ids to the table's unique index; retries, reused ids and restored
/// events already in the log must be answered exactly as for a small batch, with nothing written,
/// and the store must go on writing afterwards.
async fn a_large_batch_is_answered_for_recorded_ids_as_a_small_one_is(db: &TestStore) {
    let store = db.store();
    let reports = |from: usize| (from..from + 1_100).map(|n| progress_report("wl-07", n)).collect::<Vec<_>>();
    let s = stream("commitment-wl-07");
    let batch = AppendRequest::single(s.clone(), Expected::NoStream, reports(0));
    let first = store.append(batch.clone()).await.expect("a large batch");
    let head = store.head().await.expect("head");
    assert_eq!(head.position, Position(1_100));

    let retry = store.append(batch.clone()).await.expect("a retry of a large batch");
    assert!(retry.replayed);
    assert_eq!((retry.positions, retry.stream_versions), (first.positions, first.stream_versions));

    let mut overlapping = reports(1_100);
    overlapping[700] = batch.streams[0].events[3].clone();
    let partial = store.append(AppendRequest::single(s.clone(), Expected::Any, overlapping.clone())).await;
    assert!(matches!(partial, Err(AppendError::PartiallyRecorded { recorded: 1, total: 1_100 })), "{partial:?}");

    overlapping[700].payload = Payload::parse(r#"{"status":"off_track"}"#).expect("valid");
    let reused = store.append(AppendRequest::single(s.clone(), Expected::Any, overlapping)).await;
    assert!(matches!(reused, Err(AppendError::EventIdReused { position: Position(4), .. })), "{reused:?}");
    assert_eq!(store.head().await.expect("head"), head, "nothing was written");

    let recorded = store.read_all(Position::ZERO, 2_000).await.expect("read");
    let mut chain = head;
    let restored: Vec<RecordedEvent> = (0..1_000)
        .map(|n| {
            let template = &recorded[n];
            let mut event = RecordedEvent {
                position: chain.position.next(),
                stream_id: stream("commitment-wl-08"),
                stream_version: n as u64 + 1,
                event_id: if n == 500 { recorded[3].event_id } else { EventId::new() },
                prev_hash: chain.hash,
                recorded_at: recorded[1_099].recorded_at,
                ..template.clone()
            };
            event.hash = event_hash(&event);
            chain = ChainHead { position: event.position, hash: event.hash };
            event
        })
        .collect();
    let refused = store.restore(restored).await;
    assert!(
        matches!(
            refused,
            Err(RestoreError::Invalid(InvalidRestore::EventIdRecorded {
                position: Position(1_601),
                recorded: Position(4),
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(store.head().await.expect("head"), head, "nothing was restored");

    let more = store.append(AppendRequest::single(s, Expected::Exactly(1_100), reports(2_200))).await.expect("more");
    assert_eq!(more.positions.first(), Some(&Position(1_101)), "positions stay gapless after a refusal");
    let report = store.verify(None).await.expect("verify");
    assert!(report.is_ok() && report.checked == 2_200, "{report:?}");
}

async fn bad_input_is_refused_with_nothing_written(db: &TestStore) {
    let store = db.store();
    store
        .append(AppendRequest::single(stream("seed"), Expected::Any, vec![progress_report("s", 0)]))
        .await
        .expect("seed");
    let head = store.head().await.expect("head");
    let invalid = |result: Result<kernel::AppendOutcome, AppendError>| match result {
        Err(AppendError::Invalid(reason)) => reason,
        other => panic!("expected an invalid-append error, got {other:?}"),
    };

    assert_eq!(invalid(store.append(AppendRequest { streams: vec![] }).await), InvalidAppend::Empty);
    let none = invalid(store.append(AppendRequest::single(stream("s"), Expected::Any, vec![])).await);
    assert!(matches!(none, InvalidAppend::NoEventsForStream { .. }));

    let mut oversized = progress_report("s", 1);
    oversized.payload = Payload::from_stored(format!(r#"{{"narrative":"{}"}}"#, "x".repeat(MAX_PAYLOAD_BYTES)));
    let reason = invalid(store.append(AppendRequest::single(stream("s"), Expected::Any, vec![oversized])).await);
    assert!(reason.to_string().contains("65536"), "{reason}");
    let text = format!(r#"{{"narrative":"{}"}}"#, "x".repeat(MAX_PAYLOAD_BYTES));
    assert!(Payload::parse(&text).expect_err("an oversized payload cannot be built").contains("limit is 65536"));

    assert!(Payload::parse("minute 45: adopted").expect_err("not JSON").contains("not valid JSON"));
    assert!(Payload::parse("[\"adopted\"]").expect_err("not an object").contains("JSON object"));
    assert!(StreamId::parse("").expect_err("empty").contains("empty"));
    assert!(StreamId::parse("r".repeat(201)).expect_err("too long").contains("limit is 200"));

    let mut anonymous = progress_report("s", 2);
    anonymous.metadata.actor = String::new();
    let reason = invalid(store.append(AppendRequest::single(stream("s"), Expected::Any, vec![anonymous])).await);
    assert!(matches!(reason, InvalidAppend::BadActor { .. }));

    assert_eq!(store.head().await.expect("head"), head, "no refused append wrote anything");
    assert_eq!(store.verify(None).await.expect("verify").verified_head, head);
    assert_ne!(head, ChainHead::default());
}
