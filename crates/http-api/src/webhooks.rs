//! Webhook subscriptions over HTTP, for administrators only: list them, add one (its secret
//! shown once), remove one, read one's dead letters and replay them. Every rule is
//! `app::webhooks`'s, the same functions `covenant webhook` calls; this module reads the request
//! and writes the answer.

use std::sync::Arc;

use app::Action;
use app::webhooks::{self, Deliverer, Subscription, WebhookError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Authenticated;
use crate::{ApiError, Service};

/// The webhook endpoints.
pub(crate) fn routes() -> OpenApiRouter<Arc<Service>> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
        .routes(routes!(dead_letters))
        .routes(routes!(replay))
}

/// The subscription the examples of the OpenAPI document show, with the fields of `more` after
/// its name, address and event types.
fn example(more: Value) -> Value {
    let mut example = json!({
        "name": "icb-rag-pack",
        "url": "https://reports.example.org/covenant",
        "event_types": ["commitment.progress_reported", "resolution"]
    });
    if let (Value::Object(example), Value::Object(more)) = (&mut example, more) {
        example.extend(more);
    }
    example
}

fn new_example() -> Value {
    example(json!({}))
}

fn view_example() -> Value {
    example(json!({"created_at": "2026-12-04T19:30:00.123456Z", "position": 226, "dead_letters": 0}))
}

fn added_example() -> Value {
    example(json!({
        "created_at": "2026-12-04T19:30:00.123456Z",
        "secret": "whsec_Eoj54fJ2u7WzqB2xwCWY/3NTbmplbfWP51CmiPm32Fw="
    }))
}

/// A subscription to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = new_example)]
pub struct NewWebhook {
    /// 1 to 64 lowercase letters, digits, '-' and '_', such as icb-rag-pack.
    name: String,
    /// Where events are POSTed: an http or https address. Loopback and private-network
    /// addresses are refused unless covenant.toml allows them.
    url: String,
    /// Event types, such as commitment.progress_reported, or aggregates, such as resolution;
    /// none (or left out) for every event.
    #[serde(default)]
    event_types: Vec<String>,
    /// The signing secret (whsec_ and base64) when the receiver already has one; left out, one
    /// is made and given once in the answer.
    secret: Option<String>,
}

/// A subscription as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = view_example)]
pub struct WebhookView {
    pub name: String,
    pub url: String,
    /// The event types taken; empty for every event.
    pub event_types: Vec<String>,
    pub created_at: String,
    /// Every event up to this position was delivered or given up on.
    pub position: u64,
    /// How many events are dead letters, waiting to be replayed.
    pub dead_letters: usize,
}

/// A subscription just added, with its secret when Covenant made it: shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = added_example)]
pub struct AddedWebhook {
    pub name: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub created_at: String,
    /// The signing secret Covenant made, shown only now; absent when the request gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// An event given up on after its last attempt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"position": 31, "detail": "answered 503 Service Unavailable", "failed_at": "2026-12-04T19:42:10.5Z"}))]
pub struct DeadLetterView {
    pub position: u64,
    /// The receiver's answer to the last attempt, or why there was none.
    pub detail: String,
    pub failed_at: String,
}

/// What a replay did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"delivered": 2, "left": 0}))]
pub struct Replayed {
    /// Dead letters delivered this time; they leave the list.
    pub delivered: usize,
    /// Dead letters that failed again and are kept.
    pub left: usize,
}

/// Every webhook subscription, with how far it has delivered.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "Every subscription, by name; secrets are never listed", body = Vec<WebhookView>),
        crate::problem::NoToken,
        crate::problem::AdminsOnly,
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let stores = &service.stores;
    let mut views = Vec::new();
    for subscription in webhooks::list(stores).await.map_err(refused)? {
        let position = webhooks::position(stores, &subscription).await.map_err(refused)?;
        let dead = webhooks::dead_letters(stores, subscription.name()).await.map_err(refused)?;
        views.push(WebhookView {
            name: subscription.name().to_owned(),
            url: subscription.url().to_owned(),
            event_types: subscription.event_types().to_vec(),
            created_at: subscription.created_at().to_string(),
            position: position.0,
            dead_letters: dead.len(),
        });
    }
    Ok(Json(views))
}

