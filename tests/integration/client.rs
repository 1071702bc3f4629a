//! The client crate against the real service on both backends: reports, commands with
//! `If-Match` and `Idempotency-Key`, the feed by pages; and the `Follower`, stopped mid-stream
//! (its task aborted) again and again while events are recorded, and restarted from its cursor
//! file: its handler sees every event of the log, in order, none lost, and again only the one
//! it was handling when stopped; a handler's failure leaves the cursor before the event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::Role;
use app::seeds;
use covenant_client::{Client, ClientError, CommandOptions, FeedEvent, FileCursor, Follower, Handler};
use serde_json::json;
use tests::{TestStore, on_both_backends, spawn_app};

on_both_backends!(
    reports_commands_and_pages_through_the_client,
    a_follower_stopped_mid_stream_and_restarted_sees_every_event_once_or_the_last_twice,
    a_handler_failure_stops_the_follower_before_the_event,
);

/// A command on the Lincolnshire story, as `docs/http.md` shows it (illustrative narrative).
fn progress(percent: u32) -> serde_json::Value {
    json!({
        "command": "report_progress", "id": "hhcdg-delivery-plan", "status": "green",
        "percent_complete": percent, "narrative": "On track (illustrative).",
        "period": {"label": "2024/25 Q1"}, "reported_on": "2024-07-01"
    })
}

async fn reports_commands_and_pages_through_the_client(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = Client::new(&app.address, &app.token(Role::Secretariat, None).await).expect("a client");

    let status = secretariat.report("status", &[]).await.expect("the status board");
    assert!(status.to_string().contains("lincolnshire-homes-for-independence-blueprint"), "{status}");
    let refused = secretariat.report("status", &[("colour", "red")]).await.expect_err("an unknown parameter");
    assert_eq!(refused.status(), Some(400), "{refused}");
    let ClientError::Problem(problem) = &refused else { panic!("a problem document: {refused}") };
    let instance = problem.instance.as_deref().unwrap_or_default();
    assert!(instance.starts_with("urn:covenant:request:"), "the request's id to quote: {problem:?}");

    let key = "5b0c1c9e-3c52-4a57-9a55-2f9a7e9d1a01".to_owned();
    let keyed = CommandOptions { idempotency_key: Some(key.clone()), ..CommandOptions::default() };
    let first = secretariat.record("commitments", &progress(45), &keyed).await.expect("recorded");
    assert_eq!(first.events.len(), 1);
    assert!(!first.replayed);
    let version = first.version.expect("the stream's version as ETag");
    let again = secretariat.record("commitments", &progress(45), &keyed).await.expect("the first answer again");
    assert!(again.replayed, "the same key gives the first answer");
    assert_eq!(again.events, first.events, "recorded once");

    let stale = CommandOptions { if_match: Some(version - 1), ..CommandOptions::default() };
    let conflict = secretariat.record("commitments", &progress(50), &stale).await.expect_err("a stale If-Match");
    assert_eq!(conflict.status(), Some(412), "{conflict}");
    let current = CommandOptions { if_match: Some(version), ..CommandOptions::default() };
    let next = secretariat.record("commitments", &progress(50), &current).await.expect("recorded");
    assert_eq!(next.version, Some(version + 1));

    let denied = secretariat.events(0, 10).await.expect_err("a secretariat may not read the feed");
    assert_eq!(denied.status(), Some(403));
    let auditor = Client::new(&app.address, &app.token(Role::Auditor, None).await).expect("a client");
    let mut after = 0;
    let mut positions = Vec::new();
    loop {
        let page = auditor.events(after, 37).await.expect("a page");
        if page.events.is_empty() {
            break;
        }
        positions.extend(page.events.iter().map(|e| e.position));
        after = page.next_after;
    }
    assert_eq!(positions, (1..=app.head().await).collect::<Vec<_>>(), "every event once, in order");
    app.stop().await;
}

/// Notes every position it is handed, slowly enough that a stop lands mid-stream.
#[derive(Clone, Default)]
struct Noting {
    seen: Arc<Mutex<Vec<u64>>>,
}

