//! The request time limit, route family by route family: over a log that has become slow to
//! answer, every family (commands, imports, reports, the audit trail, the feed, the exports,
//! verification, readiness, the dashboard) answers 503 `timeout` with `Retry-After` at the limit,
//! instead of holding the client until the database answers. A ModernGov file of 250,000 empty
//! elements, which once took minutes to read on a runtime thread, is refused within the limit.
//! Reports of a past point, each a fold of the whole log in memory, are worked out only so many
//! at once; one more is answered 503 `busy` with `Retry-After`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::Role;
use app::seeds;
use async_trait::async_trait;
use http_api::Settings;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventStore, EventStream, Position, RecordedEvent,
    RestoreError, StoreError, StreamBound, StreamId,
};
use serde_json::{Value, json};
use tests::{TestStore, on_both_backends, spawn_app_on};

on_both_backends!(
    every_route_family_answers_at_the_time_limit,
    a_megabyte_of_empty_elements_is_refused_within_the_limit,
    reports_of_the_past_beyond_the_limit_are_answered_503_busy,
);

/// The time limit of the service under test.
const LIMIT: Duration = Duration::from_secs(1);
/// How long the slowed log takes to answer anything: well past the limit.
const DELAY: Duration = Duration::from_secs(5);

/// A log that, once `slow` is set, takes `delay` over every read and append.
struct Slow {
    inner: Arc<dyn EventStore>,
    delay: Duration,
    slow: AtomicBool,
    /// How many reads and appends are waiting now.
    waiting: AtomicUsize,
}

impl Slow {
    fn new(inner: Arc<dyn EventStore>, delay: Duration) -> Arc<Self> {
        Arc::new(Self { inner, delay, slow: AtomicBool::new(false), waiting: AtomicUsize::new(0) })
    }

    async fn wait(&self) {
        if self.slow.load(Ordering::Acquire) {
            self.waiting.fetch_add(1, Ordering::AcqRel);
            tokio::time::sleep(self.delay).await;
            self.waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[async_trait]
impl EventStore for Slow {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        self.wait().await;
        self.inner.append(request).await
    }

    async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError> {
        self.wait().await;
        self.inner.restore(events).await
    }

    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        self.wait().await;
        self.inner.read_stream(stream, bound).await
    }

    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.wait().await;
        self.inner.read_all(after, limit).await
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        self.wait().await;
        self.inner.head().await
    }

    fn subscribe(&self, after: Position) -> EventStream {
        self.inner.subscribe(after)
    }
}

async fn every_route_family_answers_at_the_time_limit(db: &TestStore) {
    let stores = db.stores().await;
    let slow = Slow::new(stores.events.clone(), DELAY);
    let app =
        spawn_app_on(stores.with_events(slow.clone()), Settings { request_timeout: LIMIT, ..Settings::default() })
            .await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    slow.slow.store(true, Ordering::Release);

    let progress = json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber",
        "percent_complete": 50, "narrative": "Half the plan delivered.", "period": {"label": "2023/24"},
        "reported_on": "2024-04-01"});
    let meeting = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/imports/west-lindsey-pcc-2021-03-09.xml"
    ))
    .expect("the GetMeeting fixture");
    let plan =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/imports/hhcdg-delivery-plan-2023.csv"))
            .expect("the action plan fixture");
    let requests = [
        ("commands", app.post("/api/v1/commitments", &admin, &progress)),
        (
            "imports (ModernGov)",
            app.client
                .post(app.url("/api/v1/imports/moderngov?council=GB-LAE-WLI"))
                .bearer_auth(&admin)
                .header("content-type", "application/xml")
                .body(meeting),
        ),
        (
            "imports (action plan)",
            app.client
                .post(app.url("/api/v1/imports/action-plan"))
                .bearer_auth(&admin)
                .header("content-type", "text/csv")
                .body(plan),
        ),
        ("reports", app.get("/api/v1/status", &admin)),
        ("reports as of a date", app.get("/api/v1/actions?as_of=2021-06-01", &admin)),
        ("audit", app.get("/api/v1/audit", &admin)),
        ("feed", app.get("/api/v1/events", &admin)),
        ("export (CloudEvents)", app.get("/api/v1/export/cloudevents", &admin)),
        ("export (Popolo)", app.get("/api/v1/export/popolo", &admin)),
        ("verify", app.get("/api/v1/verify", &admin)),
        ("readiness", app.client.get(app.url("/readyz"))),
        ("dashboard", app.get("/dashboard", &admin)),
    ];
    for (family, request) in requests {
        let started = Instant::now();
        let response = request.send().await.expect("an answer");
        let took = started.elapsed();
        let status = response.status().as_u16();
        let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_owned());
        let body = response.text().await.expect("a body");
        assert_eq!(status, 503, "{family}: {body}");
        assert!(took < LIMIT + Duration::from_millis(1_500), "{family} took {took:?}, the limit is {LIMIT:?}");
        assert_eq!(retry.as_deref(), Some("1"), "{family}");
        let problem: Value = serde_json::from_str(&body).expect("a problem");
        assert_eq!(problem["type"], "urn:covenant:problem:timeout", "{family}: {problem}");
    }
    slow.slow.store(false, Ordering::Release);
    app.stop().await;
}

