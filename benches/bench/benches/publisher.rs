//! The publisher benchmark, against a NATS server with JetStream: the throughput of Covenant's
//! publisher (`app::publisher`: reading the log, encoding each event as a binary-mode
//! CloudEvent, publishing with `Nats-Msg-Id` and awaiting JetStream's acknowledgements, saving
//! its position) beside a plain `async-nats` loop publishing the same messages, encoded
//! beforehand, with acknowledgements awaited the same way, in the same run; then the lag from
//! the start of an append to a JetStream consumer receiving the event, p50 and p99, while
//! writers append as fast as they can. Prints the figures as a markdown table;
//! `docs/benchmarks.md` records a run.
//!
//! ```text
//! cargo bench -p bench --bench publisher -- [--backend sqlite|postgres|both] [--events N] [--lag-events N]
//! ```
//!
//! The NATS server is `COVENANT_BENCH_NATS_URL` (`nats://127.0.0.1:4222` by default); each run
//! makes streams of its own and deletes them at the end. PostgreSQL is reached as for the store
//! benchmark (`COVENANT_BENCH_POSTGRES_URL`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::interchange::cloudevents;
use app::publisher::{NatsPublisher, NatsTarget, PublisherStatus};
use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer};
use bench::{self, Backend, BenchArgs, thousands};
use futures::StreamExt;
use kernel::{AppendRequest, EventStore, Expected, Position};
use tests::{TestStore, progress_report, stream};

const USAGE: &str =
    "usage: cargo bench -p bench --bench publisher -- [--backend sqlite|postgres|both] [--events N] [--lag-events N]";
/// Events per append while loading the log.
const LOAD_BATCH: usize = 1_000;
/// Messages the plain loop sends before awaiting their acknowledgements: the publisher's batch.
const PLAIN_BATCH: usize = app::publisher::BATCH;
/// Writers appending at once while the lag is measured, and events per append.
const WRITERS: usize = 2;
const LAG_APPEND: usize = 10;

fn main() {
    let args = BenchArgs::parse(&["backend", "events", "lag-events"], USAGE);
    let (mut backends, mut events, mut lag_events) = (vec![Backend::Sqlite], 20_000, 5_000);
    for (name, value) in args.values() {
        match name {
            "backend" => backends = args.backends(value),
            "events" => events = args.number(name, value),
            "lag-events" => lag_events = args.number(name, value),
            other => args.fail(&format!("unknown option --{other}")),
        }
    }
    let nats = std::env::var("COVENANT_BENCH_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    bench::runtime().block_on(async {
        let rows = bench::on_each(&backends, &bench::postgres_url(), async |backend, db| {
            let environment = bench::environment(db).await;
            measure(backend, db, &nats, events, lag_events, environment).await
        })
        .await;
        println!("| Backend | Events | Publisher (events/s) | Plain async-nats loop (events/s) | Ratio (goal ≥ 0.8) | Lag p50 | Lag p99 |");
        println!("|---|---|---|---|---|---|---|");
        for row in &rows {
            println!("{row}");
        }
    });
}

/// A stream and subject prefix of this run's own.
fn fresh_target(url: &str, role: &str) -> NatsTarget {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    NatsTarget::parse(url, &format!("BENCH_{role}_{unique}"), &format!("covenantbench.{role}.{unique}"))
        .expect("a valid target")
}

async fn append(store: &dyn EventStore, from: usize, count: usize, per_append: usize) {
    let mut done = 0;
    while done < count {
        let n = per_append.min(count - done);
        let events = (0..n).map(|i| progress_report("hfi-01", from + done + i)).collect();
        store
            .append(AppendRequest::single(stream("commitment-hfi-01"), Expected::Any, events))
            .await
            .expect("appended");
        done += n;
    }
}

/// Runs a publisher to `target` on a task of its own.
async fn start(db: &TestStore, target: &NatsTarget) -> (Arc<PublisherStatus>, tokio::task::JoinHandle<()>) {
    let (publisher, _) = NatsPublisher::connect(target.clone()).await.expect("connected to NATS");
    let status = Arc::new(PublisherStatus::default());
    let (stores, kept) = (db.stores().await, status.clone());
    let task = tokio::spawn(async move {
        let Err(error) = publisher.run(&stores, &kept, |_| {}).await;
        panic!("the publisher stopped: {error}");
    });
    (status, task)
}