impl Handler for Noting {
    async fn handle(&mut self, event: &FeedEvent) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.seen.lock().expect("the notes").push(event.position);
        Ok(())
    }
}

async fn a_follower_stopped_mid_stream_and_restarted_sees_every_event_once_or_the_last_twice(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let dir = tempfile::tempdir().expect("a directory");
    let cursor = FileCursor::new(dir.path().join("rag-summary.cursor"));
    let client = Client::new(&app.address, &app.token(Role::Auditor, None).await).expect("a client");
    let follower = Follower::new(client, cursor.clone()).waiting(Duration::from_millis(50));
    let noting = Noting::default();
    let stories = [seeds::bexley(), seeds::rotherham(), seeds::walsall()];
    let mut restarts = 0;
    for (round, story) in stories.iter().enumerate() {
        let mut handler = noting.clone();
        let run = follower.clone();
        let task = tokio::spawn(async move { run.run(&mut handler).await });
        // Stop it part way through what it has to handle, while events are being recorded.
        let seen_before = noting.seen.lock().expect("the notes").len();
        let recording = app.load(story);
        let stop_after = seen_before + 20 + round * 7;
        let waiting = async {
            while noting.seen.lock().expect("the notes").len() < stop_after {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        tokio::join!(recording, waiting);
        task.abort();
        assert!(task.await.expect_err("stopped").is_cancelled());
        restarts += 1;
    }
    let head = app.head().await;
    let mut handler = noting.clone();
    let run = follower.clone();
    let task = tokio::spawn(async move { run.run(&mut handler).await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    // The handler sees the last event before the cursor is saved after it: wait for both.
    while noting.seen.lock().expect("the notes").last() != Some(&head) || cursor.load().expect("the cursor") != head {
        assert!(tokio::time::Instant::now() < deadline, "the follower reaches the head");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
    let seen = noting.seen.lock().expect("the notes").clone();
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, (1..=head).collect::<Vec<_>>(), "every event, in order, none lost");
    let twice = seen.len() - unique.len();
    assert!(twice <= restarts, "at most the one unsaved event again per stop: {twice} repeats in {restarts} stops");
    app.stop().await;
}

/// Fails at one position, once.
struct FailingAt {
    position: u64,
    failed: bool,
    seen: Vec<u64>,
}

impl Handler for FailingAt {
    async fn handle(&mut self, event: &FeedEvent) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if event.position == self.position && !self.failed {
            self.failed = true;
            return Err("the CSV file is locked by another program".into());
        }
        self.seen.push(event.position);
        Ok(())
    }
}

async fn a_handler_failure_stops_the_follower_before_the_event(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let dir = tempfile::tempdir().expect("a directory");
    let cursor = FileCursor::new(dir.path().join("cursor"));
    let client = Client::new(&app.address, &app.token(Role::Admin, None).await).expect("a client");
    let follower = Follower::new(client, cursor.clone());
    let mut handler = FailingAt { position: 12, failed: false, seen: Vec::new() };
    let Err(stopped) = follower.run(&mut handler).await;
    assert!(matches!(stopped, ClientError::Handler { position: 12, .. }), "{stopped}");
    assert!(stopped.to_string().contains("locked by another program"), "{stopped}");
    assert_eq!(cursor.load().expect("the cursor"), 11, "the cursor stays before the failed event");
    let reached = follower.catch_up(&mut handler).await.expect("caught up");
    assert_eq!(reached, app.head().await);
    assert_eq!(handler.seen, (1..=reached).collect::<Vec<_>>(), "the failed event is handed over again, then the rest");

    let reader = Client::new(&app.address, &app.token(Role::Reader, None).await).expect("a client");
    let Err(refused) = Follower::new(reader, FileCursor::new(dir.path().join("other"))).run(&mut handler).await;
    assert_eq!(refused.status(), Some(403), "a refusal is not tried again: {refused}");
    app.stop().await;
}
