//! Commands over HTTP: recorded with the token's principal as actor, refused as problems that
//! say what to do, `If-Match` as the expected version, `Idempotency-Key` giving back the first
//! answer, a contributor kept to its own organisation, and 50 clients racing on one commitment.

use app::Role;
use app::seeds;
use futures::future::join_all;
use http_api::Settings;
use kernel::{Position, StreamBound};
use serde_json::{Value, json};
use tests::{TestApp, TestStore, on_both_backends, spawn_app, spawn_app_with, stream};

use super::answer;

fn progress(commitment: &str, percent: u8) -> Value {
    json!({
        "command": "report_progress",
        "id": commitment,
        "status": "green",
        "percent_complete": percent,
        "narrative": "Delivery plan actions on track; quarterly return to the HHCDG.",
        "period": {"label": "2024/25 Q1"},
        "reported_on": "2024-07-01"
    })
}

/// The service over the Lincolnshire story, a secretariat token, and the version of the HHCDG
/// delivery plan's stream and the head of the log before the test's commands.
async fn lincolnshire_delivery_plan(db: &TestStore) -> (TestApp, String, usize, u64) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let version = plan_events(&app).await;
    let head = app.head().await;
    (app, token, version, head)
}

/// How many events the HHCDG delivery plan's stream holds.
async fn plan_events(app: &TestApp) -> usize {
    let plan = stream("commitment-hhcdg-delivery-plan");
    app.stores.events.read_stream(&plan, StreamBound::All).await.expect("read").len()
}

