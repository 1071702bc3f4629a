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
    let (_, page) = get(&app, "/dashboard", &secretariat).await;
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

on_both_backends!(
    a_secretariat_records_a_meeting_a_resolution_and_the_minutes,
    bad_input_shows_the_error_summary_and_keeps_what_was_typed,
    forged_posts_and_roles_that_may_not_are_refused,
    a_partner_lead_reports_progress_once_and_a_stale_form_records_nothing,
);
