//! The dashboard's forms over HTTP: a secretariat records a meeting, a resolution endorsing an
//! instrument and the minutes, and a partner lead reports progress, each answered by a 303 to
//! the page that shows the event's position; a post without the session's anti-forgery value,
//! with another session's, from a role that may not, or for another organisation's action is
//! refused with a 403 page; bad input shows the form again with the GOV.UK error summary; a form
//! sent twice records once; a form read before someone else recorded gives the conflict page.
//! Every refusal leaves the log's head (position and hash) as it was.

use app::Role;
use app::seeds;
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use serde_json::json;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

const BOARD: &str = "lincolnshire-health-and-wellbeing-board";
const MEETING: &str = "lincolnshire-health-and-wellbeing-board-2024-03-05";
const PLAN: &str = "lincolnshire-hhcdg-delivery-plan";
const ACTION: &str = "hhcdg-delivery-plan";

/// A client that shows redirects instead of following them.
fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("a client")
}

async fn get(app: &TestApp, path: &str, session: &str) -> (u16, String) {
    let response = client().get(app.url(path)).header("cookie", session).send().await.expect("get");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

/// The hidden fields of the form on `page` that posts to `action`.
fn hidden(page: &str, action: &str) -> Vec<(String, String)> {
    TestApp::hidden_fields(page, action)
}

/// Posts `fields` with `extra` (the form's hidden fields) to `action` in `session` (a `Cookie`
/// header).
async fn post(
    app: &TestApp,
    action: &str,
    session: &str,
    extra: &[(String, String)],
    fields: &[(&str, &str)],
) -> Response {
    let mut form: Vec<(String, String)> = extra.to_vec();
    form.extend(fields.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    client().post(app.url(action)).header("cookie", session).form(&form).send().await.expect("post")
}

fn location(response: &Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn without(fields: &[(String, String)], name: &str) -> Vec<(String, String)> {
    fields.iter().filter(|(n, _)| n != name).cloned().collect()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut fields = without(fields, name);
    fields.push((name.to_owned(), value.to_owned()));
    fields
}

const MEETING_FORM: &[(&str, &str)] = &[
    ("body", BOARD),
    ("date-day", "5"),
    ("date-month", "3"),
    ("date-year", "2024"),
    ("title", "Health and Wellbeing Board, 5 March 2024"),
    ("agenda", "12. HHCDG delivery plan\nAny other business"),
    ("source", "https://example.org/hwb/2024-03-05/agenda"),
];

/// Follows the redirect of a successful post and gives the page, checking it confirms the
/// position the redirect names.
async fn confirmed(app: &TestApp, response: Response, session: &str, page: &str) -> String {
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap_or_default());
    let to = location(&response);
    let position = to.strip_prefix(&format!("{page}?recorded=")).unwrap_or_else(|| panic!("to {page}: {to}"));
    let position: u64 = position.parse().expect("a position");
    assert!(position > 0 && position <= app.head().await, "a position recorded: {position}");
    let (status, shown) = get(app, &to, session).await;
    assert_eq!(status, 200);
    assert!(shown.contains(&format!("It is entry <strong>{position}</strong> of the log")), "{shown}");
    shown
}

async fn a_secretariat_records_a_meeting_a_resolution_and_the_minutes(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let head = app.head().await;

    let (status, form) = get(&app, "/dashboard/meetings/new", &secretariat).await;
    assert_eq!(status, 200);
    assert!(form.contains("<legend>Date of the meeting</legend>") && form.contains("name=\"date-year\""), "{form}");
    let fields = hidden(&form, "/dashboard/meetings");
    let recorded = post(&app, "/dashboard/meetings", &secretariat, &fields, MEETING_FORM).await;
    let page = format!("/dashboard/meetings/{MEETING}");
    let meeting = confirmed(&app, recorded, &secretariat, &page).await;
    assert_eq!(app.head().await, head + 4, "scheduled, two agenda items, held: one transaction");
    assert!(meeting.contains("Minute 12: HHCDG delivery plan"), "{meeting}");

    let action = format!("/dashboard/meetings/{MEETING}/resolutions");
    let resolution = [
        ("item", "1"),
        ("text", "RESOLVED that the Board endorse the HHCDG delivery plan."),
        ("outcome", "endorsed"),
        ("instrument", PLAN),
        ("call_in", "yes"),
        ("source", "Minutes of 5 March 2024, minute 12"),
    ];
    let resolved = post(&app, &action, &secretariat, &hidden(&meeting, &action), &resolution).await;
    let meeting = confirmed(&app, resolved, &secretariat, &page).await;
    assert_eq!(app.head().await, head + 6, "the resolution and the endorsement it gives");
    let key = format!("{MEETING}-12");
    assert!(meeting.contains(&format!("href=\"/dashboard/resolutions/{key}\"")), "{meeting}");
    let (_, shown) = get(&app, &format!("/dashboard/resolutions/{key}"), &secretariat).await;
    assert!(
        shown.contains("data-field=\"decided\"><time datetime=\"2024-03-05\">")
            && shown.contains("endorsed HHCDG Delivery Plan"),
        "decided on the meeting's date: {shown}"
    );

    let action = format!("/dashboard/meetings/{MEETING}/minutes");
    let minutes = hidden(&meeting, &action);
    let published = [("published_on-day", "12"), ("published_on-month", "3"), ("published_on-year", "2024")];
    let first = post(&app, &action, &secretariat, &minutes, &published).await;
    let to = location(&first);
    confirmed(&app, first, &secretariat, &page).await;
    let after = app.chain_head().await;
    let again = post(&app, &action, &secretariat, &minutes, &published).await;
    assert_eq!((again.status().as_u16(), location(&again)), (303, to), "the same form sent twice: the first answer");
    assert_eq!(app.chain_head().await, after, "recorded once");

    let (_, meeting) = get(&app, &page, &secretariat).await;
    let action = format!("/dashboard/meetings/{MEETING}/resolutions");
    assert!(meeting.contains("<option value=\"3\">Paragraph 3: the financial or business affairs"), "{meeting}");
    let exempt = [
        ("item", "2"),
        ("text", "RESOLVED that the terms of the lease be agreed."),
        ("outcome", "agreed"),
        ("exempt", "3"),
        ("source", "Minutes of 5 March 2024, exempt item"),
    ];
    let recorded = post(&app, &action, &secretariat, &hidden(&meeting, &action), &exempt).await;
    let meeting = confirmed(&app, recorded, &secretariat, &page).await;
    assert!(meeting.contains(">agreed</a>"), "the secretariat sees the exempt resolution: {meeting}");
    let public = app.client.get(app.url(&format!("/public/meetings/{MEETING}"))).send().await.expect("get");
    let public = public.text().await.expect("a body");
    assert!(public.contains("RESOLVED that the Board endorse"), "published with the minutes: {public}");
    assert!(!public.contains("terms of the lease") && !public.contains("Any other business"), "{public}");

    let auditor = app.token(Role::Auditor, None).await;
    let feed = app.get(&format!("/api/v1/events?after={head}"), &auditor).send().await.expect("get");
    let feed: serde_json::Value = feed.json().await.expect("json");
    let events = feed["events"].as_array().expect("events");
    let scheduled =
        events.iter().find(|e| e["event_type"] == "MeetingScheduled" && e["stream_id"] == format!("meeting-{MEETING}"));
    let scheduled = scheduled.expect("the meeting's first event");
    assert!(scheduled["occurred_at"].as_str().expect("a time").starts_with("2024-03-05"), "{scheduled}");
    app.stop().await;
}

async fn bad_input_shows_the_error_summary_and_keeps_what_was_typed(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let (_, form) = get(&app, "/dashboard/meetings/new", &secretariat).await;
    let head = app.chain_head().await;

    let typed = [
        ("body", ""),
        ("date-day", "31"),
        ("date-month", "2"),
        ("date-year", "2024"),
        ("title", ""),
        ("agenda", "1. Welcome & apologies"),
    ];
    let refused = post(&app, "/dashboard/meetings", &secretariat, &hidden(&form, "/dashboard/meetings"), &typed).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<h2 id=\"error-summary-title\">There is a problem</h2>"), "{page}");
    for (field, message) in [
        ("body", "Choose the body that met"),
        ("date-day", "Date of the meeting must be a real date"),
        ("title", "Enter the title of the meeting"),
    ] {
        assert!(page.contains(&format!("<a href=\"#{field}\">{message}</a>")), "{field}: {page}");
        assert!(page.contains(&format!("id=\"{field}\"")), "the summary links to a field that is there: {field}");
    }
    assert!(page.contains("Error: </span>Date of the meeting must be a real date"), "beside the field: {page}");
    assert!(page.contains("value=\"31\"") && page.contains("1. Welcome &amp; apologies</textarea>"), "kept: {page}");
    assert_eq!(app.chain_head().await, head, "nothing recorded");

    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let (_, action) = get(&app, &format!("/dashboard/actions/{ACTION}"), &county).await;
    let to = format!("/dashboard/actions/{ACTION}/progress");
    let report = [
        ("percent", "150"),
        ("status", "green"),
        ("narrative", "Two actions done."),
        ("period", "2024/25 Q1"),
        ("reported_on-day", "1"),
        ("reported_on-month", "7"),
        ("reported_on-year", "24"),
    ];
    let refused = post(&app, &to, &county, &hidden(&action, &to), &report).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<a href=\"#percent\">Percentage complete must be between 0 and 100</a>"), "{page}");
    assert!(page.contains("<a href=\"#reported_on-year\">Year must include 4 numbers</a>"), "{page}");
    assert!(page.contains("Two actions done.</textarea>"), "{page}");
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

