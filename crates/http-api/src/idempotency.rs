//! `Idempotency-Key`: a request sent again with the same key by the same token gets the first
//! answer back, whatever happened since, instead of being carried out twice. The first answer is
//! kept with a hash of the request; the same key on a different request is refused (422), and a
//! request sent while the first with its key is still running is refused (409) rather than run
//! twice. Answers that are the service's fault (5xx) are not kept: a retry runs again.

use std::collections::HashSet;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{Hash, StoredResponse, Timestamp};

use crate::{ApiError, PROBLEM_JSON, Service};

/// The request header naming the key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header saying an answer is the one kept from the first request.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted.
const MAX_KEY: usize = 200;

/// An answer to a command, in the form it is kept in.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub etag: Option<String>,
    /// JSON: the result, or a problem document for a 4xx.
    pub body: String,
}

impl Answer {
    fn response(self, replayed: bool) -> Response {
        let content_type = if self.status.is_success() { "application/json" } else { PROBLEM_JSON };
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(etag) = self.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            headers.insert(header::ETAG, etag);
        }
        if replayed {
            headers.insert(HeaderName::from_static(REPLAYED), HeaderValue::from_static("true"));
        }
        response
    }
}

/// Keys whose first request is still running, per token.
#[derive(Debug, Default)]
pub(crate) struct InFlight(Mutex<HashSet<(String, String)>>);

/// Holds a key in flight until dropped.
struct Claim<'a> {
    in_flight: &'a InFlight,
    entry: (String, String),
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if let Ok(mut keys) = self.in_flight.0.lock() {
            keys.remove(&self.entry);
        }
    }
}

impl InFlight {
    fn claim(&self, scope: &str, key: &str) -> Option<Claim<'_>> {
        let entry = (scope.to_owned(), key.to_owned());
        let mut keys = self.0.lock().ok()?;
        keys.insert(entry.clone()).then_some(Claim { in_flight: self, entry })
    }
}

/// The request's idempotency key, if it has one.
pub(crate) fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let key = value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= MAX_KEY);
    match key {
        Some(key) => Ok(Some(key.to_owned())),
        None => Err(ApiError::bad_request(
            format!(
                "the Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters: use a fresh UUID per request"
            ),
            "Idempotency-Key",
        )),
    }
}

/// Runs `work` once per key of `scope`: the first time, keeping its answer; after that, giving
/// back the kept answer. Without a key, simply runs `work`.
pub(crate) async fn once(
    service: &Service,
    scope: &str,
    key: Option<String>,
    request: Hash,
    work: impl Future<Output = Result<Answer, ApiError>>,
) -> Result<Response, ApiError> {
    let Some(key) = key else {
        return Ok(work.await?.response(false));
    };
    let store = service.stores.idempotency.as_ref();
    if let Some(kept) = store.find_response(scope, &key).await? {
        return replay(kept, request);
    }
    let Some(_claim) = service.in_flight.claim(scope, &key) else {
        return Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being answered: wait for its answer, then send again to get it".to_owned(),
        ));
    };
    if let Some(kept) = store.find_response(scope, &key).await? {
        return replay(kept, request);
    }
    let answer = match work.await {
        Ok(answer) => answer,
        Err(error) if error.status().is_client_error() => Answer {
            status: error.status(),
            etag: None,
            body: serde_json::to_string(&error.problem()).unwrap_or_default(),
        },
        Err(error) => return Err(error),
    };
    let kept = StoredResponse {
        scope: scope.to_owned(),
        key,
        request_hash: request,
        status: answer.status.as_u16(),
        etag: answer.etag.clone(),
        body: answer.body.clone(),
        created_at: Timestamp::now(),
    };
    store.save_response(&kept).await?;
    Ok(answer.response(false))
}

fn replay(kept: StoredResponse, request: Hash) -> Result<Response, ApiError> {
    if kept.request_hash != request {
        return Err(ApiError::Unprocessable {
            detail: format!(
                "the Idempotency-Key '{}' was first used for a different request: use a fresh key for each new request, and the same key only to send the same request again",
                kept.key
            ),
            field: Some("Idempotency-Key".to_owned()),
        });
    }
    let status = StatusCode::from_u16(kept.status)
        .map_err(|_| ApiError::Internal(format!("a kept answer has status {}", kept.status)))?;
    Ok(Answer { status, etag: kept.etag, body: kept.body }.response(true))
}
