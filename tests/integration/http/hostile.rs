//! Hostile and malformed requests: oversized, slow and deeply nested bodies, invalid UTF-8, SQL
//! injection and path traversal in every string field and filter, and abused headers. Each is
//! refused with a 4xx (a problem+json body wherever our code answers) and leaves the log's head,
//! position and hash, as it was; injection text in a field that is otherwise valid is recorded as
//! plain text and does nothing else. A control character in any text, or a key given twice in a
//! command's JSON, is refused naming the field, on both databases alike.

use std::time::Duration;

use app::Role;
use app::seeds;
use http_api::Settings;
use kernel::ChainHead;
use serde_json::{Value, json};
use tests::{TestApp, TestStore, on_both_backends, spawn_app, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Text that would do harm if it reached SQL or a file path unescaped.
const HOSTILE: &[&str] = &[
    "'; DROP TABLE events; --",
    "' OR 1=1 --",
    "\" OR \"\"=\"",
    "1); DELETE FROM access_tokens; --",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..\\..\\windows\\win.ini",
];

/// Asserts that `response` is a refusal: a 4xx with a problem+json body, and nothing written.
async fn refused(app: &TestApp, before: ChainHead, response: reqwest::Response, what: &str) -> u16 {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.bytes().await.expect("a body");
    assert!((400..500).contains(&status), "{what}: answered {status}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{what}");
    let problem: Value = serde_json::from_slice(&body).expect("a JSON problem");
    assert_eq!(problem["status"], status, "{what}");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{what}: {problem}");
    assert_eq!(app.chain_head().await, before, "{what} wrote to the log");
    status
}

/// Sends `request` as raw bytes over its own connection and returns the status, the head in
/// lower case, and the body.
async fn raw(app: &TestApp, request: &[u8]) -> (u16, String, Vec<u8>) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("a connection");
    // The server may answer and close before reading all of a hostile request.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 20 seconds")
        .expect("the answer reads");
    split(&answer)
}

fn split(answer: &[u8]) -> (u16, String, Vec<u8>) {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP head");
    let head = String::from_utf8_lossy(&answer[..end]).to_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, head, answer[end + 4..].to_vec())
}

async fn oversized_bodies_are_refused_with_413(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let before = app.chain_head().await;
    let limit = Settings::default().max_body_bytes;
    let narrative = "Half the plan delivered. ".repeat(limit / 25 + 1);
    let command = json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber",
        "percent_complete": 50, "narrative": narrative, "period": {"label": "2023/24"}, "reported_on": "2024-04-01"});
    let response = app.post("/api/v1/commitments", &token, &command).send().await.expect("an answer");
    assert_eq!(refused(&app, before, response, "a command over the limit").await, 413);

    let csv = format!(
        "{}{}",
        app::interchange::action_plan::template(kernel::Timestamp::now().as_datetime().date_naive()),
        "x,".repeat(limit / 2 + 1)
    );
    let response = app
        .client
        .post(app.url("/api/v1/imports/action-plan"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused(&app, before, response, "an import over the limit").await, 413);

    // Sent in chunks with no Content-Length, so only counting the bytes can find it too large.
    let chunks = (0..limit / 65_536 + 2).map(|_| Ok::<_, std::io::Error>(vec![b' '; 65_536]));
    let response = app
        .client
        .post(app.url("/api/v1/commitments"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused(&app, before, response, "a chunked body over the limit").await, 413);
    app.stop().await;
}

async fn a_body_sent_too_slowly_is_refused_with_408(db: &TestStore) {
    let settings = Settings { request_timeout: Duration::from_secs(1), ..Settings::default() };
    let app = spawn_app_with(db, settings).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let before = app.chain_head().await;
    let body = json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber",
        "percent_complete": 50, "narrative": "Half the plan delivered.", "period": {"label": "2023/24"},
        "reported_on": "2024-04-01"})
    .to_string();
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("a connection");
    let head = format!(
        "POST /api/v1/commitments HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("the head is sent");
    // A byte every 100 ms: the whole body would take far longer than the 1 second limit.
    let mut answer = Vec::new();
    for byte in body.as_bytes() {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        let mut buffer = [0; 4096];
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => {}
        }
        if answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let (status, head, body) = split(&answer);
    assert_eq!(status, 408, "{head}");
    assert!(head.contains("content-type: application/problem+json"), "{head}");
    let problem: Value = serde_json::from_slice(&body).expect("a JSON problem");
    assert_eq!(problem["type"], "urn:covenant:problem:body-timeout");
    assert_eq!(app.chain_head().await, before, "a slow body wrote to the log");
    app.stop().await;
}

