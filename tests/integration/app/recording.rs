//! Recording commands and batches: what is refused writes nothing, a batch is one atomic append
//! decided in order, and a stale expected version is a conflict.

use app::{InvalidRequest, RecordError, Submission};
use domain::testing::{date, key, org};
use domain::{DomainError, body, commitment, organisation};
use kernel::{Expected, StreamBound};
use tests::{TestStore, on_both_backends};

use super::{everything, load, now, recorder, submission};

on_both_backends!(
    a_refused_command_writes_nothing,
    a_batch_is_decided_in_order_and_appended_at_once,
    a_batch_with_a_refused_command_writes_nothing,
    a_stale_expected_version_is_a_conflict,
    a_batch_over_the_append_limit_is_refused,
);

pub(super) fn report_progress(id: &str, percent: u8) -> commitment::Command {
    commitment::Command::ReportProgress {
        id: key(id),
        status: domain::rag::Rag::Green,
        percent_complete: percent,
        narrative: "Fast-track route extended to the hospital discharge team.".into(),
        evidence_refs: vec![],
        period: commitment::ReportingPeriod { label: "2023/24 Q1".into(), from: None, to: None },
        reported_on: date("2023-07-14"),
    }
}

async fn a_refused_command_writes_nothing(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let head = db.store().head().await.expect("head");
    // The fast-track action was completed on 31 March 2023.
    let refused = recorder.record(&submission(report_progress("hhcdg-dfg-fast-track", 100)), now()).await;
    match refused {
        Err(RecordError::Rejected {
            item: 0,
            stream,
            error: DomainError::Commitment(commitment::Error::NotOpen(_)),
        }) => {
            assert_eq!(stream.as_str(), "commitment-hhcdg-dfg-fast-track");
        }
        other => panic!("expected a refusal by the rules, got {other:?}"),
    }
    let message = recorder
        .record(&submission(report_progress("hhcdg-dfg-fast-track", 100)), now())
        .await
        .expect_err("refused")
        .to_string();
    assert!(message.contains("only be recorded on an open commitment"), "{message}");
    assert_eq!(db.store().head().await.expect("head"), head);
}

fn establish_with_member(member: &str) -> body::Command {
    body::Command::Establish {
        id: key("west-lindsey-housing-forum"),
        name: "West Lindsey Housing Forum".into(),
        kind: body::Kind::PartnershipGroup,
        parents: vec![org("GB-LAE-WLI")],
        members: vec![org("GB-LAE-WLI"), org(member)],
        established_on: date("2023-05-01"),
    }
}

fn register(id: &str, name: &str) -> organisation::Command {
    organisation::Command::Register {
        id: org(id),
        name: name.into(),
        kind: organisation::Kind::HousingAssociation,
        identifiers: vec![],
    }
}

async fn a_batch_is_decided_in_order_and_appended_at_once(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let head = db.store().head().await.expect("head");
    // The body needs the organisation the first command registers.
    let batch: Vec<Submission> = vec![
        submission(register("GB-COH-00000001", "Acis Group")),
        submission(establish_with_member("GB-COH-00000001")),
    ];
    let recorded = recorder.record_batch(&batch, now()).await.expect("recorded");
    assert_eq!(recorded.attempts, 1);
    let positions: Vec<u64> = recorded.events.iter().map(|e| e.position.0).collect();
    assert_eq!(positions, [head.position.0 + 1, head.position.0 + 2]);
    assert_eq!(recorded.events.iter().map(|e| e.item).collect::<Vec<_>>(), [0, 1]);
    let log = everything(db.store()).await;
    let appended = &log[log.len() - 2..];
    assert_eq!(appended[0].recorded_at, appended[1].recorded_at, "one append");
    assert_eq!(appended[1].event_type.as_str(), "BodyEstablished");
}

async fn a_batch_with_a_refused_command_writes_nothing(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let head = db.store().head().await.expect("head");
    let text = [
        "# A housing association joins the forum; the third line names an organisation never registered.",
        r#"{"aggregate":"organisation","command":"register","id":"GB-COH-00000001","name":"Acis Group","kind":"housing_association"}"#,
        "",
        r#"{"aggregate":"body","command":"establish","id":"west-lindsey-housing-forum","name":"West Lindsey Housing Forum","kind":"partnership_group","parents":["GB-LAE-WLI"],"members":["GB-COH-00000002"],"established_on":"2023-05-01"}"#,
    ]
    .join("\n");
    let lines = app::parse_command_lines(&text).expect("every line is a command");
    let batch: Vec<Submission> = lines.iter().map(|l| submission(l.command.clone())).collect();
    match recorder.record_batch(&batch, now()).await {
        Err(RecordError::Rejected { item: 1, .. }) => {}
        other => panic!("expected the second command to be refused, got {other:?}"),
    }
    assert_eq!(db.store().head().await.expect("head"), head, "the first command is not recorded either");

    let unparsable = format!("{text}\n{{\"aggregate\":\"organisation\",\"command\":\"rename\"}}\nnot json");
    let errors = app::parse_command_lines(&unparsable).expect_err("two bad lines");
    assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [5, 6]);
    assert!(errors[0].message.contains("missing field"), "{}", errors[0]);
}

async fn a_stale_expected_version_is_a_conflict(db: &TestStore) {
    let recorder = recorder(db.shared());
    load(&recorder, &app::seeds::lincolnshire()).await;
    let stream = domain::ids::commitment_stream(&key("hhcdg-discharge-housing-support"));
    let version = db.store().read_stream(&stream, StreamBound::All).await.expect("read").len() as u64;
    let head = db.store().head().await.expect("head");
    let stale = recorder
        .record_expecting(&[submission(report_progress("hhcdg-discharge-housing-support", 60))], version - 1, now())
        .await;
    match stale {
        Err(RecordError::Conflict { stream: s, expected, actual, attempts: 1 }) => {
            assert_eq!((s, expected, actual), (stream.clone(), Expected::Exactly(version - 1), version));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(db.store().head().await.expect("head"), head);
    let recorded = recorder
        .record_expecting(&[submission(report_progress("hhcdg-discharge-housing-support", 60))], version, now())
        .await
        .expect("the current version is accepted");
    assert_eq!(recorded.events[0].stream_version, version + 1);
}

async fn a_batch_over_the_append_limit_is_refused(db: &TestStore) {
    let recorder = recorder(db.shared());
    let batch = vec![submission(register("GB-COH-00000001", "Acis Group")); 10_001];
    let refused = recorder.record_batch(&batch, now()).await;
    assert!(
        matches!(refused, Err(RecordError::Invalid(InvalidRequest::TooManyCommands { count: 10_001, limit: 10_000 }))),
        "{refused:?}"
    );
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("split them into several requests"), "{message}");
    assert!(recorder.record_batch(&[], now()).await.is_err());
    assert_eq!(db.store().head().await.expect("head").position.0, 0);
}
