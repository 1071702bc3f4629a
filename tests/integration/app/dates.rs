//! When a command happened: a command with a date of its own is recorded as having happened on
//! that date, so "as decided by" views place it there whenever it was recorded; a caller's
//! `occurred_at` on another day is refused before anything is written.

use app::{Provenance, RecordError, Submission};
use domain::resolution::Outcome;
use domain::testing::{date, key, org};
use domain::{Command, DomainError, body, meeting, organisation, resolution};
use kernel::Timestamp;
use projections::{AsOf, Filters, ReadModels, Rules, build_as_of};
use tests::{TestStore, on_both_backends};

use super::{everything, now, recorder};

on_both_backends!(
    a_decision_recorded_today_is_in_the_register_from_the_day_it_was_taken,
    an_occurred_at_on_another_day_is_refused_and_nothing_is_written,
    a_rescission_and_a_confirmation_happened_on_the_later_meeting_s_date,
);

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a time")
}

/// `command` as a secretariat records it, saying when it happened when `occurred_at` is given.
fn recorded(command: impl Into<Command>, occurred_at: Option<&str>) -> Submission {
    Submission {
        command: command.into(),
        provenance: Provenance { occurred_at: occurred_at.map(at), ..Provenance::new("secretariat@bexley.gov.uk") },
    }
}

/// A council, its board and the board's meeting of 29 June 2023, each recorded on 1 June 2024; the
/// commands without a date of their own say when they happened.
fn the_meeting() -> Vec<Submission> {
    vec![
        recorded(
            organisation::Command::Register {
                id: org("GB-LAE-BEX"),
                name: "London Borough of Bexley".into(),
                kind: organisation::Kind::LocalAuthority,
                identifiers: Vec::new(),
            },
            Some("2013-04-01"),
        ),
        recorded(
            body::Command::Establish {
                id: key("bexley-hwb"),
                name: "Bexley Health and Wellbeing Board".into(),
                kind: body::Kind::Board,
                parents: vec![org("GB-LAE-BEX")],
                members: Vec::new(),
                established_on: date("2013-04-01"),
            },
            None,
        ),
        recorded(
            meeting::Command::Schedule {
                id: key("bexley-hwb-2023-06-29"),
                body: key("bexley-hwb"),
                date: date("2023-06-29"),
                title: "Bexley Health and Wellbeing Board".into(),
            },
            Some("2023-06-01"),
        ),
        recorded(
            meeting::Command::AddAgendaItem {
                id: key("bexley-hwb-2023-06-29"),
                item: "6".into(),
                title: "Joint integrated action plan".into(),
                minute_number: Some("12".into()),
            },
            Some("2023-06-01"),
        ),
        recorded(meeting::Command::Hold { id: key("bexley-hwb-2023-06-29"), held_on: date("2023-06-29") }, None),
    ]
}

fn decision() -> resolution::Command {
    resolution::Command::Record {
        id: key("bexley-hwb-2023-06-29-12"),
        body: key("bexley-hwb"),
        meeting: key("bexley-hwb-2023-06-29"),
        agenda_item: "6".into(),
        text: "RESOLVED that the joint integrated action plan be approved".into(),
        outcome: Outcome::Approved,
        decided_on: date("2023-06-29"),
        published_on: None,
        effective_on: None,
        subject_to_call_in: false,
        exempt_under: None,
    }
}

async fn register_as_decided_by(db: &TestStore, day: &str) -> Vec<String> {
    let decided_by = Timestamp::parse_end_of(day).expect("a day");
    let models: ReadModels =
        build_as_of(db.store(), AsOf { decided_by: Some(decided_by), ..AsOf::now() }).await.expect("the log folds");
    let view = models.resolutions().view(&Filters::default(), &Rules::default(), date(day));
    view.resolutions.iter().map(|r| r.resolution.to_string()).collect()
}

async fn a_decision_recorded_today_is_in_the_register_from_the_day_it_was_taken(db: &TestStore) {
    let recorder = recorder(db.shared());
    for submission in the_meeting() {
        recorder.record(&submission, now()).await.expect("recorded");
    }
    recorder.record(&recorded(decision(), None), now()).await.expect("the decision is recorded");

    let event = everything(db.store()).await.pop().expect("the decision's event");
    assert_eq!(event.event_type.as_str(), "ResolutionRecorded");
    assert_eq!(event.metadata.occurred_at, at("2023-06-29T00:00:00Z"), "it happened on the day decided");
    assert!(event.recorded_at > at("2024-01-01"), "recorded long after: {}", event.recorded_at);

    assert_eq!(register_as_decided_by(db, "2023-12-31").await, ["bexley-hwb-2023-06-29-12"]);
    assert_eq!(register_as_decided_by(db, "2023-06-29").await, ["bexley-hwb-2023-06-29-12"]);
    assert!(register_as_decided_by(db, "2023-06-28").await.is_empty(), "not yet decided on 28 June");
}

