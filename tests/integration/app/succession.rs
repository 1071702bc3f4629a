//! A succession transfers the predecessor's open and deferred commitments to the successor, ends
//! its seats on bodies and begins the successor's, and passes its pending obligations as a party,
//! in the same append, caused by the succession.

use app::Submission;
use app::seeds::Story;
use domain::commitment::ObjectiveRef;
use domain::testing::{date, key, org};
use domain::{Command, commitment, organisation};
use tests::{TestStore, on_both_backends};

use super::{everything, load, now, recorder, submission};

on_both_backends!(
    a_succession_transfers_the_open_commitments_in_its_own_append,
    a_succession_in_a_batch_transfers_commitments_made_earlier_in_it,
);

/// Lincolnshire up to the day the integrated care board was registered.
fn before_the_board() -> Story {
    let mut story = app::seeds::lincolnshire();
    story.steps = story
        .steps
        .into_iter()
        .take_while(|step| !matches!(&step.command, Command::Organisation(organisation::Command::Register { id, .. }) if id.as_str() == "GB-NHS-QJM"))
        .collect();
    story
}

fn make(id: &str) -> commitment::Command {
    commitment::Command::Make {
        id: key(id),
        title: "Step-down beds for people awaiting adaptations".into(),
        organisation: org("GB-NHS-71E"),
        lead: "Director of Integration".into(),
        towards: Some(ObjectiveRef {
            instrument: key("lincolnshire-hhcdg-delivery-plan"),
            objective: key("hospital-discharge"),
        }),
        arising_from: None,
        due_on: date("2023-03-31"),
        weight: 1,
        parent: None,
        made_on: date("2022-05-01"),
    }
}

fn register_board() -> Submission {
    submission(organisation::Command::Register {
        id: org("GB-NHS-QJM"),
        name: "NHS Lincolnshire Integrated Care Board".into(),
        kind: organisation::Kind::IntegratedCareBoard,
        identifiers: vec![],
    })
}

fn succeed() -> Submission {
    submission(organisation::Command::Succeed {
        id: org("GB-NHS-71E"),
        successor: org("GB-NHS-QJM"),
        effective_on: date("2022-07-01"),
    })
}

async fn a_succession_transfers_the_open_commitments_in_its_own_append(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &before_the_board()).await;
    let setup = vec![
        submission(make("ccg-step-down-beds")),
        submission(commitment::Command::Defer {
            id: key("ccg-step-down-beds"),
            deferred_on: date("2022-06-01"),
            until: Some(date("2022-10-01")),
            reason: "Winter planning first".into(),
        }),
        submission(make("ccg-discharge-audit")),
        submission(commitment::Command::Cancel {
            id: key("ccg-discharge-audit"),
            cancelled_on: date("2022-06-01"),
            reason: "Covered by the national audit".into(),
        }),
        register_board(),
    ];
    recorder.record_batch(&setup, now()).await.expect("setup");
    let head = db.store().head().await.expect("head").position.0;

    let recorded = recorder.record(&succeed(), now()).await.expect("the succession is recorded");
    let summary: Vec<(&str, &str)> =
        recorded.events.iter().map(|e| (e.stream_id.as_str(), e.event_type.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("organisation-GB-NHS-71E", "OrganisationSucceeded"),
            ("commitment-ccg-step-down-beds", "CommitmentTransferred"),
            ("commitment-hhcdg-discharge-housing-support", "CommitmentTransferred"),
            ("body-lincolnshire-health-and-wellbeing-board", "BodyMemberLeft"),
            ("body-lincolnshire-health-and-wellbeing-board", "BodyMemberJoined"),
            ("body-lincolnshire-hhcdg", "BodyMemberLeft"),
            ("body-lincolnshire-hhcdg", "BodyMemberJoined"),
            ("instrument-lincolnshire-hhcdg-delivery-plan", "InstrumentPartySucceeded"),
            ("instrument-lincolnshire-homes-for-independence-blueprint", "InstrumentPartySucceeded"),
            ("instrument-lincolnshire-housing-health-care-mou", "InstrumentPartySucceeded"),
        ],
        "open and deferred commitments pass to the successor, the cancelled one stays; the seats on \
         both bodies and the pending obligations on the three instruments pass too"
    );
    let positions: Vec<u64> = recorded.events.iter().map(|e| e.position.0).collect();
    assert_eq!(positions, (head + 1..=head + 10).collect::<Vec<_>>());

    let log = everything(db.store()).await;
    let appended = &log[log.len() - 10..];
    assert!(appended.iter().all(|e| e.recorded_at == appended[0].recorded_at), "one append");
    let succession = &appended[0];
    for transfer in &appended[1..] {
        assert_eq!(transfer.metadata.causation_id, Some(succession.event_id.0));
        assert_eq!(transfer.metadata.correlation_id, succession.metadata.correlation_id);
        assert_eq!(transfer.metadata.actor, succession.metadata.actor);
    }
}

async fn a_succession_in_a_batch_transfers_commitments_made_earlier_in_it(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &before_the_board()).await;
    let batch = vec![register_board(), submission(make("ccg-step-down-beds")), succeed()];
    let recorded = recorder.record_batch(&batch, now()).await.expect("the batch is recorded");
    let mut transferred: Vec<&str> = recorded
        .events
        .iter()
        .filter(|e| e.event_type.as_str() == "CommitmentTransferred")
        .map(|e| e.stream_id.as_str())
        .collect();
    transferred.sort();
    assert_eq!(transferred, ["commitment-ccg-step-down-beds", "commitment-hhcdg-discharge-housing-support"]);
    assert!(recorded.events.iter().filter(|e| e.event_type.as_str() == "CommitmentTransferred").all(|e| e.item == 2));
}
