//! Who may do what, route by route: every route against every role and no token. Every refusal
//! is 401 (no valid token) or 403 (the role may not), and writes nothing.

use app::Role;
use app::seeds;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{TestStore, on_both_backends, spawn_app};

/// Who sends a request: a role, or no token at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    As(Role),
}

/// A route, a body for it, and who may use it.
struct Route {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    /// A file sent as the body instead of JSON: its media type and text.
    file: Option<(&'static str, String)>,
    allowed: &'static [Role],
}

const EVERYONE: &[Role] = &[Role::Admin, Role::Secretariat, Role::Contributor, Role::Auditor, Role::Reader];
const AUDITORS: &[Role] = &[Role::Admin, Role::Auditor];
const RECORDERS: &[Role] = &[Role::Admin, Role::Secretariat];
const ADMINS: &[Role] = &[Role::Admin];

fn routes() -> Vec<Route> {
    let read = |path, allowed| Route { method: Method::GET, path, body: None, file: None, allowed };
    let command =
        |path, body: Value, allowed| Route { method: Method::POST, path, body: Some(body), file: None, allowed };
    let import = |path, media, text: String| Route {
        method: Method::POST,
        path,
        body: None,
        file: Some((media, text)),
        allowed: RECORDERS,
    };
    let fixture = |name: &str| {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/imports").join(name);
        std::fs::read_to_string(path).expect("the fixture reads")
    };
    let admin = |method, path, body| Route { method, path, body, file: None, allowed: ADMINS };
    vec![
        read("/api/v1/status", EVERYONE),
        read("/api/v1/status/lincolnshire-homes-for-independence-blueprint", EVERYONE),
        read("/api/v1/resolutions", EVERYONE),
        read("/api/v1/actions", EVERYONE),
        read("/api/v1/indicators", EVERYONE),
        read("/api/v1/audit", AUDITORS),
        read("/api/v1/events", AUDITORS),
        read("/api/v1/events/stream", AUDITORS),
        read("/api/v1/export/cloudevents", AUDITORS),
        read("/api/v1/export/popolo", AUDITORS),
        read("/api/v1/verify", AUDITORS),
        read("/api/v1/checkpoint", EVERYONE),
        read("/api/v1/proofs/inclusion?position=1&size=1", EVERYONE),
        read("/api/v1/proofs/consistency?from=1&to=1", EVERYONE),
        admin(Method::GET, "/api/v1/webhooks", None),
        admin(
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"name": "icb-rag-pack", "url": "http://127.0.0.1:9/covenant"})),
        ),
        admin(Method::DELETE, "/api/v1/webhooks/icb-rag-pack", None),
        admin(Method::GET, "/api/v1/webhooks/icb-rag-pack/dead-letters", None),
        admin(Method::POST, "/api/v1/webhooks/icb-rag-pack/replay", None),
        command(
            "/api/v1/organisations",
            json!({"command": "register", "id": "GB-LAE-NKE", "name": "North Kesteven District Council", "kind": "local_authority"}),
            RECORDERS,
        ),
        command(
            "/api/v1/bodies",
            json!({"command": "abolish", "id": "lincolnshire-hhcdg", "abolished_on": "2024-03-31"}),
            RECORDERS,
        ),
        command(
            "/api/v1/meetings",
            json!({"command": "publish_minutes", "id": "lincolnshire-hwb-2020-12-01", "published_on": "2020-12-10"}),
            RECORDERS,
        ),
        command(
            "/api/v1/resolutions",
            json!({"command": "publish", "id": "west-lindsey-pcc-2021-03-09-45", "published_on": "2021-03-10"}),
            RECORDERS,
        ),
        command(
            "/api/v1/instruments",
            json!({"command": "start_review", "id": "lincolnshire-homes-for-independence-blueprint", "started_on": "2024-01-01", "reason": "three years on"}),
            RECORDERS,
        ),
        command(
            "/api/v1/commitments",
            json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber", "percent_complete": 50, "narrative": "Half the plan delivered.", "period": {"label": "2023/24"}, "reported_on": "2024-04-01"}),
            &[Role::Admin, Role::Secretariat, Role::Contributor],
        ),
        command(
            "/api/v1/indicators",
            json!({"command": "record_measurement", "id": "west-lindsey-dfg-completions", "value": 140.0, "as_of": "2024-03-31"}),
            RECORDERS,
        ),
        import(
            "/api/v1/imports/action-plan",
            "text/csv",
            app::interchange::action_plan::template(kernel::Timestamp::now().as_datetime().date_naive()),
        ),
        import(
            "/api/v1/imports/moderngov?council=GB-LAE-WLI",
            "application/xml",
            fixture("west-lindsey-pcc-2021-03-09.xml"),
        ),
        import(
            "/api/v1/imports/moderngov-committees?council=GB-LAE-WLI",
            "application/xml",
            fixture("west-lindsey-committees.xml"),
        ),
    ]
}

async fn every_route_against_every_role_and_no_token(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let mut tokens = Vec::new();
    for role in [Role::Admin, Role::Secretariat, Role::Auditor, Role::Reader] {
        tokens.push((Caller::As(role), Some(app.token(role, None).await)));
    }
    tokens.push((Caller::As(Role::Contributor), Some(app.token(Role::Contributor, Some("GB-LAE-LIN")).await)));
    tokens.push((Caller::Anonymous, None));
    let mut checked = 0;
    for route in routes() {
        for (caller, token) in &tokens {
            let head = app.head().await;
            let mut request = app.client.request(route.method.clone(), app.url(route.path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &route.body {
                request = request.json(body);
            }
            if let Some((media, text)) = &route.file {
                request = request.header("content-type", *media).body(text.clone());
            }
            let status = request.send().await.expect("an answer").status().as_u16();
            let allowed = matches!(caller, Caller::As(role) if route.allowed.contains(role));
            let what = format!("{caller:?} {} {}", route.method, route.path);
            match (caller, allowed) {
                (Caller::Anonymous, _) => assert_eq!(status, 401, "{what}"),
                (_, false) => assert_eq!(status, 403, "{what}"),
                (_, true) => assert!(status != 401 && status != 403 && status < 500, "{what}: {status}"),
            }
            if !allowed {
                assert_eq!(app.head().await, head, "{what} was refused and wrote nothing");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, routes().len() * 6);
    for public in ["/healthz", "/readyz"] {
        assert_eq!(app.client.get(app.url(public)).send().await.expect("get").status(), 200, "{public}");
    }
    app.stop().await;
}

on_both_backends!(every_route_against_every_role_and_no_token);