async fn commands_are_recorded_with_the_token_as_actor(db: &TestStore) {
    let app = spawn_app(db).await;
    let token = app.token(Role::Secretariat, None).await;
    let register = json!({"aggregate": "organisation", "command": "register", "id": "GB-LAE-WLI", "name": "West Lindsey District Council", "kind": "local_authority"});
    let response = app
        .post(
            "/api/v1/organisations?source=Register%20of%20local%20authorities&occurred_at=2018-01-01",
            &token,
            &register,
        )
        .send()
        .await
        .expect("post");
    assert_eq!(response.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
    let (status, content_type, body) = answer(response).await;
    assert_eq!((status, content_type.as_str()), (201, "application/json"), "{body}");
    assert_eq!(body["events"][0]["position"], 1);
    assert_eq!(body["events"][0]["event_type"], "OrganisationRegistered");

    let committee = json!({"command": "establish", "id": "west-lindsey-prosperous-communities-committee", "name": "Prosperous Communities Committee", "kind": "committee", "parents": ["GB-LAE-WLI"], "established_on": "2018-01-01"});
    let response = app.post("/api/v1/bodies", &token, &committee).send().await.expect("post");
    assert_eq!(response.status(), 201, "aggregate may be left out: the endpoint names it");

    let events = app.stores.events.read_all(Position::ZERO, 10).await.expect("read");
    assert_eq!(events.len(), 2);
    let actor = &events[0].metadata.actor;
    assert!(actor.starts_with("secretariat@test (token "), "{actor}");
    assert_eq!(events[0].metadata.source.as_deref(), Some("Register of local authorities"));
    assert_eq!(events[0].metadata.occurred_at.to_string(), "2018-01-01T00:00:00Z");
    app.stop().await;
}

async fn refusals_are_problems_and_record_nothing(db: &TestStore) {
    let app = spawn_app_with(db, Settings { max_body_bytes: 4096, ..Settings::default() }).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let head = app.head().await;

    let not_json = app
        .client
        .post(app.url("/api/v1/commitments"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"command\": ")
        .send()
        .await
        .expect("post");
    insta::assert_json_snapshot!("not_json", answer(not_json).await);
    let wrong_aggregate =
        app.post("/api/v1/commitments", &token, &json!({"aggregate": "indicator", "command": "define"})).send().await;
    insta::assert_json_snapshot!("wrong_aggregate", answer(wrong_aggregate.expect("post")).await);
    let missing_field = app
        .post("/api/v1/commitments", &token, &json!({"command": "complete", "id": "hhcdg-delivery-plan"}))
        .send()
        .await;
    insta::assert_json_snapshot!("missing_field", answer(missing_field.expect("post")).await);
    let completed = app.post("/api/v1/commitments", &token, &progress("hhcdg-dfg-fast-track", 80)).send().await;
    insta::assert_json_snapshot!("refused_by_the_rules", answer(completed.expect("post")).await);
    let stale = app
        .post("/api/v1/commitments", &token, &progress("hhcdg-delivery-plan", 40))
        .header("if-match", "\"7\"")
        .send()
        .await;
    insta::assert_json_snapshot!("stale_if_match", answer(stale.expect("post")).await);
    let large = app
        .post("/api/v1/commitments", &token, &json!({"command": "complete", "narrative": "x".repeat(5000)}))
        .send()
        .await;
    insta::assert_json_snapshot!("too_large", answer(large.expect("post")).await);
    let bad_date = app
        .post("/api/v1/commitments?occurred_at=yesterday", &token, &progress("hhcdg-delivery-plan", 40))
        .send()
        .await;
    insta::assert_json_snapshot!("bad_occurred_at", answer(bad_date.expect("post")).await);
    let no_token = app.client.post(app.url("/api/v1/commitments")).json(&progress("x", 1)).send().await;
    insta::assert_json_snapshot!("no_token", answer(no_token.expect("post")).await);
    let reader = app.token(Role::Reader, None).await;
    let forbidden = app.post("/api/v1/commitments", &reader, &progress("hhcdg-delivery-plan", 40)).send().await;
    insta::assert_json_snapshot!("forbidden", answer(forbidden.expect("post")).await);
    assert_eq!(app.head().await, head, "nothing was recorded");
    app.stop().await;
}

async fn if_match_and_idempotency_keys_make_retries_safe(db: &TestStore) {
    let (app, token, version, head) = lincolnshire_delivery_plan(db).await;

    let send = |key: &str, percent: u8, if_match: usize| {
        app.post("/api/v1/commitments", &token, &progress("hhcdg-delivery-plan", percent))
            .header("idempotency-key", key)
            .header("if-match", format!("\"{if_match}\""))
            .send()
    };
    let first = send("q1-return", 40, version).await.expect("post");
    assert_eq!(first.status(), 201);
    assert_eq!(first.headers()["etag"], format!("\"{}\"", version + 1).as_str());
    let first = first.text().await.expect("body");
    let again = send("q1-return", 40, version).await.expect("post");
    assert_eq!(again.status(), 201, "a retry gets the first answer, not a 412");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.expect("body"), first);
    assert_eq!(app.head().await, head + 1, "recorded once");

    let reused = send("q1-return", 55, version).await.expect("post");
    insta::assert_json_snapshot!("key_reused", answer(reused).await);
    let stale = send("q2-return", 55, version).await.expect("post");
    assert_eq!(stale.status(), 412);
    let refused_again = send("q2-return", 55, version).await.expect("post");
    assert_eq!(refused_again.status(), 412, "the first answer, a refusal, is kept too");
    assert_eq!(app.head().await, head + 1);
    app.stop().await;
}

async fn contributors_report_only_on_their_own_organisation(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let county = app.token(Role::Contributor, Some("GB-LAE-LIN")).await;
    let district = app.token(Role::Contributor, Some("GB-LAE-WLI")).await;
    let head = app.head().await;

    let own = app.post("/api/v1/commitments", &county, &progress("hhcdg-delivery-plan", 45)).send().await;
    assert_eq!(own.expect("post").status(), 201);
    let other = app.post("/api/v1/commitments", &district, &progress("hhcdg-delivery-plan", 45)).send().await;
    insta::assert_json_snapshot!("another_organisations_commitment", answer(other.expect("post")).await);
    let reading = json!({"command": "record_measurement", "id": "west-lindsey-dfg-completions", "value": 131.0, "as_of": "2024-03-31"});
    let own_reading = app.post("/api/v1/indicators", &district, &reading).send().await;
    assert_eq!(own_reading.expect("post").status(), 201);
    let other_reading = app.post("/api/v1/indicators", &county, &reading).send().await;
    assert_eq!(other_reading.expect("post").status(), 403);
    let reschedule =
        json!({"command": "reschedule", "id": "hhcdg-delivery-plan", "due_on": "2026-03-31", "reason": "extended"});
    let not_progress = app.post("/api/v1/commitments", &county, &reschedule).send().await;
    assert_eq!(not_progress.expect("post").status(), 403, "a contributor reports; the secretariat reschedules");
    let register =
        json!({"command": "register", "id": "GB-LAE-NKE", "name": "North Kesteven", "kind": "local_authority"});
    let not_commitments = app.post("/api/v1/organisations", &county, &register).send().await;
    assert_eq!(not_commitments.expect("post").status(), 403);
    assert_eq!(app.head().await, head + 2, "only the two reports on their own organisation's streams");
    app.stop().await;
}

async fn fifty_clients_racing_on_one_commitment_get_success_or_412(db: &TestStore) {
    let (app, token, version, head) = lincolnshire_delivery_plan(db).await;
    let answers = join_all((0..50u8).map(|n| {
        app.post("/api/v1/commitments", &token, &progress("hhcdg-delivery-plan", n))
            .header("if-match", format!("\"{version}\""))
            .send()
    }))
    .await;
    let statuses: Vec<u16> = answers.into_iter().map(|r| r.expect("an answer").status().as_u16()).collect();
    let successes = statuses.iter().filter(|s| **s == 201).count();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 412), "{statuses:?}");
    assert_eq!(successes, 1, "one version, one winner: {statuses:?}");
    assert_eq!(app.head().await, head + successes as u64, "the log holds exactly the successes");
    assert_eq!(plan_events(&app).await, version + successes);
    app.stop().await;
}

