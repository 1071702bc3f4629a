//! A runner stopped half-way through a large log resumes from its snapshot and ends equal to a
//! fold of the whole log from position zero: a restart neither skips nor repeats an event.

use app::{DatabaseUrl, Provenance, Recorder, Stores, Submission};
use domain::commitment::{self, ReportingPeriod};
use domain::rag::Rag;
use domain::testing::{date, default_now};
use kernel::Position;
use projections::{AsOf, Filters, GroupBy, ReadModels, Rules, Runner, build_as_of};
use tests::{Interposed, TestStore, on_both_backends};

/// Progress reports recorded after the seed stories, to make the log long.
const REPORTS: usize = 3_000;
/// Commands per recorded batch.
const BATCH: usize = 500;

on_both_backends!(a_runner_stopped_half_way_resumes_to_equal_a_full_rebuild);

async fn a_runner_stopped_half_way_resumes_to_equal_a_full_rebuild(db: &TestStore) {
    let stores = stores(db).await;
    record_a_long_log(&stores).await;
    let head = stores.events.head().await.expect("the head reads").position;
    assert!(head.0 > REPORTS as u64, "the log holds {head} events");

    // The process "dies" half-way: every read past the middle of the log fails.
    let half = Position(head.0 / 2);
    let dying = Interposed::new(stores.events.clone()).dying_after(half);
    let runner = Runner::new(&dying, stores.snapshots.as_ref()).page(97).save_every(250);
    let stopped = runner.catch_up::<ReadModels>(|_, _| ()).await;
    assert!(stopped.is_err(), "the runner stops when the log becomes unreadable");
    let (_, saved) = Runner::new(stores.events.as_ref(), stores.snapshots.as_ref())
        .load::<ReadModels>()
        .await
        .expect("the snapshot reads");
    assert!(saved > Position::ZERO && saved <= half, "a snapshot was saved before the stop, at {saved}");

    let (resumed, position) = app::views::current(&stores, |_, _| ()).await.expect("the runner resumes");
    assert_eq!(position, head);
    let full: ReadModels = build_as_of(stores.events.as_ref(), AsOf::now()).await.expect("the log folds");
    assert!(resumed == full, "the resumed read models differ from a fold of the whole log");

    let (rebuilt, _) =
        app::views::rebuild(&stores, projections::SAVE_EVERY, |_, _| ()).await.expect("the read models rebuild");
    assert!(rebuilt == full, "a rebuild differs from a fold of the whole log");
}

/// The test's database, opened as the application opens it: the log and its snapshots.
async fn stores(db: &TestStore) -> Stores {
    let url = match db.location() {
        ("sqlite", path) => DatabaseUrl::Sqlite(path.into()),
        (_, url) => DatabaseUrl::Postgres(url),
    };
    app::open_store(&url).await.expect("the test database opens")
}

/// The seed stories, then [`REPORTS`] quarterly progress reports spread over the open commitments.
async fn record_a_long_log(stores: &Stores) {
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    let (models, _) = app::views::current(stores, |_, _| ()).await.expect("the read models build");
    let today = date("2024-06-01");
    let open: Vec<_> = models
        .actions()
        .view(&Filters::default(), &Rules::default(), today, GroupBy::Organisation)
        .rows
        .into_iter()
        .filter(|row| row.state.is_open())
        .map(|row| row.commitment)
        .collect();
    assert!(open.len() >= 5, "the seeds leave commitments open: {open:?}");
    let reports: Vec<Submission> = (0..REPORTS)
        .map(|n| {
            let command = commitment::Command::ReportProgress {
                id: open[n % open.len()].clone(),
                status: [Rag::Green, Rag::Amber, Rag::Red][n % 3],
                percent_complete: (n % 100) as u8,
                narrative: format!("Quarterly update {n}: case reviews completed and the next milestone agreed."),
                evidence_refs: vec![format!("HHCDG highlight report {n}")],
                period: ReportingPeriod { label: format!("Q{}", n % 4 + 1), from: None, to: None },
                reported_on: today,
            };
            Submission { command: command.into(), provenance: Provenance::new("performance@lincolnshire.gov.uk") }
        })
        .collect();
    for batch in reports.chunks(BATCH) {
        recorder.record_batch(batch, default_now()).await.expect("the progress reports are recorded");
    }
}
