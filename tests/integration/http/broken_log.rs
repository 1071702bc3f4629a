//! A log altered behind Covenant's back is never served silently: the service, started over it,
//! says so on `/readyz` (503, naming the position) and in a banner on every dashboard page; so
//! does a service whose read models are ahead of a log cut short under it.

use app::{Role, seeds};
use kernel::Position;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

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

on_both_backends!(
    a_service_over_an_altered_log_says_so_on_readyz_and_every_dashboard_page,
    a_service_whose_log_was_cut_short_under_it_says_so,
);
