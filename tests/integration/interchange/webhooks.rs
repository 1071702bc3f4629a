//! Webhooks against a receiver on loopback that this test starts and scripts: it fails the first
//! attempts, keeps one waiting past the timeout, and checks every signature with its own
//! implementation of the Standard Webhooks check (HMAC-SHA256 over `id.timestamp.body`,
//! compared in constant time). Every event a subscription takes arrives, once accepted, in
//! position order, each signature valid, and a changed body fails the check; an event that
//! fails every attempt becomes a dead letter, delivery moves on, and a replay delivers it; a
//! loopback or private target is refused unless the operator allows it, also when a host name
//! resolves to one only by the time of delivery; and the service delivers
//! in-process and counts deliveries, retries, dead letters and lag in `/metrics`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::webhooks::{self, Deliverer, Progress, Subscription, WebhookError, WebhookSettings, WebhookStatus};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use kernel::{
    AppendRequest, EventId, EventType, Expected, Metadata, NewEvent, Payload, Position, Timestamp, WebhookRecord,
};
use sha2::Sha256;
use tests::{TestStore, on_both_backends, stream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    every_event_taken_arrives_in_order_signed_through_failures_and_a_timeout,
    an_event_failing_every_attempt_becomes_a_dead_letter_and_is_replayed,
    a_private_target_is_refused_without_the_setting,
    a_host_name_resolving_to_loopback_is_refused_where_it_connects,
    a_second_delivering_process_waits_saying_so_and_takes_over,
    the_service_delivers_and_counts_deliveries_retries_and_lag,
);

/// How long delivery may take to reach what a test waits for.
const PATIENCE: Duration = Duration::from_secs(30);

/// Fast retries, a short timeout, and loopback allowed (the receiver is on it).
fn settings(max_attempts: u32) -> WebhookSettings {
    WebhookSettings {
        allow_private: true,
        max_attempts,
        retry_first: Duration::from_millis(50),
        retry_most: Duration::from_millis(200),
        timeout: Duration::from_millis(500),
    }
}

/// What the receiver does with a request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Status(u16),
    /// Reads the request and answers nothing for longer than the sender waits.
    Hang,
}

/// One request as the receiver saw it, and the status it answered (none when it hung).
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: Option<u16>,
}

/// A receiver on loopback: answers the scripted answers in turn, then `otherwise`.
struct Receiver {
    address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    otherwise: Arc<AtomicU16>,
}

impl Receiver {
    async fn start(script: Vec<Answer>, otherwise: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port on loopback");
        let address = listener.local_addr().expect("the port");
        let received = Arc::new(Mutex::new(Vec::new()));
        let otherwise = Arc::new(AtomicU16::new(otherwise));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (seen, fallback) = (received.clone(), otherwise.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let (seen, fallback, script) = (seen.clone(), fallback.clone(), script.clone());
                tokio::spawn(async move {
                    let Some(mut request) = read_request(&mut socket).await else { return };
                    let answer = script
                        .lock()
                        .expect("the script")
                        .pop_front()
                        .unwrap_or(Answer::Status(fallback.load(Ordering::SeqCst)));
                    match answer {
                        Answer::Hang => {
                            seen.lock().expect("the log").push(request);
                            tokio::time::sleep(Duration::from_secs(3)).await;
                        }
                        Answer::Status(code) => {
                            request.answered = Some(code);
                            seen.lock().expect("the log").push(request);
                            let reply =
                                format!("HTTP/1.1 {code} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                            let _ = socket.write_all(reply.as_bytes()).await;
                        }
                    }
                });
            }
        });
        Receiver { address, received, otherwise }
    }

    fn url(&self) -> String {
        format!("http://{}/covenant", self.address)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the log").clone()
    }

    /// The requests answered 2xx, in the order they arrived.
    fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.answered.is_some_and(|c| (200..300).contains(&c))).collect()
    }
}

/// Reads one HTTP/1.1 request: its webhook headers and its body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().ok()?;
    while bytes.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8(bytes[head_end..head_end + length].to_vec()).ok()?,
        answered: None,
    })
}