/// A bad date in a command is a 400 naming the field and the form; an `occurred_at` on another
/// day than the command's own date, or an implausible one, is a 422 naming `occurred_at`.
async fn dates_are_refused_naming_the_field(db: &TestStore) {
    let (app, token, _, head) = lincolnshire_delivery_plan(db).await;
    for bad in ["10/03/2021", "2021-02-30", "2021-3-10", "0000-01-01"] {
        let mut command = progress("hhcdg-delivery-plan", 40);
        command["reported_on"] = json!(bad);
        let (status, content_type, body) =
            answer(app.post("/api/v1/commitments", &token, &command).send().await.expect("post")).await;
        assert_eq!((status, content_type.as_str()), (400, "application/problem+json"), "{bad}: {body}");
        assert_eq!(body["field"], "reported_on", "{bad}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(bad) && detail.contains("YYYY-MM-DD"), "{bad}: {detail}");
    }
    let disagreeing = app
        .post("/api/v1/commitments?occurred_at=2024-07-02", &token, &progress("hhcdg-delivery-plan", 40))
        .send()
        .await
        .expect("post");
    let (status, _, body) = answer(disagreeing).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "occurred_at", "{body}");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains(
            "the command says it happened on 2024-07-01 (reported_on) but occurred_at says 2024-07-02: leave out occurred_at, or give the same date"
        ),
        "{body}"
    );
    let reschedule = json!({"command": "reschedule", "id": "hhcdg-delivery-plan", "due_on": "2026-03-31", "reason": "Plan extended"});
    let far_ahead =
        app.post("/api/v1/commitments?occurred_at=2999-01-01", &token, &reschedule).send().await.expect("post");
    let (status, _, body) = answer(far_ahead).await;
    assert_eq!((status, &body["field"]), (422, &json!("occurred_at")), "{body}");
    assert!(
        body["detail"].as_str().unwrap_or_default().contains("2999-01-01 is more than a year after today"),
        "{body}"
    );
    assert_eq!(app.head().await, head, "nothing was recorded");
    app.stop().await;
}

on_both_backends!(
    commands_are_recorded_with_the_token_as_actor,
    refusals_are_problems_and_record_nothing,
    dates_are_refused_naming_the_field,
    if_match_and_idempotency_keys_make_retries_safe,
    contributors_report_only_on_their_own_organisation,
    fifty_clients_racing_on_one_commitment_get_success_or_412,
);
