//! `GET /api/v1/verify`: recompute the hash chain of the whole log, as `covenant verify` does,
//! and say whether it holds and where it first breaks.

use std::sync::Arc;

use app::Action;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::{ApiError, Service};

/// What verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    /// True when every event's hash matches its content and its predecessor's hash.
    pub verified: bool,
    /// How many events were checked.
    pub checked: u64,
    /// The position and hash of the last event that verified.
    pub head_position: u64,
    pub head_hash: String,
    /// Where the chain first breaks, and how, when it does.
    pub failure: Option<String>,
}

/// Recompute the hash chain of the log.
#[utoipa::path(
    get,
    path = "/api/v1/verify",
    tag = "feed",
    responses(
        (status = 200, description = "What verification found", body = Verification),
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not verify", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn verify(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
) -> Result<Json<Verification>, ApiError> {
    principal.require(Action::Verify)?;
    Ok(Json(check(&service).await?))
}

/// Recomputes the hash chain of the whole log.
pub(crate) async fn check(service: &Service) -> Result<Verification, ApiError> {
    let report = service.stores.events.verify(None).await?;
    Ok(Verification {
        verified: report.is_ok(),
        checked: report.checked,
        head_position: report.verified_head.position.0,
        head_hash: report.verified_head.hash.to_hex(),
        failure: report.failure.map(|f| f.to_string()),
    })
}