async fn forged_posts_and_roles_that_may_not_are_refused(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let admin = app.session(Role::Admin, None).await;
    let reader = app.session(Role::Reader, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let head = app.chain_head().await;

    let (_, form) = get(&app, "/dashboard/meetings/new", &secretariat).await;
    let fields = hidden(&form, "/dashboard/meetings");
    let (_, other) = get(&app, "/dashboard/meetings/new", &admin).await;
    let others = hidden(&other, "/dashboard/meetings");
    let csrf = |fields: &[(String, String)]| fields.iter().find(|(n, _)| n == "csrf").expect("a csrf field").1.clone();
    assert_ne!(csrf(&fields), csrf(&others), "each session its own value");
    for (why, extra) in [
        ("without the field", without(&fields, "csrf")),
        ("with another session's value", with(&fields, "csrf", &csrf(&others))),
    ] {
        let refused = post(&app, "/dashboard/meetings", &secretariat, &extra, MEETING_FORM).await;
        assert_eq!(refused.status(), 403, "{why}");
        assert!(refused.text().await.expect("a body").contains("not sent from this service's own page"), "{why}");
    }

    let (_, page) = get(&app, "/dashboard", &reader).await;
    assert!(!page.contains("/dashboard/meetings/new") && !page.contains("/dashboard/actions"), "no forms to offer");
    let (status, _) = get(&app, "/dashboard/meetings/new", &reader).await;
    assert_eq!(status, 403);
    let reader_fields = hidden(&page, "/dashboard/sign-out");
    let refused = post(&app, "/dashboard/meetings", &reader, &reader_fields, MEETING_FORM).await;
    assert_eq!(refused.status(), 403, "a reader may not record, even from its own page");
    assert!(refused.text().await.expect("a body").contains("may not record meeting commands"));

    let (_, page) = get(&app, "/dashboard", &county).await;
    assert!(page.contains("href=\"/dashboard/actions\"") && !page.contains("/dashboard/meetings/new"), "{page}");
    let county_fields = hidden(&page, "/dashboard/sign-out");
    let refused = post(&app, "/dashboard/meetings", &county, &county_fields, MEETING_FORM).await;
    assert_eq!(refused.status(), 403, "a contributor may not record a meeting");
    let (_, page) = get(&app, "/dashboard/record", &secretariat).await;
    assert!(
        page.contains("href=\"/dashboard/meetings/new\"") && !page.contains("href=\"/dashboard/actions\""),
        "{page}"
    );

    let (status, _) = get(&app, &format!("/dashboard/actions/{ACTION}"), &district).await;
    assert_eq!(status, 403, "another organisation's action is not shown");
    let (_, list) = get(&app, "/dashboard/actions", &district).await;
    assert!(!list.contains(&format!("data-commitment=\"{ACTION}\"")), "{list}");
    let (_, own) = get(&app, &format!("/dashboard/actions/{ACTION}"), &county).await;
    let to = format!("/dashboard/actions/{ACTION}/progress");
    let (_, district_page) = get(&app, "/dashboard/actions", &district).await;
    let forged = with(&hidden(&own, &to), "csrf", &csrf(&hidden(&district_page, "/dashboard/sign-out")));
    let report = [
        ("percent", "50"),
        ("status", "green"),
        ("narrative", "Half done."),
        ("period", "2024/25 Q1"),
        ("reported_on-day", "1"),
        ("reported_on-month", "7"),
        ("reported_on-year", "2024"),
    ];
    let refused = post(&app, &to, &district, &forged, &report).await;
    assert_eq!(refused.status(), 403, "a forged post for another organisation's action");
    assert!(refused.text().await.expect("a body").contains("not an action your organisation leads"));
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

async fn a_partner_lead_reports_progress_once_and_a_stale_form_records_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let county_token = app.token(Role::Contributor, Some("GB-LAE-LIN")).await;
    let county = app.session_of(&county_token).await;

    let (status, list) = get(&app, "/dashboard/actions", &county).await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!("href=\"/dashboard/actions/{ACTION}\"")), "{list}");
    let page = format!("/dashboard/actions/{ACTION}");
    let to = format!("{page}/progress");
    let (_, form) = get(&app, &page, &county).await;
    let fields = hidden(&form, &to);
    let report = [
        ("percent", "55"),
        ("status", "amber"),
        ("narrative", "Two of the four actions done; the third waits on funding."),
        ("evidence", "https://example.org/hhcdg/q1-return"),
        ("period", "2024/25 Q1"),
        ("reported_on-day", "1"),
        ("reported_on-month", "7"),
        ("reported_on-year", "2024"),
        ("source", "HHCDG quarterly return"),
    ];
    let head = app.head().await;
    let first = post(&app, &to, &county, &fields, &report).await;
    let to_page = location(&first);
    let shown = confirmed(&app, first, &county, &page).await;
    assert!(shown.contains("Two of the four actions done"), "{shown}");
    assert_eq!(app.head().await, head + 1);
    let again = post(&app, &to, &county, &fields, &report).await;
    assert_eq!((again.status().as_u16(), location(&again)), (303, to_page), "the first answer again");
    assert_eq!(app.head().await, head + 1, "recorded once");

    // Opened, then someone else reports before the form is sent.
    let (_, form) = get(&app, &page, &county).await;
    let stale = hidden(&form, &to);
    let elsewhere = json!({
        "command": "report_progress", "id": ACTION, "status": "green", "percent_complete": 60,
        "narrative": "Third action funded.", "period": {"label": "2024/25 Q1"}, "reported_on": "2024-07-02"
    });
    let sent = app.post("/api/v1/commitments", &county_token, &elsewhere).send().await.expect("post");
    assert_eq!(sent.status(), 201);
    let moved = app.chain_head().await;
    let refused = post(&app, &to, &county, &stale, &report).await;
    assert_eq!(refused.status(), 409);
    let conflict = refused.text().await.expect("a body");
    assert!(conflict.contains("Nothing was recorded"), "{conflict}");
    assert!(conflict.contains(&format!("<td class=\"num\">{}</td>", moved.position.0)), "what changed: {conflict}");
    assert_eq!(app.chain_head().await, moved, "nothing recorded");
    app.stop().await;
}

const NEW_ACTION: &[(&str, &str)] = &[
    ("title", "Review the shared Disabled Facilities Grant policy with the seven districts"),
    ("id", "hhcdg-dfg-policy-review"),
    ("towards", "lincolnshire-hhcdg-delivery-plan adaptations"),
    ("organisation", "GB-LAE-WLI"),
    ("lead", "Housing Services Manager"),
    ("due_on-day", "31"),
    ("due_on-month", "3"),
    ("due_on-year", "2025"),
    ("parent", ACTION),
    ("made_on-day", "1"),
    ("made_on-month", "4"),
    ("made_on-year", "2024"),
    ("source", "HHCDG delivery plan 2024/25 (illustrative)"),
];

const NEW_MILESTONE: &[(&str, &str)] = &[
    ("title", "Housing leads of the seven districts consulted"),
    ("milestone", "districts-consulted"),
    ("due_on-day", "30"),
    ("due_on-month", "9"),
    ("due_on-year", "2024"),
    ("agreed_on-day", "1"),
    ("agreed_on-month", "4"),
    ("agreed_on-year", "2024"),
    ("source", "HHCDG delivery plan 2024/25 (illustrative)"),
];

/// The `occurred_at` of the last event of `event_type` on `stream`, from the feed.
async fn occurred(app: &TestApp, token: &str, stream: &str, event_type: &str) -> String {
    let feed = app.get("/api/v1/events?after=0&limit=1000", token).send().await.expect("get");
    let feed: serde_json::Value = feed.json().await.expect("json");
    let events = feed["events"].as_array().expect("events");
    let event = events.iter().rev().find(|e| e["event_type"] == event_type && e["stream_id"] == stream);
    event.unwrap_or_else(|| panic!("no {event_type} on {stream}"))["occurred_at"].as_str().expect("a time").to_owned()
}

