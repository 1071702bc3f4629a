//! One instrument as of a past point, built from only the streams it is made of, shows exactly
//! what the read models folded from the whole log show of it: over the seed stories at several
//! dates, as known on several dates and up to a position, and over a generated log of many
//! places; and it never reads past the position of the board it was given.

use app::{Provenance, Recorder, Stores, Submission};
use domain::testing::{date, default_now, further_commands, key, org};
use domain::{Command, Key, body, meeting, resolution};
use kernel::{Position, Timestamp};
use projections::{AsOf, ReadModels, Rules};
use tests::national_log::record_governance_log;
use tests::{TestStore, on_both_backends};

on_both_backends!(
    over_the_seed_stories_it_matches_the_whole_log_at_every_point,
    over_a_generated_log_it_matches_the_whole_log,
    it_reads_nothing_past_the_board_it_was_given,
    a_name_shared_later_is_not_shared_before,
);

/// The dates of issue 4's as-of stories: before and after the Board endorsed the blueprint, after
/// West Lindsey adopted it, and the day the further story is decided.
const DATES: [&str; 4] = ["2020-11-30", "2020-12-02", "2021-03-10", "2024-06-01"];

async fn over_the_seed_stories_it_matches_the_whole_log_at_every_point(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    // The moment each story was known by, then the further story, decided on 1 June 2024.
    let mut known = Vec::new();
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
        known.push(recorded_so_far().await);
    }
    record_further_story(&recorder).await;
    let (current, at) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    let instruments = instruments(&current);
    assert!(instruments.len() >= 8, "the stories draft their instruments: {instruments:?}");

    let mut points: Vec<AsOf> = DATES.iter().map(|day| decided_by(day)).collect();
    for known_on in &known {
        points.push(AsOf { known_on: Some(*known_on), ..AsOf::now() });
        points.push(AsOf { known_on: Some(*known_on), ..decided_by("2021-03-10") });
    }
    points.push(AsOf { position: Some(Position(at.0 / 2)), ..AsOf::now() });
    points.push(AsOf { position: Some(Position(at.0 / 2)), ..decided_by("2020-12-02") });
    for as_of in points {
        assert_matches_whole_log(&stores, &current, at, &instruments, as_of).await;
    }

    // The stories the dates were chosen for.
    let blueprint = key("lincolnshire-homes-for-independence-blueprint");
    let on = async |day: &str| {
        let models = app::views::instrument_as_of(&stores, &current, at, &blueprint, decided_by(day))
            .await
            .expect("the instrument builds");
        models.status().instrument(&blueprint, &Rules::default(), date(day)).expect("drafted by then")
    };
    assert!(on("2020-11-30").await.endorsements.is_empty(), "endorsed by nobody on 30 November 2020");
    assert_eq!(on("2020-12-02").await.endorsements.len(), 1, "endorsed by the Board on 1 December 2020");
}

async fn over_a_generated_log_it_matches_the_whole_log(db: &TestStore) {
    let stores = db.stores().await;
    let log = record_governance_log(stores.events.as_ref(), 12_000, 5_000).await.expect("the log is recorded");
    let (current, at) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    assert_eq!(at.0, log.events as u64);
    // The first places' strategies and plans, and the last place's, which starts late.
    let mut instruments: Vec<Key> = log.instruments.iter().take(4).cloned().collect();
    instruments.extend(log.instruments.last().cloned());
    for day in ["2019-03-15", "2020-06-30", "2021-12-31", "2024-06-01"] {
        assert_matches_whole_log(&stores, &current, at, &instruments, decided_by(day)).await;
    }
}

async fn it_reads_nothing_past_the_board_it_was_given(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    let (current, at) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    record_further_story(&recorder).await;
    let instruments = instruments(&current);
    let as_of = decided_by("2024-06-01");
    let up_to_the_board = AsOf { position: Some(at), ..as_of };
    let whole: ReadModels = app::views::as_of(&stores, up_to_the_board).await.expect("the log folds");
    let moved_on: ReadModels = app::views::as_of(&stores, as_of).await.expect("the log folds");
    let board = |models: &ReadModels| models.status().view(&Default::default(), &Rules::default(), date("2024-06-01"));
    assert!(board(&whole) != board(&moved_on), "the further story changes the board");
    for instrument in &instruments {
        let models = app::views::instrument_as_of(&stores, &current, at, instrument, as_of)
            .await
            .expect("the instrument builds");
        let today = date("2024-06-01");
        assert_eq!(
            models.status().instrument(instrument, &Rules::default(), today),
            whole.status().instrument(instrument, &Rules::default(), today),
            "{instrument} up to position {at}"
        );
    }
}

