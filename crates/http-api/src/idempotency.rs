//! `Idempotency-Key`: a request sent again with the same key by the same token is carried out
//! once, and gets the first answer back. The key is claimed in the database before the request
//! runs; the same key sent meanwhile (to this process or another on the same database) waits
//! for the first request's answer and gives it back. A holder that gives no answer within
//! [`HOLDER_WAIT`] is taken to have died, and the request runs anyway: its event ids derive from
//! the key ([`app::IdSeed`]), so the recorder finds the events the first request recorded, if
//! it recorded any, instead of recording them again. Only final answers are kept (see
//! [`is_final`]); the same key on a different request is refused (422).

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{Hash, KeyClaim, StoredResponse, Timestamp};

use crate::{ApiError, PROBLEM_JSON, Service};

/// The request header naming the key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header saying an answer is the one kept from the first request.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted.
const MAX_KEY: usize = 200;
/// How long a request waits for the answer of the request holding its key before running
/// itself, the holder presumed dead.
pub(crate) const HOLDER_WAIT: Duration = Duration::from_secs(2);
/// How often a waiting request looks for that answer.
const POLL: Duration = Duration::from_millis(20);

/// An answer to a command, in the form it is kept in.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub etag: Option<String>,
    /// JSON: the result, or a problem document for a 4xx.
    pub body: String,
}

impl Answer {
    /// The answer as an API response; `replayed` when it is the one kept from the first request.
    pub(crate) fn response(self, replayed: bool) -> Response {
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

/// Runs `work` once per key of `scope`: the first time, keeping its answer if final; after
/// that, giving back the kept answer. Without a key, simply runs `work`. Gives the answer, and
/// whether it is the kept one.
pub(crate) async fn once(
    service: &Service,
    scope: &str,
    key: Option<String>,
    request: Hash,
    work: impl Future<Output = Result<Answer, ApiError>>,
) -> Result<(Answer, bool), ApiError> {
    let Some(key) = key else {
        return Ok((work.await?, false));
    };
    let store = service.stores.idempotency.as_ref();
    if let Some(kept) = store.find_response(scope, &key).await? {
        return replay(kept, request);
    }
    let claim =
        KeyClaim { scope: scope.to_owned(), key: key.clone(), request_hash: request, claimed_at: Timestamp::now() };
    let waiting = Instant::now();
    let held = loop {
        let Some(holder) = store.claim(&claim).await? else { break true };
        if holder.request_hash != request {
            return Err(different_request(&key));
        }
        let age = Timestamp::now().as_micros().saturating_sub(holder.claimed_at.as_micros());
        let dead = u128::try_from(age).unwrap_or(0) > service.settings.request_timeout.as_micros();
        if dead || waiting.elapsed() >= HOLDER_WAIT {
            break false;
        }
        tokio::time::sleep(POLL).await;
        if let Some(kept) = store.find_response(scope, &key).await? {
            return replay(kept, request);
        }
    };
    let answered = keep(service, &claim, work.await).await;
    if held {
        store.release(scope, &key).await?;
    }
    answered
}

/// Keeps the answer of the request `claim` stands for when it is final, and gives it; gives the
/// answer kept by another request instead when that one kept its answer first.
async fn keep(
    service: &Service,
    claim: &KeyClaim,
    answer: Result<Answer, ApiError>,
) -> Result<(Answer, bool), ApiError> {
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) if is_final(error.status()) => Answer {
            status: error.status(),
            etag: None,
            body: serde_json::to_string(&error.problem()).unwrap_or_default(),
        },
        Err(error) => return Err(error),
    };
    if !is_final(answer.status) {
        return Ok((answer, false));
    }
    let store = service.stores.idempotency.as_ref();
    let kept = StoredResponse {
        scope: claim.scope.clone(),
        key: claim.key.clone(),
        request_hash: claim.request_hash,
        status: answer.status.as_u16(),
        etag: answer.etag.clone(),
        body: answer.body.clone(),
        created_at: Timestamp::now(),
    };
    if !store.save_response(&kept).await? {
        if let Some(first) = store.find_response(&claim.scope, &claim.key).await? {
            return replay(first, claim.request_hash);
        }
    }
    Ok((answer, false))
}

/// Whether an answer is final, and so kept under its key: a success, or a refusal that the same
/// request would get again. A timeout (408), a conflict with other writers (409), too many
/// requests (429) and the service's own failures (5xx) may go otherwise on a retry, so a retry
/// runs again.
pub(crate) fn is_final(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error()
            && !matches!(status, StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS))
}

fn different_request(key: &str) -> ApiError {
    ApiError::Unprocessable {
        detail: format!(
            "the Idempotency-Key '{key}' was first used for a different request: use a fresh key for each new request, and the same key only to send the same request again"
        ),
        field: Some("Idempotency-Key".to_owned()),
    }
}

fn replay(kept: StoredResponse, request: Hash) -> Result<(Answer, bool), ApiError> {
    if kept.request_hash != request {
        return Err(different_request(&kept.key));
    }
    let status = StatusCode::from_u16(kept.status)
        .map_err(|_| ApiError::Internal(format!("a kept answer has status {}", kept.status)))?;
    Ok((Answer { status, etag: kept.etag, body: kept.body }, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_final_answers_are_kept() {
        for kept in [200, 201, 400, 403, 404, 412, 413, 415, 422] {
            assert!(is_final(StatusCode::from_u16(kept).expect("a status")), "{kept} is final");
        }
        for retried in [408, 409, 429, 500, 503] {
            assert!(!is_final(StatusCode::from_u16(retried).expect("a status")), "{retried} is not kept");
        }
    }
}