async fn a_secretariat_makes_an_action_and_its_lead_reaches_a_milestone_and_completes_it(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let auditor = app.token(Role::Auditor, None).await;
    let head = app.head().await;

    let (_, offered) = get(&app, "/dashboard/record", &secretariat).await;
    assert!(offered.contains("href=\"/dashboard/actions/new\""), "offered to the secretariat: {offered}");
    let (status, form) = get(&app, "/dashboard/actions/new", &secretariat).await;
    assert_eq!(status, 200);
    assert!(form.contains("<title>Record an action – Covenant</title>"), "{form}");
    assert!(form.contains("HHCDG Delivery Plan: Adaptations and independent living at home"), "{form}");
    let made = post(&app, "/dashboard/actions", &secretariat, &hidden(&form, "/dashboard/actions"), NEW_ACTION).await;
    let page = "/dashboard/actions/hhcdg-dfg-policy-review";
    let shown = confirmed(&app, made, &secretariat, page).await;
    assert!(shown.contains("Housing Services Manager"), "{shown}");
    assert_eq!(app.head().await, head + 1);
    let stream = "commitment-hhcdg-dfg-policy-review";
    assert!(
        occurred(&app, &auditor, stream, "CommitmentMade").await.starts_with("2024-04-01"),
        "the date it was agreed"
    );

    let to = format!("{page}/milestones/new");
    let sent = post(&app, &to, &secretariat, &hidden(&shown, &to), NEW_MILESTONE).await;
    let shown = confirmed(&app, sent, &secretariat, page).await;
    assert!(shown.contains("<tr data-milestone=\"districts-consulted\"><th scope=\"row\">Housing leads of the seven districts consulted</th>"), "{shown}");
    assert!(
        occurred(&app, &auditor, stream, "CommitmentMilestoneAdded").await.starts_with("2024-04-01"),
        "the date it was agreed"
    );

    let (status, form) = get(&app, page, &district).await;
    assert_eq!(status, 200, "the lead organisation's contributor");
    assert!(form.contains("Housing leads of the seven districts consulted (due 2024-09-30)"), "{form}");
    assert!(!form.contains(&format!("action=\"{to}\"")), "a contributor is not offered the form to add a milestone");
    let to = format!("{page}/milestones");
    let reached = [
        ("milestone", "districts-consulted"),
        ("reached_on-day", "20"),
        ("reached_on-month", "9"),
        ("reached_on-year", "2024"),
        ("source", "HHCDG progress return, Q2 2024/25 (illustrative)"),
    ];
    let sent = post(&app, &to, &district, &hidden(&form, &to), &reached).await;
    let shown = confirmed(&app, sent, &district, page).await;
    assert!(!shown.contains("action=\"/dashboard/actions/hhcdg-dfg-policy-review/milestones\""), "none left to reach");
    assert!(occurred(&app, &auditor, stream, "CommitmentMilestoneReached").await.starts_with("2024-09-20"));

    let to = format!("{page}/complete");
    let done = [
        ("narrative", "Shared policy reviewed with all seven districts."),
        ("evidence", "https://example.org/hhcdg/dfg-policy-2025"),
        ("completed_on-day", "14"),
        ("completed_on-month", "3"),
        ("completed_on-year", "2025"),
    ];
    let sent = post(&app, &to, &district, &hidden(&shown, &to), &done).await;
    let shown = confirmed(&app, sent, &district, page).await;
    assert!(shown.contains("data-field=\"state\">done"), "{shown}");
    assert!(!shown.contains(&format!("action=\"{to}\"")), "a completed action offers no forms");
    assert!(occurred(&app, &auditor, stream, "CommitmentCompleted").await.starts_with("2025-03-14"));
    assert_eq!(app.head().await, head + 4, "made, milestone added, reached, completed");
    app.stop().await;
}

async fn action_forms_refuse_forgery_roles_and_mistakes_and_record_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let reader = app.session(Role::Reader, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let head = app.chain_head().await;

    let (_, form) = get(&app, "/dashboard/actions/new", &secretariat).await;
    let fields = hidden(&form, "/dashboard/actions");
    let refused = post(&app, "/dashboard/actions", &secretariat, &without(&fields, "csrf"), NEW_ACTION).await;
    assert_eq!(refused.status(), 403, "without the anti-forgery value");
    let (_, county_page) = get(&app, "/dashboard", &county).await;
    let county_csrf = hidden(&county_page, "/dashboard/sign-out");
    let other = county_csrf.iter().find(|(n, _)| n == "csrf").expect("a csrf field").1.clone();
    let refused = post(&app, "/dashboard/actions", &secretariat, &with(&fields, "csrf", &other), NEW_ACTION).await;
    assert_eq!(refused.status(), 403, "with another session's value");

    let (_, offered) = get(&app, "/dashboard/record", &county).await;
    assert!(!offered.contains("href=\"/dashboard/actions/new\""), "not offered to a contributor: {offered}");
    for token in [&reader, &county] {
        let (status, _) = get(&app, "/dashboard/actions/new", token).await;
        assert_eq!(status, 403);
    }
    let refused = post(&app, "/dashboard/actions", &county, &county_csrf, NEW_ACTION).await;
    assert_eq!(refused.status(), 403, "a contributor may not make an action");
    assert!(refused.text().await.expect("a body").contains("may not make actions"));
    let (_, reader_page) = get(&app, "/dashboard", &reader).await;
    let refused =
        post(&app, "/dashboard/actions", &reader, &hidden(&reader_page, "/dashboard/sign-out"), NEW_ACTION).await;
    assert_eq!(refused.status(), 403, "a reader may not make an action");

    let mistakes = [
        ("title", ""),
        ("organisation", ""),
        ("lead", "Housing Services Manager"),
        ("due_on-day", "31"),
        ("due_on-month", "13"),
        ("due_on-year", "2025"),
        ("made_on-day", "1"),
        ("made_on-month", "4"),
        ("made_on-year", "2024"),
    ];
    let refused = post(&app, "/dashboard/actions", &secretariat, &fields, &mistakes).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<title>Error: Record an action – Covenant</title>"), "{page}");
    for (field, message) in [
        ("title", "Enter the action, as the plan words it"),
        ("towards", "Choose the objective the action works towards, or the resolution it arises from"),
        ("organisation", "Choose the organisation that answers for the action"),
        ("due_on-month", "Due date must be a real date"),
    ] {
        assert!(page.contains(&format!("<a href=\"#{field}\">{message}</a>")), "{field}: {page}");
    }
    assert!(page.contains("value=\"Housing Services Manager\""), "kept: {page}");
    // The rules' own refusal: due before the day it was agreed.
    let mut typed: Vec<(&str, &str)> = NEW_ACTION.iter().filter(|(n, _)| !n.starts_with("due_on")).copied().collect();
    typed.extend([("due_on-day", "1"), ("due_on-month", "3"), ("due_on-year", "2024")]);
    let refused = post(&app, "/dashboard/actions", &secretariat, &fields, &typed).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("There is a problem") && page.contains("before"), "the rules' words: {page}");
    assert_eq!(app.chain_head().await, head, "nothing recorded");

    let milestone = json!({
        "command": "add_milestone", "id": ACTION, "milestone": "plan-refreshed",
        "title": "Delivery plan refreshed for 2024/25", "due_on": "2024-06-30"
    });
    let added = app
        .post("/api/v1/commitments", &app.token(Role::Secretariat, None).await, &milestone)
        .send()
        .await
        .expect("post");
    assert_eq!(added.status(), 201);
    let head = app.chain_head().await;
    let page = format!("/dashboard/actions/{ACTION}");
    let (_, own) = get(&app, &page, &county).await;
    for (to, typed) in [
        (
            format!("{page}/complete"),
            vec![
                ("narrative", ""),
                ("completed_on-day", "31"),
                ("completed_on-month", "2"),
                ("completed_on-year", "2024"),
            ],
        ),
        (
            format!("{page}/milestones"),
            vec![("milestone", ""), ("reached_on-day", "1"), ("reached_on-month", "3"), ("reached_on-year", "2024")],
        ),
    ] {
        assert!(own.contains(&format!("action=\"{to}\"")), "the form is offered: {to}");
        let refused = post(&app, &to, &county, &hidden(&own, &to), &typed).await;
        assert_eq!(refused.status(), 422, "{to}");
        let shown = refused.text().await.expect("a body");
        assert!(shown.contains("<title>Error: "), "{to}: {shown}");
        let forged = with(&hidden(&own, &to), "csrf", &csrf_of(&app, &district).await);
        let refused = post(&app, &to, &district, &forged, &typed).await;
        assert_eq!(refused.status(), 403, "another organisation's action: {to}");
        let refused = post(&app, &to, &county, &without(&hidden(&own, &to), "csrf"), &typed).await;
        assert_eq!(refused.status(), 403, "without the anti-forgery value: {to}");
    }
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

