//! Commands sent with an idempotency key are recorded once: the event ids derive from the key, so
//! a resend after the append whose answer was lost, or the same request at a second process at
//! the same moment, finds the events already recorded and answers with them.

use std::sync::Arc;

use app::{IdSeed, Provenance, Recorder, Submission};
use domain::Command;
use kernel::{StreamBound, Timestamp};
use tests::{TestStore, on_both_backends};

use super::recording::report_progress;
use super::{load, now, recorder};

on_both_backends!(a_resend_after_the_append_records_nothing_new, one_key_at_two_recorders_at_once_records_once);

/// `command` sent by a secretariat officer with the idempotency key `key`.
fn keyed(command: impl Into<Command>, key: &str) -> Submission {
    Submission {
        command: command.into(),
        provenance: Provenance {
            id_seed: Some(IdSeed::new("token-secretariat", key)),
            ..Provenance::new("secretariat@lincolnshire.gov.uk")
        },
    }
}

async fn a_resend_after_the_append_records_nothing_new(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let report = keyed(report_progress("hhcdg-delivery-plan", 40), "q1-return");
    let first = recorder.record(&report, now()).await.expect("recorded");
    assert_eq!(first.events.len(), 1);
    // The service is killed here, before its answer is kept; another report is recorded on the
    // same commitment meanwhile, and the client sends its report again, to a restarted service,
    // with the same key, a minute later.
    recorder.record(&keyed(report_progress("hhcdg-delivery-plan", 45), "q2-return"), now()).await.expect("another");
    let head = db.store().head().await.expect("head");
    let restarted = Recorder::new(Arc::from(db.open_another().await));
    let later = Timestamp::from_micros(now().as_micros() + 60_000_000).expect("a minute later");
    let resent = restarted.record(&report, later).await.expect("the resend is answered");
    assert_eq!(resent.events, first.events, "the original events and positions");
    let version = first.events[0].stream_version;
    let expecting = restarted.record_expecting(std::slice::from_ref(&report), version - 1, later).await;
    assert_eq!(expecting.expect("not a conflict").events, first.events, "the version it was decided against, too");
    assert_eq!(db.store().head().await.expect("head"), head, "nothing new was recorded");
    let plan = db.store().read_stream(&first.events[0].stream_id, StreamBound::All).await.expect("read");
    assert_eq!(plan.len() as u64, version + 1, "the first report and the other, each once");
}

async fn one_key_at_two_recorders_at_once_records_once(db: &TestStore) {
    let one = recorder(db.shared());
    load(&one, &app::seeds::lincolnshire()).await;
    let two = Recorder::new(Arc::from(db.open_another().await));
    for round in 0..50u8 {
        let head = db.store().head().await.expect("head");
        let report = keyed(report_progress("hhcdg-delivery-plan", round), &format!("round-{round}"));
        let (a, b) = tokio::join!(one.record(&report, now()), two.record(&report, now()));
        let (a, b) = (a.expect("the first is answered"), b.expect("the second is answered"));
        assert_eq!(a.events, b.events, "round {round}: both get the one recording");
        assert_eq!(a.events.len(), 1);
        assert_eq!(db.store().head().await.expect("head").position.0, head.position.0 + 1, "round {round}: once");
    }
}