/// The Standard Webhooks check, written here apart from Covenant's signer: the HMAC-SHA256,
/// under the secret's key, of `id.timestamp.body`, compared in constant time with each `v1`
/// signature the header lists.
fn signature_holds(secret: &str, id: &str, timestamp: &str, body: &str, header: &str) -> bool {
    let Some(key) = secret.strip_prefix("whsec_").and_then(|k| STANDARD.decode(k).ok()) else { return false };
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|signature| {
        let Ok(given) = STANDARD.decode(signature) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        mac.verify_slice(&given).is_ok()
    })
}

/// A progress report on West Lindsey's action in the Homes for Independence delivery plan, as
/// the event the commitment's stream records, or an organisation's renaming (which the tests'
/// subscriptions do not take).
fn event(kind: &str, version: u32, n: usize) -> NewEvent {
    NewEvent {
        event_id: EventId::new(),
        event_type: EventType::parse(kind).expect("a type name"),
        schema_version: version,
        payload: Payload::from_serialize(&serde_json::json!({
            "commitment_id": "wldc-hfi-01",
            "narrative": format!("HHCDG quarterly return {n}: adaptations delivered against the Blueprint"),
        }))
        .expect("an object"),
        metadata: Metadata::new("officer@west-lindsey.gov.uk", Timestamp::parse("2021-07-15").expect("a date")),
    }
}

/// Appends `count` events, every other one a progress report; returns the reports' ids in order.
async fn append(db: &TestStore, count: usize) -> Vec<String> {
    let events: Vec<NewEvent> = (0..count)
        .map(
            |n| if n % 2 == 0 { event("CommitmentProgressReported", 2, n) } else { event("OrganisationRenamed", 1, n) },
        )
        .collect();
    let ids = events
        .iter()
        .filter(|e| e.event_type.as_str() == "CommitmentProgressReported")
        .map(|e| e.event_id.0.to_string())
        .collect();
    db.store()
        .append(AppendRequest::single(stream("commitment-wldc-hfi-01"), Expected::Any, events))
        .await
        .expect("appended");
    ids
}

/// Waits until `done` holds, or fails the test after [`PATIENCE`] saying what was awaited.
async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn every_event_taken_arrives_in_order_signed_through_failures_and_a_timeout(db: &TestStore) {
    let stores = db.stores().await;
    let receiver = Receiver::start(
        vec![Answer::Status(500), Answer::Status(503), Answer::Hang, Answer::Status(200), Answer::Status(502)],
        200,
    )
    .await;
    let subscription =
        Subscription::parse("icb-rag-pack", &receiver.url(), &["commitment.progress_reported".to_owned()], None)
            .expect("valid");
    let secret = subscription.secret().as_str().to_owned();
    webhooks::add(&stores, &settings(6), &subscription).await.expect("added");
    let mut expected = append(db, 10).await;
    let status = Arc::new(WebhookStatus::default());
    let deliverer = Deliverer::new(settings(6)).expect("a client");
    let worker = {
        let (stores, status) = (stores.clone(), status.clone());
        tokio::spawn(async move { deliverer.run(&stores, &status, |_| {}).await })
    };
    wait_until("the first events are delivered", async || receiver.accepted().len() >= 5).await;
    // Events recorded while the worker runs are followed.
    expected.extend(append(db, 4).await);
    wait_until("every event is delivered and the position passes the last", async || {
        stores.publishers.published("webhook:icb-rag-pack").await.expect("read") == Some(Position(14))
    })
    .await;
    worker.abort();

    let accepted = receiver.accepted();
    let ids: Vec<&str> = accepted.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>(), "every report once accepted, in order");
    for delivery in &receiver.received() {
        assert!(
            signature_holds(&secret, &delivery.id, &delivery.timestamp, &delivery.body, &delivery.signature),
            "the signature of {} holds",
            delivery.id
        );
        let body: serde_json::Value = serde_json::from_str(&delivery.body).expect("a CloudEvent in JSON");
        assert_eq!(body["id"], delivery.id.as_str(), "webhook-id is the event's id");
        assert_eq!(body["type"], "uk.covenant.commitment.progress_reported.v2");
        assert_eq!(body["data"]["commitment_id"], "wldc-hfi-01");
    }
    let first = &accepted[0];
    let changed = first.body.replacen("wldc-hfi-01", "wldc-hfi-02", 1);
    assert_ne!(changed, first.body);
    assert!(
        !signature_holds(&secret, &first.id, &first.timestamp, &changed, &first.signature),
        "a changed body is refused"
    );
    assert!(
        !signature_holds(&secret, &accepted[1].id, &first.timestamp, &first.body, &first.signature),
        "another id is refused"
    );

    // Two failures and a timeout on the first event, one failure on the second.
    assert_eq!(status.retries(), 4);
    assert_eq!(status.deliveries(), expected.len() as u64);
    assert_eq!(status.dead_letters(), 0);
    let log = stores.webhooks.attempts("icb-rag-pack", 100).await.expect("the log");
    let outcomes: Vec<(u64, u32, &str)> =
        log.iter().take(6).map(|a| (a.position.0, a.attempt, a.outcome.as_str())).collect();
    assert_eq!(
        outcomes,
        [
            (1, 1, "failed"),
            (1, 2, "failed"),
            (1, 3, "failed"),
            (1, 4, "delivered"),
            (3, 1, "failed"),
            (3, 2, "delivered")
        ]
    );
    assert!(log[2].detail.contains("no answer within"), "the timeout is logged: {}", log[2].detail);
}

