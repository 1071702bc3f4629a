//! A past point of the service, and of a command, starts from a waypoint, a state of now saved
//! along the log, and leaves unread the stretches of the log that hold none of its events: every
//! answer still equals a fold of the whole log as of that point, for the seed stories (recorded story by story, not in
//! the order things happened) and for a generated log recorded day by day, which it reads only a
//! small part of. A waypoint whose event was rewritten since is a broken log, said as such.

use std::sync::Arc;

use app::{Asked, Recorder, ReportRequest, Reports, Serving, Stores};
use chrono::{Datelike, NaiveDate};
use domain::testing::default_now;
use kernel::{Position, Timestamp, VerifyFailure};
use projections::{AsOf, Filters, Projection, ReadModels, ReportKind, Rules, Runner, Unverified};
use tests::national_log::record_governance_log;
use tests::{Interposed, TestStore, on_both_backends};

on_both_backends!(
    every_past_point_of_the_seed_stories_equals_a_fold_of_the_whole_log,
    a_past_point_of_a_log_recorded_day_by_day_reads_a_small_part_of_it,
    a_waypoint_whose_event_was_rewritten_is_a_broken_log,
    a_rebuild_keeps_with_each_waypoint_the_times_of_the_events_it_covers,
);

fn decided_by(day: NaiveDate) -> Option<Timestamp> {
    Some(Timestamp::parse_end_of(&day.to_string()).expect("a valid date"))
}

/// The service's read side, saving a waypoint every `every` events folded.
async fn serve(stores: &Stores, every: u64) -> Reports {
    let serving = Serving { save_every: u64::MAX, max_as_of_folds: 2, as_of_points: 1, waypoint_every: every };
    let reports = Reports::serve(stores.clone(), Rules::default(), serving).await.expect("the service starts");
    reports.now().await.expect("the read models of now are caught up");
    reports
}

const KINDS: [ReportKind; 3] = [ReportKind::Status, ReportKind::Actions, ReportKind::Resolutions];

fn request(kind: ReportKind, day: NaiveDate) -> ReportRequest {
    let asked = Asked { decided_by: decided_by(day), today: Some(day), ..Asked::default() };
    ReportRequest::new(kind, asked).expect("a report of the past")
}

/// The status board, the action log and the resolutions as of `day`, as `reports` answer them.
async fn answered(reports: &Reports, day: NaiveDate) -> Vec<String> {
    let mut answers = Vec::new();
    for kind in KINDS {
        let answered = reports.answer(&request(kind, day)).await.expect("the report is given");
        answers.push(serde_json::to_string(&answered.view).expect("the view writes"));
    }
    answers
}

/// The same, from read models folded afresh from the first event of the log to the last.
async fn folded_afresh(stores: &Stores, day: NaiveDate) -> Vec<String> {
    let as_of = AsOf { decided_by: decided_by(day), ..AsOf::now() };
    let models = app::views::as_of(stores, as_of).await.expect("the whole log folds");
    let (rules, filters) = (Rules::default(), Filters::default());
    let group_by = request(ReportKind::Actions, day).group_by;
    vec![
        serde_json::to_string(&models.status().view(&filters, &rules, day)),
        serde_json::to_string(&models.actions().view(&filters, &rules, day, group_by)),
        serde_json::to_string(&models.resolutions().view(&filters, &rules, day)),
    ]
    .into_iter()
    .map(|view| view.expect("the view writes"))
    .collect()
}

async fn waypoints(db: &TestStore) -> Vec<kernel::Waypoint> {
    let name = format!("{}.v{}", <ReadModels as Projection>::NAME, <ReadModels as Projection>::VERSION);
    db.snapshots().waypoints(&name).await.expect("the waypoints read")
}

async fn every_past_point_of_the_seed_stories_equals_a_fold_of_the_whole_log(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the story is recorded");
    }
    let reports = serve(&stores, 20).await;
    let kept = waypoints(db).await;
    assert!(kept.len() >= 4, "waypoints were saved along the log: {kept:?}");
    assert!(kept.len() <= projections::WAYPOINTS_KEPT, "no more are kept than {}", projections::WAYPOINTS_KEPT);
    // The stories are recorded one after another: some waypoints serve no date before the last
    // story's, and some stretches hold events of years apart.
    assert!(kept.windows(2).any(|w| w[1].earliest_since < w[0].latest_occurred), "the log is not in date order");
    // The first of every quarter from before the first story to after the last.
    let mut day = NaiveDate::from_ymd_opt(2017, 1, 1).expect("a date");
    let once = Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
    while day.year() < 2028 {
        let afresh = folded_afresh(&stores, day).await;
        assert_eq!(answered(&reports, day).await, afresh, "the service as of {day}");
        assert_eq!(answered(&once, day).await, afresh, "a command as of {day}");
        day = day.checked_add_months(chrono::Months::new(3)).expect("a date");
    }
}

