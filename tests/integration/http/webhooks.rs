//! Webhook subscriptions over the API: only administrators manage them; a bad address, a bad
//! event type and a loopback or private target (an address or a host name resolving to one) are
//! refused in words, writing nothing; an added subscription is listed without its secret, which
//! the answer to the addition gave once; its dead letters are listed and replayed; it is removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use app::Role;
use app::seeds;
use app::webhooks::{Deliverer, WebhookSettings};
use http_api::{AddedWebhook, DeadLetterView, Replayed, Settings, WebhookView};
use serde_json::{Value, json};
use tests::{TestStore, on_both_backends, spawn_app, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    only_administrators_manage_webhooks,
    bad_addresses_and_private_targets_are_refused_in_words,
    a_subscription_is_added_listed_replayed_and_removed,
);

async fn problem(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a problem document");
    (status, body["detail"].as_str().expect("a detail").to_owned())
}

async fn only_administrators_manage_webhooks(db: &TestStore) {
    let app = spawn_app(db).await;
    let body = json!({"name": "icb-rag-pack", "url": "https://203.0.113.10/covenant"});
    for role in [Role::Secretariat, Role::Auditor, Role::Reader] {
        let token = app.token(role, None).await;
        let (status, detail) = problem(app.post("/api/v1/webhooks", &token, &body).send().await.expect("post")).await;
        assert_eq!(status, 403, "{role}");
        assert!(detail.contains("may not manage webhook subscriptions"), "{detail}");
        assert_eq!(app.get("/api/v1/webhooks", &token).send().await.expect("get").status(), 403, "{role}");
    }
    let unauthenticated = app.client.get(app.url("/api/v1/webhooks")).send().await.expect("get");
    assert_eq!(unauthenticated.status(), 401);
    assert!(app::webhooks::list(&app.stores).await.expect("the list").is_empty(), "nothing was added");
    app.stop().await;
}

async fn bad_addresses_and_private_targets_are_refused_in_words(db: &TestStore) {
    let app = spawn_app(db).await;
    let admin = app.token(Role::Admin, None).await;
    let refusals = [
        (json!({"name": "icb", "url": "not an address"}), 422, "is not a web address"),
        (json!({"name": "icb", "url": "ftp://reports.example.org/covenant"}), 422, "is not an http or https address"),
        (json!({"name": "ICB pack", "url": "https://203.0.113.10/covenant"}), 422, "is not a webhook name"),
        (
            json!({"name": "icb", "url": "https://203.0.113.10/covenant", "event_types": ["commitment.painted"]}),
            422,
            "is not a Covenant event type",
        ),
        (json!({"name": "icb", "url": "http://127.0.0.1:9000/covenant"}), 422, "allow_private = true"),
        (json!({"name": "icb", "url": "http://10.1.2.3/covenant"}), 422, "allow_private = true"),
        (json!({"name": "icb", "url": "http://[::1]:9000/covenant"}), 422, "allow_private = true"),
        // A host name is resolved, and refused when it resolves to loopback.
        (json!({"name": "icb", "url": "http://localhost:9000/covenant"}), 422, "allow_private = true"),
        (json!({"name": "icb", "uri": "https://203.0.113.10/covenant"}), 400, "unknown field `uri`"),
    ];
    for (body, status, words) in refusals {
        let (answered, detail) = problem(app.post("/api/v1/webhooks", &admin, &body).send().await.expect("post")).await;
        assert_eq!(answered, status, "{body}: {detail}");
        assert!(detail.contains(words), "{body}: {detail}");
    }
    assert!(app::webhooks::list(&app.stores).await.expect("the list").is_empty(), "nothing was added");
    app.stop().await;
}

/// A receiver on loopback that answers 503 until told to accept, then 204.
async fn receiver(accepting: Arc<AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port on loopback");
    let address = listener.local_addr().expect("the port");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let accepting = accepting.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                // The head, then as much body as content-length says.
                loop {
                    let Ok(read) = socket.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(str::to_owned))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let code = if accepting.load(Ordering::SeqCst) { "204 No Content" } else { "503 Unavailable" };
                let reply = format!("HTTP/1.1 {code}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{address}/covenant")
}

