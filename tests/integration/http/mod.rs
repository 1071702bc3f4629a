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
mod packs;
mod public;
mod queries;
mod restart;
mod sign_in;
mod transparency;
mod webhooks;

use serde_json::Value;

/// Status, content type and body of a response, for snapshots.
pub async fn answer(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = response.text().await.expect("a body");
    let body = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (status, content_type, body)
}