async fn a_past_point_of_a_log_recorded_day_by_day_reads_a_small_part_of_it(db: &TestStore) {
    let stores = db.stores().await;
    let log = record_governance_log(stores.events.as_ref(), 8_000, 1_000).await.expect("the log loads");
    let counting = Arc::new(Interposed::new(stores.events.clone()));
    let stores = stores.with_events(counting.clone());
    let reports = serve(&stores, 500).await;
    let head = stores.events.head().await.expect("the head reads").position;
    assert_eq!(waypoints(db).await.len(), projections::WAYPOINTS_KEPT);
    let span = (log.last - log.first).num_days();
    for part in [1, 2, 3] {
        let day = log.first + chrono::Days::new((span * part / 4).unsigned_abs());
        let before = counting.events_read();
        let answers = answered(&reports, day).await;
        let read = counting.events_read() - before;
        assert!(read < head.0 / 4, "as of {day}: {read} events read of a log of {head}");
        assert_eq!(answers, folded_afresh(&stores, day).await, "as of {day}");
        // A command folds the point afresh for each report, the same way.
        let once = Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
        let before = counting.events_read();
        let answers = answered(&once, day).await;
        let read = counting.events_read() - before;
        assert!(
            read < 3 * head.0 / 4,
            "a command as of {day}: {read} events read for three reports of a log of {head}"
        );
        assert_eq!(answers, folded_afresh(&stores, day).await, "a command as of {day}");
    }
}

async fn a_waypoint_whose_event_was_rewritten_is_a_broken_log(db: &TestStore) {
    let stores = db.stores().await;
    let log = record_governance_log(stores.events.as_ref(), 3_000, 1_000).await.expect("the log loads");
    let reports = serve(&stores, 500).await;
    let kept = waypoints(db).await;
    let span = (log.last - log.first).num_days();
    let day = log.first + chrono::Days::new((span / 2).unsigned_abs());
    let by = decided_by(day).expect("a time");
    let start = kept.iter().rfind(|w| w.latest_occurred <= by).expect("a waypoint serves the middle of the log");
    let at = start.position;
    // The event there altered after the waypoint was saved.
    db.execute_raw(&format!("UPDATE events SET source = 'rewritten' WHERE position = {}", at.0)).await;
    assert!(reports.broken().await.is_none(), "nothing is broken before the point is asked for");
    answered(&reports, day).await;
    match reports.broken().await {
        Some(failure @ (VerifyFailure::HashMismatch { .. } | VerifyFailure::Rewritten { .. })) => {
            assert_eq!(failure.position(), at, "the break is named at the waypoint's event: {failure}");
        }
        other => panic!("the rewritten event at {at} is a broken log, not {other:?}"),
    }
}

/// A rebuild gives each waypoint's save the times of the events it read since the one before,
/// instead of the save reading them again: they must be the times of those events, the latest
/// of every event up to the waypoint and the earliest since the one before, in a log of the seed
/// stories, recorded story by story and not in the order things happened.
async fn a_rebuild_keeps_with_each_waypoint_the_times_of_the_events_it_covers(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the story is recorded");
    }
    let runner = Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).waypoint_every(20);
    runner.rebuild::<ReadModels>(|_, _| ()).await.expect("the read models rebuild");
    let kept = waypoints(db).await;
    assert!(kept.len() >= 4, "waypoints were saved along the log: {kept:?}");
    let events = stores.events.read_all(Position::ZERO, 100_000).await.expect("the log reads");
    let mut after = Position::ZERO;
    for waypoint in &kept {
        let covered = events.iter().filter(|e| e.position <= waypoint.position);
        let latest = covered.clone().map(|e| e.metadata.occurred_at).max();
        let earliest = covered.filter(|e| e.position > after).map(|e| e.metadata.occurred_at).min();
        assert_eq!(Some(waypoint.latest_occurred), latest, "the latest time up to {}", waypoint.position);
        assert_eq!(
            Some(waypoint.earliest_since),
            earliest,
            "the earliest time after {after} up to {}",
            waypoint.position
        );
        after = waypoint.position;
    }
    assert!(
        kept.windows(2).any(|w| w[1].earliest_since < w[0].latest_occurred),
        "the log is not in date order, so each stretch's earliest time is its own"
    );
}