async fn an_event_failing_every_attempt_becomes_a_dead_letter_and_is_replayed(db: &TestStore) {
    let stores = db.stores().await;
    let receiver = Receiver::start(Vec::new(), 500).await;
    let subscription =
        Subscription::parse("rotherham-observatory", &receiver.url(), &["commitment".to_owned()], None).expect("valid");
    let secret = subscription.secret().as_str().to_owned();
    webhooks::add(&stores, &settings(3), &subscription).await.expect("added");
    let expected = append(db, 4).await;
    let status = Arc::new(WebhookStatus::default());
    let deliverer = Deliverer::new(settings(3)).expect("a client");
    let worker = {
        let (stores, status, deliverer) = (stores.clone(), status.clone(), deliverer.clone());
        tokio::spawn(async move { deliverer.run(&stores, &status, |_| {}).await })
    };
    wait_until("both reports are dead letters", async || {
        stores.webhooks.dead_letters("rotherham-observatory").await.expect("read").len() == 2
    })
    .await;
    worker.abort();
    assert_eq!(receiver.received().len(), 6, "three attempts at each report");
    assert!(receiver.accepted().is_empty());
    assert_eq!(status.dead_letters(), 2);
    let dead = stores.webhooks.dead_letters("rotherham-observatory").await.expect("read");
    assert_eq!(dead.iter().map(|d| d.position.0).collect::<Vec<_>>(), [1, 3]);
    assert!(dead[0].detail.contains("500"), "the last answer is kept: {}", dead[0].detail);

    // Still refused: the replay keeps them.
    assert_eq!(deliverer.replay(&stores, "rotherham-observatory").await.expect("replayed"), (0, 2));
    receiver.otherwise.store(204, Ordering::SeqCst);
    assert_eq!(deliverer.replay(&stores, "rotherham-observatory").await.expect("replayed"), (2, 0));
    assert!(stores.webhooks.dead_letters("rotherham-observatory").await.expect("read").is_empty());
    let accepted = receiver.accepted();
    assert_eq!(accepted.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), expected, "replayed oldest first");
    for delivery in &accepted {
        assert!(signature_holds(&secret, &delivery.id, &delivery.timestamp, &delivery.body, &delivery.signature));
    }
    let unknown = deliverer.replay(&stores, "no-such-hook").await.expect_err("no such subscription");
    assert!(matches!(unknown, WebhookError::Unknown(_)), "{unknown}");
}