async fn a_request_head_sent_too_slowly_is_cut_off(db: &TestStore) {
    let settings = Settings { request_timeout: Duration::from_secs(1), ..Settings::default() };
    let app = spawn_app_with(db, settings).await;
    app.load(&seeds::lincolnshire()).await;
    let before = app.chain_head().await;
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("a connection");
    let head = format!("GET /api/v1/status HTTP/1.1\r\nHost: {address}\r\nX-Slow: {}", "x".repeat(100));
    // A byte every 100 ms: the whole head would take over 10 seconds; the limit is 1 second.
    let started = std::time::Instant::now();
    let mut closed = false;
    for byte in head.as_bytes() {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        let mut buffer = [0; 1024];
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => panic!("an answer to an unfinished head: {}", String::from_utf8_lossy(&buffer[..n])),
            Err(_) => {}
        }
    }
    assert!(closed, "the connection was still open after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(5), "cut off after {:?}", started.elapsed());
    assert_eq!(app.chain_head().await, before);
    app.stop().await;
}

async fn deep_nesting_and_invalid_utf8_are_refused(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let reader = app.token(Role::Reader, None).await;
    let before = app.chain_head().await;
    let send = |path: &str, media: &str, body: Vec<u8>| {
        app.client.post(app.url(path)).bearer_auth(&token).header("content-type", media).body(body).send()
    };
    let deep_array = "[".repeat(100_000).into_bytes();
    let deep_object = "{\"a\":".repeat(100_000).into_bytes();
    let mut invalid = br#"{"command": "report_progress", "id": "hhcdg-delivery-plan", "narrative": ""#.to_vec();
    invalid.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    invalid.extend_from_slice(b"\"}");
    for (what, body) in [("deep arrays", deep_array), ("deep objects", deep_object), ("invalid UTF-8", invalid)] {
        let response = send("/api/v1/commitments", "application/json", body).await.expect("an answer");
        refused(&app, before, response, what).await;
    }
    let deep_xml = "<GetMeeting>".repeat(100_000).into_bytes();
    let imports = [
        ("/api/v1/imports/action-plan", "text/csv", vec![0xff, 0xfe, b',', 0xc3, 0x28, b'\n']),
        ("/api/v1/imports/moderngov?council=GB-LAE-WLI", "application/xml", vec![b'<', 0xff, 0xfe, b'>']),
        ("/api/v1/imports/moderngov?council=GB-LAE-WLI", "application/xml", deep_xml.clone()),
        ("/api/v1/imports/moderngov-committees?council=GB-LAE-WLI", "application/xml", deep_xml),
    ];
    for (path, media, body) in imports {
        let response = send(path, media, body).await.expect("an answer");
        refused(&app, before, response, path).await;
    }
    // Invalid UTF-8 percent-encoded in a query string, and raw in the request line.
    let response = app.get("/api/v1/actions?organisation=%FF%FE", &reader).send().await.expect("an answer");
    refused(&app, before, response, "invalid UTF-8 in a filter").await;
    let mut request = b"GET /api/v1/status?instrument=".to_vec();
    request.extend_from_slice(&[0xff, 0xfe]);
    request.extend_from_slice(
        format!(" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {reader}\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    let (status, head, _) = raw(&app, &request).await;
    assert_eq!(status, 400, "raw invalid UTF-8 in the request line: {head}");
    assert_eq!(app.chain_head().await, before);
    app.stop().await;
}

/// Commands that are valid against the Lincolnshire story, each with string fields to abuse.
fn commands() -> Vec<(&'static str, Value)> {
    vec![
        (
            "/api/v1/commitments",
            json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber", "percent_complete": 50,
                "narrative": "Half the plan delivered.", "evidence_refs": ["HHCDG minutes, April 2024"],
                "period": {"label": "2023/24"}, "reported_on": "2024-04-01"}),
        ),
        (
            "/api/v1/commitments",
            json!({"command": "make", "id": "hhcdg-rural-adaptations", "title": "Adaptations for rural households",
                "organisation": "GB-LAE-WLI", "lead": "Housing Services Manager",
                "towards": {"instrument": "lincolnshire-homes-for-independence-blueprint", "objective": "plan-ahead"},
                "due_on": "2026-03-31", "made_on": "2025-04-01"}),
        ),
        (
            "/api/v1/organisations",
            json!({"command": "register", "id": "GB-LAE-NKE", "name": "North Kesteven District Council", "kind": "local_authority"}),
        ),
        (
            "/api/v1/instruments",
            json!({"command": "start_review", "id": "lincolnshire-homes-for-independence-blueprint", "started_on": "2024-01-01", "reason": "three years on"}),
        ),
    ]
}

