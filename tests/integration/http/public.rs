//! The public record over HTTP, without signing in: its pages answer anyone, an exempt
//! resolution (and its agenda item) is absent from every page and every count, a resolution
//! appears once its minutes are published and not before, no actor or lead is named, and every
//! answer carries an ETag on the log's position that a conditional request is answered 304 by;
//! every page, calendar and feed, and the errors, in Welsh when `?lang=cy` or `Accept-Language`
//! asks for it, with no word of the English catalogue left.

use app::seeds;
use app::{Provenance, Recorder, Submission};
use domain::commitment::{ObjectiveRef, ReportingPeriod};
use domain::instrument::Kind;
use domain::rag::Rag;
use domain::resolution::Outcome;
use domain::testing::{date, key, org};
use domain::values::ContentHash;
use domain::{Command, commitment, instrument, meeting, resolution};
use kernel::Timestamp;
use reqwest::Response;
use serde_json::json;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

pub(super) const MEETING: &str = "west-lindsey-pcc-2021-03-09";
pub(super) const EXEMPT: &str = "west-lindsey-pcc-2021-03-09-52";
const UNPUBLISHED: &str = "west-lindsey-pcc-2021-03-09-53";

/// Every public page, of now and of a past day, and searches that would find the exempt item,
/// in English and in Welsh.
fn pages() -> Vec<String> {
    let english = english_pages();
    let welsh = english.iter().map(|path| welsh(path));
    english.iter().cloned().chain(welsh).collect()
}

/// `path` with `?lang=cy`.
fn welsh(path: &str) -> String {
    format!("{path}{}lang=cy", if path.contains('?') { '&' } else { '?' })
}

