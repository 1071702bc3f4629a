//! The event log exported as CloudEvents over HTTP: a JSON array by default and JSON Lines on
//! request, each event as `covenant export cloudevents` writes it, with the same filters; and
//! bad filters and unacceptable media types refused as problems. The record as Popolo, as
//! `covenant export popolo` writes it.

use app::Role;
use app::interchange::cloudevents;
use app::seeds;
use kernel::Position;
use serde_json::Value;
use tests::{TestStore, on_both_backends, spawn_app};

use super::answer;

on_both_backends!(the_log_is_exported_as_a_batch_or_as_lines_with_filters, the_record_is_exported_as_popolo);

async fn the_log_is_exported_as_a_batch_or_as_lines_with_filters(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Auditor, None).await;
    let logged = db.store().read_all(Position::ZERO, usize::MAX).await.expect("the log reads");

    let (status, content_type, batch) =
        answer(app.get("/api/v1/export/cloudevents", &token).send().await.expect("answer")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/cloudevents-batch+json"));
    let batch = batch.as_array().expect("a JSON array").clone();
    assert_eq!(batch.len(), logged.len());
    for (event, recorded) in batch.iter().zip(&logged) {
        let decoded = cloudevents::decode(&event.to_string()).expect("each element is a Covenant CloudEvent");
        assert_eq!(&decoded, recorded);
    }

    let response = app
        .get("/api/v1/export/cloudevents?stream=resolution-west-lindsey-pcc-2021-03-09-45&type=uk.covenant.resolution.recorded", &token)
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.expect("a body");
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["subject"], "resolution-west-lindsey-pcc-2021-03-09-45");
    assert_eq!(lines[0]["type"], "uk.covenant.resolution.recorded.v2");
    assert!(lines[0]["data"]["text"].as_str().expect("text").starts_with("RESOLVED that West Lindsey"));

    let range = app.get("/api/v1/export/cloudevents?after=3&until=5", &token).send().await.expect("answer");
    let (_, _, range) = answer(range).await;
    let sequences: Vec<&str> =
        range.as_array().expect("array").iter().map(|e| e["sequence"].as_str().expect("sequence")).collect();
    assert_eq!(sequences, ["00000000000000000004", "00000000000000000005"]);

    let (status, content_type, problem) =
        answer(app.get("/api/v1/export/cloudevents?from=01/12/2020", &token).send().await.expect("answer")).await;
    assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));
    assert!(problem["detail"].as_str().expect("detail").contains("YYYY-MM-DD"), "{problem}");
    let unknown = app.get("/api/v1/export/cloudevents?since=4", &token).send().await.expect("answer");
    assert_eq!(unknown.status(), 400);
    let refused =
        app.get("/api/v1/export/cloudevents", &token).header("accept", "text/csv").send().await.expect("answer");
    assert_eq!(refused.status(), 406);
    app.stop().await;
}

async fn the_record_is_exported_as_popolo(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Auditor, None).await;
    let (status, content_type, popolo) =
        answer(app.get("/api/v1/export/popolo", &token).send().await.expect("answer")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let (models, _) = app::views::current(&db.stores().await, |_, _| ()).await.expect("the read models build");
    let expected = serde_json::to_value(app::interchange::popolo::document(&models)).expect("serialises");
    assert_eq!(popolo, expected);
    let motions = popolo["motions"].as_array().expect("motions");
    assert!(motions.iter().any(|m| m["id"] == "west-lindsey-pcc-2021-03-09-45"), "{popolo}");
    app.stop().await;
}
