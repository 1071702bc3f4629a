//! Tampering with the database behind the store's back: `verify` names the first affected
//! position, and a trusted checkpoint limits what is checked.

use kernel::{AppendRequest, ChainHead, Expected, Position, VerifyFailure};
use tests::{TestStore, on_both_backends, progress_report, stream};

on_both_backends!(
    an_intact_log_verifies_from_the_start_and_from_a_checkpoint,
    an_altered_payload_byte_is_found,
    an_altered_metadata_field_is_found,
    two_swapped_events_are_found,
    a_deleted_event_is_found,
);

async fn ten_events(db: &TestStore) -> Vec<kernel::RecordedEvent> {
    for n in 0..10 {
        let s = stream(&format!("commitment-{}", n % 3));
        db.store()
            .append(AppendRequest::single(s, Expected::Any, vec![progress_report("c", n)]))
            .await
            .expect("append");
    }
    db.store().read_all(Position::ZERO, 100).await.expect("read")
}

async fn first_failure(db: &TestStore) -> VerifyFailure {
    let report = db.store().verify(None).await.expect("verify runs");
    report.failure.expect("verification fails")
}

async fn an_intact_log_verifies_from_the_start_and_from_a_checkpoint(db: &TestStore) {
    let events = ten_events(db).await;
    let report = db.store().verify(None).await.expect("verify");
    assert!(report.is_ok());
    assert_eq!(report.checked, 10);
    assert_eq!(report.verified_head, ChainHead { position: Position(10), hash: events[9].hash });

    let checkpoint = ChainHead { position: Position(4), hash: events[3].hash };
    let from_checkpoint = db.store().verify(Some(checkpoint)).await.expect("verify");
    assert!(from_checkpoint.is_ok());
    // The event at the checkpoint is recomputed too, then the six after it.
    assert_eq!(from_checkpoint.checked, 7);

    let wrong = ChainHead { position: Position(4), hash: events[5].hash };
    let mismatch = db.store().verify(Some(wrong)).await.expect("verify").failure;
    assert!(matches!(mismatch, Some(VerifyFailure::CheckpointMismatch { position: Position(4), .. })), "{mismatch:?}");
}

async fn an_altered_payload_byte_is_found(db: &TestStore) {
    ten_events(db).await;
    db.execute_raw("UPDATE events SET payload = replace(payload, 'on_track', 'on_trach') WHERE position = 4").await;
    let failure = first_failure(db).await;
    assert!(matches!(failure, VerifyFailure::HashMismatch { position: Position(4), .. }), "{failure:?}");
    assert!(failure.to_string().contains("position 4 was altered"), "{failure}");
}

async fn an_altered_metadata_field_is_found(db: &TestStore) {
    ten_events(db).await;
    db.execute_raw("UPDATE events SET actor = 'someone-else@example.org' WHERE position = 6").await;
    let failure = first_failure(db).await;
    assert_eq!(failure.position(), Position(6), "{failure}");
}

async fn two_swapped_events_are_found(db: &TestStore) {
    ten_events(db).await;
    db.execute_raw("UPDATE events SET position = -3 WHERE position = 3").await;
    db.execute_raw("UPDATE events SET position = 3 WHERE position = 7").await;
    db.execute_raw("UPDATE events SET position = 7 WHERE position = -3").await;
    let failure = first_failure(db).await;
    assert_eq!(failure.position(), Position(3), "{failure}");
}

async fn a_deleted_event_is_found(db: &TestStore) {
    ten_events(db).await;
    db.execute_raw("DELETE FROM events WHERE position = 5").await;
    let failure = first_failure(db).await;
    assert!(matches!(failure, VerifyFailure::Gap { expected: Position(5), found: Position(6) }), "{failure:?}");
}
