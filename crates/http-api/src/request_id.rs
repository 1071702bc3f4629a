//! The request id: the client's `x-request-id`, or one generated (a UUID) when it sends none,
//! echoed in the answer's `x-request-id`, carried by the span of every log line the request
//! causes (its `request` span, closed by one line saying how it was answered), and named by the
//! `instance` of any problem document it is answered with.

use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

/// The header that carries the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    /// The id of the request being answered by this task.
    static CURRENT: String;
}

/// Runs the rest of the request with its id at hand for [`instance`]. Runs after the id was set,
/// so the header is always there.
pub(crate) async fn scope(request: Request, next: Next) -> Response {
    let id = header_id(&request).to_owned();
    CURRENT.scope(id, next.run(request)).await
}

/// The span of one request's log lines: method, path (never the query) and request id.
pub(crate) fn span(request: &Request) -> Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %header_id(request),
    )
}

/// The log line of a request answered.
pub(crate) fn answered(response: &Response, latency: Duration, _span: &Span) {
    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis(), "answered");
}

fn header_id(request: &Request) -> &str {
    request.headers().get(REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// The problem document's `instance` for the request being answered:
/// `urn:covenant:request:` and its id, percent-encoded where the id has characters a URN may
/// not. None outside a request.
pub(crate) fn instance() -> Option<String> {
    CURRENT
        .try_with(|id| {
            let mut urn = String::from("urn:covenant:request:");
            for byte in id.bytes() {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    urn.push(char::from(byte));
                } else {
                    urn.push_str(&format!("%{byte:02X}"));
                }
            }
            urn
        })
        .ok()
}
