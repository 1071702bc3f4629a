//! Authentication: the bearer token of a request, checked against the stored hashes, gives the
//! [`Principal`] the request acts for. What the principal may do is `app::access`'s to decide.

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
        let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
        let (Some(header), None) = (headers.next(), headers.next()) else {
            if parts.headers.contains_key(AUTHORIZATION) {
                return Err(ApiError::bad_request(
                    "the request has more than one Authorization header: send exactly one, Authorization: Bearer TOKEN",
                    "Authorization",
                ));
            }
            return Err(ApiError::Unauthenticated(
                "the request has no bearer token: send Authorization: Bearer TOKEN, with a token from `covenant token create`".to_owned(),
            ));
        };
        let token =
            header.to_str().ok().and_then(|value| value.strip_prefix("Bearer ")).map(str::trim).ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the Authorization header is not a bearer token: send Authorization: Bearer TOKEN".to_owned(),
                )
            })?;
        let principal = app::authenticate(service.stores.tokens.as_ref(), token, kernel::Timestamp::now()).await?;
        Ok(Authenticated(principal))
    }
}