/// A body the blueprint names (West Lindsey's Prosperous Communities Committee, which adopted it)
/// gets two namesakes on record: one established in 2020, and one, sorting first, in 2024. As of
/// 2019 the name is West Lindsey's alone; as of 2021 and 2024 it is shared, and the committee is
/// told apart by its council. Built from its streams, the blueprint names it as the whole log does
/// at each date.
async fn a_name_shared_later_is_not_shared_before(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    // Illustrative bodies, not in the seed papers.
    for (id, established_on) in [("a-later-namesake", "2024-01-15"), ("z-earlier-namesake", "2020-06-01")] {
        let command = Command::Body(body::Command::Establish {
            id: key(id),
            name: "Prosperous Communities Committee".into(),
            kind: body::Kind::Committee,
            parents: vec![org("GB-LAE-LIN")],
            members: vec![],
            established_on: date(established_on),
        });
        let submission = Submission { command, provenance: Provenance::new("secretariat") };
        recorder.record(&submission, default_now()).await.expect("the namesake is established");
    }
    let (current, at) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    let blueprint = key("lincolnshire-homes-for-independence-blueprint");
    for (day, shared) in [("2019-12-31", false), ("2021-03-10", true), ("2024-06-01", true)] {
        assert_matches_whole_log(&stores, &current, at, std::slice::from_ref(&blueprint), decided_by(day)).await;
        let whole: ReadModels = app::views::as_of(&stores, decided_by(day)).await.expect("the log folds");
        let name = whole.body_name(&key("west-lindsey-prosperous-communities-committee")).expect("established");
        let told_apart = "Prosperous Communities Committee, West Lindsey District Council";
        assert_eq!(name == told_apart, shared, "as of {day}: {name}");
    }
}

/// For each of `instruments`, the board built from its streams shows what the board folded from
/// the whole log shows, counting overdue and stale items on the as-of day.
async fn assert_matches_whole_log(
    stores: &Stores,
    current: &ReadModels,
    at: Position,
    instruments: &[Key],
    as_of: AsOf,
) {
    let whole: ReadModels = app::views::as_of(stores, as_of).await.expect("the log folds");
    let today =
        as_of.decided_by.or(as_of.known_on).map_or_else(|| date("2024-06-01"), |t| t.as_datetime().date_naive());
    let rules = Rules::default();
    for instrument in instruments {
        let models =
            app::views::instrument_as_of(stores, current, at, instrument, as_of).await.expect("the instrument builds");
        assert_eq!(
            models.status().instrument(instrument, &rules, today),
            whole.status().instrument(instrument, &rules, today),
            "{instrument} as of {as_of:?}"
        );
    }
}

/// Every instrument on the current board.
fn instruments(current: &ReadModels) -> Vec<Key> {
    let view = current.status().view(&Default::default(), &Rules::default(), date("2024-06-01"));
    view.instruments.into_iter().map(|i| i.instrument).collect()
}

/// The further story (call-in, rescission, supersession, withdrawal, expiry, refresh, deferral,
/// cancellation), decided on 1 June 2024: each command with a date of its own happening on that
/// date, a rescission, supersession or confirmation of minutes on the date of the later
/// resolution or meeting, the others on 1 June 2024.
async fn record_further_story(recorder: &Recorder) {
    for command in further_commands() {
        let derived = matches!(
            command,
            Command::Meeting(meeting::Command::ConfirmMinutes { .. })
                | Command::Resolution(resolution::Command::Rescind { .. } | resolution::Command::Supersede { .. })
        );
        let occurred_at = (command.happened_on().is_none() && !derived).then_some(default_now());
        let provenance = Provenance { occurred_at, ..Provenance::new("secretariat") };
        recorder
            .record(&Submission { command, provenance }, default_now())
            .await
            .expect("the further story is recorded");
    }
}

/// A time after everything recorded so far and before anything recorded next.
async fn recorded_so_far() -> Timestamp {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let now = Timestamp::now();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    now
}

fn decided_by(day: &str) -> AsOf {
    AsOf { decided_by: Some(Timestamp::parse_end_of(day).expect("a valid date")), ..AsOf::now() }
}
