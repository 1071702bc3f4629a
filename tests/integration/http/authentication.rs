//! Authentication under attack: revoked, expired, altered and guessed tokens all get the same
//! 401, byte for byte, so a caller learns nothing about which tokens exist; a contributor cannot
//! write to another organisation's streams; and no token ever reaches the service's logs.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use app::Role;
use app::seeds;
use kernel::Timestamp;
use serde_json::{Value, json};
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

/// Status, `WWW-Authenticate`, content type and body, byte for byte but for the request's own
/// id (which the problem's `instance` names), written `ID`.
async fn exact(response: reqwest::Response) -> (u16, String, String, Vec<u8>) {
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (challenge, content_type, id) = (header("www-authenticate"), header("content-type"), header("x-request-id"));
    assert!(!id.is_empty(), "every answer has an x-request-id");
    let status = response.status().as_u16();
    let body = String::from_utf8(response.bytes().await.expect("a body").to_vec()).expect("a UTF-8 body");
    (status, challenge, content_type, body.replace(&id, "ID").into_bytes())
}

fn progress(commitment: &str) -> Value {
    json!({"command": "report_progress", "id": commitment, "status": "green", "percent_complete": 60,
        "narrative": "Delivery plan actions on track; quarterly return to the HHCDG.",
        "period": {"label": "2024/25 Q1"}, "reported_on": "2024-07-01"})
}

/// Tokens that must all be refused alike: wrong secrets for a real id (which reach the hash
/// comparison), unknown ids, and text that is no token at all.
fn guesses(real: &str) -> Vec<String> {
    let (id, secret) = real.strip_prefix("cov_").and_then(|r| r.split_once('_')).expect("a token's parts");
    let flip = |at: usize| {
        let mut bytes = secret.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        format!("cov_{id}_{}", String::from_utf8(bytes).expect("hex"))
    };
    let mut guesses = vec![
        flip(0),
        flip(secret.len() / 2),
        flip(secret.len() - 1),
        format!("cov_{id}_"),
        format!("cov_{id}_{}", &secret[..secret.len() - 1]),
        format!("cov_{id}_{secret}{secret}"),
        format!("cov_{id}_{}", secret.to_uppercase()),
        format!("cov_0000000000000000_{secret}"),
        format!("cov_{}_{secret}", id.chars().rev().collect::<String>()),
        format!("{id}_{secret}"),
        "cov_".to_owned(),
        "cov__".to_owned(),
        "covenant".to_owned(),
        "' OR 1=1 --".to_owned(),
        "x".repeat(8_000),
    ];
    for n in 0..40u32 {
        guesses.push(format!("cov_{:016x}_{:064x}", rand::random::<u64>(), u128::from(n) * 0x9e37_79b9_7f4a_7c15));
    }
    guesses
}

async fn revoked_expired_and_guessed_tokens_get_the_same_401(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let real = app.token(Role::Secretariat, None).await;
    let revoked = app.token(Role::Secretariat, None).await;
    let revoked_id = revoked.split('_').nth(1).expect("an id");
    app::revoke_token(app.stores.tokens.as_ref(), revoked_id, Timestamp::now()).await.expect("revoked");
    let now = Timestamp::now();
    let expiry = Timestamp::from_micros(now.as_micros() + 1_500_000).expect("a time");
    let expiring = app::create_token(
        app.stores.tokens.as_ref(),
        Role::Secretariat,
        None,
        "temp@lincolnshire.gov.uk",
        Some(expiry),
        now,
    )
    .await
    .expect("an expiring token")
    .token;
    let head = app.chain_head().await;

    let status = app.get("/api/v1/status", &expiring).send().await.expect("an answer").status();
    assert_eq!(status, 200, "the expiring token works until it expires");
    let unknown = exact(app.get("/api/v1/status", "cov_0123456789abcdef_00").send().await.expect("an answer")).await;
    assert_eq!(
        (unknown.0, unknown.1.as_str(), unknown.2.as_str()),
        (401, "Bearer realm=\"covenant\"", "application/problem+json")
    );
    let problem: Value = serde_json::from_slice(&unknown.3).expect("a problem");
    assert_eq!(problem["type"], "urn:covenant:problem:unauthenticated");

    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let mut refused = vec![revoked.clone(), expiring.clone()];
    refused.extend(guesses(&real));
    for token in &refused {
        let read = exact(app.get("/api/v1/status", token).send().await.expect("an answer")).await;
        assert_eq!(read, unknown, "GET with {token:.40}");
        let write = exact(
            app.post("/api/v1/commitments", token, &progress("hhcdg-delivery-plan")).send().await.expect("an answer"),
        )
        .await;
        assert_eq!(write, unknown, "POST with {token:.40}");
    }
    assert_eq!(app.chain_head().await, head, "no refused token wrote anything");
    let status = app.get("/api/v1/status", &real).send().await.expect("an answer").status();
    assert_eq!(status, 200, "the real token still works after all the guessing");
    app.stop().await;
}

