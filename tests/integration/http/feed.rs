//! The event feed over HTTP: pages after a position, gapless and in order; and the live tail as
//! server-sent events, followed while commands arrive, across a forced reconnect with
//! `Last-Event-ID`: every event once, in order.

use app::Role;
use futures::StreamExt;
use futures::future::join_all;
use futures::stream::BoxStream;
use kernel::Position;
use serde_json::{Value, json};
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

/// Commands sent while a client follows the tail.
const COMMANDS: u64 = 10_000;
/// Clients sending them at once.
const WRITERS: u64 = 16;

/// A client reading server-sent events.
struct Tail {
    body: BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: String,
}

impl Tail {
    async fn open(app: &TestApp, token: &str, last_event_id: Option<u64>) -> Tail {
        let mut request = app.get("/api/v1/events/stream", token);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Tail { body: response.bytes_stream().map(|chunk| chunk.map(|b| b.to_vec())).boxed(), buffer: String::new() }
    }

    /// The next event's id and data, skipping keep-alive comments.
    async fn next(&mut self) -> (u64, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field =
                    |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim_start().to_owned());
                if let (Some(id), Some(data)) = (field("id:"), field("data:")) {
                    return (id.parse().expect("a numeric id"), serde_json::from_str(&data).expect("JSON data"));
                }
                continue;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), self.body.next())
                .await
                .expect("an event within 20 seconds")
                .expect("the stream is open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn register(n: u64) -> Value {
    json!({"command": "register", "id": format!("GB-COH-{n:08}"), "name": format!("Partner {n}"), "kind": "voluntary_community"})
}

async fn the_live_tail_delivers_every_event_once_in_order_across_a_reconnect(db: &TestStore) {
    let app = spawn_app(db).await;
    let auditor = app.token(Role::Auditor, None).await;
    let secretariat = app.token(Role::Secretariat, None).await;

    let writers = join_all((0..WRITERS).map(|w| {
        let (app, token) = (&app, &secretariat);
        async move {
            for n in (w..COMMANDS).step_by(WRITERS as usize) {
                let response = app.post("/api/v1/organisations", token, &register(n)).send().await.expect("post");
                assert_eq!(response.status(), 201);
            }
        }
    }));
    let follower = async {
        let mut received = Vec::new();
        let mut tail = Tail::open(&app, &auditor, None).await;
        while (received.len() as u64) < COMMANDS / 3 {
            let (id, data) = tail.next().await;
            assert_eq!(data["position"], id);
            received.push(id);
        }
        drop(tail);
        let mut tail = Tail::open(&app, &auditor, received.last().copied()).await;
        while (received.len() as u64) < COMMANDS {
            received.push(tail.next().await.0);
        }
        received
    };
    let (_, received) = tokio::join!(writers, follower);
    assert_eq!(received, (1..=COMMANDS).collect::<Vec<_>>(), "every event once, in order");
    app.stop().await;
}

async fn pages_of_the_feed_are_gapless_and_ordered(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&app::seeds::lincolnshire()).await;
    let auditor = app.token(Role::Auditor, None).await;
    let mut after = 0;
    let mut positions = Vec::new();
    loop {
        let page: Value = app
            .get(&format!("/api/v1/events?after={after}&limit=17"), &auditor)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("a page");
        let events = page["events"].as_array().expect("events").clone();
        if events.is_empty() {
            assert_eq!(page["next_after"], after);
            break;
        }
        positions.extend(events.iter().map(|e| e["position"].as_u64().expect("a position")));
        after = page["next_after"].as_u64().expect("next_after");
    }
    let head = app.head().await;
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());
    let stored = app.stores.events.read_all(Position(head - 1), 1).await.expect("read");
    let last: Value = app
        .get(&format!("/api/v1/events?after={}", head - 1), &auditor)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(last["events"][0]["hash"], stored[0].hash.to_hex());
    assert_eq!(last["events"][0]["actor"], stored[0].metadata.actor);
    app.stop().await;
}

async fn shutdown_ends_the_live_tail(db: &TestStore) {
    let app = spawn_app(db).await;
    let auditor = app.token(Role::Auditor, None).await;
    let tail = Tail::open(&app, &auditor, None).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops while a tail is open");
    drop(tail);
}

on_both_backends!(
    the_live_tail_delivers_every_event_once_in_order_across_a_reconnect,
    pages_of_the_feed_are_gapless_and_ordered,
    shutdown_ends_the_live_tail,
);