async fn a_megabyte_of_empty_elements_is_refused_within_the_limit(db: &TestStore) {
    let app = tests::spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    let before = app.chain_head().await;
    let file = format!("<GetMeeting><meetings>{}</meetings></GetMeeting>", "<a/>".repeat(250_000));
    assert!(file.len() < Settings::default().max_body_bytes, "under the body limit");
    let response = app
        .client
        .post(app.url("/api/v1/imports/moderngov?council=GB-LAE-WLI"))
        .bearer_auth(&admin)
        .header("content-type", "application/xml")
        .body(file)
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    let problem: Value = response.json().await.expect("a problem");
    assert_eq!(status, 422, "refused for what it is, not cut off at the time limit: {problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("no <meeting> element")), "{problem}");
    assert_eq!(app.chain_head().await, before, "nothing recorded");
    app.stop().await;
}

async fn reports_of_the_past_beyond_the_limit_are_answered_503_busy(db: &TestStore) {
    let stores = db.stores().await;
    let slow = Slow::new(stores.events.clone(), Duration::from_secs(3));
    let folds = 2;
    let app =
        spawn_app_on(stores.with_events(slow.clone()), Settings { max_as_of_folds: folds, ..Settings::default() })
            .await;
    app.load(&seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;
    // Each a past point not yet kept, so each is folded from the start of the log.
    let past = |day: usize| format!("/api/v1/status?as_of=2021-06-{day:02}");
    slow.slow.store(true, Ordering::Release);
    // As many folds as allowed, each held in its read of the slowed log.
    let running: Vec<_> = (1..=folds).map(|day| tokio::spawn(app.get(&past(day), &reader).send())).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while slow.waiting.load(Ordering::Acquire) < folds {
        assert!(Instant::now() < deadline, "the folds did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let response = app.get(&past(folds + 1), &reader).send().await.expect("an answer");
    assert!(started.elapsed() < Duration::from_secs(2), "refused at once, not after a fold");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    let problem: Value = response.json().await.expect("a problem");
    assert_eq!(problem["type"], "urn:covenant:problem:busy", "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("try again in a moment")), "{problem}");
    for fold in running {
        let response = fold.await.expect("the request ran").expect("an answer");
        assert_eq!(response.status(), 200, "the folds that had a permit are answered");
    }
    // The permits come back with the answers.
    slow.slow.store(false, Ordering::Release);
    for day in folds + 1..=2 * folds + 1 {
        assert_eq!(app.get(&past(day), &reader).send().await.expect("an answer").status(), 200);
    }
    app.stop().await;
}