async fn a_private_target_is_refused_without_the_setting(db: &TestStore) {
    let stores = db.stores().await;
    let strict = WebhookSettings::default();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.1.2.3/hook",
        "https://[::1]/hook",
        "http://localhost/hook",
        "http://192.168.0.7/",
    ] {
        let subscription = Subscription::parse("lincs-hwb", url, &[], None).expect("a well-formed subscription");
        let refused = webhooks::add(&stores, &strict, &subscription).await.expect_err("a private target");
        let message = refused.to_string();
        assert!(message.contains("allow_private = true"), "says how to allow it: {message}");
    }
    assert!(webhooks::list(&stores).await.expect("read").is_empty(), "nothing kept");
    let allowed = Subscription::parse("lincs-hwb", "http://127.0.0.1:9/hook", &[], None).expect("valid");
    webhooks::add(&stores, &settings(1), &allowed).await.expect("allowed by the setting");
    assert_eq!(webhooks::list(&stores).await.expect("read"), std::slice::from_ref(&allowed));
    let again = webhooks::add(&stores, &settings(1), &allowed).await.expect_err("the name is taken");
    assert!(matches!(again, WebhookError::Exists(_)), "{again}");

    for (url, types, secret, says) in [
        ("ftp://reports.example.org/", vec![], None, "not an http or https address"),
        (
            "https://reports.example.org/",
            vec!["commitment.progress_recorded".to_owned()],
            None,
            "not a Covenant event type",
        ),
        ("https://reports.example.org/", vec![], Some("hunter2"), "not a webhook secret"),
    ] {
        let refused = Subscription::parse("lincs-hwb-2", url, &types, secret).expect_err("refused");
        assert!(refused.to_string().contains(says), "{refused}");
    }
    webhooks::remove(&stores, "lincs-hwb").await.expect("removed");
    assert!(webhooks::list(&stores).await.expect("read").is_empty());
}

/// A subscription kept when its host resolved to a public address, whose name now resolves to
/// loopback (as a DNS rebinding would make it): delivery resolves the name itself, refuses the
/// loopback address and sends nothing; allowed, the same name is resolved and delivered to.
async fn a_host_name_resolving_to_loopback_is_refused_where_it_connects(db: &TestStore) {
    let stores = db.stores().await;
    let receiver = Receiver::start(Vec::new(), 204).await;
    let url = format!("http://localhost:{}/covenant", receiver.address.port());
    // Kept as it would have been when the name resolved elsewhere: the check on adding is past.
    let kept = WebhookRecord {
        name: "icb-rag-pack".to_owned(),
        url,
        event_types: "commitment.progress_reported".to_owned(),
        secret: webhooks::Secret::generate().as_str().to_owned(),
        created_at: Timestamp::now(),
    };
    assert!(stores.webhooks.add_webhook(&kept).await.expect("kept"));
    let expected = append(db, 2).await;
    let strict = WebhookSettings { allow_private: false, ..settings(1) };
    let status = Arc::new(WebhookStatus::default());
    let deliverer = Deliverer::new(strict).expect("a client");
    let worker = {
        let (stores, status, deliverer) = (stores.clone(), status.clone(), deliverer.clone());
        tokio::spawn(async move { deliverer.run(&stores, &status, |_| {}).await })
    };
    wait_until("the report is a dead letter", async || {
        stores.webhooks.dead_letters("icb-rag-pack").await.expect("read").len() == 1
    })
    .await;
    worker.abort();
    assert!(receiver.received().is_empty(), "nothing reached the loopback receiver");
    let dead = stores.webhooks.dead_letters("icb-rag-pack").await.expect("read");
    assert!(
        dead[0].detail.contains("localhost points at") && dead[0].detail.contains("allow_private = true"),
        "the refusal says where the name pointed and how to allow it: {}",
        dead[0].detail
    );
    assert_eq!(deliverer.replay(&stores, "icb-rag-pack").await.expect("replayed"), (0, 1), "still refused");
    assert!(receiver.received().is_empty());

    let allowed = Deliverer::new(settings(1)).expect("a client");
    assert_eq!(allowed.replay(&stores, "icb-rag-pack").await.expect("replayed"), (1, 0));
    assert_eq!(receiver.accepted().into_iter().map(|r| r.id).collect::<Vec<_>>(), expected);
}

