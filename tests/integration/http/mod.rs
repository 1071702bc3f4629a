//! The HTTP service, started for real on a free port and spoken to over HTTP, on both backends.

mod authentication;
mod authorization;
mod basics;
mod broken_log;
mod commands;
mod dashboard;
mod described;
mod export;
mod faults;
mod feed;
mod forms;
mod fuzzed;
mod hostile;
mod imports;
mod limits;
mod observability;
mod oparl;
mod packs;
mod public;
mod queries;
mod restart;
mod sign_in;
mod transparency;
mod webhooks;

use serde_json::Value;

/// Status, content type and body of a response, for snapshots. A problem document's
/// `instance` must name the answer's `x-request-id`; it is checked here and left out of the body,
/// as it differs from request to request.
pub async fn answer(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let content_type = header("content-type");
    let request_id = header(http_api::REQUEST_ID);
    assert!(!request_id.is_empty(), "every answer has an x-request-id");
    let body = response.text().await.expect("a body");
    let mut body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    if content_type == http_api::PROBLEM_JSON {
        let instance = body.as_object_mut().and_then(|problem| problem.remove("instance"));
        assert_eq!(
            instance.as_ref().and_then(Value::as_str),
            Some(format!("urn:covenant:request:{request_id}").as_str()),
            "the problem's instance names the request: {body}"
        );
    }
    (status, content_type, body)
}