fn english_pages() -> Vec<String> {
    [
        "/public",
        "/public?as_of=2021-03-10",
        "/public/bodies/west-lindsey-prosperous-communities-committee",
        "/public/bodies/west-lindsey-prosperous-communities-committee?as_of=2021-03-10",
        "/public/meetings/west-lindsey-pcc-2021-03-09",
        "/public/meetings/west-lindsey-pcc-2021-03-09?as_of=2021-03-10",
        "/public/instruments/lincolnshire-homes-for-independence-blueprint",
        "/public/search",
        "/public/search?q=site",
        "/public/search?body=west-lindsey-prosperous-communities-committee",
        "/public/search?organisation=GB-LAE-WLI&from=2021-03-01&to=2021-03-31",
        "/public/accessibility",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

async fn html(response: Response) -> String {
    assert_eq!(response.status(), 200, "{}", response.url());
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    assert!(response.headers().contains_key("etag"), "{}", response.url());
    response.text().await.expect("a body")
}

async fn get(app: &TestApp, path: &str) -> String {
    html(app.client.get(app.url(path)).send().await.expect("get")).await
}

/// Each of `paths`, as the public sees it now.
async fn get_all(app: &TestApp, paths: &[String]) -> Vec<String> {
    let mut got = Vec::new();
    for path in paths {
        got.push(get(app, path).await);
    }
    got
}

pub(super) async fn record(app: &TestApp, commands: Vec<Command>) {
    let recorder = Recorder::new(app.stores.events.clone());
    for command in commands {
        let submission = Submission { command, provenance: Provenance::new("secretariat:west-lindsey") };
        recorder.record(&submission, Timestamp::now()).await.expect("recorded");
    }
}

pub(super) fn item(number: &str, title: &str) -> Command {
    meeting::Command::AddAgendaItem {
        id: key(MEETING),
        item: number.into(),
        title: title.into(),
        minute_number: Some(number.into()),
    }
    .into()
}

/// A resolution at West Lindsey's meeting of 9 March 2021 (illustrative: the papers record no
/// such item).
pub(super) fn decision(id: &str, item: &str, text: &str, published: bool, exempt_under: Option<u8>) -> Command {
    resolution::Command::Record {
        id: key(id),
        body: key("west-lindsey-prosperous-communities-committee"),
        meeting: key(MEETING),
        agenda_item: item.into(),
        text: text.into(),
        outcome: Outcome::Approved,
        decided_on: date("2021-03-09"),
        published_on: published.then(|| date("2021-03-09")),
        effective_on: None,
        subject_to_call_in: false,
        exempt_under,
    }
    .into()
}

/// An exempt item and its resolution, recorded as published on the day of the meeting, and an
/// action arising from it towards the (public) blueprint, with a progress report: the action is
/// never public, so no total of the blueprint may count it.
pub(super) async fn record_exempt(app: &TestApp) {
    let text = "RESOLVED that the terms for the acquisition of the site be approved.";
    let action = key("west-lindsey-gainsborough-land-acquisition");
    record(
        app,
        vec![
            item("52", "Land at Gainsborough: terms of acquisition"),
            decision(EXEMPT, "52", text, true, Some(3)),
            commitment::Command::Make {
                id: action.clone(),
                title: "Complete the acquisition of the Gainsborough site".into(),
                organisation: org("GB-LAE-WLI"),
                lead: "Housing Services Manager".into(),
                towards: Some(ObjectiveRef {
                    instrument: key("lincolnshire-homes-for-independence-blueprint"),
                    objective: key("better-outcomes"),
                }),
                arising_from: Some(key(EXEMPT)),
                due_on: date("2021-06-30"),
                weight: 5,
                parent: None,
                made_on: date("2021-03-10"),
            }
            .into(),
            commitment::Command::ReportProgress {
                id: action,
                status: Rag::Red,
                percent_complete: 10,
                narrative: "Terms agreed; completion delayed (illustrative).".into(),
                evidence_refs: Vec::new(),
                period: ReportingPeriod { label: "2021/22 Q1".into(), from: None, to: None },
                reported_on: date("2021-06-30"),
            }
            .into(),
        ],
    )
    .await;
}

async fn an_exempt_resolution_is_absent_from_every_public_page_and_count(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let before = get_all(&app, &pages()).await;
    record_exempt(&app).await;
    for ((path, before), after) in pages().iter().zip(before).zip(get_all(&app, &pages()).await) {
        assert_eq!(after, before, "{path}: the exempt item changes nothing the public sees, not even a count");
        for secret in [EXEMPT, "acquisition", "Gainsborough", "secretariat:", "seed:", "Housing Services Manager"] {
            assert!(!after.contains(secret), "{path} shows {secret}");
        }
    }
    let meeting = get(&app, &format!("/public/meetings/{MEETING}")).await;
    assert!(meeting.contains("id=\"west-lindsey-pcc-2021-03-09-45\""), "minute 45 is published");
    let search = get(&app, "/public/search?body=west-lindsey-prosperous-communities-committee").await;
    let found = search.matches("data-resolution=").count();
    assert!(search.contains(&format!(">{found} decision")), "the count is of what is shown: {found}");
    app.stop().await;
}

/// The calendars and feeds, and the content type each is served as.
fn subscriptions() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/public/bodies/west-lindsey-prosperous-communities-committee/meetings.ics", "text/calendar; charset=utf-8"),
        ("/public/organisations/GB-LAE-WLI/actions.ics", "text/calendar; charset=utf-8"),
        ("/public/feeds/decisions.atom", "application/atom+xml; charset=utf-8"),
        (
            "/public/feeds/decisions.atom?body=west-lindsey-prosperous-communities-committee",
            "application/atom+xml; charset=utf-8",
        ),
        ("/public/feeds/decisions.atom?organisation=GB-LAE-WLI", "application/atom+xml; charset=utf-8"),
        (
            "/public/feeds/decisions.atom?instrument=lincolnshire-homes-for-independence-blueprint",
            "application/atom+xml; charset=utf-8",
        ),
        ("/public/feeds/progress.atom?organisation=GB-LAE-WLI", "application/atom+xml; charset=utf-8"),
        (
            "/public/feeds/progress.atom?instrument=lincolnshire-hhcdg-delivery-plan",
            "application/atom+xml; charset=utf-8",
        ),
    ]
}

async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let response = app.client.get(app.url(path)).send().await.expect("get");
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], content_type, "{path}");
    assert!(response.headers().contains_key("etag"), "{path}");
    response.text().await.expect("a body")
}