/// Every copy of `command` with one string in it replaced by `text`.
fn with_each_string(command: &Value, text: &str) -> Vec<(String, Value)> {
    fn walk(value: &Value, path: String, text: &str, root: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::String(_) => {
                let mut copy = root.clone();
                *copy.pointer_mut(&path).expect("the path exists") = text.into();
                out.push((path, copy));
            }
            Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    walk(item, format!("{path}/{n}"), text, root, out);
                }
            }
            Value::Object(fields) => {
                for (name, field) in fields {
                    walk(field, format!("{path}/{name}"), text, root, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(command, String::new(), text, command, &mut out);
    out
}

async fn injection_in_every_command_field_is_refused_or_kept_as_text(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let (mut kept, mut refusals) = (0, 0);
    for (path, command) in commands() {
        for text in HOSTILE {
            for (field, body) in with_each_string(&command, text) {
                let what = format!("{path} {field} = {text:?}");
                let before = app.chain_head().await;
                let response = app.post(path, &token, &body).send().await.expect("an answer");
                let status = response.status().as_u16();
                assert!(status < 500, "{what}: answered {status}");
                if status >= 400 {
                    refused(&app, before, response, &what).await;
                    refusals += 1;
                    continue;
                }
                let answer: Value = response.json().await.expect("a JSON answer");
                let recorded = answer["events"].as_array().expect("the events recorded").len() as u64;
                let events = app.stores.events.read_all(before.position, 100).await.expect("the new events read");
                assert_eq!(events.len() as u64, recorded, "{what}: the log grew by exactly what was acknowledged");
                let stored: Vec<String> = events.iter().map(|e| e.payload.as_str().to_owned()).collect();
                let quoted = serde_json::to_string(text).expect("a JSON string");
                assert!(stored.iter().any(|p| p.contains(&quoted)), "{what}: the text is kept verbatim: {stored:?}");
                kept += 1;
            }
        }
    }
    assert!(kept > 0 && refusals > 0, "both outcomes were exercised: {kept} kept, {refusals} refused");
    // Where a command names its source and the time it happened, in the query string.
    for text in HOSTILE {
        let before = app.chain_head().await;
        let (path, command) = &commands()[0];
        let response = app
            .client
            .post(app.url(path))
            .query(&[("occurred_at", text)])
            .bearer_auth(&token)
            .json(command)
            .send()
            .await
            .expect("an answer");
        refused(&app, before, response, &format!("occurred_at = {text:?}")).await;
        let response =
            app.client.post(app.url(path)).query(&[("source", text)]).bearer_auth(&token).json(command).send().await;
        assert_eq!(response.expect("an answer").status(), 201, "source = {text:?} is kept as text");
        let events = app.stores.events.read_all(before.position, 10).await.expect("the new event read");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].metadata.source.as_deref(), Some(*text), "the source is kept verbatim");
    }
    // The log and the tokens are intact: the chain verifies, and the token still works.
    let auditor = app.token(Role::Auditor, None).await;
    let verified: Value =
        app.get("/api/v1/verify", &auditor).send().await.expect("an answer").json().await.expect("JSON");
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["head_position"], app.head().await, "{verified}");
    app.stop().await;
}

/// A problem document's `field` and `detail`.
async fn problem(response: reqwest::Response) -> (Option<String>, String) {
    let problem: Value = response.json().await.expect("a JSON problem");
    (problem["field"].as_str().map(str::to_owned), problem["detail"].as_str().unwrap_or_default().to_owned())
}

