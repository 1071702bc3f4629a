//! The one error type of the HTTP service, and the one place it becomes an HTTP response: an
//! `application/problem+json` body (RFC 9457) with a `type`, a `title`, the `status`, a `detail`
//! that tells the caller what to do, the `instance` that names the request by its
//! `x-request-id` (the id in the service's log lines of that request), and the offending `field`
//! where there is one.
//!
//! Architecture Invariant: a 5xx body reveals nothing internal. What went wrong is logged on the
//! server; the caller is told only that it did, and what to try.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::response::{Response as Answer, ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

pub use covenant_client::Problem;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request was not served, named by what the caller must do.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: a parameter, header or body the service cannot read.
    #[error("{detail}")]
    BadRequest { detail: String, field: Option<String> },
    /// No bearer token, or one the service does not know or that was revoked.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller (a token or a signed-in person) is known, but its role or organisation does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No route, or no such thing.
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The response cannot be given in any media type the caller accepts.
    #[error("{0}")]
    NotAcceptable(String),
    /// The body is over the size limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// `If-Match` named a version the stream is no longer at.
    #[error("{0}")]
    PreconditionFailed(String),
    /// Another change kept winning, or the same idempotency key is in use by a request still
    /// running.
    #[error("{0}")]
    Conflict(String),
    /// The domain rules refuse the command, or an idempotency key was reused for another request.
    #[error("{detail}")]
    Unprocessable { detail: String, field: Option<String> },
    /// The client took longer than the service allows to send the request body.
    #[error("the request body was not received within {0} seconds")]
    SlowBody(u64),
    /// The request took longer than the service allows.
    #[error("the request took longer than {0} seconds")]
    Timeout(u64),
    /// The service is doing as much of this kind of work as it does at once; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The database could not be used. The detail is for the log only.
    #[error("the store is unavailable: {internal}")]
    Unavailable { internal: String, outcome_unknown: bool },
    /// The log's hash chain is broken: an event was altered, removed or reordered behind
    /// Covenant's back. The operator must verify the log and restore it.
    #[error("{0}")]
    BrokenLog(kernel::VerifyFailure),
    /// Anything else that is the service's fault. The detail is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Declares one refusal that many routes answer alike, as a problem document, for the OpenAPI
