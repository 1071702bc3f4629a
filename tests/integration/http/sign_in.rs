//! Signing in with an OpenID provider, against a mock provider on loopback
//! (`tests::oidc::MockProvider`): a person whose groups give them a role signs in, records a
//! meeting through the forms and is named as its actor, and signs out (offered to sign out at the
//! provider too, by the end-session endpoint its discovery names); and every hostile
//! callback (a wrong `state`, a callback from another browser, a replayed code, an ID token for
//! another audience, expired, signed by a key the provider does not publish, from an issuer not
//! configured, or with another nonce) is refused with no session begun, counted in the
//! database, as is a person whose only claim to a role is an email the provider has not verified
//! (counted likewise), or whose groups the provider left out for being too many (Entra ID's
//! group overage). A sign-in begun at one process of the service finishes at another on the
//! same database, once, and not after ten minutes; the service prunes those never finished. The people are illustrative; the board, meeting and domains are the seed papers'.

use app::seeds;
use app::{OpenIdSignIn, Provider, Role, RoleMapping, RoleRule};
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use tests::oidc::{CLIENT_ID, Issue, MockProvider, Person};
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

const PROVIDER: &str = "Lincolnshire County Council";

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("a client")
}

/// The illustrative clerk to the Health and Wellbeing Board, in the secretariat's group.
fn clerk() -> Person {
    Person {
        subject: "3f2a9c".to_owned(),
        name: "Hwb Clerk (illustrative)".to_owned(),
        email: "hwb.clerk@lincolnshire.gov.uk".to_owned(),
        groups: vec!["hwb-secretariat".to_owned()],
    }
}

/// An app whose dashboard offers sign-in with the mock provider, giving the secretariat role to
/// its group `hwb-secretariat` and the reader role to anyone at `lincolnshire.gov.uk`.
async fn app_with_provider(db: &TestStore) -> (TestApp, MockProvider) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let mock = MockProvider::start().await;
    offer_provider(&app, &mock, &app.url(""));
    (app, mock)
}

/// Lets `app` sign people in with `mock`, sending them back to `public_url`.
fn offer_provider(app: &TestApp, mock: &MockProvider, public_url: &str) {
    app.service.sign_in_with(open_id(mock, public_url));
}

/// Sign-in with `mock` for a service reached at `public_url`, as `app_with_provider` describes.
fn open_id(mock: &MockProvider, public_url: &str) -> OpenIdSignIn {
    let provider = Provider {
        id: "lincolnshire".to_owned(),
        name: PROVIDER.to_owned(),
        issuer: mock.issuer().to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: None,
    };
    let rule = RoleRule::new(Role::Secretariat, None, None, None, Some("hwb-secretariat".to_owned()), None);
    let domain = RoleRule::new(Role::Reader, None, None, Some("lincolnshire.gov.uk".to_owned()), None, None);
    let mapping = RoleMapping {
        rules: vec![rule.expect("a rule"), domain.expect("a rule")],
        contact: "the governance team at Lincolnshire County Council".to_owned(),
    };
    OpenIdSignIn::new(vec![provider], mapping, Some(public_url)).expect("sign-in")
}

async fn sessions(app: &TestApp) -> usize {
    app.stores.sessions.recent_sessions(1_000).await.expect("sessions").len()
}

fn set_cookies(response: &Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect()
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("a pair").to_owned()
}

/// Begins a sign-in as a browser does: the authorize URL it is sent to and the state cookie.
async fn begin(app: &TestApp) -> (String, String) {
    let response = client().get(app.url("/dashboard/sign-in/with/lincolnshire")).send().await.expect("get");
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().expect("ascii").to_owned();
    let cookies = set_cookies(&response);
    let state = cookies.iter().find(|c| c.starts_with("covenant_oidc=")).expect("the state cookie");
    assert!(state.contains("SameSite=Lax") && state.contains("HttpOnly"), "{state}");
    (location, pair(state))
}

