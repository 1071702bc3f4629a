//! Writers racing on one commitment: each command is recorded once, after deciding again on a
//! conflict, or refused by the rules, and the commitment's stream stays consistent.

use app::RecordError;
use domain::testing::{date, key};
use domain::{DomainError, Event, commitment};
use kernel::StreamBound;
use tests::{TestStore, on_both_backends};

use super::{decoded, load, now, recorder, submission};

on_both_backends!(racing_writers_on_one_commitment_are_applied_or_refused);

const REPORTS: usize = 8;
const ACTION: &str = "hhcdg-specialist-housing-evidence";

async fn racing_writers_on_one_commitment_are_applied_or_refused(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let stream = domain::ids::commitment_stream(&key(ACTION));
    let before = db.store().read_stream(&stream, StreamBound::All).await.expect("read").len();

    let mut commands: Vec<commitment::Command> = (0..REPORTS)
        .map(|n| commitment::Command::ReportProgress {
            id: key(ACTION),
            status: domain::rag::Rag::Amber,
            percent_complete: 60 + n as u8,
            narrative: format!("Partner comments on the draft evidence base, round {n}."),
            evidence_refs: vec![],
            period: commitment::ReportingPeriod { label: format!("2023/24 update {n}"), from: None, to: None },
            reported_on: date("2023-07-14"),
        })
        .collect();
    // Two officers both mark the action complete: one of them must be told it already is.
    for n in 0..2 {
        commands.insert(
            REPORTS / 2 + n,
            commitment::Command::Complete {
                id: key(ACTION),
                completed_on: date("2023-07-31"),
                narrative: format!("Evidence base published (officer {n})."),
                evidence_refs: vec![],
            },
        );
    }
    let tasks: Vec<_> = commands
        .into_iter()
        .map(|command| {
            let recorder = recorder.clone();
            tokio::spawn(async move { recorder.record(&submission(command), now()).await })
        })
        .collect();
    let mut applied = 0;
    for task in tasks {
        match task.await.expect("the task runs") {
            Ok(recorded) => {
                assert_eq!(recorded.events.len(), 1);
                applied += 1;
            }
            Err(RecordError::Rejected { error: DomainError::Commitment(commitment::Error::NotOpen(_)), .. }) => {}
            Err(RecordError::Conflict { attempts, .. }) => assert_eq!(attempts, app::ATTEMPTS),
            Err(other) => panic!("unexpected failure: {other}"),
        }
    }

    let events = db.store().read_stream(&stream, StreamBound::All).await.expect("read");
    assert_eq!(events.len(), before + applied, "every applied command left exactly one event");
    let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=events.len() as u64).collect::<Vec<_>>());
    let new: Vec<Event> = events[before..].iter().map(decoded).collect();
    let completed = new.iter().filter(|e| matches!(e, Event::Commitment(commitment::Event::Completed { .. }))).count();
    assert_eq!(completed, 1, "exactly one completion");
    assert!(
        matches!(new.last(), Some(Event::Commitment(commitment::Event::Completed { .. }))),
        "nothing is recorded on the commitment after its completion"
    );
}
