//! Imports over HTTP: a secretariat posts an action plan as CSV; a plan with mistakes is
//! answered 422 as problem+json listing every one, and records nothing; so is a plan holding a
//! control character, in a cell or in the file's name.

use app::Role;
use app::seeds;
use tests::{TestStore, on_both_backends, spawn_app};

on_both_backends!(
    an_action_plan_is_imported_and_its_problems_listed,
    a_control_character_in_a_file_is_a_problem_of_its_line_and_records_nothing,
);

fn fixture(name: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/imports").join(name);
    std::fs::read_to_string(path).expect("the fixture reads")
}

async fn an_action_plan_is_imported_and_its_problems_listed(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let post = |file: &str| {
        app.client
            .post(app.url(&format!("/api/v1/imports/action-plan?on=2023-07-20&file={file}")))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(fixture(file))
    };

    let head = app.head().await;
    let refused = post("hhcdg-delivery-plan-uk-dates.csv").send().await.expect("an answer");
    assert_eq!(refused.status().as_u16(), 422);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = refused.json().await.expect("JSON");
    assert_eq!(
        body["problems"],
        serde_json::json!([
            {"line": 2, "column": "due_date", "message": "'31/03/2024' is not written as YYYY-MM-DD: write 2024-03-31"},
            {"line": 4, "column": "due_date", "message": "'31/12/2023' is not written as YYYY-MM-DD: write 2023-12-31"},
        ])
    );
    assert_eq!(body["status"], 422);
    assert_eq!(app.head().await, head, "nothing was recorded");

    let imported = post("hhcdg-delivery-plan-2023.csv").send().await.expect("an answer");
    let status = imported.status().as_u16();
    let body: serde_json::Value = imported.json().await.expect("JSON");
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["changed"].as_u64(), body["unchanged"].as_u64(), body["events"].as_u64()),
        (Some(5), Some(1), Some(7))
    );

    let again = post("hhcdg-delivery-plan-2023.csv").send().await.expect("an answer");
    assert_eq!(again.status().as_u16(), 200);
    app.stop().await;
}

async fn a_control_character_in_a_file_is_a_problem_of_its_line_and_records_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let plan = fixture("hhcdg-delivery-plan-2023.csv");
    let with_nul = plan.replace("Draft review with", "Draft review\u{0} with");
    assert_ne!(with_nul, plan);
    let line = 1 + plan.lines().position(|l| l.contains("Draft review with")).expect("the row");
    let head = app.chain_head().await;
    for (name, body, expected) in
        [("plan.csv", with_nul, vec![line]), ("plan%00.csv", plan.clone(), (2..=plan.lines().count()).collect())]
    {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/imports/action-plan?on=2023-07-20&file={name}")))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status().as_u16(), 422, "{name}");
        let body: serde_json::Value = response.json().await.expect("JSON");
        let problems = body["problems"].as_array().expect("problems");
        let lines: Vec<usize> = problems.iter().filter_map(|p| p["line"].as_u64()).map(|l| l as usize).collect();
        let changed: Vec<usize> = expected.into_iter().filter(|l| lines.contains(l)).collect();
        assert_eq!(lines, changed, "{name}: {body}");
        assert!(!lines.is_empty(), "{name}: {body}");
        for problem in problems {
            let message = problem["message"].as_str().unwrap_or_default();
            assert!(message.contains("contains a control character (U+0000) at byte"), "{name}: {problem}");
        }
        assert_eq!(app.chain_head().await, head, "{name}: nothing was recorded");
    }
    app.stop().await;
}
