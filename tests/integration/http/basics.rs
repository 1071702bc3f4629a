//! What every request meets before any route: health and readiness, problem documents for
//! unknown routes and methods, and the body size limit.

use tests::{TestStore, on_both_backends, spawn_app};

use super::answer;

async fn health_and_readiness_answer(db: &TestStore) {
    let app = spawn_app(db).await;
    let health = app.client.get(app.url("/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = answer(app.client.get(app.url("/readyz")).send().await.expect("readyz")).await;
    assert_eq!(ready, (200, "application/json".into(), serde_json::json!({"status": "ok", "head": 0})));
    app.stop().await;
}

async fn unknown_routes_and_methods_are_problems(db: &TestStore) {
    let app = spawn_app(db).await;
    let missing = answer(app.client.get(app.url("/api/v1/nothing")).send().await.expect("get")).await;
    insta::assert_json_snapshot!("unknown_route", missing);
    let method = answer(app.client.delete(app.url("/healthz")).send().await.expect("delete")).await;
    insta::assert_json_snapshot!("wrong_method", method);
    app.stop().await;
}

on_both_backends!(health_and_readiness_answer, unknown_routes_and_methods_are_problems);
