//! Health checks: `/healthz` answers while the process is up; `/readyz` answers only while the
//! database answers too and the log's hash chain holds, so a load balancer can take an
//! instance out of rotation, and an operator learns of a broken log.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{ApiError, Service};

/// The answer of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    pub status: &'static str,
    /// The position of the last event in the log (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<u64>,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", head: None })
}

/// The process is up and the database answers.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "The database does not answer, or the log's hash chain is broken (the problem names the first broken position)", body = crate::Problem, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(service): State<Arc<Service>>) -> Result<Json<Health>, ApiError> {
    let head = service.stores.events.head().await?;
    // Caught up, so that a break in events appended since the last answer is found too.
    drop(service.reports.now().await?);
    if let Some(failure) = service.reports.broken().await {
        return Err(ApiError::BrokenLog(failure));
    }
    Ok(Json(Health { status: "ok", head: Some(head.position.0) }))
}
