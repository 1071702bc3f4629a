//! A service keeps the read models of the past points asked for most recently live: many
//! requests for one date at once fold the log once; a later request folds only what was recorded
//! since, including a decision entered late that belongs to that date; and every answer equals a
//! fold of the whole log as of that point.

use std::sync::Arc;

use app::{Asked, Provenance, Recorder, ReportRequest, ReportView, Reports, Serving, Stores, Submission};
use domain::commitment::{self, ReportingPeriod};
use domain::rag::Rag;
use domain::testing::{date, default_now, key};
use kernel::Timestamp;
use projections::{AsOf, GroupBy, ReportKind, Rules};
use tests::{Interposed, TestStore, on_both_backends};

on_both_backends!(many_requests_for_one_past_date_fold_the_log_once_and_then_only_what_came_after);

/// The day asked about: after the HHCDG delivery plan's commitments were made.
const DAY: &str = "2021-06-30";

fn as_of(day: &str) -> AsOf {
    AsOf { decided_by: Some(Timestamp::parse_end_of(day).expect("a valid date")), ..AsOf::now() }
}

fn request(kind: ReportKind) -> ReportRequest {
    let asked = Asked { decided_by: as_of(DAY).decided_by, ..Asked::default() };
    ReportRequest::new(kind, asked).expect("a report of the past")
}

/// The action log as of [`DAY`], folded afresh from the whole log.
async fn folded_afresh(stores: &Stores) -> String {
    let models = app::views::as_of(stores, as_of(DAY)).await.expect("the log folds");
    let view = models.actions().view(&Default::default(), &Rules::default(), date(DAY), GroupBy::Organisation);
    serde_json::to_string(&view).expect("the view writes")
}

async fn served(reports: &Reports) -> String {
    match reports.answer(&request(ReportKind::Actions)).await.expect("the report is given").view {
        ReportView::Actions(view) => serde_json::to_string(&view).expect("the view writes"),
        other => panic!("the action log was asked for, not {other:?}"),
    }
}

fn progress(reported_on: &str, percent_complete: u8) -> Submission {
    let command = commitment::Command::ReportProgress {
        id: key("hhcdg-delivery-plan"),
        status: Rag::Amber,
        percent_complete,
        narrative: "Quarterly return to the HHCDG (illustrative).".into(),
        evidence_refs: Vec::new(),
        period: ReportingPeriod { label: "2021/22 Q1".into(), from: None, to: None },
        reported_on: date(reported_on),
    };
    Submission { command: command.into(), provenance: Provenance::new("secretariat") }
}

async fn many_requests_for_one_past_date_fold_the_log_once_and_then_only_what_came_after(db: &TestStore) {
    let stores = db.stores().await;
    let counting = Arc::new(Interposed::new(stores.events.clone()));
    let stores = stores.with_events(counting.clone());
    let recorder = Recorder::new(stores.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), default_now()).await.expect("the story is recorded");
    let serving = Serving { save_every: u64::MAX, max_as_of_folds: 2, as_of_points: 2, waypoint_every: u64::MAX };
    let reports =
        Arc::new(Reports::serve(stores.clone(), Rules::default(), serving).await.expect("the service starts"));
    reports.now().await.expect("the read models of now are caught up");
    let head = stores.events.head().await.expect("the head reads").position;

    // Twenty requests for one date at once: more than the folds allowed at once, and one fold.
    let before = counting.events_read();
    let answers = futures::future::join_all((0..20).map(|_| {
        let reports = reports.clone();
        async move { served(&reports).await }
    }))
    .await;
    let read = counting.events_read() - before;
    assert!(read <= head.0, "twenty requests for one date read {read} events of a log of {head}: more than one fold");
    let expected = folded_afresh(&stores).await;
    assert!(answers.iter().all(|answer| *answer == expected), "every answer is the fold of the whole log as of {DAY}");

    // A progress report on the day, entered late, and one after it.
    recorder.record(&progress("2021-06-15", 10), default_now()).await.expect("the late return is recorded");
    recorder.record(&progress("2021-07-15", 20), default_now()).await.expect("the next return is recorded");
    let before = counting.events_read();
    let later = served(&reports).await;
    let read = counting.events_read() - before;
    assert!(read <= 2, "the kept date folds only the two events recorded since, not {read}");
    assert_eq!(later, folded_afresh(&stores).await, "the late return is in the view as of {DAY}, the next is not");
    assert_ne!(later, expected, "the late return changed the view");
}
