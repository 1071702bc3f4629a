//! The service under write load while PostgreSQL terminates its connections
//! (`pg_terminate_backend`, what a database restart or failover does to a client): every answer
//! is a success or a 503 problem with `Retry-After`, never a 500 or a hang; the service answers
//! again by itself once the terminations stop, its `LISTEN` connections come back; every
//! acknowledged command is in the log exactly once, and the chain verifies.
//!
//! PostgreSQL only: the embedded SQLite file has no connections to terminate (its faults, a full
//! disk and a read-only directory, are tested in `crates/cli/tests/faults.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app::Role;
use app::seeds;
use futures::future::join_all;
use serde_json::Value;
use sqlx::Connection;
use tests::{TestApp, TestStore, commitment_id, make_commitment, narratives, report_progress, spawn_app};

/// Clients sending commands at once, each on a commitment of its own.
const WRITERS: usize = 4;
/// How long the connections are being terminated.
const FAULTS: Duration = Duration::from_secs(4);
/// How long the service has to answer successfully again once the terminations stop.
const RECOVERY: Duration = Duration::from_secs(15);
/// Commands each writer sends once it has been answered successfully again, all of which must
/// succeed.
const AFTER: usize = 10;
/// Longer than the service's own time limit (30 s): an answer slower than this is a hang.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(40);

/// Terminates every other connection to the test's database, again and again, until `faults`
/// ends; gives the number of connections terminated.
async fn terminate_connections(url: String, running: Arc<AtomicBool>) -> usize {
    let mut admin = sqlx::PgConnection::connect(&url).await.expect("failed to connect to terminate connections");
    let mut terminated = 0;
    let until = Instant::now() + FAULTS;
    while Instant::now() < until {
        let killed: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_all(&mut admin)
        .await
        .expect("failed to terminate connections");
        terminated += killed.into_iter().filter(|k| *k).count();
        tokio::time::sleep(Duration::from_millis(rand::random_range(10..120))).await;
    }
    running.store(false, Ordering::SeqCst);
    terminated
}

/// The number of connections of the test's database waiting on `LISTEN`.
async fn listeners(url: &str) -> i64 {
    let mut admin = sqlx::PgConnection::connect(url).await.expect("failed to connect");
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_one(&mut admin)
    .await
    .expect("failed to count listeners")
}

/// What one command got: its narrative (unique to it) and the status answered.
#[derive(Debug)]
struct Sent {
    narrative: String,
    status: u16,
}

/// Sends one progress report on `commitment` with a fresh Idempotency-Key and checks that the
/// answer is a success or a 503 problem with `Retry-After`.
async fn report(app: &TestApp, token: &str, commitment: &str, narrative: String) -> Sent {
    let body = report_progress(commitment, &narrative);
    let response = app
        .post("/api/v1/commitments", token, &body)
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .timeout(CLIENT_TIMEOUT)
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer to {narrative}: {e}"));
    let status = response.status().as_u16();
    if status != 201 {
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_owned());
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
        let problem: Value = response.json().await.unwrap_or_default();
        assert_eq!(status, 503, "{narrative}: only a success or a 503 may be answered: {problem}");
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{problem}");
        assert_eq!(retry_after.as_deref(), Some("1"), "a 503 says when to try again: {problem}");
        assert_eq!(problem["type"], "urn:covenant:problem:unavailable", "{problem}");
    }
    Sent { narrative, status }
}

/// One writer: commands until the terminations stop, then until one succeeds, then `AFTER` more
/// that must all succeed.
async fn writer(app: Arc<TestApp>, token: String, writer: usize, faults: Arc<AtomicBool>) -> Vec<Sent> {
    let commitment = commitment_id(writer);
    let mut sent = Vec::new();
    let narrative = |n: usize| format!("Quarterly return {writer}-{n}: Disabled Facilities Grant referrals triaged.");
    while faults.load(Ordering::SeqCst) {
        sent.push(report(&app, &token, &commitment, narrative(sent.len())).await);
    }
    let stopped = Instant::now();
    loop {
        let answer = report(&app, &token, &commitment, narrative(sent.len())).await;
        let ok = answer.status == 201;
        sent.push(answer);
        if ok {
            break;
        }
        assert!(stopped.elapsed() < RECOVERY, "writer {writer} got no success {RECOVERY:?} after the faults ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..AFTER {
        let answer = report(&app, &token, &commitment, narrative(sent.len())).await;
        assert_eq!(answer.status, 201, "writer {writer}: once recovered, the service keeps answering");
        sent.push(answer);
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn terminated_connections_give_503s_the_service_recovers_and_nothing_acknowledged_is_lost() {
    let Some(db) = TestStore::postgres(concat!(module_path!(), "::terminated_connections")).await else {
        return;
    };
    let TestStore::Postgres { url, .. } = &db else { panic!("a PostgreSQL store") };
    let app = Arc::new(spawn_app(&db).await);
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    for n in 0..WRITERS {
        let make = make_commitment(n);
        let response = app.post("/api/v1/commitments", &token, &make).send().await.expect("post");
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
    }
    let listening = listeners(url).await;
    assert!(listening >= 1, "the service listens for other processes' appends");

    let faults = Arc::new(AtomicBool::new(true));
    let terminator = tokio::spawn(terminate_connections(url.clone(), faults.clone()));
    let writers =
        join_all((0..WRITERS).map(|n| tokio::spawn(writer(app.clone(), token.clone(), n, faults.clone())))).await;
    let terminated = terminator.await.expect("the terminator ran");
    let sent: Vec<Sent> = writers.into_iter().flat_map(|w| w.expect("a writer ran")).collect();
    let refused = sent.iter().filter(|s| s.status == 503).count();
    eprintln!("{} commands, {refused} answered 503, {terminated} connections terminated in {FAULTS:?}", sent.len());
    assert!(terminated > 0, "connections were terminated");

    let deadline = Instant::now() + RECOVERY;
    while listeners(url).await < listening {
        assert!(Instant::now() < deadline, "the LISTEN connections did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let recorded = narratives(app.stores.events.as_ref()).await;
    for s in &sent {
        let times = recorded.get(&s.narrative).map_or(0, Vec::len);
        if s.status == 201 {
            assert_eq!(times, 1, "acknowledged once, recorded once: {}", s.narrative);
        } else {
            assert!(times <= 1, "a command whose outcome was unknown is recorded at most once: {}", s.narrative);
        }
    }
    let report = app.stores.events.verify(None).await.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.verified_head.position, app.stores.events.head().await.expect("head").position);
    match Arc::try_unwrap(app) {
        Ok(app) => app.stop().await,
        Err(_) => panic!("every writer has finished"),
    }
    db.finish().await;
}
