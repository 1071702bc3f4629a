//! The running service saves its live read models every `save_every` events while it runs, so a
//! restart folds only the events recorded after the last save.

use app::Role;
use http_api::Settings;
use projections::{ReadModels, Runner};
use serde_json::json;
use tests::{TestApp, TestStore, on_both_backends, spawn_app_with};

on_both_backends!(a_restart_folds_only_what_the_service_recorded_after_its_last_save);

/// Registers organisations `from..to` through the API: one event each.
async fn register(app: &TestApp, token: &str, from: usize, to: usize) {
    for i in from..to {
        let body = json!({"command": "register", "id": format!("GB-LAE-T{i:02}"), "name": format!("Council {i}"), "kind": "local_authority"});
        let response = app.post("/api/v1/organisations", token, &body).send().await.expect("post");
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    }
}

/// Reads the status board, which brings the live read models up to the head.
async fn read_the_board(app: &TestApp, token: &str) {
    let response = app.get("/api/v1/status", token).send().await.expect("get");
    assert_eq!(response.status(), 200);
}

async fn a_restart_folds_only_what_the_service_recorded_after_its_last_save(db: &TestStore) {
    let app = spawn_app_with(db, Settings { save_every: 10, ..Settings::default() }).await;
    let token = app.token(Role::Secretariat, None).await;
    register(&app, &token, 0, 25).await;
    read_the_board(&app, &token).await;
    register(&app, &token, 25, 30).await;
    read_the_board(&app, &token).await;
    assert_eq!(app.head().await, 30);
    app.stop().await;

    let stores = db.stores().await;
    let runner = Runner::new(stores.events.as_ref(), stores.snapshots.as_ref());
    let (_, saved) = runner.load::<ReadModels>().await.expect("the snapshot");
    assert_eq!(saved.0, 25, "saved once the live models had folded 10 or more events, not after the 5 more");
    let mut folded = 0;
    let (models, at) =
        app::views::current(&stores, |position, _| folded = position.0 - saved.0).await.expect("restart");
    assert_eq!((folded, at.0), (5, 30), "a restart folds the 5 events after the save, not the 30 of the log");
    assert_eq!(models.organisations().count(), 30);
}