async fn calendars_and_feeds_hold_published_decisions_and_never_an_exempt_one(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let mut before = Vec::new();
    for (path, kind) in subscriptions() {
        before.push(fetch(&app, path, kind).await);
    }
    record_exempt(&app).await;
    for ((path, kind), before) in subscriptions().into_iter().zip(before) {
        let after = fetch(&app, path, kind).await;
        assert_eq!(after, before, "{path}: the exempt item changes nothing");
        for secret in ["acquisition", "Gainsborough", "secretariat:", "seed:", "Housing Services Manager"] {
            assert!(!after.contains(secret), "{path} shows {secret}");
        }
    }
    let calendar = fetch(&app, subscriptions()[0].0, subscriptions()[0].1).await;
    assert!(calendar.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "{calendar}");
    assert!(calendar.contains("UID:meeting-west-lindsey-pcc-2021-03-09@covenant\r\n"));
    assert!(calendar.contains("DTSTART;VALUE=DATE:20210309\r\n"));
    assert!(calendar.split("\r\n").all(|line| line.len() <= 75), "folded at 75 octets");
    assert!(!calendar.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    let feed =
        fetch(&app, "/public/feeds/decisions.atom?organisation=GB-LAE-WLI", "application/atom+xml; charset=utf-8")
            .await;
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"), "{feed}");
    assert!(feed.contains("RESOLVED that West Lindsey District Council adopt"), "{feed}");
    let both = app.client.get(app.url("/public/feeds/decisions.atom?body=a&organisation=GB-LAE-WLI")).send().await;
    let both = both.expect("get");
    assert_eq!(both.status(), 400);
    assert!(both.text().await.expect("body").contains("give only one of them"));
    app.stop().await;
}

async fn a_resolution_is_public_once_its_minutes_are_published(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    record(
        &app,
        vec![
            item("53", "Housing Renewal Assistance Policy"),
            decision(
                UNPUBLISHED,
                "53",
                "RESOLVED that the Housing Renewal Assistance Policy be approved.",
                false,
                None,
            ),
        ],
    )
    .await;
    let path = format!("/public/meetings/{MEETING}");
    assert!(!get(&app, &path).await.contains(UNPUBLISHED), "not before the minutes are published");
    assert!(!get(&app, "/public/search?q=renewal").await.contains(UNPUBLISHED));
    record(&app, vec![meeting::Command::PublishMinutes { id: key(MEETING), published_on: date("2021-03-16") }.into()])
        .await;
    assert!(get(&app, &path).await.contains(&format!("id=\"{UNPUBLISHED}\"")), "after");
    let search = get(&app, "/public/search?q=renewal").await;
    assert!(search.contains(UNPUBLISHED) && search.contains(">1 decision found"), "{search}");
    app.stop().await;
}

async fn an_etag_on_the_log_position_answers_a_conditional_request_with_304(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let first = app.client.get(app.url("/public")).send().await.expect("get");
    let etag = first.headers()["etag"].to_str().expect("ascii").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let again = app.client.get(app.url("/public")).header("if-none-match", &etag).send().await.expect("get");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert_eq!(again.headers()["cache-control"], "public, max-age=60");
    assert!(again.text().await.expect("body").is_empty());

    record(&app, vec![item("54", "Any other business")]).await;
    let moved = app.client.get(app.url("/public")).header("if-none-match", &etag).send().await.expect("get");
    assert_eq!(moved.status(), 200, "the log moved, so the page is sent again");
    assert_ne!(moved.headers()["etag"], etag.as_str());
    let missing = app.client.get(app.url("/public/meetings/no-such-meeting")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.expect("body").contains("start from the list of bodies"));
    app.stop().await;
}

/// The text of `html`'s body that the page itself says: what is not in an element marked
/// `lang="en"` (the record's own titles, names and words, which it holds in English only), nor
/// in a tag or an attribute.
fn own_words(html: &str) -> String {
    const VOID: [&str; 6] = ["input", "meta", "br", "img", "link", "hr"];
    let body = html.split_once("<body>").map_or(html, |(_, body)| body);
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut said = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        if !stack.iter().any(|(_, english)| *english) {
            said.push_str(&rest[..open]);
            said.push('\n');
        }
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c);
        let tag = &rest[open + 1..close];
        rest = rest.get(close + 1..).unwrap_or_default();
        if let Some(name) = tag.strip_prefix('/') {
            if let Some(at) = stack.iter().rposition(|(n, _)| n == name.trim()) {
                stack.truncate(at);
            }
            continue;
        }
        let name = tag.split([' ', '/']).next().unwrap_or_default().to_owned();
        if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            stack.push((name, tag.contains("lang=\"en\"")));
        }
    }
    said.push_str(rest);
    said
}