/// The anti-forgery value of `token`'s session.
async fn csrf_of(app: &TestApp, token: &str) -> String {
    let (_, page) = get(app, "/dashboard", token).await;
    hidden(&page, "/dashboard/sign-out").into_iter().find(|(n, _)| n == "csrf").expect("a csrf field").1
}

const INDICATOR: &str = "west-lindsey-dfg-completions";

const READING: &[(&str, &str)] = &[
    ("value", "152"),
    ("reading_date-day", "31"),
    ("reading_date-month", "3"),
    ("reading_date-year", "2024"),
    ("note", "provisional"),
    ("source", "West Lindsey DFG return 2023/24 (illustrative)"),
];

async fn a_partner_lead_records_a_reading_of_its_organisations_indicator(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let auditor = app.token(Role::Auditor, None).await;
    let head = app.head().await;

    let (status, list) = get(&app, "/dashboard/readings", &district).await;
    assert_eq!(status, 200);
    let page = format!("/dashboard/indicators/{INDICATOR}/readings");
    assert!(list.contains(&format!("href=\"{page}\"")), "{list}");
    let (status, form) = get(&app, &page, &district).await;
    assert_eq!(status, 200);
    assert!(form.contains("Disabled Facilities Grant adaptations completed in West Lindsey"), "{form}");
    let sent = post(&app, &page, &district, &hidden(&form, &page), READING).await;
    let shown = confirmed(&app, sent, &district, &page).await;
    assert!(shown.contains("data-field=\"latest\">152 households, as of"), "{shown}");
    assert_eq!(app.head().await, head + 1);
    let stream = format!("indicator-{INDICATOR}");
    assert!(
        occurred(&app, &auditor, &stream, "IndicatorMeasured").await.starts_with("2024-03-31"),
        "the day it is as of"
    );
    let again = post(&app, &page, &district, &hidden(&form, &page), READING).await;
    assert_eq!(again.status(), 303, "the same form again: the first answer");
    assert_eq!(app.head().await, head + 1, "recorded once");
    app.stop().await;
}