async fn a_subscription_is_added_listed_replayed_and_removed(db: &TestStore) {
    let webhooks = WebhookSettings {
        allow_private: true,
        max_attempts: 1,
        retry_first: Duration::from_millis(10),
        retry_most: Duration::from_millis(10),
        timeout: Duration::from_secs(2),
    };
    let app = spawn_app_with(db, Settings { webhooks, ..Settings::default() }).await;
    let admin = app.token(Role::Admin, None).await;
    let accepting = Arc::new(AtomicBool::new(false));
    let url = receiver(accepting.clone()).await;

    let body = json!({"name": "icb-rag-pack", "url": url, "event_types": ["instrument.adopted"]});
    let added = app.post("/api/v1/webhooks", &admin, &body).send().await.expect("post");
    assert_eq!(added.status(), 201);
    let added: AddedWebhook = added.json().await.expect("the subscription");
    let secret = added.secret.expect("the secret Covenant made, shown once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(added.event_types, ["instrument.adopted"]);

    let again = app.post("/api/v1/webhooks", &admin, &body).send().await.expect("post");
    let (status, detail) = problem(again).await;
    assert_eq!(status, 409);
    assert!(detail.contains("already a webhook named 'icb-rag-pack'"), "{detail}");

    let given = json!({"name": "observatory", "url": url, "secret": secret});
    let given = app.post("/api/v1/webhooks", &admin, &given).send().await.expect("post");
    assert_eq!(given.status(), 201);
    let given: Value = given.json().await.expect("the subscription");
    assert!(given.get("secret").is_none(), "a secret the caller gave is not echoed: {given}");

    let listed = app.get("/api/v1/webhooks", &admin).send().await.expect("get");
    let listed_text = listed.text().await.expect("a body");
    assert!(!listed_text.contains(&secret), "the list never shows a secret");
    let listed: Vec<WebhookView> = serde_json::from_str(&listed_text).expect("the list");
    let names: Vec<&str> = listed.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["icb-rag-pack", "observatory"]);
    app.stores.webhooks.remove_webhook("observatory").await.expect("removed");

    // Every adoption fails its one attempt and becomes a dead letter.
    app.service.deliver_webhooks(Deliverer::new(webhooks).expect("a deliverer"));
    app.load(&seeds::lincolnshire()).await;
    let adoptions = app
        .stores
        .events
        .read_all(kernel::Position::ZERO, 10_000)
        .await
        .expect("the log")
        .iter()
        .filter(|e| e.event_type.as_str() == "InstrumentAdopted")
        .count();
    assert!(adoptions > 0, "the story adopts instruments");
    let dead_letters = async || -> Vec<DeadLetterView> {
        app.get("/api/v1/webhooks/icb-rag-pack/dead-letters", &admin)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("the dead letters")
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let letters = loop {
        let letters = dead_letters().await;
        if letters.len() == adoptions || tokio::time::Instant::now() > deadline {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(letters.len(), adoptions, "every adoption is a dead letter");
    assert!(letters.iter().all(|l| l.detail.contains("503")), "{letters:?}");
    assert!(letters.windows(2).all(|w| w[0].position < w[1].position), "by position");

    accepting.store(true, Ordering::SeqCst);
    let replayed = app.post("/api/v1/webhooks/icb-rag-pack/replay", &admin, &json!({})).send().await.expect("post");
    assert_eq!(replayed.status(), 200);
    let replayed: Replayed = replayed.json().await.expect("the replay");
    assert_eq!((replayed.delivered, replayed.left), (adoptions, 0));
    let letters = dead_letters().await;
    assert!(letters.is_empty(), "replayed letters leave the list");

    let removed = app.client.delete(app.url("/api/v1/webhooks/icb-rag-pack")).bearer_auth(&admin).send().await;
    assert_eq!(removed.expect("delete").status(), 204);
    let missing = app.client.delete(app.url("/api/v1/webhooks/icb-rag-pack")).bearer_auth(&admin).send().await;
    let (status, detail) = problem(missing.expect("delete")).await;
    assert_eq!(status, 404);
    assert!(detail.contains("GET /api/v1/webhooks lists them"), "{detail}");
    let replay_missing = app.post("/api/v1/webhooks/icb-rag-pack/replay", &admin, &json!({})).send().await;
    assert_eq!(replay_missing.expect("post").status(), 404);
    app.stop().await;
}