async fn control_characters_and_keys_given_twice_are_refused_naming_the_field(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    // A NUL or an escape in any string of any command: refused, nothing written.
    for (path, command) in commands() {
        for text in ["Half\u{0}done", "Half\u{1b}[31mdone", "Half\u{7f}done"] {
            for (field, body) in with_each_string(&command, text) {
                let what = format!("{path} {field} = {text:?}");
                let before = app.chain_head().await;
                let response = app.post(path, &token, &body).send().await.expect("an answer");
                refused(&app, before, response, &what).await;
            }
        }
    }
    // Free text names its field and where the character is.
    let (path, command) = &commands()[0];
    for (field, expected) in
        [("narrative", "narrative"), ("period", "period.label"), ("evidence_refs", "evidence_refs[0]")]
    {
        let mut body = command.clone();
        body[field] = match field {
            "period" => json!({"label": "2023/24\u{0}"}),
            "evidence_refs" => json!(["HHCDG minutes\u{0}"]),
            _ => "Half the plan\u{0} delivered.".into(),
        };
        let before = app.chain_head().await;
        let response = app.post(path, &token, &body).send().await.expect("an answer");
        assert_eq!(response.status(), 422, "{field}");
        let (named, detail) = problem(response).await;
        assert_eq!(named.as_deref(), Some(expected), "{detail}");
        assert!(detail.contains(&format!("{expected} contains a control character (U+0000) at byte")), "{detail}");
        assert!(detail.ends_with("remove it"), "{detail}");
        assert_eq!(app.chain_head().await, before, "{field} wrote to the log");
    }
    let before = app.chain_head().await;
    let response = app
        .client
        .post(app.url(path))
        .query(&[("source", "West Lindsey minute 45\u{0}")])
        .bearer_auth(&token)
        .json(command)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 422);
    let (named, detail) = problem(response).await;
    assert_eq!(named.as_deref(), Some("source"), "{detail}");
    assert!(detail.contains("source contains a control character (U+0000) at byte 22: remove it"), "{detail}");
    assert_eq!(app.chain_head().await, before, "a NUL in the source wrote to the log");
    // Tab, newline and carriage return are text.
    let mut lines = command.clone();
    lines["narrative"] = "Half the plan delivered.\r\nNext:\tthe review.".into();
    let response = app.post(path, &token, &lines).send().await.expect("an answer");
    assert_eq!(response.status(), 201, "tab, newline and carriage return are kept");

    // A key given twice, at the top or deeper: refused, naming the key, whichever copy comes last.
    let text = command.to_string();
    for (what, body) in [
        ("id twice", text.replacen("\"id\":", "\"id\":\"hhcdg-other-plan\",\"id\":", 1)),
        ("label twice", text.replacen("\"label\":", "\"label\":\"2020/21\",\"label\":", 1)),
    ] {
        assert_ne!(body, text, "{what}");
        let before = app.chain_head().await;
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 400, "{what}");
        let (named, detail) = problem(response).await;
        let key = what.trim_end_matches(" twice");
        assert_eq!(named.as_deref(), Some(key), "{what}: {detail}");
        assert_eq!(detail, format!("the key \"{key}\" appears twice: give each key once"), "{what}");
        assert_eq!(app.chain_head().await, before, "{what} wrote to the log");
    }
    app.stop().await;
}

async fn injection_and_traversal_in_every_filter_are_refused_or_match_nothing(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let admin = app.token(Role::Admin, None).await;
    let before = app.chain_head().await;
    let reports = [
        ("status", "instruments"),
        ("resolutions", "resolutions"),
        ("actions", "rows"),
        ("indicators", "indicators"),
        ("audit", "entries"),
    ];
    let filters = [
        "instrument",
        "body",
        "organisation",
        "from",
        "to",
        "as_of",
        "known_on",
        "today",
        "position",
        "by",
        "stream",
        "actor",
        "offset",
        "limit",
    ];
    let mut values: Vec<String> = HOSTILE.iter().map(|t| (*t).to_owned()).collect();
    values.push("\u{fffd}\u{0}\u{1b}[2J".to_owned());
    let mut served = 0;
    for (report, rows) in reports {
        let path = format!("/api/v1/{report}");
        for filter in filters {
            for value in &values {
                let what = format!("{path}?{filter}={value:?}");
                let response =
                    app.get(&path, &admin).query(&[(filter, value.as_str())]).send().await.expect("an answer");
                let status = response.status().as_u16();
                if status >= 400 {
                    refused(&app, before, response, &what).await;
                    continue;
                }
                assert_eq!(status, 200, "{what}");
                let page: Value = response.json().await.expect("a JSON report");
                assert_eq!(page["page"]["total"], 0, "{what}: free text matches nothing: {page}");
                assert_eq!(page[rows].as_array().map(Vec::len), Some(0), "{what}");
                served += 1;
            }
        }
        for value in &values {
            let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
            let response = app.get(&format!("/api/v1/status/{encoded}"), &admin).send().await.expect("an answer");
            refused(&app, before, response, &format!("/api/v1/status/{value:?}")).await;
        }
    }
    assert!(served > 0, "free-text filters (stream, actor) are served, matching nothing");
    // Traversal in the path itself, sent as is so that no client normalises it.
    let request = format!(
        "GET /api/v1/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n"
    );
    let (status, head, body) = raw(&app, request.as_bytes()).await;
    assert_eq!(status, 404, "{head}");
    assert!(head.contains("content-type: application/problem+json"), "{head}");
    assert!(!String::from_utf8_lossy(&body).contains("root:"), "no file is served");
    assert_eq!(app.chain_head().await, before);
    app.stop().await;
}

