//! Correlation and causation: what a resolution caused is traced back to its recording event.

use app::{Provenance, Submission};
use domain::testing::{date, key};
use domain::{commitment, resolution};
use kernel::RecordedEvent;
use tests::{TestStore, on_both_backends};
use uuid::Uuid;

use super::{everything, load, now, recorder, submission};

on_both_backends!(a_resolution_is_the_cause_of_what_it_authorised, ids_the_caller_gives_are_kept);

const MINUTE_45: &str = "resolution-west-lindsey-pcc-2021-03-09-45";

async fn a_resolution_is_the_cause_of_what_it_authorised(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    // Minute 45 also replaces the committee's 2018 resolution on the MOU.
    let rescind = resolution::Command::Rescind {
        id: key("west-lindsey-pcc-2018-01-29-mou"),
        by_resolution: key("west-lindsey-pcc-2021-03-09-45"),
    };
    recorder.record(&submission(rescind), now()).await.expect("rescinded");

    let log = everything(db.store()).await;
    let recorded = log
        .iter()
        .find(|e| e.stream_id.as_str() == MINUTE_45 && e.event_type.as_str() == "ResolutionRecorded")
        .expect("minute 45 is recorded");
    assert_eq!(recorded.metadata.causation_id, None, "a resolution starts a chain of its own");
    assert_eq!(recorded.metadata.correlation_id, recorded.event_id.0, "named by its first event");

    let caused: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.metadata.causation_id == Some(recorded.event_id.0))
        .map(|e| (e.stream_id.as_str(), e.event_type.as_str()))
        .collect();
    assert_eq!(
        caused,
        [
            ("instrument-lincolnshire-homes-for-independence-blueprint", "InstrumentAdopted"),
            ("commitment-hhcdg-dfg-fast-track", "CommitmentMade"),
            ("resolution-west-lindsey-pcc-2018-01-29-mou", "ResolutionRescinded"),
        ]
    );
    let chain: Vec<&RecordedEvent> =
        log.iter().filter(|e| e.metadata.correlation_id == recorded.metadata.correlation_id).collect();
    assert_eq!(chain.len(), 4, "the resolution and the three events it caused");

    // Progress on the commitment is delivery evidence, not a consequence of the resolution.
    let progress = log
        .iter()
        .find(|e| {
            e.stream_id.as_str() == "commitment-hhcdg-dfg-fast-track"
                && e.event_type.as_str() == "CommitmentProgressReported"
        })
        .expect("progress was reported");
    assert_eq!(progress.metadata.causation_id, None);
}

async fn ids_the_caller_gives_are_kept(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let correlation = Uuid::now_v7();
    let causation = Uuid::now_v7();
    let submission = Submission {
        command: commitment::Command::Reschedule {
            id: key("hhcdg-discharge-housing-support"),
            due_on: date("2024-09-30"),
            reason: "Agreed at the HHCDG meeting of 14 May 2024".into(),
        }
        .into(),
        provenance: Provenance {
            correlation_id: Some(correlation),
            causation_id: Some(causation),
            source: Some("HHCDG minutes, 14 May 2024".into()),
            occurred_at: Some(kernel::Timestamp::parse("2024-05-14").expect("date")),
            ..Provenance::new("officer@lincolnshire.gov.uk")
        },
    };
    let recorded = recorder.record(&submission, now()).await.expect("recorded");
    assert_eq!((recorded.events[0].correlation_id, recorded.events[0].causation_id), (correlation, Some(causation)));
    let log = everything(db.store()).await;
    let stored = log.last().expect("an event");
    assert_eq!(stored.metadata.correlation_id, correlation);
    assert_eq!(stored.metadata.actor, "officer@lincolnshire.gov.uk");
    assert_eq!(stored.metadata.source.as_deref(), Some("HHCDG minutes, 14 May 2024"));
    assert_eq!(stored.metadata.occurred_at.to_string(), "2024-05-14T00:00:00Z");
}
