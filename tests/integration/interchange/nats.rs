//! The log published to NATS JetStream, against the server `COVENANT_TEST_NATS_URL` names, each
//! test on a stream and subjects of its own: every event published once, in position order, as
//! a binary-mode CloudEvent with the log's id, type and payload; a publisher stopped part way
//! (its task dropped) resumes from its position, also when the position saved is behind what
//! JetStream acknowledged; and on PostgreSQL two publishers of one database elect one, the
//! other taking over when it stops. The service publishing in-process (`serve --publish`)
//! reports the publisher's position and lag in `/metrics`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::Stores;
use app::interchange::cloudevents;
use app::publisher::{NatsPublisher, NatsTarget, Progress, PublisherStatus};
use async_nats::jetstream;
use kernel::{AppendRequest, EventStore, Expected, Position, RecordedEvent};
use tests::{TestStore, progress_report, stream};

/// Runs a test against NATS on each backend, or says it is skipped when no NATS server is named.
macro_rules! against_nats {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(url) = tests::nats_url(concat!(module_path!(), "::", stringify!($name))) else {
                        return;
                    };
                    let db = tests::TestStore::sqlite().await;
                    super::$name(&db, &url).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(url) = tests::nats_url(concat!(module_path!(), "::", stringify!($name))) else {
                        return;
                    };
                    let Some(db) = tests::TestStore::postgres(concat!(module_path!(), "::", stringify!($name))).await else {
                        return;
                    };
                    super::$name(&db, &url).await;
                    db.finish().await;
                }
            )*
        }
    };
}

against_nats!(
    every_event_is_published_once_in_position_order,
    a_stopped_publisher_resumes_from_its_position,
    the_service_publishes_and_counts_its_position_and_lag,
);

/// How long a publisher may take to reach the head in these tests.
const PATIENCE: Duration = Duration::from_secs(20);

/// A stream and subject prefix no other test uses (streams may not share subjects).
fn fresh_target(url: &str) -> NatsTarget {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    NatsTarget::parse(url, &format!("TEST_{unique}"), &format!("covenanttest.{unique}")).expect("a valid target")
}

/// Appends `count` progress reports to one stream, in appends of up to 500 events.
async fn append(store: &dyn EventStore, count: usize) {
    let mut left = count;
    while left > 0 {
        let n = left.min(500);
        let events = (0..n).map(|i| progress_report("hfi-01", i)).collect();
        store
            .append(AppendRequest::single(stream("commitment-hfi-01"), Expected::Any, events))
            .await
            .expect("appended");
        left -= n;
    }
}

/// What a publisher reported, in order, as text.
type Reports = Arc<Mutex<Vec<String>>>;

/// A publisher to `target` running on a task of its own, with its status and reports.
struct Running {
    status: Arc<PublisherStatus>,
    reports: Reports,
    task: tokio::task::JoinHandle<()>,
}

async fn start(stores: Stores, target: &NatsTarget) -> Running {
    let (publisher, _) = NatsPublisher::connect(target.clone()).await.expect("connected to NATS");
    let status = Arc::new(PublisherStatus::default());
    let reports: Reports = Arc::default();
    let (kept, noted) = (status.clone(), reports.clone());
    let task = tokio::spawn(async move {
        let outcome = publisher
            .run(&stores, &kept, |progress| {
                let line = match progress {
                    Progress::Waiting => "waiting".to_owned(),
                    Progress::Leading { position } => format!("leading from {position}"),
                    Progress::Published { from, to, duplicates } => {
                        format!("published {from}..{to} ({duplicates} held)")
                    }
                    Progress::Retrying { error, .. } => format!("retrying: {error}"),
                };
                noted.lock().expect("not poisoned").push(line);
            })
            .await;
        let Err(error) = outcome;
        panic!("the publisher stopped: {error}");
    });
    Running { status, reports, task }
}

