//! Authentication: the token of a request, checked against the stored hashes, gives the
//! [`Principal`] the request acts for. The API reads the token from the bearer header; the
//! dashboard reads it from the bearer header or its session cookie, and checks it here too, on
//! every request. What the principal may do is `app::access`'s to decide.

use std::sync::Arc;

use app::Principal;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::{ApiError, Service};

/// The principal of a request that carries a valid bearer token.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Principal);

impl FromRequestParts<Arc<Service>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, service: &Arc<Service>) -> Result<Self, ApiError> {
        let token = bearer(parts)?.ok_or_else(|| {
            ApiError::Unauthenticated(
                "the request has no bearer token: send Authorization: Bearer TOKEN, with a token from `covenant token create`".to_owned(),
            )
        })?;
        Ok(Authenticated(principal(service, token).await?))
    }
}

/// The bearer token of the request, or none when it sends no `Authorization` header.
pub(crate) fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let header = match (headers.next(), headers.next()) {
        (None, _) => return Ok(None),
        (Some(header), None) => header,
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "the request has more than one Authorization header: send exactly one, Authorization: Bearer TOKEN",
                "Authorization",
            ));
        }
    };
    header.to_str().ok().and_then(|value| value.strip_prefix("Bearer ")).map(str::trim).map(Some).ok_or_else(|| {
        ApiError::Unauthenticated(
            "the Authorization header is not a bearer token: send Authorization: Bearer TOKEN".to_owned(),
        )
    })
}

/// The principal `token` acts for, when it is a token Covenant issued that has neither been
/// revoked nor expired.
pub(crate) async fn principal(service: &Service, token: &str) -> Result<Principal, ApiError> {
    Ok(app::authenticate(service.stores.tokens.as_ref(), token, kernel::Timestamp::now()).await?)
}
