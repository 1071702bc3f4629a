//! What the service says about itself: the OpenAPI document it serves is the one kept in
//! `docs/openapi.json` and offers the reports `ReportKind` lists, the dashboard's navigation
//! lists each report it has a page of, and `/metrics` counts requests, latencies, appends and
//! projection lag.

use app::Role;
use app::seeds;
use serde_json::json;
use tests::{TestStore, on_both_backends, spawn_app};

/// The kept document. `COVENANT_UPDATE_OPENAPI=1` rewrites it from the code.
const KEPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

#[test]
fn the_openapi_document_in_docs_is_the_one_the_code_generates() {
    let generated = http_api::openapi_json();
    if std::env::var_os("COVENANT_UPDATE_OPENAPI").is_some() {
        std::fs::write(KEPT, &generated).expect("failed to write docs/openapi.json");
    }
    let kept = std::fs::read_to_string(KEPT).unwrap_or_default();
    assert!(
        kept == generated,
        "docs/openapi.json differs from the API the code describes: run the tests with COVENANT_UPDATE_OPENAPI=1 to rewrite it, and review the change"
    );
}

#[test]
fn the_openapi_document_offers_exactly_the_reports_report_kind_lists() {
    let document: serde_json::Value = serde_json::from_str(&http_api::openapi_json()).expect("json");
    let paths = document["paths"].as_object().expect("paths");
    let reports: Vec<&str> = paths
        .iter()
        .filter(|(path, item)| {
            !path.contains('{') && item["get"]["tags"].as_array().is_some_and(|tags| tags.contains(&json!("reports")))
        })
        .filter_map(|(path, _)| path.strip_prefix("/api/v1/"))
        .collect();
    let mut names: Vec<&str> = projections::ReportKind::ALL.iter().map(|kind| kind.name()).collect();
    names.sort_unstable();
    let mut reports = reports;
    reports.sort_unstable();
    assert_eq!(reports, names);
}

/// The dashboard's navigation, as (label, link) in the order a page lists them.
fn navigation(page: &str) -> Vec<(String, String)> {
    let start = page.find("<nav aria-label=\"Dashboard\">").expect("the dashboard's navigation");
    let nav = &page[start..start + page[start..].find("</nav>").expect("the navigation ends")];
    nav.split("<a href=\"")
        .skip(1)
        .map(|link| {
            let (href, rest) = link.split_once('"').expect("the link ends");
            let label = rest.split_once('>').and_then(|(_, rest)| rest.split_once("</a>")).expect("a label").0;
            (label.to_owned(), href.to_owned())
        })
        .collect()
}

async fn the_dashboard_lists_by_title_each_report_report_kind_gives_a_page(db: &TestStore) {
    let app = spawn_app(db).await;
    let token = app.token(Role::Admin, None).await;
    let expected: Vec<(String, String)> = projections::ReportKind::ALL
        .into_iter()
        .filter_map(|kind| Some((kind.title().to_owned(), http_api::dashboard_page(kind)?.to_owned())))
        .collect();
    assert!(expected.len() >= 2, "the dashboard has pages of the status board and the audit trail: {expected:?}");
    for path in ["/dashboard", "/dashboard/audit"] {
        let response = app.get(path, &token).send().await.expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let page = response.text().await.expect("a body");
        // The reports come first; the forms the role may use follow them.
        let listed = navigation(&page);
        assert_eq!(listed[..expected.len().min(listed.len())], expected[..], "{path}");
        let reports: Vec<&str> = expected.iter().map(|(_, path)| path.as_str()).collect();
        assert!(listed[expected.len()..].iter().all(|(_, p)| !reports.contains(&p.as_str())), "{listed:?}");
    }
    for (title, path) in &expected {
        let response = app.get(path, &token).send().await.expect("get");
        assert_eq!(response.status(), 200, "{title} links to {path}, which is not a page");
    }
    app.stop().await;
}

async fn the_service_serves_its_document_and_its_metrics(db: &TestStore) {
    let app = spawn_app(db).await;
    let served: serde_json::Value =
        app.client.get(app.url("/api/openapi.json")).send().await.expect("get").json().await.expect("json");
    let generated: serde_json::Value = serde_json::from_str(&http_api::openapi_json()).expect("json");
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", served["openapi"]);

    let token = app.token(Role::Secretariat, None).await;
    let register = json!({"command": "register", "id": "GB-LAE-WLI", "name": "West Lindsey District Council", "kind": "local_authority"});
    assert_eq!(app.post("/api/v1/organisations", &token, &register).send().await.expect("post").status(), 201);
    let text = app.client.get(app.url("/metrics")).send().await.expect("get").text().await.expect("text");
    for line in [
        "covenant_http_requests_total{method=\"POST\",route=\"/api/v1/organisations\",status=\"201\"} 1",
        "covenant_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/organisations\"} 1",
        "covenant_commands_recorded_total 1",
        "covenant_events_appended_total 1",
        "covenant_log_head_position 1",
        "covenant_projection_lag_events 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} is not in\n{text}");
    }
    app.stop().await;
}

/// Each command endpoint's example in the document is a command of that endpoint's aggregate,
/// and the endpoint records it on the Lincolnshire story: an example a client copies works. The
/// paths are tried in the document's order, which puts the meeting's agenda item before the
/// resolution on it.
async fn each_command_endpoints_example_is_accepted_by_it(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Admin, None).await;
    let document: serde_json::Value = serde_json::from_str(&http_api::openapi_json()).expect("json");
    let mut tried = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post").filter(|post| post["tags"] == json!(["commands"])) else { continue };
        let schema = &post["requestBody"]["content"]["application/json"]["schema"];
        let name = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).expect("a named request schema");
        let body = &document["components"]["schemas"][name];
        let example = &body["examples"][0];
        assert_eq!(body["properties"]["aggregate"]["enum"][0], example["aggregate"], "{path}");
        let response = app.post(path, &token, example).send().await.expect("post");
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_success(), "{path} refused its own example {example}: {status} {text}");
        tried += 1;
    }
    assert_eq!(tried, 7, "one example per command endpoint");
    app.stop().await;
}

on_both_backends!(
    each_command_endpoints_example_is_accepted_by_it,
    the_service_serves_its_document_and_its_metrics,
    the_dashboard_lists_by_title_each_report_report_kind_gives_a_page
);
