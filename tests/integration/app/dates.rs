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