/// Registers a subscription. Delivery starts from the first event of the log, by `covenant
/// serve` or `covenant webhook deliver`.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    request_body(content = NewWebhook, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; the secret Covenant made is in the answer, and shown only now", body = AddedWebhook),
        (status = 400, description = "The body is not JSON of this shape", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        crate::problem::AdminsOnly,
        (status = 409, description = "A subscription of that name exists", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The name, address, an event type or the secret is refused; or the address is, or resolves to, a loopback or private-network one the operator does not allow", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn add(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<AddedWebhook>), ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let body = body.map_err(|e| crate::problem::body_rejection(&e, service.settings.max_body_bytes))?;
    let new: NewWebhook = serde_json::from_slice(&body).map_err(|e| {
        let message = e.to_string();
        ApiError::BadRequest {
            detail: format!(
                "the body is not a webhook subscription ({message}): send {{\"name\": …, \"url\": …, \"event_types\": […]}}, and \"secret\" only when the receiver has one"
            ),
            field: crate::problem::named_field(&message),
        }
    })?;
    let subscription =
        Subscription::parse(&new.name, &new.url, &new.event_types, new.secret.as_deref()).map_err(refused)?;
    webhooks::add(&service.stores, &service.settings.webhooks, &subscription).await.map_err(refused)?;
    let added = AddedWebhook {
        name: subscription.name().to_owned(),
        url: subscription.url().to_owned(),
        event_types: subscription.event_types().to_vec(),
        created_at: subscription.created_at().to_string(),
        secret: new.secret.is_none().then(|| subscription.secret().as_str().to_owned()),
    };
    Ok((StatusCode::CREATED, Json(added)))
}

/// Removes a subscription with its delivery log and dead letters.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{name}",
    tag = "webhooks",
    params(("name" = String, Path, description = "The subscription's name")),
    responses(
        (status = 204, description = "Removed"),
        crate::problem::NoToken,
        crate::problem::AdminsOnly,
        crate::problem::NoSuchSubscription,
    ),
    security(("bearer" = []))
)]
pub async fn remove(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    webhooks::remove(&service.stores, &name).await.map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The events a subscription gave up on, by position, until they are replayed.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{name}/dead-letters",
    tag = "webhooks",
    params(("name" = String, Path, description = "The subscription's name")),
    responses(
        (status = 200, description = "The dead letters, by position", body = Vec<DeadLetterView>),
        crate::problem::NoToken,
        crate::problem::AdminsOnly,
        crate::problem::NoSuchSubscription,
    ),
    security(("bearer" = []))
)]
pub async fn dead_letters(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(name): Path<String>,
) -> Result<Json<Vec<DeadLetterView>>, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let letters = webhooks::dead_letters(&service.stores, &name).await.map_err(refused)?;
    Ok(Json(
        letters
            .into_iter()
            .map(|l| DeadLetterView { position: l.position.0, detail: l.detail, failed_at: l.failed_at.to_string() })
            .collect(),
    ))
}

/// Sends a subscription's dead letters once more, by position; those delivered leave the list.
/// Each attempt waits up to the configured timeout, so many dead letters to a receiver that
/// does not answer can outlast the request's time limit: then replay with `covenant webhook
/// replay`.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{name}/replay",
    tag = "webhooks",
    params(("name" = String, Path, description = "The subscription's name")),
    responses(
        (status = 200, description = "How many were delivered, and how many failed again and are kept", body = Replayed),
        crate::problem::NoToken,
        crate::problem::AdminsOnly,
        crate::problem::NoSuchSubscription,
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(name): Path<String>,
) -> Result<Json<Replayed>, ApiError> {
    principal.require(Action::ManageWebhooks)?;
    let deliverer = Deliverer::new(service.settings.webhooks).map_err(refused)?;
    let (delivered, left) = deliverer.replay(&service.stores, &name).await.map_err(refused)?;
    Ok(Json(Replayed { delivered, left }))
}

/// A refusal of `app::webhooks` in the API's words.
fn refused(error: WebhookError) -> ApiError {
    match error {
        WebhookError::Refused(detail) => ApiError::Unprocessable { detail, field: None },
        WebhookError::Exists(name) => ApiError::Conflict(format!(
            "there is already a webhook named '{name}': DELETE /api/v1/webhooks/{name} first, or choose another name"
        )),
        WebhookError::Unknown(name) => {
            ApiError::NotFound(format!("there is no webhook named '{name}': GET /api/v1/webhooks lists them"))
        }
        WebhookError::Store(error) => error.into(),
        export @ WebhookError::Export(_) => ApiError::Internal(export.to_string()),
    }
}