/// Two delivering workers on one database, each with stores of its own as two processes have:
/// the second says it waits and delivers nothing while the first runs (on SQLite the lock file
/// beside the database, on PostgreSQL the advisory lock), then takes over when the first stops;
/// every event arrives once, in order.
async fn a_second_delivering_process_waits_saying_so_and_takes_over(db: &TestStore) {
    let stores = db.stores().await;
    let receiver = Receiver::start(Vec::new(), 204).await;
    let subscription =
        Subscription::parse("icb-rag-pack", &receiver.url(), &["commitment.progress_reported".to_owned()], None)
            .expect("valid");
    webhooks::add(&stores, &settings(3), &subscription).await.expect("added");
    let mut expected = append(db, 4).await;
    let run = |stores: app::Stores, status: Arc<WebhookStatus>, waited: Arc<Mutex<Vec<String>>>| {
        let deliverer = Deliverer::new(settings(3)).expect("a client");
        tokio::spawn(async move {
            deliverer
                .run(&stores, &status, move |progress| {
                    if let Progress::Waiting { name } = progress {
                        waited.lock().expect("the notes").push(name);
                    }
                })
                .await
        })
    };
    let (first_status, second_status) = (Arc::new(WebhookStatus::default()), Arc::new(WebhookStatus::default()));
    let (first_waited, second_waited) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let first = run(db.stores().await, first_status.clone(), first_waited.clone());
    wait_until("the first worker delivers", async || receiver.accepted().len() == 2).await;
    let second = run(db.stores().await, second_status.clone(), second_waited.clone());
    wait_until("the second worker says it waits", async || !second_waited.lock().expect("the notes").is_empty()).await;
    assert_eq!(*second_waited.lock().expect("the notes"), ["icb-rag-pack"]);
    expected.extend(append(db, 4).await);
    // A delivery is counted once the receiver has answered: wait for the count too, so that
    // stopping a worker cannot fall between the two.
    wait_until("the first worker delivers the new events", async || {
        receiver.accepted().len() == 4 && first_status.deliveries() == 4
    })
    .await;
    assert_eq!(second_status.deliveries(), 0, "the waiting worker delivered nothing");

    first.abort();
    let _ = first.await;
    expected.extend(append(db, 4).await);
    wait_until("the second worker takes over", async || {
        receiver.accepted().len() == 6 && second_status.deliveries() == 2
    })
    .await;
    second.abort();
    assert!(first_waited.lock().expect("the notes").is_empty());
    assert_eq!((first_status.deliveries(), second_status.deliveries()), (4, 2));
    let ids: Vec<String> = receiver.accepted().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, expected, "every report once, in order");
}

/// The value of the line of `metrics` that starts with `name` and a space.
fn metric(metrics: &str, name: &str) -> Option<u64> {
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn the_service_delivers_and_counts_deliveries_retries_and_lag(db: &TestStore) {
    let stores = db.stores().await;
    let receiver = Receiver::start(vec![Answer::Status(500)], 200).await;
    let subscription =
        Subscription::parse("icb-rag-pack", &receiver.url(), &["commitment.progress_reported".to_owned()], None)
            .expect("valid");
    webhooks::add(&stores, &settings(3), &subscription).await.expect("added");
    let expected = append(db, 4).await;
    let app = tests::spawn_app(db).await;
    let before = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
    assert_eq!(metric(&before, "covenant_webhook_deliveries_total"), None, "no worker, no webhook metrics");
    app.service.deliver_webhooks(Deliverer::new(settings(3)).expect("a client"));
    let lag = "covenant_webhook_lag_events{subscription=\"icb-rag-pack\"}";
    let counted = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
            if metric(&text, lag) == Some(0) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the metrics show the subscription at the head");
    assert_eq!(metric(&counted, "covenant_webhook_deliveries_total"), Some(2));
    assert_eq!(metric(&counted, "covenant_webhook_retries_total"), Some(1));
    assert_eq!(metric(&counted, "covenant_webhook_dead_letters_total"), Some(0));
    assert_eq!(receiver.accepted().into_iter().map(|r| r.id).collect::<Vec<_>>(), expected);
    app.stop().await;
}
