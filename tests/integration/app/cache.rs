//! The recorder's cache of stream states: a command on a stream recorded lately is decided
//! without reading the stream again, a stale entry (another process appended since) never
//! decides a command, racing writers of one process take turns instead of conflicting, and the
//! cache keeps no more streams than its bound.

use std::sync::Arc;

use app::{RecordError, Recorder};
use domain::testing::{date, key};
use domain::{DomainError, commitment};
use kernel::{StreamBound, StreamId};
use tests::{Interposed, TestStore, on_both_backends};

use super::recording::report_progress;
use super::{load, now, submission};

on_both_backends!(
    a_command_on_a_stream_just_recorded_reads_nothing_again,
    a_stale_entry_does_not_decide_a_completion,
    a_stale_entry_does_not_decide_a_report,
    writers_of_one_process_on_few_streams_take_turns,
    the_cache_keeps_no_more_streams_than_its_bound
);

/// A commitment of the Lincolnshire story, open for progress reports.
const OPEN: &str = "hhcdg-delivery-plan";

fn complete(id: &str) -> commitment::Command {
    commitment::Command::Complete {
        id: key(id),
        completed_on: date("2023-07-31"),
        narrative: "Delivery plan adopted by the board.".into(),
        evidence_refs: vec![],
    }
}

async fn a_command_on_a_stream_just_recorded_reads_nothing_again(db: &TestStore) {
    let counting = Arc::new(Interposed::new(db.shared()));
    let recorder = Recorder::new(counting.clone());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let stream = domain::ids::commitment_stream(&key(OPEN));
    recorder.record(&submission(report_progress(OPEN, 40)), now()).await.expect("the first report");
    let reads = counting.reads_of(&stream);
    for percent in [45, 50, 55] {
        let recorded = recorder.record(&submission(report_progress(OPEN, percent)), now()).await.expect("a report");
        assert_eq!(recorded.attempts, 1);
    }
    assert_eq!(counting.reads_of(&stream), reads, "the commitment was not read again");
    let stored = db.store().read_stream(&stream, StreamBound::All).await.expect("read");
    let versions: Vec<u64> = stored.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=stored.len() as u64).collect::<Vec<_>>(), "gapless versions");
}

async fn a_stale_entry_does_not_decide_a_completion(db: &TestStore) {
    let here = Recorder::new(db.shared());
    load(&here, &app::seeds::lincolnshire()).await;
    here.record(&submission(report_progress(OPEN, 40)), now()).await.expect("a report here, kept in the cache");
    // Another process completes the commitment: the entry here is now stale.
    let there = Recorder::new(Arc::from(db.open_another().await));
    there.record(&submission(complete(OPEN)), now()).await.expect("completed there");
    let head = db.store().head().await.expect("head");
    let refused = here.record(&submission(complete(OPEN)), now()).await;
    assert!(
        matches!(
            refused,
            Err(RecordError::Rejected { error: DomainError::Commitment(commitment::Error::NotOpen(_)), .. })
        ),
        "the completion recorded there is seen here: {refused:?}"
    );
    let refused = here.record(&submission(report_progress(OPEN, 90)), now()).await;
    assert!(matches!(refused, Err(RecordError::Rejected { .. })), "no report after completion: {refused:?}");
    assert_eq!(db.store().head().await.expect("head"), head, "nothing was recorded here");
}

async fn a_stale_entry_does_not_decide_a_report(db: &TestStore) {
    let here = Recorder::new(db.shared());
    load(&here, &app::seeds::lincolnshire()).await;
    let first = here.record(&submission(report_progress(OPEN, 40)), now()).await.expect("a report here");
    let there = Recorder::new(Arc::from(db.open_another().await));
    there.record(&submission(report_progress(OPEN, 45)), now()).await.expect("a report there");
    let third = here.record(&submission(report_progress(OPEN, 50)), now()).await.expect("a report here again");
    assert_eq!(third.attempts, 1, "a stale entry is not a conflict of the request's own");
    assert_eq!(third.events[0].stream_version, first.events[0].stream_version + 2, "after the report there");
}

async fn writers_of_one_process_on_few_streams_take_turns(db: &TestStore) {
    let counting = Arc::new(Interposed::new(db.shared()));
    let recorder = Recorder::new(counting.clone());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let commitments = ["hhcdg-delivery-plan", "hhcdg-specialist-housing-evidence"];
    let streams: Vec<StreamId> = commitments.iter().map(|c| domain::ids::commitment_stream(&key(c))).collect();
    let reads_before: usize = streams.iter().map(|s| counting.reads_of(s)).sum();
    let tasks: Vec<_> = (0..8usize)
        .map(|writer| {
            let recorder = recorder.clone();
            let id = commitments[writer % commitments.len()];
            tokio::spawn(async move {
                let mut attempts = Vec::new();
                for round in 0..5u8 {
                    let report = submission(report_progress(id, round * 10 + writer as u8));
                    attempts.push(recorder.record(&report, now()).await.expect("recorded").attempts);
                }
                attempts
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("the writer runs"), vec![1; 5], "every command decided once");
    }
    let reads_after: usize = streams.iter().map(|s| counting.reads_of(s)).sum();
    assert!(
        reads_after - reads_before <= streams.len(),
        "each stream read at most once: {reads_before} then {reads_after}"
    );
    for stream in &streams {
        let stored = db.store().read_stream(stream, StreamBound::All).await.expect("read");
        let versions: Vec<u64> = stored.iter().map(|e| e.stream_version).collect();
        assert_eq!(versions, (1..=stored.len() as u64).collect::<Vec<_>>(), "gapless versions");
    }
}

async fn the_cache_keeps_no_more_streams_than_its_bound(db: &TestStore) {
    let recorder = Recorder::keeping(db.shared(), 3);
    load(&recorder, &app::seeds::lincolnshire()).await;
    assert_eq!(recorder.kept_streams(), 3, "the story touches many more streams than the bound");
    for (n, id) in ["hhcdg-delivery-plan", "hhcdg-specialist-housing-evidence"].into_iter().enumerate() {
        recorder.record(&submission(report_progress(id, 60 + n as u8)), now()).await.expect("a report");
        assert_eq!(recorder.kept_streams(), 3);
    }
    let none = Recorder::keeping(db.shared(), 0);
    none.record(&submission(report_progress(OPEN, 70)), now()).await.expect("recorded without a cache");
    assert_eq!(none.kept_streams(), 0);
}