async fn milestone_and_reading_forms_refuse_forgery_roles_and_mistakes_and_record_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let reader = app.session(Role::Reader, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let head = app.chain_head().await;
    let county_csrf = csrf_of(&app, &county).await;
    let district_csrf = csrf_of(&app, &district).await;

    let page = format!("/dashboard/actions/{ACTION}");
    let to = format!("{page}/milestones/new");
    let (_, form) = get(&app, &page, &secretariat).await;
    let fields = hidden(&form, &to);
    let refused = post(&app, &to, &secretariat, &without(&fields, "csrf"), NEW_MILESTONE).await;
    assert_eq!(refused.status(), 403, "without the anti-forgery value");
    let refused = post(&app, &to, &secretariat, &with(&fields, "csrf", &county_csrf), NEW_MILESTONE).await;
    assert_eq!(refused.status(), 403, "with another session's value");
    let refused = post(&app, &to, &county, &with(&fields, "csrf", &county_csrf), NEW_MILESTONE).await;
    assert_eq!(refused.status(), 403, "a contributor may not add a milestone, even to its own action");
    assert!(refused.text().await.expect("a body").contains("ask the secretariat"));
    let wrong = [("title", " "), ("due_on-day", "31"), ("due_on-month", "2"), ("due_on-year", "2024")];
    let refused = post(&app, &to, &secretariat, &fields, &wrong).await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.expect("a body");
    for message in [
        "<a href=\"#title\">Enter the milestone, as the plan words it</a>",
        "<a href=\"#due_on-day\">Date it is due must be a real date</a>",
        "<a href=\"#agreed_on-day\">Enter the date it was agreed</a>",
    ] {
        assert!(shown.contains(message), "{message}: {shown}");
    }
    assert!(shown.contains("name=\"due_on-month\" value=\"2\""), "what was typed is kept: {shown}");

    let page = format!("/dashboard/indicators/{INDICATOR}/readings");
    let (_, form) = get(&app, &page, &district).await;
    let fields = hidden(&form, &page);
    let refused = post(&app, &page, &district, &without(&fields, "csrf"), READING).await;
    assert_eq!(refused.status(), 403, "without the anti-forgery value");
    let refused = post(&app, &page, &district, &with(&fields, "csrf", &county_csrf), READING).await;
    assert_eq!(refused.status(), 403, "with another session's value");
    for session in [&county, &reader] {
        let (status, _) = get(&app, &page, session).await;
        assert_eq!(status, 403, "another organisation's indicator, or a role that may not record");
    }
    let refused = post(&app, &page, &county, &with(&fields, "csrf", &county_csrf), READING).await;
    assert_eq!(refused.status(), 403, "a forged post for another organisation's indicator");
    assert!(refused.text().await.expect("a body").contains("not an indicator your organisation owns"));
    let (_, list) = get(&app, "/dashboard/readings", &county).await;
    assert!(!list.contains(INDICATOR), "not listed for another organisation: {list}");
    let wrong =
        [("value", "lots"), ("reading_date-day", "31"), ("reading_date-month", "3"), ("reading_date-year", "24")];
    let refused = post(&app, &page, &district, &with(&fields, "csrf", &district_csrf), &wrong).await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.expect("a body");
    assert!(shown.contains("<title>Error: "), "{shown}");
    for message in [
        "<a href=\"#value\">Value must be a number, like 1250 or 12.5</a>",
        "<a href=\"#reading_date-year\">Year must include 4 numbers</a>",
    ] {
        assert!(shown.contains(message), "{message}: {shown}");
    }
    assert!(shown.contains("value=\"lots\""), "what was typed is kept: {shown}");
    let (_, form) = get(&app, &page, &secretariat).await;
    let empty = post(&app, &page, &secretariat, &hidden(&form, &page), &[]).await;
    assert_eq!(empty.status(), 422, "the secretariat may record readings, but not nothing");
    assert!(empty.text().await.expect("a body").contains("<a href=\"#value\">Enter the value</a>"));
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

/// The links of the Record page's list of forms.
fn offered_forms(page: &str) -> Vec<String> {
    let list = &page
        [page.find("<ul class=\"record-forms\" id=\"forms\">").unwrap_or_else(|| panic!("no list of forms: {page}"))..];
    let list = &list[..list.find("</ul>").expect("the list ends")];
    list.split("<a href=\"").skip(1).map(|l| l[..l.find('"').expect("the link ends")].to_owned()).collect()
}

/// The navigation carries one "Record" link to the page listing the forms a role may use, not
/// one link for each form.
async fn the_record_page_lists_the_forms_each_role_may_use(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let reader = app.session(Role::Reader, None).await;

    let (_, overview) = get(&app, "/dashboard", &secretariat).await;
    let header = &overview[..overview.find("</header>").expect("a header")];
    assert!(header.contains("<a href=\"/dashboard/record\">Record</a>"), "{header}");
    for form in
        ["/dashboard/meetings/new", "/dashboard/instruments/new", "/dashboard/actions/new", "/dashboard/imports"]
    {
        assert!(!header.contains(&format!("href=\"{form}\"")), "{form} is on the Record page, not in the navigation");
    }
    let (status, page) = get(&app, "/dashboard/record", &secretariat).await;
    assert_eq!(status, 200);
    assert_eq!(
        offered_forms(&page),
        [
            "/dashboard/meetings/new",
            "/dashboard/instruments/new",
            "/dashboard/actions/new",
            "/dashboard/organisations",
            "/dashboard/bodies",
            "/dashboard/imports",
            "/dashboard/readings",
        ]
    );
    for path in offered_forms(&page) {
        let (status, _) = get(&app, &path, &secretariat).await;
        assert_eq!(status, 200, "{path} is a page the secretariat may use");
    }
    let (_, page) = get(&app, "/dashboard/record", &district).await;
    assert_eq!(offered_forms(&page), ["/dashboard/actions", "/dashboard/readings"]);
    let (_, overview) = get(&app, "/dashboard", &reader).await;
    assert!(!overview.contains("href=\"/dashboard/record\""), "a reader records nothing");
    let (status, _) = get(&app, "/dashboard/record", &reader).await;
    assert_eq!(status, 403);
    app.stop().await;
}

const HASH: &str = "5f2b8e1c0a4d7e9b3c6f1a2d4e8b0c7f9a1e3d5b7c9f0a2e4d6b8c1f3a5e7d9b";

const NEW_INSTRUMENT: &[(&str, &str)] = &[
    ("kind", "action_plan"),
    ("title", "HHCDG Delivery Plan 2024/25"),
    ("owner_body", "lincolnshire-hhcdg"),
    ("parties", "GB-LAE-LIN"),
    ("parties", "GB-LAE-WLI"),
    ("from-day", "1"),
    ("from-month", "4"),
    ("from-year", "2024"),
    ("to-day", "31"),
    ("to-month", "3"),
    ("to-year", "2025"),
    ("builds_on", "lincolnshire-homes-for-independence-blueprint"),
    ("objectives", "Specialist and supported housing supply\nAdaptations and independent living at home"),
    ("drafted_on-day", "1"),
    ("drafted_on-month", "3"),
    ("drafted_on-year", "2024"),
    ("label", "2024/25"),
    ("document", "HHCDG Delivery Plan 2024/25 (illustrative)"),
    ("content_hash", HASH),
    ("published_on-day", "8"),
    ("published_on-month", "3"),
    ("published_on-year", "2024"),
    ("source", "HHCDG delivery plan refresh (illustrative: not in the paper)"),
];

async fn a_secretariat_records_an_instrument_and_a_new_version_of_one(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let auditor = app.token(Role::Auditor, None).await;
    let head = app.head().await;

    let (_, offered) = get(&app, "/dashboard/record", &secretariat).await;
    assert!(offered.contains("href=\"/dashboard/instruments/new\""), "{offered}");
    let (status, form) = get(&app, "/dashboard/instruments/new", &secretariat).await;
    assert_eq!(status, 200);
    assert!(form.contains("<legend>Parties</legend>") && form.contains("value=\"GB-LAE-WLI\""), "{form}");
    let fields = hidden(&form, "/dashboard/instruments");
    let sent = post(&app, "/dashboard/instruments", &secretariat, &fields, NEW_INSTRUMENT).await;
    let key = "hhcdg-delivery-plan-2024-25";
    let page = format!("/dashboard/instruments/{key}");
    let shown = confirmed(&app, sent, &secretariat, &page).await;
    assert_eq!(app.head().await, head + 4, "drafted, its version and two objectives: one transaction");
    assert!(shown.contains("Adaptations and independent living at home"), "{shown}");
    assert!(shown.contains("data-party=\"GB-LAE-WLI\""), "{shown}");
    let stream = format!("instrument-{key}");
    assert!(occurred(&app, &auditor, &stream, "InstrumentDrafted").await.starts_with("2024-03-01"));
    assert!(
        occurred(&app, &auditor, &stream, "InstrumentObjectiveAdded").await.starts_with("2024-03-01"),
        "on the draft's date"
    );
    assert!(occurred(&app, &auditor, &stream, "InstrumentVersionPublished").await.starts_with("2024-03-08"));

    let to = format!("/dashboard/instruments/{key}/versions");
    assert!(shown.contains(&format!("href=\"{to}/new\"")), "{shown}");
    let (status, form) = get(&app, &format!("{to}/new"), &secretariat).await;
    assert_eq!(status, 200);
    let version = [
        ("label", "2024/25 revised"),
        ("document", "HHCDG Delivery Plan 2024/25, revised (illustrative)"),
        ("content_hash", &format!("sha256:{}", HASH.replace('5', "6"))),
        ("published_on-day", "1"),
        ("published_on-month", "10"),
        ("published_on-year", "2024"),
    ];
    let sent = post(&app, &to, &secretariat, &hidden(&form, &to), &version).await;
    let shown = confirmed(&app, sent, &secretariat, &page).await;
    assert!(shown.contains("2024/25 revised"), "{shown}");
    assert_eq!(app.head().await, head + 5);
    assert!(occurred(&app, &auditor, &stream, "InstrumentVersionPublished").await.starts_with("2024-10-01"));
    app.stop().await;
}

async fn instrument_forms_refuse_forgery_roles_and_mistakes_and_record_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let head = app.chain_head().await;

    let (_, form) = get(&app, "/dashboard/instruments/new", &secretariat).await;
    let fields = hidden(&form, "/dashboard/instruments");
    let to = format!("/dashboard/instruments/{PLAN}/versions");
    let (_, version_form) = get(&app, &format!("{to}/new"), &secretariat).await;
    let version_fields = hidden(&version_form, &to);
    let county_csrf = csrf_of(&app, &county).await;
    for (action, fields) in [("/dashboard/instruments", &fields), (to.as_str(), &version_fields)] {
        let refused = post(&app, action, &secretariat, &without(fields, "csrf"), NEW_INSTRUMENT).await;
        assert_eq!(refused.status(), 403, "without the anti-forgery value: {action}");
        let refused = post(&app, action, &secretariat, &with(fields, "csrf", &county_csrf), NEW_INSTRUMENT).await;
        assert_eq!(refused.status(), 403, "with another session's value: {action}");
        let refused = post(&app, action, &county, &with(fields, "csrf", &county_csrf), NEW_INSTRUMENT).await;
        assert_eq!(refused.status(), 403, "a contributor: {action}");
        assert!(refused.text().await.expect("a body").contains("may not record instrument commands"));
    }
    for page in ["/dashboard/instruments/new".to_owned(), format!("{to}/new")] {
        let (status, _) = get(&app, &page, &county).await;
        assert_eq!(status, 403, "{page}");
    }
    let (_, plan) = get(&app, &format!("/dashboard/instruments/{PLAN}"), &county).await;
    assert!(!plan.contains(&format!("href=\"{to}/new\"")), "not offered to a contributor");

    let mistakes = [
        ("title", "HHCDG Delivery Plan 2024/25"),
        ("from-day", "1"),
        ("from-month", "4"),
        ("from-year", "2024"),
        ("objectives", "Adaptations at home\nAdaptations at home"),
        ("drafted_on-day", "1"),
        ("drafted_on-month", "3"),
        ("drafted_on-year", "2024"),
        ("label", "2024/25"),
        ("content_hash", "not a hash"),
    ];
    let refused = post(&app, "/dashboard/instruments", &secretariat, &fields, &mistakes).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<title>Error: Record an instrument – Covenant</title>"), "{page}");
    for (field, message) in [
        ("kind", "Select the kind of instrument"),
        ("owner_body", "Choose the body that owns the instrument"),
        ("to-day", "Enter both the start and the end of the period, or neither"),
        ("published_on-day", "Enter the date the version was published"),
    ] {
        assert!(page.contains(&format!("<a href=\"#{field}\">{message}</a>")), "{field}: {page}");
    }
    assert!(page.contains("Two objectives begin with the same words"), "{page}");
    assert!(page.contains("<a href=\"#content_hash\">Content hash "), "{page}");
    assert!(page.contains("value=\"HHCDG Delivery Plan 2024/25\""), "kept: {page}");

    let refused = post(&app, &to, &secretariat, &version_fields, &[("label", "2022/23")]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<title>Error: New version of HHCDG Delivery Plan – Covenant</title>"), "{page}");
    assert!(page.contains("<a href=\"#content_hash\">Enter the SHA-256 of the document"), "{page}");
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

async fn a_secretariat_registers_organisations_establishes_a_body_and_records_a_succession(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let auditor = app.token(Role::Auditor, None).await;
    let head = app.head().await;
    let organisations = "/dashboard/organisations";

    let (_, offered) = get(&app, "/dashboard/record", &secretariat).await;
    assert!(offered.contains("href=\"/dashboard/organisations\""), "{offered}");
    let (status, page) = get(&app, organisations, &secretariat).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-organisation=\"GB-NHS-71E\""), "{page}");
    let registered = [
        ("name", "North Kesteven District Council"),
        ("id", "GB-LAE-NKE"),
        ("kind", "local_authority"),
        ("on_record_from-day", "1"),
        ("on_record_from-month", "4"),
        ("on_record_from-year", "2024"),
        ("source", "HHCDG membership (illustrative: not in the paper)"),
    ];
    let sent = post(&app, organisations, &secretariat, &hidden(&page, organisations), &registered).await;
    let page = confirmed(&app, sent, &secretariat, organisations).await;
    assert!(page.contains("data-organisation=\"GB-LAE-NKE\""), "{page}");
    assert!(
        occurred(&app, &auditor, "organisation-GB-LAE-NKE", "OrganisationRegistered").await.starts_with("2024-04-01")
    );

    let bodies = "/dashboard/bodies";
    let (_, page) = get(&app, bodies, &secretariat).await;
    let established = [
        ("name", "Lincolnshire Housing Partnership Forum"),
        ("kind", "forum"),
        ("parents", "GB-LAE-LIN"),
        ("members", "GB-LAE-LIN"),
        ("members", "GB-LAE-WLI"),
        ("established_on-day", "2"),
        ("established_on-month", "4"),
        ("established_on-year", "2024"),
        ("source", "Illustrative: not in the paper"),
    ];
    let sent = post(&app, bodies, &secretariat, &hidden(&page, bodies), &established).await;
    let page = confirmed(&app, sent, &secretariat, bodies).await;
    assert!(page.contains("data-body=\"lincolnshire-housing-partnership-forum\""), "{page}");
    let to = "/dashboard/bodies/members";
    let joined = [
        ("body", "lincolnshire-housing-partnership-forum"),
        ("organisation", "GB-LAE-NKE"),
        ("joined_on-day", "3"),
        ("joined_on-month", "4"),
        ("joined_on-year", "2024"),
    ];
    let sent = post(&app, to, &secretariat, &hidden(&page, to), &joined).await;
    let page = confirmed(&app, sent, &secretariat, bodies).await;
    assert!(page.contains("GB-LAE-LIN, GB-LAE-WLI, GB-LAE-NKE</td>"), "{page}");
    let stream = "body-lincolnshire-housing-partnership-forum";
    assert!(occurred(&app, &auditor, stream, "BodyMemberJoined").await.starts_with("2024-04-03"));

    let to = "/dashboard/organisations/successions";
    let (_, page) = get(&app, organisations, &secretariat).await;
    let succession = [
        ("predecessor", "GB-LAE-NKE"),
        ("successor", "GB-LAE-LIN"),
        ("effective_on-day", "1"),
        ("effective_on-month", "4"),
        ("effective_on-year", "2025"),
        ("source", "Illustrative: not in the paper"),
    ];
    let sent = post(&app, to, &secretariat, &hidden(&page, to), &succession).await;
    let page = confirmed(&app, sent, &secretariat, organisations).await;
    assert!(page.contains("GB-LAE-LIN, <time datetime=\"2025-04-01\">"), "{page}");
    assert!(
        occurred(&app, &auditor, "organisation-GB-LAE-NKE", "OrganisationSucceeded").await.starts_with("2025-04-01")
    );
    assert_eq!(app.head().await, head + 5, "the succession passes on the forum's membership in the same append");
    let (_, page) = get(&app, bodies, &secretariat).await;
    assert!(page.contains("GB-LAE-LIN, GB-LAE-WLI</td>"), "the one replaced sits on the forum no longer: {page}");
    app.stop().await;
}

