//! The board dashboard over HTTP: its pages answer a session cookie or the bearer header and send
//! everyone else to sign in, the cookie is set as it must be, "as of" changes what the pages
//! show, every value is escaped, a revoked or unknown token gets nothing, the sign-in and
//! sign-out forms refuse posts from other sites, and no page may be framed.

use app::Role;
use app::seeds;
use http_api::Settings;
use kernel::Timestamp;
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use serde_json::{Value, json};
use tests::{TestApp, TestStore, on_both_backends, spawn_app, spawn_app_with};

const BLUEPRINT: &str = "lincolnshire-homes-for-independence-blueprint";
const MINUTE_45: &str = "west-lindsey-pcc-2021-03-09-45";

/// A client that shows redirects instead of following them.
fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("a client")
}

fn pages() -> Vec<String> {
    vec![
        "/dashboard".to_owned(),
        format!("/dashboard/instruments/{BLUEPRINT}"),
        format!("/dashboard/resolutions/{MINUTE_45}"),
        "/dashboard?as_of=2021-01-01".to_owned(),
    ]
}

async fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> Response {
    client().get(app.url(path)).header("cookie", cookie).send().await.expect("get")
}

async fn html(response: Response) -> String {
    assert_eq!(response.status(), 200, "{}", response.url());
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let policy = response.headers()["content-security-policy"].to_str().expect("ascii");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'self'"), "{policy}");
    response.text().await.expect("a body")
}

/// The value of the hidden anti-forgery field of the form on `page`.
fn csrf_field(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form with an anti-forgery field") + marker.len();
    page[start..start + page[start..].find('"').expect("the value ends")].to_owned()
}

/// The sign-in form's anti-forgery cookie (`name=value`) and field value, from the form page.
async fn sign_in_form(app: &TestApp) -> (String, String) {
    let response = client().get(app.url("/dashboard/sign-in")).send().await.expect("get");
    let set = response.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    let cookie = set.split(';').next().expect("a pair").to_owned();
    (cookie, csrf_field(&html(response).await))
}