/// Whether `text` holds `word` as a whole: not inside a longer word.
fn holds(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[at + word.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

async fn every_page_in_welsh_says_nothing_in_english_but_the_record(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let english = http_api::Lang::english_only_texts();
    assert!(english.len() > 100, "the catalogue's English: {}", english.len());
    let headings = [
        ("/public", "<h1>Cofnod cyhoeddus</h1>"),
        ("/public/search", "<h1>Chwilio penderfyniadau</h1>"),
        ("/public/accessibility", "<h1>Datganiad hygyrchedd</h1>"),
        ("/public/meetings/west-lindsey-pcc-2021-03-09", "<h2>Penderfyniadau</h2>"),
        ("/public/bodies/west-lindsey-prosperous-communities-committee", "<h2>Cyfarfodydd</h2>"),
        ("/public/instruments/lincolnshire-homes-for-independence-blueprint", "<h2>Partïon</h2>"),
    ];
    for path in english_pages() {
        let response = app.client.get(app.url(&welsh(&path))).send().await.expect("get");
        assert_eq!(response.headers()["vary"], "Accept-Language", "{path}");
        assert_eq!(response.headers()["content-language"], "cy", "{path}");
        let page = html(response).await;
        assert!(page.contains("<html lang=\"cy\">"), "{path}");
        let said = own_words(&page);
        let left: Vec<&String> = english.iter().filter(|e| holds(&said, e)).collect();
        assert!(left.is_empty(), "{path} in Welsh still says {left:?}");
        for (at, heading) in headings {
            if path == at {
                assert!(page.contains(heading), "{path} is headed in Welsh: {heading}");
            }
        }
        assert!(page.contains("hreflang=\"en\" lang=\"en\""), "{path} offers English");
        assert!(!page.contains("hreflang=\"cy\""), "{path} does not offer Welsh again");
    }
    let in_english = own_words(&get(&app, &format!("/public/meetings/{MEETING}")).await);
    let said: Vec<&String> = english.iter().filter(|e| holds(&in_english, e)).collect();
    assert!(said.len() > 10, "the check finds the catalogue's English on the English page: {said:?}");
    let meeting = get(&app, &welsh(&format!("/public/meetings/{MEETING}"))).await;
    assert!(meeting.contains("9 Mawrth 2021"), "dates written out with the Welsh month's name");
    assert!(meeting.contains("cofnod 45"), "the minute cited in Welsh");
    assert!(meeting.contains("blockquote class=\"text\" lang=\"en\""), "the decision's words marked as English");
    assert!(meeting.contains("Saesneg yn unig"), "and said to be in English only");
    assert!(meeting.contains("href=\"/public/search?lang=cy\""), "links keep the language chosen");
    assert!(meeting.contains("<input type=\"hidden\" name=\"lang\" value=\"cy\">"), "and so does the picker");
    let search = get(&app, &welsh("/public/search?q=blueprint")).await;
    assert_eq!(search.matches("data-resolution=").count(), 2, "{search}");
    assert!(search.contains(">Cafwyd hyd i 2 benderfyniad<"), "two decisions, counted in Welsh's dual: {search}");
    assert!(search.contains("<input type=\"hidden\" name=\"lang\" value=\"cy\">"), "the search keeps Welsh");
    app.stop().await;
}

async fn accept_language_chooses_the_language_and_the_etag_follows_it(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let asked = |language: &'static str| {
        let request = app.client.get(app.url("/public/search"));
        async move { request.header("accept-language", language).send().await.expect("get") }
    };
    let cy = asked("en;q=0.4, cy-GB;q=0.9").await;
    let cy_etag = cy.headers()["etag"].to_str().expect("ascii").to_owned();
    let page = html(cy).await;
    assert!(page.contains("<html lang=\"cy\">") && page.contains("<h1>Chwilio penderfyniadau</h1>"), "{page}");
    assert!(page.contains("href=\"/public/search?lang=en\""), "the switch to English keeps the page");
    assert!(!page.contains("?lang=cy\""), "links follow the header, not a chosen language");
    let en = asked("cy;q=0, en").await;
    let en_etag = en.headers()["etag"].to_str().expect("ascii").to_owned();
    let page = html(en).await;
    assert!(page.contains("<html lang=\"en-GB\">") && page.contains("<h1>Search decisions</h1>"));
    assert!(page.contains("hreflang=\"cy\" lang=\"cy\"") && page.contains(">Cymraeg<"), "Welsh offered in Welsh");
    assert_ne!(cy_etag, en_etag, "a cache keeps each language apart");
    let held = app
        .client
        .get(app.url("/public/search"))
        .header("accept-language", "cy")
        .header("if-none-match", &en_etag)
        .send()
        .await
        .expect("get");
    assert_eq!(held.status(), 200, "the English page's ETag does not stand for the Welsh one");
    let again = app.client.get(app.url("/public/search?lang=cy")).header("if-none-match", &cy_etag).send().await;
    assert_eq!(again.expect("get").status(), 304, "?lang=cy is the same page as Accept-Language: cy");
    let plain = html(app.client.get(app.url("/public")).send().await.expect("get")).await;
    assert!(plain.contains("<html lang=\"en-GB\">"), "English when nothing is asked");
    app.stop().await;
}

async fn calendars_feeds_and_errors_speak_welsh(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let feed = fetch(
        &app,
        "/public/feeds/decisions.atom?body=west-lindsey-prosperous-communities-committee&lang=cy",
        "application/atom+xml; charset=utf-8",
    )
    .await;
    assert!(feed.contains("xml:lang=\"cy\"") && feed.contains("<title>Cofnod cyhoeddus: penderfyniadau"), "{feed}");
    assert!(feed.contains("cofnod 45, 9 Mawrth 2021"), "{feed}");
    assert!(feed.contains("<content type=\"text\" xml:lang=\"en\">RESOLVED"), "the record's words, as English");
    let progress = fetch(&app, "/public/feeds/progress.atom?lang=cy", "application/atom+xml; charset=utf-8").await;
    assert!(progress.contains("<title>Cofnod cyhoeddus: cynnydd</title>"), "{progress}");
    let calendar = app
        .client
        .get(app.url("/public/bodies/west-lindsey-prosperous-communities-committee/meetings.ics"))
        .header("accept-language", "cy")
        .send()
        .await
        .expect("get");
    assert_eq!(calendar.headers()["vary"], "Accept-Language");
    let calendar = calendar.text().await.expect("body").replace("\r\n ", "");
    assert!(calendar.contains("X-WR-CALNAME:Prosperous Communities Committee: cyfarfodydd"), "{calendar}");
    let due = fetch(&app, "/public/organisations/GB-LAE-LIN/actions.ics?lang=cy", "text/calendar; charset=utf-8").await;
    let due = due.replace("\r\n ", "");
    assert!(due.contains("camau gweithredu sy'n ddyledus") && due.contains("SUMMARY:Dyddiad cau: "), "{due}");
    assert!(due.contains("Cyflwr: "), "{due}");

    let missing = app.client.get(app.url("/public/meetings/no-such-meeting?lang=cy")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    let missing = missing.text().await.expect("body");
    assert!(missing.contains("<h1>Heb ddod o hyd i'r dudalen</h1>"), "{missing}");
    assert!(missing.contains("Nid oes cyfarfod no-such-meeting yn y cofnod cyhoeddus"), "{missing}");
    let both =
        app.client.get(app.url("/public/feeds/decisions.atom?body=a&organisation=GB-LAE-LIN&lang=cy")).send().await;
    let both = both.expect("get");
    assert_eq!(both.status(), 400);
    assert!(both.text().await.expect("body").contains("rhowch un ohonynt yn unig"));
    let impossible = app.client.get(app.url("/public?as_of-day=30&as_of-month=2&as_of-year=2021&lang=cy")).send().await;
    let impossible = impossible.expect("get");
    assert_eq!(impossible.status(), 400);
    let impossible = impossible.text().await.expect("body");
    assert!(impossible.contains("<title>Gwall: Dewiswch y dyddiad i'w ddangos – Covenant</title>"), "{impossible}");
    assert!(
        impossible.contains("fod yn ddyddiad go iawn") && impossible.contains("Mae problem wedi codi"),
        "{impossible}"
    );
    assert!(impossible.contains("<input type=\"hidden\" name=\"lang\" value=\"cy\">"), "{impossible}");
    app.stop().await;
}

/// An illustrative plan of West Lindsey's, endorsed and adopted under the exempt resolution: the
/// adoption makes it public, but nothing on its page may name that resolution.
pub(super) const PLAN: &str = "west-lindsey-gainsborough-land-plan";

pub(super) async fn record_plan_under_the_exempt_resolution(app: &TestApp) {
    let id = key(PLAN);
    record(
        app,
        vec![
            instrument::Command::Draft {
                id: id.clone(),
                kind: Kind::ActionPlan,
                title: "Gainsborough land plan".into(),
                owner_body: key("west-lindsey-prosperous-communities-committee"),
                period: None,
                parties: vec![org("GB-LAE-WLI")],
                builds_on: Some(key("lincolnshire-homes-for-independence-blueprint")),
                drafted_on: date("2021-03-01"),
            }
            .into(),
            instrument::Command::PublishVersion {
                id: id.clone(),
                label: "2021".into(),
                content_hash: ContentHash::parse(format!("sha256:{}", "c".repeat(64))).expect("a hash"),
                document: None,
                published_on: date("2021-03-01"),
            }
            .into(),
            instrument::Command::Endorse {
                id: id.clone(),
                body: key("west-lindsey-prosperous-communities-committee"),
                resolution: key(EXEMPT),
                endorsed_on: date("2021-03-09"),
                recommendation: None,
            }
            .into(),
            instrument::Command::Adopt {
                id,
                party: org("GB-LAE-WLI"),
                resolution: key(EXEMPT),
                adopted_on: date("2021-03-09"),
            }
            .into(),
        ],
    )
    .await;
}

async fn a_public_instrument_never_names_a_resolution_that_is_not_public(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    record_exempt(&app).await;
    record_plan_under_the_exempt_resolution(&app).await;
    let page = get(&app, &format!("/public/instruments/{PLAN}")).await;
    assert!(page.contains("Gainsborough land plan"), "public once adopted: {page}");
    assert!(page.contains("adopted on 9 March 2021"), "the adoption is shown: {page}");
    assert!(!page.contains("adopted on 9 March 2021 under"), "without its resolution: {page}");
    for secret in [EXEMPT, "minute 52", "acquisition"] {
        assert!(!page.contains(secret), "the plan's page names {secret}");
    }
    let blueprint = get(&app, "/public/instruments/lincolnshire-homes-for-independence-blueprint").await;
    assert!(
        blueprint.contains("adopted on 9 March 2021 under Prosperous Communities Committee, minute 45"),
        "a public resolution is still named: {blueprint}"
    );
    app.stop().await;
}

async fn decisions_are_found_by_the_theme_of_what_they_acted_on(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let all = get(&app, "/public/search").await;
    let planning = get(&app, "/public/search?theme=planning").await;
    assert_eq!(
        get(&app, "/public/search?theme=Planning").await.matches("data-resolution=").count(),
        planning.matches("data-resolution=").count(),
        "in any case"
    );
    let found = planning.matches("data-resolution=").count();
    assert!(
        planning.contains("data-resolution=\"west-lindsey-pcc-2021-03-09-45\""),
        "minute 45 adopted the blueprint: {planning}"
    );
    assert!(planning.contains(&format!(">{found} decision")), "the count is of what is shown: {found}");
    assert!(found < all.matches("data-resolution=").count(), "the theme narrows the search");
    assert!(planning.contains("<option value=\"planning\" selected>"), "the theme stays chosen: {planning}");
    let none = get(&app, "/public/search?theme=no-such-theme").await;
    assert!(none.contains(">0 decisions found"), "{none}");
    app.stop().await;
}

/// The blueprint's key.
const BLUEPRINT: &str = "lincolnshire-homes-for-independence-blueprint";
/// West Lindsey's minute 45 of 9 March 2021.
const MINUTE_45: &str = "west-lindsey-pcc-2021-03-09-45";
/// Illustrative Welsh: the papers are in English only.
const WELSH_MINUTE: &str = "PENDERFYNWYD bod Cyngor Dosbarth Gorllewin Lindsey yn mabwysiadu amcanion y Glasbrint.";
const WELSH_BLUEPRINT: &str = "Glasbrint Cartrefi ar gyfer Annibyniaeth Swydd Lincoln";
const WELSH_MEETING: &str = "Pwyllgor Cymunedau Ffyniannus";

/// Records, through the API, the Welsh of minute 45's words, the blueprint's title and the
/// meeting's title.
async fn translate(app: &TestApp) {
    let secretariat = app.token(app::Role::Secretariat, None).await;
    let translations = [
        (
            "/api/v1/resolutions",
            json!({"command": "translate", "id": MINUTE_45, "field": "text", "language": "cy", "text": WELSH_MINUTE}),
        ),
        (
            "/api/v1/instruments",
            json!({"command": "translate", "id": BLUEPRINT, "field": "title", "language": "cy", "text": WELSH_BLUEPRINT}),
        ),
        (
            "/api/v1/meetings",
            json!({"command": "translate", "id": MEETING, "field": "title", "language": "cy", "text": WELSH_MEETING}),
        ),
    ];
    for (path, command) in translations {
        let recorded = app.post(path, &secretariat, &command).send().await.expect("post");
        assert_eq!(recorded.status(), 201, "{path}: {}", recorded.text().await.expect("body"));
    }
}

/// The section of `page` that lays out the decision `key`.
fn decision_section<'p>(page: &'p str, key: &str) -> &'p str {
    let start = page.find(&format!("<section class=\"decision\" id=\"{key}\"")).expect("the decision is shown");
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

async fn the_records_own_words_are_shown_in_welsh_where_recorded(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let english_before = get_all(&app, &english_pages()).await;
    translate(&app).await;
    let english_after = get_all(&app, &english_pages()).await;
    for ((path, before), after) in english_pages().iter().zip(english_before).zip(english_after) {
        assert_eq!(after, before, "{path}: an English page never changes for a translation");
    }

    let meeting = get(&app, &welsh(&format!("/public/meetings/{MEETING}"))).await;
    let minute = decision_section(&meeting, MINUTE_45);
    assert!(
        minute.contains(&format!("<blockquote class=\"text\" lang=\"cy\">{WELSH_MINUTE}</blockquote>")),
        "{minute}"
    );
    assert!(!minute.contains("Saesneg yn unig") && !minute.contains("RESOLVED"), "{minute}");
    assert!(meeting.contains(&format!("<span lang=\"cy\">{WELSH_MEETING}</span>, 9 Mawrth 2021")), "{meeting}");
    assert!(meeting.contains(&format!("<title>{WELSH_MEETING}")), "the page's title in Welsh");
    assert!(
        meeting.contains(&format!(
            "(<a href=\"/public/instruments/{BLUEPRINT}?lang=cy\"><span lang=\"cy\">{WELSH_BLUEPRINT}</span></a>)"
        )),
        "{meeting}"
    );
    let instrument = get(&app, &welsh(&format!("/public/instruments/{BLUEPRINT}"))).await;
    assert!(instrument.contains(&format!("<h1><span lang=\"cy\">{WELSH_BLUEPRINT}</span></h1>")), "{instrument}");
    assert!(instrument.contains("<span lang=\"en\">Growing the supply"), "an objective with no Welsh stays English");
    let home = get(&app, "/public?lang=cy").await;
    assert!(home.contains(&format!("<span lang=\"cy\">{WELSH_BLUEPRINT}</span>")), "{home}");
    assert!(home.contains("<span lang=\"cy\">PENDERFYNWYD bod Cyngor"), "the latest decisions' excerpt: {home}");

    let feed = fetch(
        &app,
        "/public/feeds/decisions.atom?organisation=GB-LAE-WLI&lang=cy",
        "application/atom+xml; charset=utf-8",
    )
    .await;
    assert!(feed.contains(&format!("<content type=\"text\" xml:lang=\"cy\">{WELSH_MINUTE}</content>")), "{feed}");
    let english_feed =
        fetch(&app, "/public/feeds/decisions.atom?organisation=GB-LAE-WLI", "application/atom+xml; charset=utf-8")
            .await;
    assert!(!english_feed.contains("PENDERFYNWYD"), "{english_feed}");
    assert!(
        english_feed.contains("<content type=\"text\" xml:lang=\"en\">RESOLVED that West Lindsey"),
        "{english_feed}"
    );
    let calendar = fetch(
        &app,
        "/public/bodies/west-lindsey-prosperous-communities-committee/meetings.ics?lang=cy",
        "text/calendar; charset=utf-8",
    )
    .await;
    assert!(calendar.replace("\r\n ", "").contains(&format!(": {WELSH_MEETING}\r\n")), "{calendar}");
    app.stop().await;
}

async fn a_record_without_welsh_falls_back_to_english_marked_as_english(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    translate(&app).await;
    // The blueprint's endorsement by the Health and Wellbeing Board has no Welsh recorded.
    let board = get(&app, "/public/meetings/lincolnshire-hwb-2020-12-01?lang=cy").await;
    let endorsement = decision_section(&board, "lincolnshire-hwb-2020-12-01-homes-for-independence");
    assert!(endorsement.contains("Saesneg yn unig"), "{endorsement}");
    assert!(endorsement.contains("<blockquote class=\"text\" lang=\"en\">"), "{endorsement}");
    assert!(board.contains("<h1><span lang=\"en\">"), "the meeting's title, as English: {board}");
    app.stop().await;
}

async fn a_correction_of_the_english_shows_the_english_again_until_translated_anew(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    translate(&app).await;
    let secretariat = app.token(app::Role::Secretariat, None).await;
    let correct = json!({"command": "correct", "id": MINUTE_45,
        "text": "RESOLVED that West Lindsey District Council adopt the Lincolnshire Homes for Independence Blueprint.",
        "reason": "Wording as confirmed at the next meeting"});
    let corrected = app.post("/api/v1/resolutions", &secretariat, &correct).send().await.expect("post");
    assert_eq!(corrected.status(), 201);
    let meeting = get(&app, &welsh(&format!("/public/meetings/{MEETING}"))).await;
    let minute = decision_section(&meeting, MINUTE_45);
    assert!(!minute.contains(WELSH_MINUTE), "the Welsh of the words corrected is not shown: {minute}");
    assert!(
        minute.contains("Saesneg yn unig")
            && minute.contains("lang=\"en\">RESOLVED that West Lindsey District Council adopt the Lincolnshire"),
        "{minute}"
    );
    app.stop().await;
}

async fn a_refused_translation_writes_nothing_and_says_what_to_fix(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let secretariat = app.token(app::Role::Secretariat, None).await;
    let head = app.head().await;
    let refusals = [
        (
            "/api/v1/resolutions",
            json!({"command": "translate", "id": "no-such-resolution", "field": "text", "language": "cy", "text": WELSH_MINUTE}),
            "resolution no-such-resolution is not recorded: record it first",
        ),
        (
            "/api/v1/resolutions",
            json!({"command": "translate", "id": MINUTE_45, "field": "title", "language": "cy", "text": WELSH_MINUTE}),
            "a resolution has no title to translate: translate its text",
        ),
        (
            "/api/v1/meetings",
            json!({"command": "translate", "id": MEETING, "field": "title", "item": "99", "language": "cy", "text": WELSH_MEETING}),
            "agenda item 99 is not on record for this meeting",
        ),
        (
            "/api/v1/instruments",
            json!({"command": "translate", "id": BLUEPRINT, "field": "title", "language": "cy", "text": " "}),
            "the translated text is empty: give the title in Welsh",
        ),
        (
            "/api/v1/bodies",
            json!({"command": "translate", "id": "west-lindsey-prosperous-communities-committee", "field": "name", "language": "fr", "text": "Comité"}),
            "expected `cy`",
        ),
    ];
    for (path, command, said) in refusals {
        let refused = app.post(path, &secretariat, &command).send().await.expect("post");
        assert!(refused.status().is_client_error(), "{path} {command}: {}", refused.status());
        let problem = refused.text().await.expect("body");
        assert!(problem.contains(said), "{command}: {problem}");
    }
    assert_eq!(app.head().await, head, "nothing was recorded");
    app.stop().await;
}

on_both_backends!(
    the_records_own_words_are_shown_in_welsh_where_recorded,
    a_record_without_welsh_falls_back_to_english_marked_as_english,
    a_correction_of_the_english_shows_the_english_again_until_translated_anew,
    a_refused_translation_writes_nothing_and_says_what_to_fix,
    a_public_instrument_never_names_a_resolution_that_is_not_public,
    decisions_are_found_by_the_theme_of_what_they_acted_on,
    every_page_in_welsh_says_nothing_in_english_but_the_record,
    accept_language_chooses_the_language_and_the_etag_follows_it,
    calendars_feeds_and_errors_speak_welsh,
    an_exempt_resolution_is_absent_from_every_public_page_and_count,
    a_resolution_is_public_once_its_minutes_are_published,
    an_etag_on_the_log_position_answers_a_conditional_request_with_304,
    calendars_and_feeds_hold_published_decisions_and_never_an_exempt_one,
);