async fn registry_forms_refuse_forgery_roles_and_mistakes_and_record_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let head = app.chain_head().await;
    let county_csrf = csrf_of(&app, &county).await;

    for (page, action) in [
        ("/dashboard/organisations", "/dashboard/organisations"),
        ("/dashboard/organisations", "/dashboard/organisations/successions"),
        ("/dashboard/bodies", "/dashboard/bodies"),
        ("/dashboard/bodies", "/dashboard/bodies/members"),
        ("/dashboard/bodies", "/dashboard/bodies/members/removals"),
    ] {
        let (_, shown) = get(&app, page, &secretariat).await;
        let fields = hidden(&shown, action);
        let refused = post(&app, action, &secretariat, &without(&fields, "csrf"), &[]).await;
        assert_eq!(refused.status(), 403, "without the anti-forgery value: {action}");
        let refused = post(&app, action, &secretariat, &with(&fields, "csrf", &county_csrf), &[]).await;
        assert_eq!(refused.status(), 403, "with another session's value: {action}");
        let refused = post(&app, action, &county, &with(&fields, "csrf", &county_csrf), &[]).await;
        assert_eq!(refused.status(), 403, "a contributor: {action}");
        let (status, _) = get(&app, page, &county).await;
        assert_eq!(status, 403, "{page}");
        let refused = post(&app, action, &secretariat, &fields, &[]).await;
        assert_eq!(refused.status(), 422, "nothing filled in: {action}");
        let shown = refused.text().await.expect("a body");
        assert!(shown.contains("<title>Error: ") && shown.contains("There is a problem"), "{action}: {shown}");
    }

    let (_, page) = get(&app, "/dashboard/organisations", &secretariat).await;
    let to = "/dashboard/organisations/successions";
    let itself = [
        ("predecessor", "GB-LAE-WLI"),
        ("successor", "GB-LAE-WLI"),
        ("effective_on-day", "1"),
        ("effective_on-month", "4"),
        ("effective_on-year", "2025"),
    ];
    let refused = post(&app, to, &secretariat, &hidden(&page, to), &itself).await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.expect("a body");
    assert!(
        shown.contains("<a href=\"#successor\">Choose a successor other than the organisation replaced</a>"),
        "{shown}"
    );
    let registered = [
        ("name", "West Lindsey District Council"),
        ("id", "GB-LAE-WLI"),
        ("kind", "local_authority"),
        ("on_record_from-day", "1"),
        ("on_record_from-month", "1"),
        ("on_record_from-year", "2018"),
    ];
    let refused =
        post(&app, "/dashboard/organisations", &secretariat, &hidden(&page, "/dashboard/organisations"), &registered)
            .await;
    assert_eq!(refused.status(), 409, "already on record: the conflict page");
    let (_, page) = get(&app, "/dashboard/bodies", &secretariat).await;
    let to = "/dashboard/bodies/members";
    let member = [
        ("body", "lincolnshire-health-and-wellbeing-board"),
        ("organisation", "GB-LAE-WLI"),
        ("joined_on-day", "1"),
        ("joined_on-month", "4"),
        ("joined_on-year", "2024"),
    ];
    let refused = post(&app, to, &secretariat, &hidden(&page, to), &member).await;
    assert_eq!(refused.status(), 422, "a member already: the rules' refusal");
    assert!(refused.text().await.expect("a body").contains("There is a problem"));
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

/// A succession and a membership change name their stream in the form, so carry the log's head
/// they were read at: one read before someone else recorded on the organisation or body chosen
/// gives the conflict page, while one read before a change elsewhere still records.
async fn a_succession_or_membership_form_read_before_a_change_gives_the_conflict_page(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let organisations = "/dashboard/organisations";
    let to = "/dashboard/organisations/successions";
    let (_, first) = get(&app, organisations, &secretariat).await;
    let (_, second) = get(&app, organisations, &secretariat).await;
    let succession = [
        ("predecessor", "GB-LAE-WLI"),
        ("successor", "GB-LAE-LIN"),
        ("effective_on-day", "1"),
        ("effective_on-month", "4"),
        ("effective_on-year", "2025"),
        ("source", "Illustrative: not in the paper"),
    ];
    let fields = hidden(&first, to);
    assert!(fields.iter().any(|(n, _)| n == "read_at"), "the form carries what it was read at: {fields:?}");
    let sent = post(&app, to, &secretariat, &fields, &succession).await;
    confirmed(&app, sent, &secretariat, organisations).await;
    let moved = app.chain_head().await;
    let refused = post(&app, to, &secretariat, &hidden(&second, to), &succession).await;
    assert_eq!(refused.status(), 409, "read before the succession was recorded");
    let conflict = refused.text().await.expect("a body");
    assert!(conflict.contains("Nothing was recorded") && conflict.contains("OrganisationSucceeded"), "{conflict}");
    assert_eq!(app.chain_head().await, moved, "nothing recorded");

    let bodies = "/dashboard/bodies";
    let (joining, leaving) = ("/dashboard/bodies/members", "/dashboard/bodies/members/removals");
    let forum = [
        ("name", "Lincolnshire Housing Partnership Forum"),
        ("kind", "forum"),
        ("parents", "GB-LAE-LIN"),
        ("established_on-day", "2"),
        ("established_on-month", "4"),
        ("established_on-year", "2024"),
        ("source", "Illustrative: not in the paper"),
    ];
    let (_, page) = get(&app, bodies, &secretariat).await;
    let sent = post(&app, bodies, &secretariat, &hidden(&page, bodies), &forum).await;
    confirmed(&app, sent, &secretariat, bodies).await;
    let (_, stale) = get(&app, bodies, &secretariat).await;
    let (_, elsewhere) = get(&app, bodies, &secretariat).await;
    let (_, fresh) = get(&app, bodies, &secretariat).await;
    let left = [
        ("body", BOARD),
        ("organisation", "GB-LAE-LIC"),
        ("left_on-day", "31"),
        ("left_on-month", "3"),
        ("left_on-year", "2025"),
        ("source", "Illustrative: not in the paper"),
    ];
    let sent = post(&app, leaving, &secretariat, &hidden(&fresh, leaving), &left).await;
    confirmed(&app, sent, &secretariat, bodies).await;
    let moved = app.chain_head().await;
    let joined = |body| {
        [
            ("body", body),
            ("organisation", "GB-LAE-LIC"),
            ("joined_on-day", "1"),
            ("joined_on-month", "4"),
            ("joined_on-year", "2025"),
        ]
    };
    let refused = post(&app, joining, &secretariat, &hidden(&stale, joining), &joined(BOARD)).await;
    assert_eq!(refused.status(), 409, "read before the board's members changed");
    assert!(refused.text().await.expect("a body").contains("BodyMemberLeft"));
    assert_eq!(app.chain_head().await, moved, "nothing recorded");
    let forum = "lincolnshire-housing-partnership-forum";
    let sent = post(&app, joining, &secretariat, &hidden(&elsewhere, joining), &joined(forum)).await;
    confirmed(&app, sent, &secretariat, bodies).await;
    assert_eq!(app.head().await, moved.position.0 + 1, "a form read before a change elsewhere records");
    app.stop().await;
}