fn location(response: &Response) -> &str {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Signs in through the form, as a browser does from the form's page; gives the response and the
/// cookie it set, if any.
async fn sign_in(app: &TestApp, token: &str) -> (Response, Option<String>) {
    let (csrf_cookie, csrf) = sign_in_form(app).await;
    let form = [("token", token), ("csrf", csrf.as_str())];
    let response = client().post(app.url("/dashboard/sign-in")).header("cookie", csrf_cookie).form(&form).send();
    let response = response.await.expect("post");
    let cookie = response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (response, cookie)
}

/// The text of the cell `field` in the overview row of `instrument`.
fn cell(page: &str, instrument: &str, field: &str) -> String {
    let row = page.find(&format!("data-instrument=\"{instrument}\"")).unwrap_or_else(|| panic!("no row {instrument}"));
    let row = &page[row..];
    let row = &row[..row.find("</tr>").expect("the row ends")];
    let cell = &row[row.find(&format!("data-field=\"{field}\"")).unwrap_or_else(|| panic!("no {field}"))..];
    let text = &cell[cell.find('>').expect("a tag") + 1..];
    text[..text.find('<').expect("the cell ends")].trim().to_owned()
}

async fn pages_answer_a_cookie_or_the_bearer_header_and_send_others_to_sign_in(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let reader = app.token(Role::Reader, None).await;

    for path in pages().iter().chain(["/dashboard/audit".to_owned()].iter()) {
        let response = client().get(app.url(path)).send().await.expect("get");
        assert_eq!((response.status().as_u16(), location(&response)), (303, "/dashboard/sign-in"), "{path}");
    }
    let form = html(client().get(app.url("/dashboard/sign-in")).send().await.expect("get")).await;
    assert!(form.contains("<label for=\"token\">") && form.contains("method=\"post\""), "{form}");

    let (response, cookie) = sign_in(&app, &reader).await;
    assert_eq!((response.status().as_u16(), location(&response)), (303, "/dashboard"));
    let cookie = cookie.expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert_eq!(attributes[1..], ["HttpOnly", "SameSite=Strict", "Path=/"]);
    let session = attributes[0].to_owned();
    let id = session.strip_prefix("covenant_session=").expect("the session cookie");
    assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "a random session id: {id}");
    assert!(!session.contains(&reader), "the cookie holds a session id, never the token");

    for path in pages() {
        let by_cookie = html(with_cookie(&app, &path, &session).await).await;
        let by_bearer = html(client().get(app.url(&path)).bearer_auth(&reader).send().await.expect("get")).await;
        assert!(by_cookie.contains("<main") && by_bearer.contains("<main"), "{path}");
        assert!(!by_cookie.contains(&reader), "the token is never written into a page: {path}");
    }
    let audit = with_cookie(&app, "/dashboard/audit", &session).await;
    assert_eq!(audit.status(), 403, "a reader may not read the audit trail");
    assert!(audit.text().await.expect("body").contains("read the audit trail"));

    let csrf = csrf_field(&html(with_cookie(&app, "/dashboard", &session).await).await);
    let signed_out =
        client().post(app.url("/dashboard/sign-out")).header("cookie", &session).form(&[("csrf", csrf)]).send().await;
    let signed_out = signed_out.expect("post");
    assert_eq!((signed_out.status().as_u16(), location(&signed_out)), (303, "/dashboard/sign-in"));
    let cleared = signed_out.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cleared.starts_with("covenant_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    let replayed = with_cookie(&app, "/dashboard", &session).await;
    assert_eq!(
        (replayed.status().as_u16(), location(&replayed)),
        (303, "/dashboard/sign-in"),
        "a cookie kept after signing out no longer opens the session: it ended on the server"
    );
    app.stop().await;
}

async fn a_bad_or_revoked_token_cannot_see_anything(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;

    let (refused, cookie) = sign_in(&app, "cov_0000000000000000_not-a-secret").await;
    assert_eq!(refused.status(), 401);
    assert_eq!(cookie, None, "no cookie for a token Covenant did not issue");
    assert!(refused.text().await.expect("body").contains("The token was not accepted"));
    let forged = with_cookie(&app, "/dashboard", "covenant_session=cov_0000000000000000_not-a-secret").await;
    assert_eq!((forged.status().as_u16(), location(&forged)), (303, "/dashboard/sign-in"));
    assert!(forged.headers()["set-cookie"].to_str().expect("ascii").contains("Max-Age=0"), "the stale cookie goes");
    let bearer = client().get(app.url("/dashboard")).bearer_auth("cov_0000000000000000_x").send().await;
    assert_eq!(bearer.expect("get").status(), 303);

    let reader = app.token(Role::Reader, None).await;
    let (_, cookie) = sign_in(&app, &reader).await;
    let session = cookie.expect("a cookie").split(';').next().expect("a pair").to_owned();
    assert_eq!(with_cookie(&app, "/dashboard", &session).await.status(), 200);
    let id = reader.split('_').nth(1).expect("an id");
    app::revoke_token(app.stores.tokens.as_ref(), id, Timestamp::now()).await.expect("revoked");
    let revoked = with_cookie(&app, "/dashboard", &session).await;
    assert_eq!((revoked.status().as_u16(), location(&revoked)), (303, "/dashboard/sign-in"), "revocation is at once");
    app.stop().await;
}

async fn cross_site_posts_to_sign_in_and_sign_out_are_refused(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let post = |path: &str, cookie: &str, form: &[(&str, &str)]| {
        client().post(app.url(path)).header("cookie", cookie.to_owned()).form(form).send()
    };
    // Another site's page posts its own token to the sign-in form: no anti-forgery cookie, or
    // one that does not match, since it cannot read the victim's.
    let (csrf_cookie, csrf) = sign_in_form(&app).await;
    for (cookie, field) in [("", ""), ("", csrf.as_str()), (csrf_cookie.as_str(), ""), (csrf_cookie.as_str(), "0123")] {
        let forged = post("/dashboard/sign-in", cookie, &[("token", &reader), ("csrf", field)]).await.expect("post");
        assert_eq!(forged.status(), 403, "cookie {cookie:?}, field {field:?}");
        let set: Vec<String> =
            forged.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect();
        assert!(set.iter().all(|c| !c.starts_with("covenant_session")), "no session: {set:?}");
        assert!(forged.text().await.expect("body").contains("not sent from this service's own page"));
    }
    let (_, cookie) = sign_in(&app, &reader).await;
    let session = cookie.expect("a session cookie").split(';').next().expect("a pair").to_owned();
    for field in ["", "0123"] {
        let forged = post("/dashboard/sign-out", &session, &[("csrf", field)]).await.expect("post");
        assert_eq!(forged.status(), 403, "sign-out with field {field:?}");
        assert!(forged.headers().get("set-cookie").is_none(), "the session stays");
    }
    assert_eq!(with_cookie(&app, "/dashboard", &session).await.status(), 200, "still signed in");
    app.stop().await;

    let secure = spawn_app_with(db, Settings { secure_cookies: true, ..Settings::default() }).await;
    let reader = secure.token(Role::Reader, None).await;
    let (_, cookie) = sign_in(&secure, &reader).await;
    assert!(cookie.expect("a session cookie").ends_with("; Secure"), "Secure behind HTTPS");
    secure.stop().await;
}

async fn the_pages_show_what_the_reports_say_now_and_as_of_a_past_date(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let auditor = app.token(Role::Auditor, None).await;
    let get = |path: String| {
        let request = client().get(app.url(&path)).bearer_auth(&auditor);
        async move { request.send().await.expect("get") }
    };

    for as_of in ["", "?as_of=2021-01-01"] {
        let board: Value = get(format!("/api/v1/status{as_of}")).await.json().await.expect("json");
        let overview = html(get(format!("/dashboard{as_of}")).await).await;
        let instruments = board["instruments"].as_array().expect("instruments");
        assert!(overview.contains(&format!("{} instruments", instruments.len())), "{as_of}");
        for i in instruments {
            let key = i["instrument"].as_str().expect("a key");
            let overdue = i["overdue"].as_array().expect("overdue").len();
            assert_eq!(cell(&overview, key, "overdue"), overdue.to_string(), "{key} {as_of}");
            let days = i["days_since_update"].as_i64().map_or_else(|| "–".to_owned(), |d| d.to_string());
            assert_eq!(cell(&overview, key, "days"), days, "{key} {as_of}");
            let state = i["state"].as_str().expect("a state").replace('_', " ");
            assert_eq!(cell(&overview, key, "state"), state, "{key} {as_of}");
        }
    }
    let now = html(get("/dashboard".to_owned()).await).await;
    let then = html(get("/dashboard?as_of=2021-01-01".to_owned()).await).await;
    assert_ne!(cell(&now, BLUEPRINT, "state"), cell(&then, BLUEPRINT, "state"), "the blueprint moved on since");
    assert!(then.contains("as it stood on <strong>2021-01-01</strong>"));

    let blueprint = html(get(format!("/dashboard/instruments/{BLUEPRINT}")).await).await;
    let party = |page: &str| {
        let row = &page[page.find("data-party=\"GB-LAE-WLI\"").expect("West Lindsey is a party")..];
        row[..row.find("</tr>").expect("the row ends")].to_owned()
    };
    assert!(party(&blueprint).contains("Adopted") && party(&blueprint).contains(MINUTE_45), "{}", party(&blueprint));
    // Resolutions and instruments are named as the papers name them; keys stay in the links.
    assert!(party(&blueprint).contains(">Prosperous Communities Committee, minute 45</a>"), "{}", party(&blueprint));
    assert!(blueprint.contains("Lincolnshire Housing, Health and Care Memorandum of Understanding"), "builds on");
    let before = html(get(format!("/dashboard/instruments/{BLUEPRINT}?as_of=2021-03-01")).await).await;
    assert!(party(&before).contains("Pending"), "minute 45 was on 9 March 2021: {}", party(&before));

    let minute = html(get(format!("/dashboard/resolutions/{MINUTE_45}")).await).await;
    assert!(minute.contains("RESOLVED that West Lindsey District Council adopt"), "the text is shown");
    assert!(minute.contains(&format!("/dashboard/instruments/{BLUEPRINT}")), "its trail leads to the blueprint");
    // Its standing in the words `covenant report resolutions` uses.
    assert!(minute.contains(r#"<dd data-field="standing">in force</dd>"#), "{minute}");
    let unknown = get("/dashboard/resolutions/no-such-resolution".to_owned()).await;
    assert_eq!(unknown.status(), 404);
    let unreadable = get("/dashboard?as_of=yesterday".to_owned()).await;
    assert_eq!(unreadable.status(), 400);

    let audit = html(get(format!("/dashboard/audit?stream=resolution-{MINUTE_45}")).await).await;
    let verified: Value = get("/api/v1/verify".to_owned()).await.json().await.expect("json");
    assert_eq!(verified["verified"], true);
    assert!(audit.contains(&format!("Verified: the hash chain of all {} events holds", verified["checked"])));
    let trail: Value = get(format!("/api/v1/audit?stream=resolution-{MINUTE_45}")).await.json().await.expect("json");
    assert!(audit.contains(&format!("{} events of", trail["page"]["total"])), "the page lists the entity's events");
    app.stop().await;
}

async fn values_are_escaped(db: &TestStore) {
    let app = spawn_app(db).await;
    let secretariat = app.token(Role::Secretariat, None).await;
    let name = "<script>alert(\"pwned\")</script> Parish Council";
    let register = json!({"command": "register", "id": "GB-CHC-1000001", "name": name, "kind": "voluntary_community"});
    let response = app.post("/api/v1/organisations", &secretariat, &register).send().await.expect("post");
    assert_eq!(response.status(), 201, "{}", response.text().await.expect("body"));
    let page = html(client().get(app.url("/dashboard")).bearer_auth(&secretariat).send().await.expect("get")).await;
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; Parish Council"), "{page}");
    app.stop().await;
}

/// The page at `path` as the holder of `token` sees it, whatever its status.
async fn page_as(app: &TestApp, path: &str, token: &str) -> (u16, String) {
    let response = client().get(app.url(path)).bearer_auth(token).send().await.expect("get");
    (response.status().as_u16(), response.text().await.expect("a body"))
}

/// The navigation in the header of `page`.
fn navigation(page: &str) -> &str {
    let start = page.find("<nav aria-label=\"Dashboard\">").unwrap_or_else(|| panic!("no navigation: {page}"));
    let nav = &page[start..];
    &nav[..nav.find("</nav>").expect("the navigation ends")]
}

async fn the_pages_read_as_english_fit_a_phone_and_keep_their_navigation(db: &TestStore) {
    let app = spawn_app(db).await;
    let reader = app.token(Role::Reader, None).await;
    let auditor = app.token(Role::Auditor, None).await;

    let (_, empty) = page_as(&app, "/dashboard", &reader).await;
    assert!(empty.contains("No instrument is on record yet."), "{empty}");
    assert!(!empty.contains("No instrument matches these filters."), "no filter is set: {empty}");

    let register = json!({"command": "register", "id": "GB-LAE-NKE", "name": "North Kesteven District Council", "kind": "local_authority"});
    let secretariat = app.token(Role::Secretariat, None).await;
    let response = app.post("/api/v1/organisations", &secretariat, &register).send().await.expect("post");
    assert_eq!(response.status(), 201);
    let (_, one) = page_as(&app, "/dashboard/audit", &auditor).await;
    assert!(one.contains("Verified: the hash chain of its 1 event holds"), "{one}");
    assert!(one.contains("1 event, in log order"), "{one}");
    assert!(!one.contains("1 events"), "{one}");

    for story in seeds::stories() {
        app.load(&story).await;
    }
    let (_, overview) = page_as(&app, "/dashboard", &reader).await;
    assert!(!overview.contains("No instrument"), "{overview}");
    assert!(
        overview.contains(
            "<div class=\"scroll\" role=\"region\" aria-label=\"Instruments\" tabindex=\"0\"><table id=\"instruments\">"
        ),
        "the table scrolls in its own box on a narrow screen: {overview}"
    );
    assert!(overview.contains("time, td.date, span.date { white-space: nowrap; }"), "dates never wrap");
    let (_, filtered) = page_as(&app, "/dashboard?theme=no-such-theme", &reader).await;
    assert!(filtered.contains("No instrument matches these filters."), "{filtered}");
    let (_, blueprint) = page_as(&app, &format!("/dashboard/instruments/{BLUEPRINT}"), &reader).await;
    assert!(!blueprint.contains("across 0 counted commitments"), "{blueprint}");
    assert!(
        blueprint.contains(
            "drafted for Housing, Health and Care Delivery Group (HHCDG) on <span class=\"date\">2020-11-20</span>"
        ),
        "a day inside the timeline's text is kept whole: {blueprint}"
    );
    assert!(blueprint.contains("no commitment counted towards it yet"), "{blueprint}");
    assert!(
        blueprint.contains("across 1 counted commitment<") || blueprint.contains("across 1 counted commitment "),
        "{blueprint}"
    );

    assert!(!navigation(&overview).contains("/dashboard/audit"), "a reader is not shown the audit trail");
    let (_, as_auditor) = page_as(&app, "/dashboard", &auditor).await;
    assert!(navigation(&as_auditor).contains("href=\"/dashboard/audit\""), "{as_auditor}");
    let (status, missing) = page_as(&app, "/dashboard/instruments/no-such-instrument", &reader).await;
    assert_eq!(status, 404, "{missing}");
    assert!(navigation(&missing).contains("href=\"/dashboard\""), "an error page keeps the navigation: {missing}");
    let (status, refused) = page_as(&app, "/dashboard/audit", &reader).await;
    assert_eq!(status, 403);
    assert!(!navigation(&refused).contains("/dashboard/audit"), "{refused}");

    let events = app.head().await;
    assert!(events > 200, "the stories fill more than two pages: {events}");
    let pages = events.div_ceil(100);
    let (_, latest) = page_as(&app, "/dashboard/audit", &auditor).await;
    let last =
        format!("Events {} to {events} of {events}, 100 a page: page {pages} of {pages}.", (pages - 1) * 100 + 1);
    assert!(latest.contains(&last), "the latest events first: {latest}");
    assert!(
        latest.contains(&format!("href=\"/dashboard/audit?page={}\" rel=\"prev\">Earlier events", pages - 1)),
        "{latest}"
    );
    assert!(!latest.contains("Later events"), "{latest}");
    let (_, first) = page_as(&app, "/dashboard/audit?page=1&as_of=2030-01-01", &auditor).await;
    assert!(first.contains(&format!("Events 1 to 100 of {events}, 100 a page: page 1 of {pages}.")), "{first}");
    assert!(
        first.contains("href=\"/dashboard/audit?page=2&amp;as_of=2030-01-01\" rel=\"next\">Later events"),
        "{first}"
    );
    assert_eq!(first.matches("<tr><td class=\"num\">").count(), 100, "one page of rows");
    let (status, bad) = page_as(&app, "/dashboard/audit?page=none", &auditor).await;
    assert_eq!(status, 400);
    assert!(
        bad.contains("&#39;none&#39; is not a page number: give a whole number from 1")
            || bad.contains("'none' is not a page number"),
        "{bad}"
    );
    app.stop().await;
}

async fn an_administrator_sees_who_signed_in_and_ends_a_session_at_once(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let mapping = app::RoleMapping {
        rules: vec![
            app::RoleRule::new(Role::Secretariat, None, None, None, Some("hwb-secretariat".to_owned()), None)
                .expect("a rule"),
        ],
        contact: "governance@lincolnshire.gov.uk".to_owned(),
    };
    app.service.sign_in_with(app::OpenIdSignIn::new(vec![], mapping, None).expect("sign-in"));
    let admin = app.session(Role::Admin, None).await;
    let reader = app.session(Role::Reader, None).await;
    assert_eq!(with_cookie(&app, "/dashboard", &reader).await.status(), 200);

    let refused = with_cookie(&app, "/dashboard/sign-ins", &reader).await;
    assert_eq!(refused.status(), 403, "only administrators see who signed in");
    let overview = html(with_cookie(&app, "/dashboard", &reader).await).await;
    assert!(!overview.contains("/dashboard/sign-ins"), "nor is it offered to others");

    let page = html(with_cookie(&app, "/dashboard/sign-ins", &admin).await).await;
    assert!(page.contains("reader@test") && page.contains("admin@test"), "who: {page}");
    assert!(page.contains("in group hwb-secretariat") && page.contains("ask governance@lincolnshire.gov.uk"), "{page}");
    let rows = page.matches("<tr data-session=").count();
    assert_eq!(rows, 2, "one row a session");
    let sessions = app.stores.sessions.recent_sessions(10).await.expect("sessions");
    let handle = sessions.iter().find(|s| s.name == "reader@test").expect("the reader's").id_hash.to_hex();
    let csrf = csrf_field(&page);

    let forged = client()
        .post(app.url("/dashboard/sign-ins/end"))
        .header("cookie", &admin)
        .form(&[("csrf", "0".repeat(64)), ("session", handle.clone())])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403, "a post from another site ends nothing");
    let by_reader = client()
        .post(app.url("/dashboard/sign-ins/end"))
        .header("cookie", &reader)
        .form(&[("csrf", csrf.clone()), ("session", handle.clone())])
        .send()
        .await
        .expect("post");
    assert_eq!(by_reader.status(), 403, "a reader may not end sessions");
    assert_eq!(with_cookie(&app, "/dashboard", &reader).await.status(), 200, "still signed in");

    let ended = client()
        .post(app.url("/dashboard/sign-ins/end"))
        .header("cookie", &admin)
        .form(&[("csrf", csrf.clone()), ("session", handle.clone())])
        .send()
        .await
        .expect("post");
    assert_eq!((ended.status().as_u16(), location(&ended)), (303, "/dashboard/sign-ins?ended=1"));
    let after = with_cookie(&app, "/dashboard", &reader).await;
    assert_eq!((after.status().as_u16(), location(&after)), (303, "/dashboard/sign-in"), "ended at once");
    let page = html(with_cookie(&app, "/dashboard/sign-ins?ended=1", &admin).await).await;
    assert!(page.contains("Session ended") && page.contains("ended"), "{page}");
    let again = client()
        .post(app.url("/dashboard/sign-ins/end"))
        .header("cookie", &admin)
        .form(&[("csrf", csrf), ("session", handle)])
        .send()
        .await
        .expect("post");
    assert_eq!(again.status(), 404, "a session ends once");
    app.stop().await;
}

async fn the_demo_opens_as_of_its_latest_event_and_says_why_it_is_red(db: &TestStore) {
    let stores = db.stores().await;
    for story in seeds::stories() {
        app::load_story(&app::Recorder::new(stores.events.clone()), &story, Timestamp::now()).await.expect("a story");
    }
    let day = app::views::latest_day(&stores).await.expect("the log reads").expect("the demo holds events");
    let today = Timestamp::now().as_datetime().date_naive();
    assert!(day < today, "the papers' stories are in the past: {day}");

    let app = tests::spawn_app_on(stores, Settings { demo_day: Some(day), ..Settings::default() }).await;
    let reader = app.token(Role::Reader, None).await;
    let (response, _) = sign_in(&app, &reader).await;
    let opening = format!("/dashboard?as_of={day}");
    assert_eq!((response.status().as_u16(), location(&response)), (303, opening.as_str()));
    let (_, overview) = page_as(&app, &opening, &reader).await;
    assert!(overview.contains(&format!("Showing the record as it stood on <strong>{day}</strong>")), "{overview}");
    assert!(
        overview.contains("This is the demo: the stories of the seed papers, whose latest event happened on"),
        "{overview}"
    );
    assert!(overview.contains("<a href=\"/dashboard\">see the record as it stands today</a>"), "{overview}");
    let (_, now) = page_as(&app, "/dashboard", &reader).await;
    assert!(now.contains("This is the demo"), "today's overview says why it is red too");
    app.stop().await;

    let plain = spawn_app(db).await;
    let (_, overview) = page_as(&plain, "/dashboard", &reader).await;
    assert!(!overview.contains("This is the demo"), "{overview}");
    plain.stop().await;
}

/// The "as of" picker is day, month and year fields whatever the browser's locale: the three
/// fields lead to the page with `as_of` (which links keep), and an impossible date is answered
/// with the GOV.UK message and what was typed kept.
async fn the_as_of_picker_takes_day_month_and_year_and_says_what_is_wrong(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let auditor = app.token(Role::Auditor, None).await;

    let (status, page) = page_as(&app, "/dashboard?as_of=2021-03-09", &auditor).await;
    assert_eq!(status, 200);
    assert!(!page.contains("type=\"date\""), "no browser date input, which follows the browser's locale");
    for (part, value) in [("day", "9"), ("month", "3"), ("year", "2021")] {
        assert!(page.contains(&format!("name=\"as_of-{part}\" value=\"{value}\"")), "{part}: {page}");
    }
    let picked = client()
        .get(app.url("/dashboard/audit?stream=x&as_of-day=1&as_of-month=3&as_of-year=2021"))
        .bearer_auth(&auditor)
        .send()
        .await
        .expect("get");
    assert_eq!(picked.status(), 303);
    assert_eq!(picked.headers()["location"], "/dashboard/audit?stream=x&as_of=2021-03-01", "the page's own parameter");
    let today = client().get(app.url("/public?as_of-day=&as_of-month=&as_of-year=")).send().await.expect("get");
    assert_eq!((today.status().as_u16(), today.headers()["location"].to_str().ok()), (303, Some("/public")));

    let (status, wrong) = page_as(&app, "/dashboard?body=b&as_of-day=31&as_of-month=2&as_of-year=2021", &auditor).await;
    assert_eq!(status, 400);
    assert!(wrong.contains("<title>Error: Choose the date to show – Covenant</title>"), "{wrong}");
    assert!(wrong.contains("<a href=\"#as_of-day\">Date to show the record as of must be a real date</a>"), "{wrong}");
    assert!(wrong.contains("name=\"as_of-day\" value=\"31\""), "what was typed is kept: {wrong}");
    assert!(
        wrong.contains("<input type=\"hidden\" name=\"body\" value=\"b\">"),
        "the page's filters are kept: {wrong}"
    );
    let (status, wrong) = page_as(&app, "/public?as_of-day=1&as_of-month=3&as_of-year=21", &auditor).await;
    assert_eq!(status, 400);
    assert!(wrong.contains("Year must include 4 numbers"), "{wrong}");
    app.stop().await;
}

on_both_backends!(
    the_demo_opens_as_of_its_latest_event_and_says_why_it_is_red,
    the_pages_read_as_english_fit_a_phone_and_keep_their_navigation,
    an_administrator_sees_who_signed_in_and_ends_a_session_at_once,
    pages_answer_a_cookie_or_the_bearer_header_and_send_others_to_sign_in,
    a_bad_or_revoked_token_cannot_see_anything,
    cross_site_posts_to_sign_in_and_sign_out_are_refused,
    the_pages_show_what_the_reports_say_now_and_as_of_a_past_date,
    values_are_escaped,
    the_as_of_picker_takes_day_month_and_year_and_says_what_is_wrong,
);