async fn an_occurred_at_on_another_day_is_refused_and_nothing_is_written(db: &TestStore) {
    let recorder = recorder(db.shared());
    for submission in the_meeting() {
        recorder.record(&submission, now()).await.expect("recorded");
    }
    let head = db.store().head().await.expect("head");
    let refused = recorder.record(&recorded(decision(), Some("2023-07-01")), now()).await.expect_err("another day");
    let message = refused.to_string();
    assert!(
        matches!(
            refused,
            RecordError::Rejected { error: DomainError::When(domain::when::Error::Disagrees { .. }), .. }
        ),
        "{refused:?}"
    );
    assert!(
        message.contains("the command says it happened on 2023-06-29 (decided_on) but occurred_at says 2023-07-01"),
        "{message}"
    );
    assert_eq!(db.store().head().await.expect("head"), head, "nothing was written");
    // A time within the day it was decided is kept as given.
    let recorded_at_evening = recorder
        .record(&recorded(decision(), Some("2023-06-29T19:30:00Z")), now())
        .await
        .expect("a time on the same day");
    assert_eq!(recorded_at_evening.events.len(), 1);
    let event = everything(db.store()).await.pop().expect("the decision's event");
    assert_eq!(event.metadata.occurred_at, at("2023-06-29T19:30:00Z"));
}

/// The board's next meeting, 14 September 2023, held, with a decision that rescinds minute 12.
fn the_next_meeting() -> Vec<Submission> {
    let next = key("bexley-hwb-2023-09-14");
    vec![
        recorded(
            meeting::Command::Schedule {
                id: next.clone(),
                body: key("bexley-hwb"),
                date: date("2023-09-14"),
                title: "Bexley Health and Wellbeing Board".into(),
            },
            Some("2023-08-01"),
        ),
        recorded(
            meeting::Command::AddAgendaItem {
                id: next.clone(),
                item: "4".into(),
                title: "Joint integrated action plan: a new plan".into(),
                minute_number: Some("20".into()),
            },
            Some("2023-08-01"),
        ),
        recorded(meeting::Command::Hold { id: next.clone(), held_on: date("2023-09-14") }, None),
        recorded(
            resolution::Command::Record {
                id: key("bexley-hwb-2023-09-14-20"),
                body: key("bexley-hwb"),
                meeting: next,
                agenda_item: "4".into(),
                text: "RESOLVED that the decision at minute 12 be rescinded (illustrative)".into(),
                outcome: Outcome::Approved,
                decided_on: date("2023-09-14"),
                published_on: None,
                effective_on: None,
                subject_to_call_in: false,
                exempt_under: None,
            },
            None,
        ),
    ]
}

async fn a_rescission_and_a_confirmation_happened_on_the_later_meeting_s_date(db: &TestStore) {
    let recorder = recorder(db.shared());
    for submission in the_meeting().into_iter().chain([recorded(decision(), None)]).chain(the_next_meeting()) {
        recorder.record(&submission, now()).await.expect("recorded");
    }
    let rescind = || resolution::Command::Rescind {
        id: key("bexley-hwb-2023-06-29-12"),
        by_resolution: key("bexley-hwb-2023-09-14-20"),
    };

    // Told it happened on another day, the rescission is refused with both dates named.
    let head = db.store().head().await.expect("head");
    let refused = recorder.record(&recorded(rescind(), Some("2024-01-10")), now()).await.expect_err("another day");
    assert!(
        refused
            .to_string()
            .contains("happened on 2023-09-14 (the later resolution's decided_on) but occurred_at says 2024-01-10"),
        "{refused}"
    );
    assert_eq!(db.store().head().await.expect("head"), head, "nothing was written");

    // Recorded today without a date, it happened when the later resolution was decided.
    recorder.record(&recorded(rescind(), None), now()).await.expect("rescinded");
    let event = everything(db.store()).await.pop().expect("the rescission");
    assert_eq!(event.event_type.as_str(), "ResolutionRescinded");
    assert_eq!(event.metadata.occurred_at, at("2023-09-14T00:00:00Z"));

    // The minutes of June, published in July and confirmed at the September meeting, were
    // confirmed on its date.
    let publish =
        meeting::Command::PublishMinutes { id: key("bexley-hwb-2023-06-29"), published_on: date("2023-07-06") };
    recorder.record(&recorded(publish, None), now()).await.expect("published");
    let confirm = meeting::Command::ConfirmMinutes {
        id: key("bexley-hwb-2023-06-29"),
        at_meeting: key("bexley-hwb-2023-09-14"),
        minute_number: None,
    };
    recorder.record(&recorded(confirm, None), now()).await.expect("confirmed");
    let event = everything(db.store()).await.pop().expect("the confirmation");
    assert_eq!(event.event_type.as_str(), "MeetingMinutesConfirmed");
    assert_eq!(event.metadata.occurred_at, at("2023-09-14T00:00:00Z"));
}
