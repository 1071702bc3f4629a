//! The tables beside the log, written once in `kernel` over `SqlTables`: statements run together
//! commit together or not at all, and a webhook's attempt and its dead letter change as one.

use kernel::{AttemptOutcome, Param, Position, Statement, Timestamp, WebhookAttempt, WebhookRecord, WebhookStore};
use tests::{TestStore, on_both_backends};

on_both_backends!(statements_run_together_commit_together_or_not_at_all, an_attempt_and_its_dead_letter_change_as_one);

fn subscription(name: &str) -> WebhookRecord {
    WebhookRecord {
        name: name.into(),
        url: "https://partners.example.org/covenant".into(),
        event_types: "ResolutionRecorded".into(),
        secret: "whsec_c2VjcmV0".into(),
        created_at: Timestamp::parse("2021-03-09").expect("valid date"),
    }
}

async fn statements_run_together_commit_together_or_not_at_all(db: &TestStore) {
    let tables = db.tables();
    let insert = "INSERT INTO webhooks (name, url, event_types, secret, created_at) VALUES ($1, $2, '', 's', $3)";
    let at = Param::Time(Some(Timestamp::parse("2021-03-09").expect("valid date")));
    let first = [Param::Text(Some("board")), Param::Text(Some("https://a.example.org")), at];
    let again = [Param::Text(Some("board")), Param::Text(Some("https://b.example.org")), at];
    // The second insert breaks the primary key: the first must not stay either.
    let failed = tables
        .execute_all(&[Statement { sql: insert, params: &first }, Statement { sql: insert, params: &again }])
        .await;
    assert!(failed.is_err(), "a statement breaking the primary key fails the whole run");
    assert_eq!(tables.webhooks().await.expect("read"), vec![], "nothing of a failed run is kept");

    let other = [Param::Text(Some("committee")), Param::Text(Some("https://c.example.org")), at];
    let changed = tables
        .execute_all(&[Statement { sql: insert, params: &first }, Statement { sql: insert, params: &other }])
        .await
        .expect("both inserts");
    assert_eq!(changed, vec![1, 1]);
    let names: Vec<String> = tables.webhooks().await.expect("read").into_iter().map(|w| w.name).collect();
    assert_eq!(names, ["board", "committee"]);
}

async fn an_attempt_and_its_dead_letter_change_as_one(db: &TestStore) {
    let tables = db.tables();
    let board = subscription("board");
    assert!(tables.add_webhook(&board).await.expect("add"));
    assert!(!tables.add_webhook(&board).await.expect("add again"), "a second subscription of one name is not added");
    assert_eq!(tables.webhooks().await.expect("read"), vec![board.clone()]);

    let at = Timestamp::parse("2021-03-10").expect("valid date");
    let attempt = |number, outcome, detail: &str| WebhookAttempt {
        position: Position(45),
        attempt: number,
        outcome,
        detail: detail.into(),
        at,
    };
    tables.log_attempt("board", &attempt(1, AttemptOutcome::Failed, "503")).await.expect("log");
    assert_eq!(tables.dead_letters("board").await.expect("read"), vec![]);
    tables.log_attempt("board", &attempt(2, AttemptOutcome::Dead, "timed out")).await.expect("log");
    let letters = tables.dead_letters("board").await.expect("read");
    assert_eq!(letters.len(), 1);
    assert_eq!(
        (letters[0].position, letters[0].detail.as_str(), letters[0].failed_at),
        (Position(45), "timed out", at)
    );
    tables.log_attempt("board", &attempt(3, AttemptOutcome::Replayed, "200")).await.expect("log");
    assert_eq!(tables.dead_letters("board").await.expect("read"), vec![]);
    let logged = tables.attempts("board", 2).await.expect("read");
    assert_eq!(
        logged,
        vec![attempt(2, AttemptOutcome::Dead, "timed out"), attempt(3, AttemptOutcome::Replayed, "200")]
    );

    // An attempt for a subscription that does not exist breaks the foreign key: nothing is kept.
    assert!(tables.log_attempt("nobody", &attempt(1, AttemptOutcome::Dead, "gone")).await.is_err());
    assert_eq!(tables.dead_letters("nobody").await.expect("read"), vec![]);

    assert!(tables.remove_webhook("board").await.expect("remove"));
    assert!(!tables.remove_webhook("board").await.expect("remove again"));
    assert_eq!(tables.webhooks().await.expect("read"), vec![]);
    assert_eq!(tables.attempts("board", 10).await.expect("read"), vec![], "the log goes with its subscription");
}
