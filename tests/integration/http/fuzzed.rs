//! The service under generated input: arbitrary and mutated bodies to every command and import
//! route, and arbitrary query strings to every report route. Never a 5xx; every refusal a 4xx
//! with a problem+json body that leaves the log's head as it was; anything accepted grows the log
//! by exactly the events acknowledged. The inputs come from the same strategies as the parser
//! properties (`crate::parsers`), `PROPTEST_CASES` of each.

use app::Role;
use app::seeds;
use kernel::ChainHead;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;
use tests::{TestApp, TestStore, on_both_backends, spawn_app};

use crate::parsers::{COMMANDS, COMMITTEES, CSV, MEETINGS, cases, input};

/// `count` inputs drawn from `strategy`.
fn draw<S: Strategy>(strategy: S, count: u32) -> Vec<S::Value> {
    let mut runner = TestRunner::default();
    (0..count).map(|_| strategy.new_tree(&mut runner).expect("an input").current()).collect()
}

/// Checks the answer to one generated request sent when the log's head was `before`.
async fn judged(app: &TestApp, before: ChainHead, response: reqwest::Response, what: &str) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.bytes().await.expect("a body");
    assert!(status < 500, "{what}: answered {status}: {}", String::from_utf8_lossy(&body));
    let after = app.chain_head().await;
    if status >= 400 {
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{what}");
        let problem: Value = serde_json::from_slice(&body).expect("a JSON problem");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}");
        assert_eq!(after, before, "{what}: refused, yet the log changed");
    } else if let Some(events) =
        serde_json::from_slice::<Value>(&body).ok().and_then(|a| a["events"].as_array().map(Vec::len))
    {
        assert_eq!(
            after.position.0 - before.position.0,
            events as u64,
            "{what}: the log grew by what was acknowledged"
        );
    }
}

async fn generated_bodies_and_queries_never_get_a_5xx(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    let count = cases().div_ceil(4);
    let routes: [(&str, &str, &'static [&'static str]); 5] = [
        ("/api/v1/commitments", "application/json", COMMANDS),
        ("/api/v1/organisations", "application/json", COMMANDS),
        ("/api/v1/imports/action-plan", "text/csv", CSV),
        ("/api/v1/imports/moderngov?council=GB-LAE-WLI", "application/xml", MEETINGS),
        ("/api/v1/imports/moderngov-committees?council=GB-LAE-WLI", "application/xml", COMMITTEES),
    ];
    for (path, media, seeds) in routes {
        for body in draw(input(seeds), count) {
            let before = app.chain_head().await;
            let response = app
                .client
                .post(app.url(path))
                .bearer_auth(&admin)
                .header("content-type", media)
                .body(body.clone())
                .send()
                .await
                .expect("an answer");
            judged(&app, before, response, &format!("POST {path} {body:.300?}")).await;
        }
    }
    let query = "([a-z_]{1,12}=[^&#]{0,40}&?){0,4}|\\PC{0,80}";
    for report in ["status", "resolutions", "actions", "indicators", "audit"] {
        for text in draw(query, count) {
            let encoded: String = text
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"=&_-.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            let path = format!("/api/v1/{report}?{encoded}");
            let before = app.chain_head().await;
            let response = app.get(&path, &admin).send().await.expect("an answer");
            judged(&app, before, response, &path).await;
        }
    }
    app.stop().await;
}

on_both_backends!(generated_bodies_and_queries_never_get_a_5xx);