const RESOLUTION: &str = "west-lindsey-pcc-2021-03-09-45";

async fn a_secretariat_corrects_a_resolution_with_its_reason(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let auditor = app.token(Role::Auditor, None).await;
    let head = app.head().await;

    let page = format!("/dashboard/resolutions/{RESOLUTION}");
    let (_, shown) = get(&app, &page, &secretariat).await;
    let form_page = format!("{page}/correction");
    assert!(shown.contains(&format!("href=\"{form_page}\"")), "{shown}");
    let (status, form) = get(&app, &form_page, &secretariat).await;
    assert_eq!(status, 200);
    let to = format!("{page}/corrections");
    let corrected = [
        (
            "text",
            "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint, as set out in the report.",
        ),
        ("reason", "Minutes confirmed at the next meeting with the wording amended (illustrative: not in the paper)"),
        ("corrected_on-day", "8"),
        ("corrected_on-month", "6"),
        ("corrected_on-year", "2021"),
        ("source", "Prosperous Communities Committee, 8 June 2021 (illustrative)"),
    ];
    let sent = post(&app, &to, &secretariat, &hidden(&form, &to), &corrected).await;
    let shown = confirmed(&app, sent, &secretariat, &page).await;
    assert!(shown.contains("as set out in the report.</blockquote>"), "the text as it stands: {shown}");
    assert!(shown.contains("Reason: Minutes confirmed at the next meeting"), "{shown}");
    assert!(shown.contains("Earlier wording: “RESOLVED that West Lindsey District Council adopt"), "{shown}");
    assert_eq!(app.head().await, head + 1);
    let stream = format!("resolution-{RESOLUTION}");
    assert!(occurred(&app, &auditor, &stream, "ResolutionCorrected").await.starts_with("2021-06-08"));
    app.stop().await;
}

async fn a_correction_without_a_reason_or_from_a_role_that_may_not_records_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let reader = app.session(Role::Reader, None).await;
    let district = app.session(Role::Contributor, Some("GB-LAE-WLI")).await;
    let head = app.chain_head().await;

    let page = format!("/dashboard/resolutions/{RESOLUTION}");
    let to = format!("{page}/corrections");
    let (_, form) = get(&app, &format!("{page}/correction"), &secretariat).await;
    let fields = hidden(&form, &to);
    let typed = [
        ("text", "RESOLVED that West Lindsey District Council adopt the Blueprint."),
        ("reason", "  "),
        ("corrected_on-day", "8"),
        ("corrected_on-month", "6"),
        ("corrected_on-year", ""),
    ];
    let refused = post(&app, &to, &secretariat, &fields, &typed).await;
    assert_eq!(refused.status(), 422);
    let shown = refused.text().await.expect("a body");
    assert!(shown.contains("<title>Error: Correct "), "{shown}");
    assert!(shown.contains("<a href=\"#reason\">Enter the reason for the correction</a>"), "{shown}");
    assert!(shown.contains("<a href=\"#corrected_on-year\">Date it was corrected must include a year</a>"), "{shown}");
    assert!(shown.contains("adopt the Blueprint.</textarea>"), "kept: {shown}");

    let refused = post(&app, &to, &secretariat, &without(&fields, "csrf"), &typed).await;
    assert_eq!(refused.status(), 403, "without the anti-forgery value");
    let other = csrf_of(&app, &reader).await;
    let refused = post(&app, &to, &secretariat, &with(&fields, "csrf", &other), &typed).await;
    assert_eq!(refused.status(), 403, "with another session's value");
    for token in [&reader, &district] {
        let refused = post(&app, &to, token, &with(&fields, "csrf", &csrf_of(&app, token).await), &typed).await;
        assert_eq!(refused.status(), 403, "a role that may not correct");
        let (status, _) = get(&app, &format!("{page}/correction"), token).await;
        assert_eq!(status, 403);
        let (_, shown) = get(&app, &page, token).await;
        assert!(!shown.contains("/correction\""), "not offered: {shown}");
    }
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

const UPLOAD: &str = "/dashboard/imports";
const PLAN_HEADER: &str = "instrument,objective,action_id,action,lead_organisation,lead_officer,due_date,weight,parent,status,percentage,narrative";
const PLAN_ROW: &str = "lincolnshire-hhcdg-delivery-plan,adaptations,hhcdg-dfg-policy-review,Review the shared Disabled Facilities Grant policy with the seven districts,GB-LAE-WLI,Housing Services Manager,2025-03-31,1,,amber,40,Draft review with district housing leads; two districts still to respond.";
const BAD_ROW: &str = "lincolnshire-hhcdg-delivery-plan,specialist-housing,hhcdg-extra-care-sites,Identify extra care housing sites with the districts,GB-LAE-LIN,Head of Housing Strategy,31/03/2025,1,,,,";
const GOOD_ROW: &str = "lincolnshire-hhcdg-delivery-plan,specialist-housing,hhcdg-extra-care-sites,Identify extra care housing sites with the districts,GB-LAE-LIN,Head of Housing Strategy,2025-03-31,1,,,,";

/// Posts `fields` and the file `csv` as a multipart form to the upload, in `session`.
async fn upload(app: &TestApp, session: &str, fields: &[(String, String)], csv: &str) -> Response {
    upload_file(app, session, fields, "hhcdg-delivery-plan-2024.csv", csv).await
}

/// Posts `fields` and the file `name` holding `text` as a multipart form to the upload.
async fn upload_file(app: &TestApp, session: &str, fields: &[(String, String)], name: &str, text: &str) -> Response {
    let boundary = "covenant-test-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{text}\r\n--{boundary}--\r\n"
    ));
    client()
        .post(app.url(UPLOAD))
        .header("cookie", session)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("post")
}

fn dated(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut fields = fields;
    fields.push(("kind".to_owned(), "action_plan".to_owned()));
    for (part, value) in [("day", "1"), ("month", "4"), ("year", "2024")] {
        fields.push((format!("on-{part}"), value.to_owned()));
    }
    fields
}

async fn an_uploaded_action_plan_with_a_bad_row_records_nothing_and_the_fixed_one_records_on_confirmation(
    db: &TestStore,
) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let head = app.chain_head().await;

    let (status, form) = get(&app, UPLOAD, &secretariat).await;
    assert_eq!(status, 200);
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    let fields = dated(hidden(&form, UPLOAD));
    let bad = format!("{PLAN_HEADER}\n{PLAN_ROW}\n{BAD_ROW}\n");
    let refused = upload(&app, &secretariat, &fields, &bad).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<title>Error: Upload a file to import – Covenant</title>"), "{page}");
    assert!(page.contains("<a href=\"#file\">The file has 1 problem, listed below: nothing was recorded."), "{page}");
    assert!(
        page.contains("<td class=\"num\">3</td><td>due_date</td><td>'31/03/2025' is not written as YYYY-MM-DD"),
        "the problem with its line: {page}"
    );
    assert_eq!(app.chain_head().await, head, "nothing recorded");

    let good = format!("{PLAN_HEADER}\n{PLAN_ROW}\n{GOOD_ROW}\n");
    let checked = upload(&app, &secretariat, &dated(hidden(&page, UPLOAD)), &good).await;
    assert_eq!(checked.status(), 200);
    let review = checked.text().await.expect("a body");
    assert!(
        review.contains("commitment-hhcdg-extra-care-sites") && review.contains("make, report progress"),
        "{review}"
    );
    assert_eq!(app.chain_head().await, head, "nothing recorded before it is confirmed");

    let confirm = format!("{UPLOAD}/confirm");
    let confirmed_post = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    let shown = confirmed(&app, confirmed_post, &secretariat, UPLOAD).await;
    assert!(shown.contains("id=\"recorded\""), "{shown}");
    assert_eq!(app.head().await, head.position.0 + 3, "two actions made and one progress report");
    let again = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    assert_eq!(again.status(), 303, "the same confirmation sent twice");
    assert_eq!(app.head().await, head.position.0 + 3, "records nothing more");
    app.stop().await;
}

const COMMITTEES: &str = include_str!("../../fixtures/imports/west-lindsey-committees.xml");
const TRUNCATED: &str = include_str!("../../fixtures/imports/west-lindsey-pcc-2021-03-09-truncated.xml");

/// Checks `text` as the file `name` of `kind` with `extra` fields; gives the answer.
async fn checked_upload(
    app: &TestApp,
    session: &str,
    kind: &str,
    extra: &[(&str, &str)],
    name: &str,
    text: &str,
) -> Response {
    let (_, form) = get(app, UPLOAD, session).await;
    let mut fields = with(&hidden(&form, UPLOAD), "kind", kind);
    fields.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    upload_file(app, session, &fields, name, text).await
}