async fn callback(app: &TestApp, code: &str, state: &str, cookie: Option<&str>) -> Response {
    let mut request = client().get(app.url("/dashboard/sign-in/callback")).query(&[("code", code), ("state", state)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("the callback")
}

/// Asserts `response` refused the sign-in with `why` in its page and set no session cookie.
async fn refused(response: Response, why: &str) {
    assert_eq!(response.status(), 403, "{why}");
    assert!(set_cookies(&response).iter().all(|c| !c.starts_with("covenant_session=")), "no session cookie: {why}");
    let page = response.text().await.expect("a page");
    assert!(page.contains(why), "{why}: {page}");
}

/// The hidden fields of the form on `page` that posts to `action`.
fn hidden(page: &str, action: &str) -> Vec<(String, String)> {
    TestApp::hidden_fields(page, action)
}

async fn a_person_signs_in_records_a_meeting_as_themselves_and_signs_out(db: &TestStore) {
    let (app, mock) = app_with_provider(db).await;
    let form = client().get(app.url("/dashboard/sign-in")).send().await.expect("get").text().await.expect("page");
    assert!(form.contains(&format!("Sign in with {PROVIDER}")) && form.contains("id=\"token\""), "{form}");

    let (authorize, state_cookie) = begin(&app).await;
    assert!(authorize.starts_with(&format!("{}/authorize?", mock.issuer())), "{authorize}");
    let (code, state) = mock.authorize(&authorize, &clerk(), Issue::Good);
    assert_eq!(state_cookie, format!("covenant_oidc={state}"));
    let before = sessions(&app).await;
    let signed_in = callback(&app, &code, &state, Some(&state_cookie)).await;
    assert_eq!(signed_in.status(), 200);
    let session = pair(set_cookies(&signed_in).iter().find(|c| c.starts_with("covenant_session=")).expect("a session"));
    let page = signed_in.text().await.expect("a page");
    assert!(page.contains("http-equiv=\"refresh\" content=\"0;url=/dashboard\""), "{page}");
    assert!(page.contains("Hwb Clerk (illustrative)") && page.contains("secretariat"), "{page}");
    assert_eq!(sessions(&app).await, before + 1);

    let replayed = callback(&app, &code, &state, Some(&state_cookie)).await;
    refused(replayed, "was already finished").await;
    assert_eq!(sessions(&app).await, before + 1, "a replayed code begins no session");

    let new = client().get(app.url("/dashboard/meetings/new")).header("cookie", &session).send().await.expect("get");
    assert_eq!(new.status(), 200);
    let mut fields = hidden(&new.text().await.expect("a page"), "/dashboard/meetings");
    let meeting = [
        ("body", "lincolnshire-health-and-wellbeing-board"),
        ("date-day", "5"),
        ("date-month", "3"),
        ("date-year", "2024"),
        ("title", "Health and Wellbeing Board, 5 March 2024"),
        ("agenda", "12. HHCDG delivery plan"),
        ("source", "https://example.org/hwb/2024-03-05/agenda"),
    ];
    fields.extend(meeting.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    let head = app.head().await;
    let recorded = client().post(app.url("/dashboard/meetings")).header("cookie", &session).form(&fields).send().await;
    assert_eq!(recorded.expect("post").status(), 303, "recorded");
    let events = app.stores.events.read_all(kernel::Position(head), 100).await.expect("events");
    assert!(!events.is_empty());
    let actor = "Hwb Clerk (illustrative) <hwb.clerk@lincolnshire.gov.uk> (signed in with Lincolnshire County Council)";
    assert!(events.iter().all(|e| e.metadata.actor == actor), "{:?}", events[0].metadata);
    let admin = app.token(Role::Admin, None).await;
    let audit = client().get(app.url("/dashboard/audit")).bearer_auth(&admin).send().await.expect("get");
    let audit = audit.text().await.expect("a page");
    assert!(audit.contains("hwb.clerk@lincolnshire.gov.uk"), "the audit trail names the person");

    let overview = client().get(app.url("/dashboard")).header("cookie", &session).send().await.expect("get");
    let csrf = hidden(&overview.text().await.expect("a page"), "/dashboard/sign-out");
    let out = client().post(app.url("/dashboard/sign-out")).header("cookie", &session).form(&csrf).send().await;
    let out = out.expect("post");
    assert_eq!(out.status(), 200, "a page offering to sign out at the provider too");
    assert!(set_cookies(&out).iter().any(|c| c.starts_with("covenant_session=;")), "the cookie is cleared");
    let page = out.text().await.expect("a page");
    let back = app.url("/dashboard/sign-in").replace(':', "%3A").replace('/', "%2F");
    let logout = format!("{}/logout?client_id=covenant&amp;post_logout_redirect_uri={back}", mock.issuer());
    assert!(page.contains(&logout), "RP-initiated logout at the provider: {page}");
    let after = client().get(app.url("/dashboard")).header("cookie", &session).send().await.expect("get");
    assert_eq!(after.status(), 303, "signed out: the session ended at Covenant");
    app.stop().await;
}

async fn hostile_callbacks_are_refused_and_begin_no_session(db: &TestStore) {
    let (app, mock) = app_with_provider(db).await;
    let before = sessions(&app).await;

    let cases = [
        (Issue::WrongAudience, "did not check out"),
        (Issue::Expired, "did not check out"),
        (Issue::SignedByAnotherKey, "did not check out"),
        (Issue::OtherIssuer, "did not check out"),
        (Issue::WrongNonce, "did not check out"),
    ];
    for (issue, why) in cases {
        let (authorize, cookie) = begin(&app).await;
        let (code, state) = mock.authorize(&authorize, &clerk(), issue);
        let response = callback(&app, &code, &state, Some(&cookie)).await;
        assert_eq!(response.status(), 403, "{issue:?}");
        refused(response, why).await;
        assert_eq!(sessions(&app).await, before, "{issue:?}: no session");
    }

    let (authorize, cookie) = begin(&app).await;
    let (code, state) = mock.authorize(&authorize, &clerk(), Issue::Good);
    refused(callback(&app, &code, "a-state-never-issued", Some(&cookie)).await, "was not begun here").await;
    let forged_cookie = callback(&app, &code, &state, Some("covenant_oidc=another-browsers-state")).await;
    refused(forged_cookie, "in this browser").await;
    refused(callback(&app, &code, &state, Some(&cookie)).await, "was already finished").await;

    let (authorize, _kept_by_the_browser) = begin(&app).await;
    let (code, state) = mock.authorize(&authorize, &clerk(), Issue::Good);
    refused(callback(&app, &code, &state, None).await, "in this browser").await;

    let (authorize, cookie_two) = begin(&app).await;
    let stranger =
        Person { groups: vec!["volunteers".to_owned()], email: "volunteer@example.org".to_owned(), ..clerk() };
    let (code_two, state_two) = mock.authorize(&authorize, &stranger, Issue::Good);
    let no_role = callback(&app, &code_two, &state_two, Some(&cookie_two)).await;
    refused(no_role, "ask the governance team at Lincolnshire County Council").await;
    assert_eq!(sessions(&app).await, before, "no session for any of them");

    let officer = Person { groups: vec![], email: "officer@lincolnshire.gov.uk".to_owned(), ..clerk() };
    let (authorize, cookie) = begin(&app).await;
    let (code, state) = mock.authorize(&authorize, &officer, Issue::UnverifiedEmail);
    let unverified = callback(&app, &code, &state, Some(&cookie)).await;
    refused(unverified, "this account, signed in with Lincolnshire County Council, has no role").await;
    assert_eq!(sessions(&app).await, before, "an unverified email gives no role by its domain");
    let (authorize, cookie) = begin(&app).await;
    let (code, state) = mock.authorize(&authorize, &officer, Issue::Good);
    assert_eq!(callback(&app, &code, &state, Some(&cookie)).await.status(), 200, "verified, it gives the reader role");
    assert_eq!(sessions(&app).await, before + 1);

    // In too many groups at Entra ID, the groups are left out: refused, saying what to configure,
    // though the person's verified email alone would give them the reader role.
    let (authorize, cookie) = begin(&app).await;
    let (code, state) = mock.authorize(&authorize, &clerk(), Issue::GroupOverage);
    let overage = callback(&app, &code, &state, Some(&cookie)).await;
    assert_eq!(overage.status(), 403);
    let page = overage.text().await.expect("a page");
    for said in ["too many groups", "application roles", "send fewer", "ask the governance team at Lincolnshire"] {
        assert!(page.to_lowercase().contains(&said.to_lowercase()), "{said}: {page}");
    }
    assert_eq!(sessions(&app).await, before + 1, "no session for a token whose groups were left out");

    let unknown = client().get(app.url("/dashboard/sign-in/with/nowhere")).send().await.expect("get");
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}

async fn a_sign_in_begun_at_one_process_finishes_at_another_once_and_within_ten_minutes(db: &TestStore) {
    // Two processes of the service on one database, behind one public URL (the first's here).
    let (first, mock) = app_with_provider(db).await;
    let second = spawn_app(db).await;
    offer_provider(&second, &mock, &first.url(""));
    let before = sessions(&first).await;
    assert_eq!(db.count_rows("pending_sign_ins").await, 0);

    let (authorize, cookie) = begin(&first).await;
    assert_eq!(db.count_rows("pending_sign_ins").await, 1, "the sign-in under way is kept in the database");
    let (code, state) = mock.authorize(&authorize, &clerk(), Issue::Good);
    let finished = callback(&second, &code, &state, Some(&cookie)).await;
    assert_eq!(finished.status(), 200, "begun at the first process, finished at the second");
    let session = pair(set_cookies(&finished).iter().find(|c| c.starts_with("covenant_session=")).expect("a session"));
    assert_eq!(sessions(&first).await, before + 1);
    assert_eq!(db.count_rows("pending_sign_ins").await, 0, "a finished sign-in is taken out");
    let overview = client().get(first.url("/dashboard")).header("cookie", &session).send().await.expect("get");
    assert_eq!(overview.status(), 200, "the session is good at either process");

    refused(callback(&first, &code, &state, Some(&cookie)).await, "was already finished").await;
    refused(callback(&second, &code, &state, Some(&cookie)).await, "was already finished").await;
    assert_eq!(sessions(&first).await, before + 1, "a replayed state begins no session at either process");

    // A sign-in begun eleven minutes ago has lapsed, wherever it comes back to.
    let stores = db.stores().await;
    let eleven_minutes_ago = kernel::Timestamp::now().before(std::time::Duration::from_secs(11 * 60));
    let (authorize, state) = open_id(&mock, &first.url(""))
        .begin(stores.sign_ins.as_ref(), "lincolnshire", eleven_minutes_ago)
        .await
        .expect("begun");
    let (code, _) = mock.authorize(&authorize, &clerk(), Issue::Good);
    let late = callback(&second, &code, &state, Some(&format!("covenant_oidc={state}"))).await;
    refused(late, "took more than ten minutes").await;
    assert_eq!(sessions(&first).await, before + 1, "no session for a lapsed sign-in");
    second.stop().await;
    first.stop().await;
}

async fn the_service_prunes_stale_sign_ins_while_it_runs(db: &TestStore) {
    let (app, mock) = app_with_provider(db).await;
    let stores = db.stores().await;
    let eleven_minutes_ago = kernel::Timestamp::now().before(std::time::Duration::from_secs(11 * 60));
    let stale = open_id(&mock, &app.url(""));
    stale.begin(stores.sign_ins.as_ref(), "lincolnshire", eleven_minutes_ago).await.expect("begun");
    begin(&app).await;
    assert_eq!(db.count_rows("pending_sign_ins").await, 2);
    app.service.prune_every(std::time::Duration::from_millis(50));
    let mut left = 2;
    for _ in 0..100 {
        left = db.count_rows("pending_sign_ins").await;
        if left == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, 1, "the stale sign-in is pruned, the one just begun kept");
    app.stop().await;
}

on_both_backends!(
    a_person_signs_in_records_a_meeting_as_themselves_and_signs_out,
    the_service_prunes_stale_sign_ins_while_it_runs,
    a_sign_in_begun_at_one_process_finishes_at_another_once_and_within_ten_minutes,
    hostile_callbacks_are_refused_and_begin_no_session,
);