async fn abused_headers_are_refused(db: &TestStore) {
    let app = spawn_app(db).await;
    app.load(&seeds::lincolnshire()).await;
    let token = app.token(Role::Secretariat, None).await;
    let before = app.chain_head().await;
    let command = json!({"command": "report_progress", "id": "hhcdg-delivery-plan", "status": "amber",
        "percent_complete": 50, "narrative": "Half the plan delivered.", "period": {"label": "2023/24"},
        "reported_on": "2024-04-01"})
    .to_string();
    let post = |headers: &str, body: &str| {
        format!("POST /api/v1/commitments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n{body}")
    };
    let auth = format!("Authorization: Bearer {token}\r\n");
    let json_length = format!("Content-Type: application/json\r\nContent-Length: {}\r\n", command.len());

    // Answered by our code: problem+json.
    let ours = [
        (
            "a second Authorization header",
            format!("{auth}Authorization: Bearer cov_0000000000000000_00\r\n{json_length}"),
            400,
        ),
        ("a second, identical Authorization header", format!("{auth}{auth}{json_length}"), 400),
        ("a Basic Authorization header", format!("Authorization: Basic YWRtaW46YWRtaW4=\r\n{json_length}"), 401),
        (
            "Content-Type: text/plain",
            format!("{auth}Content-Type: text/plain\r\nContent-Length: {}\r\n", command.len()),
            415,
        ),
        (
            "an Authorization header that is not text",
            format!("Authorization: Bearer \u{00e9}\u{00e9}\r\n{json_length}"),
            401,
        ),
    ];
    for (what, headers, expected) in ours {
        let (status, head, body) = raw(&app, post(&headers, &command).as_bytes()).await;
        assert_eq!(status, expected, "{what}: {head}");
        assert!(head.contains("content-type: application/problem+json"), "{what}: {head}");
        let problem: Value = serde_json::from_slice(&body).expect("a JSON problem");
        assert_eq!(problem["status"], expected, "{what}");
        assert_eq!(app.chain_head().await, before, "{what} wrote to the log");
    }

    // Answered by the HTTP stack before any of our code runs: only the status is ours to check.
    let huge = "x".repeat(1_000_000);
    let many: String = (0..200).map(|n| format!("X-Filler-{n}: {n}\r\n")).collect();
    let stack = [
        ("a 1 MB header", format!("{auth}X-Huge: {huge}\r\n{json_length}"), 431),
        ("200 headers", format!("{auth}{many}{json_length}"), 431),
        ("Content-Length: abc", format!("{auth}Content-Type: application/json\r\nContent-Length: abc\r\n"), 400),
        ("Content-Length: -1", format!("{auth}Content-Type: application/json\r\nContent-Length: -1\r\n"), 400),
        (
            "two different Content-Lengths",
            format!(
                "{auth}Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: {}\r\n",
                command.len()
            ),
            400,
        ),
    ];
    for (what, headers, expected) in stack {
        let (status, head, _) = raw(&app, post(&headers, &command).as_bytes()).await;
        assert_eq!(status, expected, "{what}: {head}");
        assert_eq!(app.chain_head().await, before, "{what} wrote to the log");
    }
    app.stop().await;
}

on_both_backends!(
    oversized_bodies_are_refused_with_413,
    a_body_sent_too_slowly_is_refused_with_408,
    a_request_head_sent_too_slowly_is_cut_off,
    deep_nesting_and_invalid_utf8_are_refused,
    injection_in_every_command_field_is_refused_or_kept_as_text,
    control_characters_and_keys_given_twice_are_refused_naming_the_field,
    injection_and_traversal_in_every_filter_are_refused_or_match_nothing,
    abused_headers_are_refused,
);