async fn uploaded_moderngov_files_are_checked_by_their_import_and_recorded_on_confirmation(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let head = app.chain_head().await;
    let council = [("council", "GB-LAE-WLI"), ("on-day", "16"), ("on-month", "3"), ("on-year", "2021")];

    let file = "west-lindsey-pcc-2021-03-09-truncated.xml";
    let refused = checked_upload(&app, &secretariat, "moderngov", &council, file, TRUNCATED).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("a body");
    assert!(
        page.contains(
            "<td class=\"num\">33</td><td>agendaitemtitle</td><td>The file ends inside &lt;agendaitemtitle&gt;"
        ),
        "the import's own problem, with its line: {page}"
    );
    assert_eq!(app.chain_head().await, head, "nothing recorded");

    let file = "west-lindsey-committees.xml";
    let checked = checked_upload(&app, &secretariat, "moderngov_committees", &council, file, COMMITTEES).await;
    assert_eq!(checked.status(), 200);
    let review = checked.text().await.expect("a body");
    assert!(review.contains("<h1>Check the file before recording it</h1>") && review.contains("establish"), "{review}");
    let lines = review.matches("<td class=\"num\">").count();
    assert!(lines > 0, "the committees it would establish: {review}");
    assert_eq!(app.chain_head().await, head, "nothing recorded before it is confirmed");
    let confirm = format!("{UPLOAD}/confirm");
    let sent = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    confirmed(&app, sent, &secretariat, UPLOAD).await;
    assert_eq!(app.head().await, head.position.0 + lines as u64, "one body established for each line shown");
    let again = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    assert_eq!(again.status(), 303);
    assert_eq!(app.head().await, head.position.0 + lines as u64, "confirmed twice, recorded once");
    app.stop().await;
}

async fn uploaded_commands_are_checked_by_the_rules_and_recorded_all_or_nothing_on_confirmation(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let head = app.chain_head().await;
    let file = "hhcdg-milestones.jsonl";
    let add = format!(
        r#"{{"aggregate":"commitment","command":"add_milestone","id":"{ACTION}","milestone":"sites-shortlisted","title":"Extra care sites shortlisted with the districts","due_on":"2024-09-30"}}"#
    );
    let reach = format!(
        r#"{{"aggregate":"commitment","command":"reach_milestone","id":"{ACTION}","milestone":"sites-shortlisted","reached_on":"2024-09-20"}}"#
    );
    let early = format!(
        r#"{{"aggregate":"commitment","command":"reach_milestone","id":"{ACTION}","milestone":"no-such-milestone","reached_on":"2024-09-20"}}"#
    );

    let broken = format!("# HHCDG milestones (illustrative)\n{add}\n{{\"aggregate\": \"commitment\"\n");
    let refused = checked_upload(&app, &secretariat, "commands", &[], file, &broken).await;
    assert_eq!(refused.status(), 422, "a line that is not a command");
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<td class=\"num\">3</td>"), "the line: {page}");
    let wrong = format!("{add}\n{early}\n");
    let refused = checked_upload(&app, &secretariat, "commands", &[], file, &wrong).await;
    assert_eq!(refused.status(), 422, "a command the rules refuse");
    let page = refused.text().await.expect("a body");
    assert!(
        page.contains("<td class=\"num\">2</td>") && page.contains("no-such-milestone"),
        "the line and the rules' words: {page}"
    );
    assert_eq!(app.chain_head().await, head, "nothing recorded");

    let good = format!("{add}\n{reach}\n");
    let checked = checked_upload(&app, &secretariat, "commands", &[], file, &good).await;
    assert_eq!(checked.status(), 200);
    let review = checked.text().await.expect("a body");
    assert!(review.contains("add milestone") && review.contains("reach milestone"), "{review}");
    assert_eq!(app.chain_head().await, head, "nothing recorded before it is confirmed");
    let confirm = format!("{UPLOAD}/confirm");
    let sent = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    confirmed(&app, sent, &secretariat, UPLOAD).await;
    assert_eq!(app.head().await, head.position.0 + 2);
    let again = post(&app, &confirm, &secretariat, &hidden(&review, &confirm), &[]).await;
    assert_eq!(again.status(), 303, "{}", again.text().await.unwrap_or_default());
    assert_eq!(app.head().await, head.position.0 + 2, "confirmed twice, recorded once");
    app.stop().await;
}

async fn an_upload_refuses_forgery_and_roles_that_may_not_import(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.session(Role::Secretariat, None).await;
    let county = app.session(Role::Contributor, Some("GB-LAE-LIN")).await;
    let head = app.chain_head().await;
    let (_, form) = get(&app, UPLOAD, &secretariat).await;
    let fields = dated(hidden(&form, UPLOAD));
    let good = format!("{PLAN_HEADER}\n{PLAN_ROW}\n");
    let refused = upload(&app, &secretariat, &without(&fields, "csrf"), &good).await;
    assert_eq!(refused.status(), 403, "without the anti-forgery value");
    let county_csrf = csrf_of(&app, &county).await;
    let refused = upload(&app, &secretariat, &with(&fields, "csrf", &county_csrf), &good).await;
    assert_eq!(refused.status(), 403, "with another session's value");
    let refused = upload(&app, &county, &with(&fields, "csrf", &county_csrf), &good).await;
    assert_eq!(refused.status(), 403, "a contributor may not import");
    let (status, _) = get(&app, UPLOAD, &county).await;
    assert_eq!(status, 403);
    let moved = client()
        .get(app.url("/dashboard/imports/action-plan"))
        .header("cookie", &secretariat)
        .send()
        .await
        .expect("get");
    assert_eq!(
        (moved.status().as_u16(), location(&moved)),
        (308, UPLOAD.to_owned()),
        "the old address leads to the upload"
    );
    let refused = post(
        &app,
        &format!("{UPLOAD}/confirm"),
        &county,
        &with(&fields, "csrf", &county_csrf),
        &[("kind", "action_plan"), ("text", good.as_str()), ("on", "2024-04-01")],
    )
    .await;
    assert_eq!(refused.status(), 403, "a contributor may not confirm an import");
    let refused = upload(&app, &secretariat, &hidden(&form, UPLOAD), &good).await;
    assert_eq!(refused.status(), 422, "no kind of file");
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<a href=\"#kind\">Select what the file holds</a>"), "{page}");
    let fields = with(&hidden(&form, UPLOAD), "kind", "action_plan");
    let refused = upload(&app, &secretariat, &fields, "").await;
    assert_eq!(refused.status(), 422, "no file and no date");
    let page = refused.text().await.expect("a body");
    assert!(page.contains("<a href=\"#file\">Select the file to import</a>"), "{page}");
    assert!(page.contains("<a href=\"#on-day\">Enter the date the file stands at</a>"), "{page}");
    let fields = with(&hidden(&form, UPLOAD), "kind", "moderngov");
    let refused = upload(&app, &secretariat, &fields, COMMITTEES).await;
    assert_eq!(refused.status(), 422, "ModernGov without its council");
    let page = refused.text().await.expect("a body");
    assert!(
        page.contains("<a href=\"#council\">Choose the council whose ModernGov site the file comes from</a>"),
        "{page}"
    );
    assert_eq!(app.chain_head().await, head, "nothing recorded");
    app.stop().await;
}

on_both_backends!(
    a_secretariat_records_a_meeting_a_resolution_and_the_minutes,
    bad_input_shows_the_error_summary_and_keeps_what_was_typed,
    forged_posts_and_roles_that_may_not_are_refused,
    a_partner_lead_reports_progress_once_and_a_stale_form_records_nothing,
    a_secretariat_makes_an_action_and_its_lead_reaches_a_milestone_and_completes_it,
    action_forms_refuse_forgery_roles_and_mistakes_and_record_nothing,
    a_secretariat_records_an_instrument_and_a_new_version_of_one,
    instrument_forms_refuse_forgery_roles_and_mistakes_and_record_nothing,
    a_secretariat_registers_organisations_establishes_a_body_and_records_a_succession,
    registry_forms_refuse_forgery_roles_and_mistakes_and_record_nothing,
    a_succession_or_membership_form_read_before_a_change_gives_the_conflict_page,
    a_partner_lead_records_a_reading_of_its_organisations_indicator,
    milestone_and_reading_forms_refuse_forgery_roles_and_mistakes_and_record_nothing,
    the_record_page_lists_the_forms_each_role_may_use,
    a_secretariat_corrects_a_resolution_with_its_reason,
    a_correction_without_a_reason_or_from_a_role_that_may_not_records_nothing,
    an_uploaded_action_plan_with_a_bad_row_records_nothing_and_the_fixed_one_records_on_confirmation,
    an_upload_refuses_forgery_and_roles_that_may_not_import,
    uploaded_moderngov_files_are_checked_by_their_import_and_recorded_on_confirmation,
    uploaded_commands_are_checked_by_the_rules_and_recorded_all_or_nothing_on_confirmation,
);