async fn reaches(status: &PublisherStatus, position: u64) {
    while status.position() < Position(position) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn measure(
    backend: Backend,
    db: &TestStore,
    url: &str,
    events: usize,
    lag_events: usize,
    environment: String,
) -> String {
    eprintln!("{}: {environment}", backend.name());
    let store = db.store();
    append(store, 0, events, LOAD_BATCH).await;
    let client = async_nats::connect(url).await.expect("connected to NATS");
    let js = jetstream::new(client);

    // The publisher, from an empty stream to the head of the log.
    let published = fresh_target(url, "PUBLISHER");
    let started = Instant::now();
    let (status, task) = start(db, &published).await;
    reaches(&status, events as u64).await;
    let publisher_rate = events as f64 / started.elapsed().as_secs_f64();

    // The same messages, encoded beforehand, sent by a plain loop to a stream of their own.
    let plain = fresh_target(url, "PLAIN");
    js.get_or_create_stream(jetstream::stream::Config {
        name: plain.stream().to_owned(),
        subjects: vec![plain.subjects()],
        ..Default::default()
    })
    .await
    .expect("the plain loop's stream");
    let log = cloudevents::log_source(store).await.expect("the log's source");
    let recorded = store.read_all(Position::ZERO, events).await.expect("the log");
    let messages: Vec<(String, HeaderMap, bytes::Bytes)> = recorded
        .iter()
        .map(|event| {
            let binary = cloudevents::encode_binary(event, &log).expect("a CloudEvent");
            let mut headers = HeaderMap::new();
            headers.insert(async_nats::header::NATS_MESSAGE_ID, event.event_id.0.to_string().as_str());
            for (name, value) in binary.headers {
                headers.insert(name.as_str(), value);
            }
            (plain.subject(event).expect("a subject"), headers, binary.data.to_owned().into())
        })
        .collect();
    let started = Instant::now();
    for batch in messages.chunks(PLAIN_BATCH) {
        let mut acks = Vec::with_capacity(batch.len());
        for (subject, headers, data) in batch {
            acks.push(
                js.publish_with_headers(subject.clone(), headers.clone(), data.clone()).await.expect("published"),
            );
        }
        for ack in acks {
            ack.await.expect("acknowledged");
        }
    }
    let plain_rate = events as f64 / started.elapsed().as_secs_f64();

    // The lag: a consumer of new messages on the publisher's stream while writers append.
    let consumer_stream = js.get_stream(published.stream()).await.expect("the publisher's stream");
    let consumer = consumer_stream
        .create_consumer(consumer::pull::OrderedConfig {
            deliver_policy: consumer::DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .expect("a consumer");
    let mut received = consumer.messages().await.expect("the consumer's messages");
    let begun: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let per_writer = lag_events / WRITERS;
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (store, begun) = (db.shared(), begun.clone());
        writers.push(tokio::spawn(async move {
            let mut done = 0;
            while done < per_writer {
                let from = events + writer * per_writer + done;
                let batch: Vec<_> = (0..LAG_APPEND).map(|i| progress_report("hfi-01", from + i)).collect();
                let at = Instant::now();
                begun.lock().expect("the times").extend(batch.iter().map(|e| (e.event_id.0.to_string(), at)));
                let request = AppendRequest::single(stream("commitment-hfi-01"), Expected::Any, batch);
                store.append(request).await.expect("appended");
                done += LAG_APPEND;
            }
        }));
    }
    let expected = WRITERS * per_writer.div_ceil(LAG_APPEND) * LAG_APPEND;
    let mut lags = Vec::with_capacity(expected);
    while lags.len() < expected {
        let message = received.next().await.expect("a message").expect("received");
        let arrived = Instant::now();
        let id = message.headers.as_ref().and_then(|h| h.get("ce-id")).map(|v| v.as_str().to_owned());
        if let Some(at) = id.and_then(|id| begun.lock().expect("the times").get(&id).copied()) {
            lags.push(arrived - at);
        }
    }
    for writer in writers {
        writer.await.expect("the writer");
    }
    task.abort();
    let _ = task.await;
    for target in [&published, &plain] {
        let _ = js.delete_stream(target.stream()).await;
    }
    lags.sort();
    let at = |q: f64| lags[((lags.len() as f64 * q) as usize).min(lags.len() - 1)];
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let ratio = publisher_rate / plain_rate;
    format!(
        "| {} | {} | {} | {} | {ratio:.2} {} | {} | {} |",
        backend.name(),
        thousands(events as f64),
        thousands(publisher_rate),
        thousands(plain_rate),
        bench::verdict(ratio >= 0.8),
        ms(at(0.50)),
        ms(at(0.99)),
    )
}