/// document: a route lists the type among its `responses` instead of repeating the tuple.
macro_rules! shared_answers {
    ($($(#[$doc:meta])* $name:ident => $status:literal, $description:literal;)*) => {
        $(
            $(#[$doc])*
            pub(crate) struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Answer>> {
                    problem_answer($status, $description)
                }
            }
        )*
    };
}

/// One answer of `status` as a problem document, for the OpenAPI document.
fn problem_answer(status: &str, description: &str) -> BTreeMap<String, RefOr<Answer>> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    let answer = ResponseBuilder::new().description(description).content(PROBLEM_JSON, content);
    ResponsesBuilder::new().response(status, answer).build().into()
}

shared_answers! {
    /// The request carries no bearer token, or one the service does not know.
    NoToken => "401", "No valid bearer token";
    /// A route of the reports whose token's role may not read them.
    MayNotReadReports => "403", "The token's role may not read the reports";
    /// An import whose token's role may not import.
    MayNotImport => "403", "The token's role may not import";
    /// A webhook route asked by anyone but an administrator.
    AdminsOnly => "403", "Only administrators manage webhooks";
    /// A request whose body, query or path is not valid.
    InvalidRequest => "400", "The request is not valid";
    /// A query parameter that is not valid.
    InvalidParameter => "400", "A parameter is not valid";
    /// An OParl object the public record does not hold.
    NoSuchPublicObject => "404", "The public record holds no such object";
    /// A webhook subscription that does not exist.
    NoSuchSubscription => "404", "No subscription has that name";
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>, field: impl Into<String>) -> Self {
        ApiError::BadRequest { detail: detail.into(), field: Some(field.into()) }
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.kind().0
    }

    /// The status, the problem's type slug and title.
    fn kind(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "invalid-request", "The request is not valid"),
            ApiError::Unauthenticated(_) => {
                (StatusCode::UNAUTHORIZED, "unauthenticated", "A valid bearer token is required")
            }
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Nothing is here"),
            ApiError::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "The method is not allowed here")
            }
            ApiError::NotAcceptable(_) => {
                (StatusCode::NOT_ACCEPTABLE, "not-acceptable", "No acceptable representation")
            }
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", "The request body is too large"),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body is not of a type this route accepts",
            ),
            ApiError::PreconditionFailed(_) => {
                (StatusCode::PRECONDITION_FAILED, "version-conflict", "The stream has changed")
            }
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "The request conflicts with another"),
            ApiError::Unprocessable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "rejected", "The request was refused"),
            ApiError::SlowBody(_) => {
                (StatusCode::REQUEST_TIMEOUT, "body-timeout", "The request body arrived too slowly")
            }
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout", "The request took too long"),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", "The service is busy"),
            ApiError::Unavailable { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The service is unavailable")
            }
            ApiError::BrokenLog(_) => (StatusCode::SERVICE_UNAVAILABLE, "broken-log", "The log's hash chain is broken"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "The service failed to answer"),
        }
    }

    /// What the caller is told. For 5xx errors this never includes the internal detail.
    fn public_detail(&self) -> String {
        match self {
            ApiError::SlowBody(seconds) => format!(
                "the request body was not all received within {seconds} seconds, so nothing was done with it: send the whole body at once, and check the connection"
            ),
            ApiError::Timeout(seconds) => format!(
                "the request took longer than {seconds} seconds and was stopped: narrow the query, ask for a smaller page, or try again later"
            ),
            ApiError::Unavailable { outcome_unknown: true, .. } => "the database stopped answering while the command was being recorded, so it may or may not have been recorded: read the event feed or the stream before sending it again, or send it again with the same Idempotency-Key".to_owned(),
            ApiError::Unavailable { outcome_unknown: false, .. } => "the database cannot be reached just now; nothing was recorded: try again in a moment".to_owned(),
            ApiError::BrokenLog(failure) => format!(
                "the log is broken at position {}: {failure}; what this service shows may not be what was recorded: the operator must run `covenant verify` and restore the database from a backup",
                failure.position()
            ),
            ApiError::Internal(_) => "the service failed to answer this request; nothing about it was recorded by this failure: try again, and if it keeps failing, tell the operator the time of the request".to_owned(),
            other => other.to_string(),
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            ApiError::BadRequest { field, .. } | ApiError::Unprocessable { field, .. } => field.clone(),
            _ => None,
        }
    }

    pub fn problem(&self) -> Problem {
        let (status, slug, title) = self.kind();
        Problem {
            kind: format!("urn:covenant:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.public_detail(),
            instance: crate::request_id::instance(),
            field: self.field(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _, _) = self.kind();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match self {
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"covenant\""));
            }
            ApiError::SlowBody(_) => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            ApiError::Timeout(_) | ApiError::Busy(_) | ApiError::Unavailable { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

impl From<kernel::StoreError> for ApiError {
    fn from(error: kernel::StoreError) -> Self {
        match error {
            kernel::StoreError::Unavailable(internal) => ApiError::Unavailable { internal, outcome_unknown: false },
            busy @ kernel::StoreError::Busy { .. } => {
                ApiError::Unavailable { internal: busy.to_string(), outcome_unknown: false }
            }
            corrupt @ kernel::StoreError::Corrupt { .. } => ApiError::Internal(corrupt.to_string()),
        }
    }
}

impl From<projections::ProjectionError> for ApiError {
    fn from(error: projections::ProjectionError) -> Self {
        match error {
            projections::ProjectionError::Store(error) => error.into(),
            projections::ProjectionError::Broken(failure) => ApiError::BrokenLog(failure),
            snapshot @ projections::ProjectionError::Snapshot { .. } => ApiError::Internal(snapshot.to_string()),
        }
    }
}

impl From<app::ReportError> for ApiError {
    fn from(error: app::ReportError) -> Self {
        use app::ReportError;
        match error {
            ReportError::Projection(error) => error.into(),
            ReportError::Busy { at_once } => ApiError::Busy(format!(
                "the service is already working out as many reports of the past as it does at once ({at_once}): try again in a moment, or ask for the report as it stands now"
            )),
            not_found @ ReportError::NotFound { kind, .. } => {
                ApiError::NotFound(format!("{not_found}: GET /api/v1/{} lists every {}", kind.name(), kind.row()))
            }
            several @ ReportError::NotOneTable { .. } => ApiError::NotAcceptable(several.to_string()),
            no_body @ ReportError::NoSuchBody(_) => {
                ApiError::NotFound(format!("{no_body}: GET /api/v1/export/popolo lists every body, its key as its id"))
            }
            unwritable @ ReportError::Unwritable(_) => ApiError::Internal(unwritable.to_string()),
        }
    }
}

impl From<app::AccessError> for ApiError {
    fn from(error: app::AccessError) -> Self {
        use app::AccessError;
        match error {
            AccessError::Unauthenticated(detail) => ApiError::Unauthenticated(detail),
            AccessError::Forbidden(detail) => ApiError::Forbidden(detail),
            AccessError::Store(error) => error.into(),
            AccessError::UnknownRole(_) | AccessError::Invalid(_) | AccessError::Unreadable(_) => {
                ApiError::Internal(error.to_string())
            }
        }
    }
}

impl ApiError {
    /// The answer to a command that was not recorded. `if_match` says whether the caller named
    /// the version it expected, which makes a conflict a failed precondition.
    pub fn from_record(error: app::RecordError, if_match: bool) -> Self {
        use app::{InvalidRequest, RecordError};
        match error {
            RecordError::Rejected { error: domain::DomainError::When(ref when), .. } => {
                ApiError::Unprocessable { detail: error.to_string(), field: Some(when.field().to_owned()) }
            }
            RecordError::Rejected { .. } => ApiError::Unprocessable { detail: error.to_string(), field: None },
            RecordError::Conflict { .. } if if_match => ApiError::PreconditionFailed(error.to_string()),
            RecordError::Conflict { .. } => ApiError::Conflict(error.to_string()),
            RecordError::Invalid(InvalidRequest::Refused(internal)) => ApiError::Internal(internal),
            RecordError::Invalid(InvalidRequest::ControlCharacter { ref found, .. }) => {
                let field = (!found.field.is_empty()).then(|| found.field.clone());
                ApiError::Unprocessable { detail: error.to_string(), field }
            }
            RecordError::Invalid(invalid) => ApiError::Unprocessable { detail: invalid.to_string(), field: None },
            RecordError::Unavailable { error, outcome_unknown } => {
                ApiError::Unavailable { internal: error.to_string(), outcome_unknown }
            }
            RecordError::Unreadable(internal) => ApiError::Internal(internal),
        }
    }
}

/// The problem for a body that could not be read: too large, or cut short.
pub(crate) fn body_rejection(rejection: &axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge(format!(
            "the body is larger than {limit} bytes: send one command per request, or record a large file with `covenant record --file`"
        ))
    } else {
        ApiError::BadRequest { detail: format!("the body could not be read: {}", rejection.body_text()), field: None }
    }
}

/// The query string read into `T`, or refused as a problem: what was wrong with it, then what the
/// route takes (`takes`, in the caller's words), and the parameter at fault when the message
/// names one. Every route of the API that reads a query refuses it through here; a handler takes
/// `Result<Query<T>, QueryRejection>` so that it checks the caller's role first.
pub(crate) fn query_params<T>(query: Result<Query<T>, QueryRejection>, takes: &str) -> Result<T, ApiError> {
    query.map(|Query(q)| q).map_err(|rejection| {
        let detail = format!("{}: {takes}", rejection.body_text());
        let field = named_field(&detail);
        ApiError::BadRequest { detail, field }
    })
}

/// The field a message about a missing or unknown field names, such as `completed_on`.
pub(crate) fn named_field(message: &str) -> Option<String> {
    let start = message.find("field `")? + "field `".len();
    let length = message[start..].find('`')?;
    Some(message[start..start + length].to_owned())
}
