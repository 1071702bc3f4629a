//! The OParl 1.1 API over HTTP, without a token: every answer, from the System down through each
//! Body's lists page by page and each object at its own URL, is valid against the
//! specification's JSON schemas (`tests/fixtures/oparl`, CC BY-SA 4.0); every list is paged
//! through to its end by `links.next`; an exempt resolution and what it authorised appear
//! nowhere, not even as a count; and a withdrawn instrument's Paper is a deleted object, listed
//! only to a client asking what was modified since a time.

use std::collections::{BTreeMap, BTreeSet};

use app::seeds;
use domain::testing::{date, key};
use domain::{Command, instrument, resolution};
use serde_json::Value;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

use super::public::{EXEMPT, PLAN, decision, item, record, record_exempt, record_plan_under_the_exempt_resolution};

/// The schema of OParl type `kind`, as the specification gives it.
fn validator(kind: &str) -> jsonschema::Validator {
    let path = format!("{}/fixtures/oparl/{kind}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).expect("a schema");
    jsonschema::validator_for(&schema).expect("a valid schema")
}

/// Fails unless `object` is valid against the schema its `type` names, and so is every object
/// it holds inside (a Meeting's agenda items, a Paper's consultations).
fn validate(object: &Value) {
    let kind = object["type"].as_str().and_then(|t| t.strip_prefix("https://schema.oparl.org/1.1/"));
    let kind = kind.unwrap_or_else(|| panic!("no OParl type: {object}"));
    let errors: Vec<String> =
        validator(kind).iter_errors(object).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{kind} {} is not valid: {errors:?}", object["id"]);
    for inner in ["agendaItem", "consultation"] {
        if let Some(items) = object[inner].as_array() {
            items.iter().for_each(validate);
        }
    }
}

async fn json(app: &TestApp, url: &str) -> Value {
    let response = app.client.get(url).send().await.expect("get");
    assert_eq!(response.status(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8", "{url}");
    assert!(response.headers().contains_key("etag"), "{url}");
    response.json().await.expect("json")
}

/// Every object of the list at `url`, page by page through `links.next`, checking each page.
async fn all_pages(app: &TestApp, url: &str) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut next = Some(url.to_owned());
    let mut pages = 0;
    let mut total = None;
    while let Some(url) = next {
        let page = json(app, &url).await;
        pages += 1;
        let data = page["data"].as_array().unwrap_or_else(|| panic!("{url} has no data: {page}"));
        assert!(page["links"].is_object(), "{url} has no links");
        total = page["pagination"]["totalElements"].as_u64();
        objects.extend(data.iter().cloned());
        next = page["links"]["next"].as_str().map(str::to_owned);
        if next.is_some() {
            assert_eq!(data.len() as u64, page["pagination"]["elementsPerPage"].as_u64().expect("a size"), "{url}");
        }
        assert!(pages < 1_000, "{url} never ends");
    }
    assert_eq!(Some(objects.len() as u64), total, "{url}: every page together holds the whole list");
    let ids: BTreeSet<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
    assert_eq!(ids.len(), objects.len(), "{url}: no object twice");
    objects
}

/// The whole API as a client crawls it: every object by id, each valid, each list paged through
/// two at a time (with `query` added to each list's first URL), and each object at its own URL
/// the same as in its list.
async fn crawl(app: &TestApp, query: &str) -> BTreeMap<String, Value> {
    let system = json(app, &app.url("/oparl/v1")).await;
    validate(&system);
    let mut found = BTreeMap::new();
    let bodies = system["body"].as_str().expect("a list of bodies");
    for body in all_pages(app, &format!("{bodies}?limit=1{query}")).await {
        validate(&body);
        for (list, kind) in [
            ("organization", "Organization"),
            ("meeting", "Meeting"),
            ("paper", "Paper"),
            ("agendaItem", "AgendaItem"),
            ("consultation", "Consultation"),
            ("person", "Person"),
            ("membership", "Membership"),
            ("legislativeTermList", "LegislativeTerm"),
        ] {
            let url = body[list].as_str().unwrap_or_else(|| panic!("{} has no {list} list", body["id"]));
            for object in all_pages(app, &format!("{url}?limit=2{query}")).await {
                assert_eq!(object["type"], format!("https://schema.oparl.org/1.1/{kind}"), "{url}");
                validate(&object);
                let id = object["id"].as_str().expect("an id").to_owned();
                assert_eq!(json(app, &id).await, object, "{id} is the object its list gives");
                found.insert(id, object);
            }
        }
        found.insert(body["id"].as_str().expect("an id").to_owned(), body);
    }
    found
}

async fn every_answer_is_valid_against_the_oparl_schemas_and_every_list_pages_to_its_end(db: &TestStore) {
    let app = spawn_app(db).await;
    for story in seeds::stories() {
        app.load(&story).await;
    }
    let all = crawl(&app, "").await;
    let count =
        |kind: &str| all.values().filter(|o| o["type"] == format!("https://schema.oparl.org/1.1/{kind}")).count();
    for kind in ["Body", "Organization", "Meeting", "AgendaItem", "Paper", "Consultation"] {
        assert!(count(kind) > 0, "no {kind} at all");
    }
    assert_eq!(count("Person") + count("Membership"), 0, "Covenant publishes no people");
    let minute_45 = all
        .values()
        .find(|o| {
            o["resolutionText"]
                .as_str()
                .is_some_and(|t| t.contains("RESOLVED that West Lindsey District Council adopt"))
        })
        .expect("minute 45 is an agenda item's resolution");
    assert_eq!(minute_45["result"], "adopted");
    let consultation = minute_45["consultation"].as_str().expect("it adopted the blueprint");
    assert_eq!(all[consultation]["paper"], app.url("/oparl/v1/papers/lincolnshire-homes-for-independence-blueprint"));
    assert_eq!(all[consultation]["authoritative"], true);
    let blueprint = &all[&app.url("/oparl/v1/papers/lincolnshire-homes-for-independence-blueprint")];
    assert!(blueprint["keyword"].as_array().expect("themes").contains(&Value::from("planning")), "{blueprint}");

    let later = crawl(&app, "&modified_since=2999-01-01T00:00:00%2B00:00").await;
    assert!(later.is_empty(), "nothing was modified after 2999: {later:?}");
    let since = crawl(&app, "&created_since=2000-01-01T00:00:00%2B00:00").await;
    assert_eq!(since.keys().collect::<Vec<_>>(), all.keys().collect::<Vec<_>>(), "everything was created since 2000");
    // A JSON API answers its refusals as problem documents, as the OpenAPI document says, whatever
    // the client accepts.
    let problem = |response: &reqwest::Response| {
        response.headers().get("content-type").and_then(|t| t.to_str().ok()).map(str::to_owned)
    };
    let wrong = app.client.get(app.url("/oparl/v1/bodies?modified_since=yesterday")).send().await.expect("get");
    assert_eq!(wrong.status(), 400);
    assert_eq!(problem(&wrong).as_deref(), Some("application/problem+json"));
    assert!(wrong.text().await.expect("a body").contains("give a date and time with its offset"));
    let missing = app.client.get(app.url("/oparl/v1/papers/no-such-paper")).send().await.expect("get");
    assert_eq!(missing.status(), 404);
    assert_eq!(problem(&missing).as_deref(), Some("application/problem+json"));
    let limit = app.client.get(app.url("/oparl/v1/bodies?limit=0")).send().await.expect("get");
    assert_eq!((limit.status().as_u16(), problem(&limit).as_deref()), (400, Some("application/problem+json")));
    app.stop().await;
}

/// Every text of every answer, for looking through.
fn text(objects: &BTreeMap<String, Value>) -> String {
    objects.values().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

/// The ids of every object, and each list's size, without the times that say when.
fn shape(objects: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    objects
        .iter()
        .map(|(id, o)| {
            let mut o = o.clone();
            strip_times(&mut o);
            (id.clone(), o)
        })
        .collect()
}

fn strip_times(value: &mut Value) {
    if let Value::Object(map) = value {
        map.remove("modified");
        map.remove("created");
        map.values_mut().for_each(strip_times);
    } else if let Value::Array(items) = value {
        items.iter_mut().for_each(strip_times);
    }
}

async fn an_exempt_resolution_appears_in_no_oparl_answer_nor_count(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let before = crawl(&app, "").await;
    record_exempt(&app).await;
    let after = crawl(&app, "").await;
    assert_eq!(shape(&after), shape(&before), "the exempt item changes no object, list or count");
    record_plan_under_the_exempt_resolution(&app).await;
    let with_plan = crawl(&app, "").await;
    let text = text(&with_plan);
    assert!(text.contains(PLAN), "the adopted plan is a public paper");
    for secret in [EXEMPT, "acquisition", "Gainsborough:", "secretariat:", "minute 52"] {
        assert!(!text.contains(secret), "an OParl answer shows {secret}");
    }
    let plan = &with_plan[&app.url(&format!("/oparl/v1/papers/{PLAN}"))];
    assert!(plan.get("consultation").is_none(), "no consultation by the exempt resolution: {plan}");
    app.stop().await;
}

async fn a_withdrawn_instrument_is_a_deleted_paper_listed_only_when_asked_what_changed(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let paper = app.url("/oparl/v1/papers/lincolnshire-homes-for-independence-blueprint");
    let before = crawl(&app, "").await;
    assert!(before[&paper].get("deleted").is_none());
    let withdrawn: Command = instrument::Command::Withdraw {
        id: key("lincolnshire-homes-for-independence-blueprint"),
        withdrawn_on: date("2024-06-30"),
        reason: "Replaced by the county housing strategy (illustrative)".into(),
        resolution: None,
    }
    .into();
    record(&app, vec![withdrawn]).await;
    let tombstone = json(&app, &paper).await;
    validate(&tombstone);
    assert_eq!(tombstone["deleted"], true, "{tombstone}");
    let keys: BTreeSet<&str> = tombstone.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["id", "type", "created", "modified", "deleted"]),
        "a deleted object keeps only these"
    );
    let after = crawl(&app, "").await;
    assert!(!after.contains_key(&paper), "a deleted object is not listed without modified_since");
    let changed = crawl(&app, "&modified_since=2000-01-01T00:00:00%2B00:00").await;
    assert_eq!(changed[&paper], tombstone, "it is listed to a client asking what changed");
    app.stop().await;
}

async fn a_rescinded_resolution_s_consultation_is_deleted(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let consultation = app.url(
        "/oparl/v1/papers/lincolnshire-homes-for-independence-blueprint/consultations/west-lindsey-pcc-2021-03-09-45",
    );
    assert_eq!(json(&app, &consultation).await.get("deleted"), None);
    let rescinding = "west-lindsey-pcc-2021-03-09-53";
    let text = "RESOLVED that the decision of minute 45 be rescinded (illustrative).";
    record(
        &app,
        vec![
            item("53", "Homes for Independence Blueprint: rescission"),
            decision(rescinding, "53", text, true, None),
            resolution::Command::Rescind { id: key("west-lindsey-pcc-2021-03-09-45"), by_resolution: key(rescinding) }
                .into(),
        ],
    )
    .await;
    let deleted = json(&app, &consultation).await;
    validate(&deleted);
    assert_eq!(deleted["deleted"], true, "{deleted}");
    let now = crawl(&app, "").await;
    assert!(!now.contains_key(&consultation), "not listed without modified_since");
    let blueprint = &now[&app.url("/oparl/v1/papers/lincolnshire-homes-for-independence-blueprint")];
    let inside: Vec<&Value> = blueprint["consultation"].as_array().map(|c| c.iter().collect()).unwrap_or_default();
    assert!(inside.iter().all(|c| c["id"] != consultation.as_str()), "nor inside its paper");
    let changed = crawl(&app, "&modified_since=2000-01-01T00:00:00%2B00:00").await;
    assert_eq!(changed[&consultation], deleted);
    app.stop().await;
}

on_both_backends!(
    a_rescinded_resolution_s_consultation_is_deleted,
    every_answer_is_valid_against_the_oparl_schemas_and_every_list_pages_to_its_end,
    an_exempt_resolution_appears_in_no_oparl_answer_nor_count,
    a_withdrawn_instrument_is_a_deleted_paper_listed_only_when_asked_what_changed,
);
