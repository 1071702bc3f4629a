//! What an operator sees of each request: its `x-request-id` (the client's, or one the service
//! makes) echoed in the answer and named by the `instance` of a problem document, and `/metrics`
//! showing exactly the metrics `docs/operations.md` lists.

use std::collections::BTreeSet;

use serde_json::Value;
use tests::{TestStore, on_both_backends, spawn_app};

/// `docs/operations.md`, whose table of metrics is the operator's list.
const OPERATIONS: &str = include_str!("../../../docs/operations.md");

/// The answer's request id and, for a problem document, its `instance`.
async fn id_and_instance(response: reqwest::Response) -> (String, Option<String>) {
    let id = response.headers().get(http_api::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body: Value = response.json().await.unwrap_or_default();
    (id, body["instance"].as_str().map(str::to_owned))
}

async fn each_request_has_an_id_echoed_and_named_in_its_problem(db: &TestStore) {
    let app = spawn_app(db).await;

    let (made, instance) = id_and_instance(app.client.get(app.url("/api/v1/nothing")).send().await.expect("get")).await;
    let uuid = uuid::Uuid::parse_str(&made).expect("an id the service makes is a UUID");
    assert_eq!(instance, Some(format!("urn:covenant:request:{uuid}")));
    let (another, _) = id_and_instance(app.client.get(app.url("/api/v1/nothing")).send().await.expect("get")).await;
    assert_ne!(another, made, "each request without an id is given a new one");

    let given = "board-pack-2026-12-04.1";
    let (echoed, instance) = id_and_instance(
        app.client.get(app.url("/api/v1/nothing")).header("x-request-id", given).send().await.expect("get"),
    )
    .await;
    assert_eq!(echoed, given, "the client's id is echoed");
    assert_eq!(instance.as_deref(), Some("urn:covenant:request:board-pack-2026-12-04.1"));

    let (echoed, instance) = id_and_instance(
        app.client.get(app.url("/api/v1/nothing")).header("x-request-id", "run 7/a").send().await.expect("get"),
    )
    .await;
    assert_eq!(echoed, "run 7/a");
    assert_eq!(instance.as_deref(), Some("urn:covenant:request:run%207%2Fa"), "what a URN may not hold is encoded");

    let healthy = app.client.get(app.url("/healthz")).header("x-request-id", given).send().await.expect("get");
    assert_eq!(healthy.status(), 200);
    assert_eq!(healthy.headers().get("x-request-id").and_then(|v| v.to_str().ok()), Some(given), "a success too");

    let unauthenticated = app.client.get(app.url("/api/v1/status")).send().await.expect("get");
    assert_eq!(unauthenticated.status(), 401);
    let (id, instance) = id_and_instance(unauthenticated).await;
    assert_eq!(instance, Some(format!("urn:covenant:request:{id}")), "a handler's problem names its request too");
    app.stop().await;
}

/// The metric names of the table under `## Metrics` in `docs/operations.md`, with whether each is
/// shown by every service (rather than only one that publishes or delivers webhooks).
fn documented_metrics() -> Vec<(String, bool)> {
    let section = OPERATIONS.split("\n## Metrics\n").nth(1).expect("docs/operations.md has a Metrics section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix("`covenant_")?.strip_suffix('`')?;
            Some((format!("covenant_{name}"), cells.get(4)? == &"always"))
        })
        .collect()
}

async fn metrics_are_the_ones_the_operations_guide_lists(db: &TestStore) {
    let app = spawn_app(db).await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.expect("get").status(), 200);
    let text = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
    let shown: BTreeSet<String> =
        text.lines().filter_map(|line| line.strip_prefix("# TYPE ")?.split(' ').next().map(str::to_owned)).collect();
    let documented = documented_metrics();
    assert!(documented.len() >= 14, "the table lists every metric: {documented:?}");
    let always: BTreeSet<String> = documented.iter().filter(|(_, always)| *always).map(|(n, _)| n.clone()).collect();
    assert_eq!(shown, always, "a service that neither publishes nor delivers webhooks shows exactly these");
    assert!(
        text.lines()
            .any(|line| line == "covenant_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
        "{text}"
    );
    app.stop().await;
}

on_both_backends!(
    each_request_has_an_id_echoed_and_named_in_its_problem,
    metrics_are_the_ones_the_operations_guide_lists
);
