//! A log altered behind Covenant's back is never served silently: the service, started over it,
//! says so on `/readyz` (503, naming the position) and in a banner on every dashboard page; so
//! does a service whose read models are ahead of a log cut short under it, and one restarted
//! over a log whose tail was rewritten, its chain recomputed to match, since its snapshot.

use app::{Role, seeds};
use http_api::Settings;
use kernel::{AppendRequest, Expected, Position, VerifyFailure};
use projections::{AsOf, ProjectionError, ReadModels, Runner};
use tests::{TestApp, TestStore, on_both_backends, spawn_app, spawn_app_with};

use super::answer;

const PAGES: [&str; 4] = [
    "/dashboard",
    "/dashboard/instruments/lincolnshire-homes-for-independence-blueprint",
    "/dashboard/resolutions/west-lindsey-pcc-2021-03-09-45",
    "/dashboard/audit",
];

/// The dashboard page at `path`, as an admin (who may see every page) sees it.
async fn page(app: &TestApp, token: &str, path: &str) -> String {
    let response = app.get(path, token).send().await.expect("get");
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("a body")
}

async fn a_service_over_an_altered_log_says_so_on_readyz_and_every_dashboard_page(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    let ready = app.client.get(app.url("/readyz")).send().await.expect("readyz");
    assert_eq!(ready.status(), 200, "an intact log is ready");
    for path in PAGES {
        assert!(!page(&app, &admin, path).await.contains("broken-log"), "no banner over an intact log: {path}");
    }
    let events = app.stores.events.read_all(Position::ZERO, 10_000).await.expect("the log reads");
    let altered = events.iter().find(|e| e.payload.as_str().contains("West Lindsey")).expect("an event to alter");
    let position = altered.position.0;
    app.stop().await;

    db.execute_raw(&format!(
        "UPDATE events SET payload = replace(payload, 'West Lindsey', 'East Lindsey') WHERE position = {position}"
    ))
    .await;
    let app = spawn_app(db).await;
    let (status, content_type, problem) =
        answer(app.client.get(app.url("/readyz")).send().await.expect("readyz")).await;
    assert_eq!((status, content_type.as_str()), (503, "application/problem+json"), "{problem}");
    assert_eq!(problem["type"], "urn:covenant:problem:broken-log", "{problem}");
    let detail = problem["detail"].as_str().expect("a detail");
    assert!(detail.contains(&format!("the log is broken at position {position}")), "{detail}");
    assert!(detail.contains("covenant verify"), "{detail}");
    for path in PAGES {
        let shown = page(&app, &admin, path).await;
        assert!(shown.contains("id=\"broken-log\""), "a banner on {path}");
        assert!(shown.contains(&format!("the log was changed at entry {position}.")), "{path}: {shown}");
    }
    app.stop().await;
}

async fn a_service_whose_log_was_cut_short_under_it_says_so(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    assert!(!page(&app, &admin, PAGES[0]).await.contains("broken-log"), "the models are caught up");
    let head = app.head().await;

    db.execute_raw(&format!("DELETE FROM events WHERE position > {}", head - 10)).await;
    let (status, _, problem) = answer(app.client.get(app.url("/readyz")).send().await.expect("readyz")).await;
    assert_eq!(status, 503, "{problem}");
    let detail = problem["detail"].as_str().expect("a detail");
    let cut = format!("the log ends at position {}, but it held position {head}", head - 10);
    assert!(detail.contains(&format!("broken at position {}", head - 9)) && detail.contains(&cut), "{detail}");
    for path in PAGES {
        let shown = page(&app, &admin, path).await;
        assert!(shown.contains("id=\"broken-log\"") && shown.contains(&cut), "{path}: {shown}");
    }
    app.stop().await;
}

async fn a_restart_over_a_rewritten_log_refuses_its_snapshot(db: &TestStore) {
    let app = spawn_app_with(db, Settings { save_every: 10, ..Settings::default() }).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    assert!(!page(&app, &admin, PAGES[0]).await.contains("broken-log"), "the models are caught up");
    let head = app.head().await;
    app.stop().await;
    let stores = db.stores().await;
    let (_, saved) = Runner::new(stores.events.as_ref(), stores.snapshots.as_ref())
        .load::<ReadModels>()
        .await
        .expect("the snapshot");
    assert_eq!(saved.0, head, "the live models were saved at the head");

    // The last ten events replaced by ten others, chained and hashed as the store does: the log
    // verifies on its own, and is as long as it was.
    db.execute_raw(&format!("DELETE FROM events WHERE position > {}", head - 10)).await;
    db.forget_tree().await;
    let others = (0..10).map(|i| tests::progress_report("hfi-01", i)).collect();
    let request = AppendRequest::single(tests::stream("commitment-hfi-01"), Expected::Any, others);
    stores.events.append(request).await.expect("the tail rewritten");
    assert_eq!(stores.events.head().await.expect("head").position.0, head);
    projections::build_as_of::<ReadModels>(stores.events.as_ref(), AsOf::default())
        .await
        .expect("folded from its start, the rewritten log verifies on its own");

    let refused = app::views::current(&stores, |_, _| ()).await.expect_err("the snapshot is not of this log");
    let ProjectionError::Broken(VerifyFailure::Rewritten { position, .. }) = &refused else {
        panic!("not named as rewritten: {refused}");
    };
    assert_eq!(position.0, head);
    assert!(refused.to_string().contains("the log was rewritten since"), "{refused}");

    let app = spawn_app(db).await;
    let (status, _, problem) = answer(app.client.get(app.url("/readyz")).send().await.expect("readyz")).await;
    assert_eq!(status, 503, "{problem}");
    let detail = problem["detail"].as_str().expect("a detail");
    assert!(
        detail.contains(&format!("the log is broken at position {head}"))
            && detail.contains("the log was rewritten since"),
        "{detail}"
    );
    for path in PAGES {
        let shown = page(&app, &admin, path).await;
        assert!(shown.contains("id=\"broken-log\""), "a banner on {path}");
    }
    app.stop().await;
}

on_both_backends!(
    a_restart_over_a_rewritten_log_refuses_its_snapshot,
    a_service_over_an_altered_log_says_so_on_readyz_and_every_dashboard_page,
    a_service_whose_log_was_cut_short_under_it_says_so,
);