impl Running {
    /// Waits until the publisher has published up to `position`.
    async fn reaches(&self, position: Position) {
        let waited = tokio::time::timeout(PATIENCE, async {
            while self.status.position() < position {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(waited.is_ok(), "the publisher reached {} of {position}: {:?}", self.status.position(), self.reports());
    }

    fn reports(&self) -> Vec<String> {
        self.reports.lock().expect("not poisoned").clone()
    }

    /// Stops the publisher as a crash would, dropping its task wherever it is.
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Every message in the stream, in its sequence order.
async fn messages(url: &str, target: &NatsTarget) -> Vec<jetstream::message::StreamMessage> {
    let js = jetstream::new(async_nats::connect(url).await.expect("connected to NATS"));
    let stream = js.get_stream(target.stream()).await.expect("the stream exists");
    let info = stream.get_info().await.expect("the stream's state");
    let mut found = Vec::new();
    if info.state.messages > 0 {
        for sequence in info.state.first_sequence..=info.state.last_sequence {
            found.push(stream.get_raw_message(sequence).await.expect("a message"));
        }
    }
    found
}

async fn delete_stream(url: &str, target: &NatsTarget) {
    let js = jetstream::new(async_nats::connect(url).await.expect("connected to NATS"));
    js.delete_stream(target.stream()).await.expect("the test's stream deleted");
}

/// The whole log.
async fn log(store: &dyn EventStore) -> Vec<RecordedEvent> {
    store.read_all(Position::ZERO, 100_000).await.expect("the log read")
}

/// The stream holds exactly the log: one message per event, its JetStream sequence the event's
/// position, its headers the event's id and type, its data the payload.
fn assert_stream_is_the_log(
    messages: &[jetstream::message::StreamMessage],
    log: &[RecordedEvent],
    target: &NatsTarget,
) {
    assert_eq!(messages.len(), log.len(), "one message per event");
    for (message, event) in messages.iter().zip(log) {
        let header = |name: &str| message.headers.get(name).map(|v| v.as_str().to_owned());
        let id = event.event_id.0.to_string();
        assert_eq!(message.sequence, event.position.0, "the stream's sequence is the log's position");
        assert_eq!(header("ce-id").as_deref(), Some(id.as_str()));
        let deduplicated_by = message.headers.get(async_nats::header::NATS_MESSAGE_ID).map(|v| v.as_str());
        assert_eq!(deduplicated_by, Some(id.as_str()));
        let kind = cloudevents::type_name(&event.event_type, event.schema_version).expect("named");
        assert_eq!(header("ce-type"), Some(kind));
        assert_eq!(header("ce-specversion").as_deref(), Some("1.0"));
        assert_eq!(header("ce-sequence"), Some(format!("{:020}", event.position.0)));
        assert_eq!(header("ce-hash"), Some(event.hash.to_string()));
        assert_eq!(header("content-type").as_deref(), Some("application/json"));
        assert_eq!(message.subject.as_str(), target.subject(event).expect("a subject"));
        assert_eq!(message.payload.as_ref(), event.payload.as_str().as_bytes());
    }
}

async fn every_event_is_published_once_in_position_order(db: &TestStore, url: &str) {
    let target = fresh_target(url);
    append(db.store(), 300).await;
    let stores = db.stores().await;
    let publisher = start(stores.clone(), &target).await;
    publisher.reaches(Position(300)).await;
    // Events recorded while it runs follow.
    append(db.store(), 40).await;
    publisher.reaches(Position(340)).await;
    assert_eq!(stores.publishers.published(&target.publisher_name()).await.expect("read"), Some(Position(340)));
    publisher.stop().await;
    assert_stream_is_the_log(&messages(url, &target).await, &log(db.store()).await, &target);
    delete_stream(url, &target).await;
}

async fn a_stopped_publisher_resumes_from_its_position(db: &TestStore, url: &str) {
    let target = fresh_target(url);
    append(db.store(), 300).await;
    let first = start(db.stores().await, &target).await;
    first.reaches(Position(300)).await;
    // Stopped as it starts on what is recorded next, most likely between sending a batch and
    // saving its position.
    append(db.store(), 900).await;
    first.stop().await;
    let name = target.publisher_name();
    let stores = db.stores().await;
    let saved = stores.publishers.published(&name).await.expect("read").expect("a position saved");
    assert!(saved >= Position(300), "saved {saved}");

    // Restarted, it carries on after the position saved.
    let second = start(stores.clone(), &target).await;
    second.reaches(Position(1_200)).await;
    let reports = second.reports();
    assert!(reports.first().is_some_and(|r| r.starts_with("leading from ")), "{reports:?}");
    second.stop().await;
    assert_stream_is_the_log(&messages(url, &target).await, &log(db.store()).await, &target);

    // A position saved behind what JetStream holds (stopped between the acknowledgement and
    // the save) moves up to the stream's last event instead of sending the events again.
    db.execute_raw(&format!("UPDATE publishers SET position = 700 WHERE name = '{name}'")).await;
    append(db.store(), 5).await;
    let third = start(stores.clone(), &target).await;
    third.reaches(Position(1_205)).await;
    let reports = third.reports();
    assert_eq!(reports.first().map(String::as_str), Some("leading from 1200"), "{reports:?}");
    assert!(reports.iter().all(|r| !r.starts_with("published") || r.ends_with("(0 held)")), "{reports:?}");
    third.stop().await;
    assert_stream_is_the_log(&messages(url, &target).await, &log(db.store()).await, &target);

    // A stream whose tail is not the log's next events (a message missing) is not trusted: the
    // publisher carries on from the saved position, sending the events after it again.
    let js = jetstream::new(async_nats::connect(url).await.expect("connected to NATS"));
    let held = js.get_stream(target.stream()).await.expect("the stream");
    held.delete_message(1_204).await.expect("a message deleted");
    db.execute_raw(&format!("UPDATE publishers SET position = 1190 WHERE name = '{name}'")).await;
    let fourth = start(stores.clone(), &target).await;
    fourth.reaches(Position(1_205)).await;
    let reports = fourth.reports();
    assert_eq!(reports.first().map(String::as_str), Some("leading from 1190"), "{reports:?}");
    fourth.stop().await;
    delete_stream(url, &target).await;
}

/// The value of the metric `name` in Prometheus text.
fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn the_service_publishes_and_counts_its_position_and_lag(db: &TestStore, url: &str) {
    let target = fresh_target(url);
    append(db.store(), 50).await;
    let app = tests::spawn_app(db).await;
    let before = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
    assert_eq!(metric(&before, "covenant_publisher_position"), None, "no publisher, no publisher metrics");
    let (publisher, created) = NatsPublisher::connect(target.clone()).await.expect("connected to NATS");
    assert!(created, "a fresh stream is created");
    app.service.publish(publisher);
    let counted = tokio::time::timeout(PATIENCE, async {
        loop {
            let text = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
            if metric(&text, "covenant_publisher_position") == Some(50) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the metrics show the publisher at the head");
    assert_eq!(metric(&counted, "covenant_publisher_lag_events"), Some(0));
    assert_eq!(metric(&counted, "covenant_publisher_leading"), Some(1));
    assert_stream_is_the_log(&messages(url, &target).await, &log(db.store()).await, &target);
    app.stop().await;
    delete_stream(url, &target).await;
}

/// On PostgreSQL, two publishers of one database to one stream: one publishes, the other waits;
/// when the first stops, the second takes over from the position saved.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_publishers_on_postgresql_elect_one_and_the_other_takes_over() {
    let test = "interchange::nats::two_publishers_on_postgresql_elect_one_and_the_other_takes_over";
    let Some(url) = tests::nats_url(test) else { return };
    let Some(db) = TestStore::postgres(test).await else { return };
    let target = fresh_target(&url);
    append(db.store(), 500).await;
    let first = start(db.stores().await, &target).await;
    first.reaches(Position(500)).await;
    let second = start(db.stores().await, &target).await;
    let waited = tokio::time::timeout(PATIENCE, async {
        while !second.reports().contains(&"waiting".to_owned()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "the second waits: {:?}", second.reports());
    append(db.store(), 100).await;
    first.reaches(Position(600)).await;
    assert!(second.reports().iter().all(|r| r == "waiting"), "only the first publishes: {:?}", second.reports());
    assert!(!second.status.leading());

    first.stop().await;
    append(db.store(), 100).await;
    second.reaches(Position(700)).await;
    let reports = second.reports();
    assert_eq!(reports.get(1).map(String::as_str), Some("leading from 600"), "{reports:?}");
    second.stop().await;
    assert_stream_is_the_log(&messages(&url, &target).await, &log(db.store()).await, &target);
    delete_stream(&url, &target).await;
    db.finish().await;
}