async fn a_contributor_cannot_write_to_another_organisations_streams(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    // Lincolnshire County Council's contributor, against West Lindsey's commitment and indicator.
    let county = app.token(Role::Contributor, Some("GB-LAE-LIN")).await;
    let head = app.chain_head().await;
    let commands = [
        (
            "/api/v1/commitments",
            json!({"command": "complete", "id": "hhcdg-dfg-fast-track", "completed_on": "2024-03-31",
                "narrative": "All districts on the fast-track route.", "evidence_refs": []}),
        ),
        (
            "/api/v1/commitments",
            json!({"command": "reach_milestone", "id": "hhcdg-dfg-fast-track", "milestone": "shared-policy", "reached_on": "2021-09-01"}),
        ),
        (
            "/api/v1/indicators",
            json!({"command": "revise_measurement", "id": "west-lindsey-dfg-completions", "as_of": "2021-03-31",
                "value": 99.0, "reason": "late returns"}),
        ),
    ];
    for (path, command) in commands {
        let response = app.post(path, &county, &command).send().await.expect("an answer");
        let (status, _, content_type, body) = exact(response).await;
        assert_eq!((status, content_type.as_str()), (403, "application/problem+json"), "{command}");
        let problem: Value = serde_json::from_slice(&body).expect("a problem");
        assert_eq!(problem["type"], "urn:covenant:problem:forbidden", "{command}");
        assert_eq!(app.chain_head().await, head, "{command} wrote nothing");
    }
    app.stop().await;
}

/// How many tests are capturing the logs; when none is, what is logged is dropped.
static CAPTURING: AtomicUsize = AtomicUsize::new(0);

/// Everything the test binary logs, at every level, while any test is capturing.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_writer(move || Sink(sink.clone()))
            .try_init()
            .expect("no other test sets the global subscriber");
        logs
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if CAPTURING.load(Ordering::Acquire) > 0 {
            self.0.lock().expect("the log lock").extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn requests_with_every_kind_of_token(app: &TestApp, tokens: &[String]) {
    for token in tokens {
        let _ = app.get("/api/v1/status", token).send().await.expect("an answer");
        let _ =
            app.post("/api/v1/commitments", token, &progress("hhcdg-delivery-plan")).send().await.expect("an answer");
        let _ = app.get("/api/v1/nowhere", token).send().await.expect("an answer");
        let _ =
            app.client.get(app.url("/api/v1/status")).header("authorization", format!("Basic {token}")).send().await;
        let _ = app.client.get(app.url("/api/v1/status")).header("x-api-key", token.as_str()).send().await;
        let _ = app.get(&format!("/api/v1/status?access_token={token}"), token).send().await.expect("an answer");
        let _ = app.post("/api/v1/commitments", token, &json!({"command": token})).send().await.expect("an answer");
    }
}

async fn tokens_never_reach_the_logs(db: &TestStore) {
    let logs = captured_logs();
    CAPTURING.fetch_add(1, Ordering::AcqRel);
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let valid = app.token(Role::Secretariat, None).await;
    let revoked = app.token(Role::Reader, None).await;
    app::revoke_token(app.stores.tokens.as_ref(), revoked.split('_').nth(1).expect("an id"), Timestamp::now())
        .await
        .expect("revoked");
    let mut tokens = vec![valid.clone(), revoked];
    tokens.extend(guesses(&valid).into_iter().take(5));
    requests_with_every_kind_of_token(&app, &tokens).await;
    app.stop().await;
    CAPTURING.fetch_sub(1, Ordering::AcqRel);

    let text = String::from_utf8_lossy(&logs.lock().expect("the log lock")).into_owned();
    assert!(text.contains("access_tokens"), "the capture saw the token lookups: {:.2000}", text);
    for token in &tokens {
        let secret = token.rsplit('_').next().unwrap_or(token);
        assert!(!text.contains(token.as_str()), "a token is in the logs: {token:.40}");
        if secret.len() >= 16 {
            assert!(!text.contains(secret), "a token's secret is in the logs: {token:.40}");
        }
    }
}

on_both_backends!(
    revoked_expired_and_guessed_tokens_get_the_same_401,
    a_contributor_cannot_write_to_another_organisations_streams,
    tokens_never_reach_the_logs,
);
