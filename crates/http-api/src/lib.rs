//! Covenant's HTTP service: the axum router under `/api/v1`, bearer-token authentication with
//! roles, `application/problem+json` errors, the event feed with its live tail, metrics and the
//! OpenAPI document; and the board dashboard, HTML pages and forms under `/dashboard`.
//! `docs/http.md` describes both.
//!
//! Architecture Invariant: no business rules. Handlers read the request, call the application
//! layer (`app`) and the read models (`projections`), and write the answer; whether a command is
//! allowed by the rules is decided by the domain, and whether a token may send it by
//! `app::access`. [`ApiError`] is the one error type, turned into HTTP in one place.

mod auth;
mod commands;
mod dashboard;
mod export;
mod feed;
mod health;
mod idempotency;
mod imports;
mod locale;
mod metrics;
mod oparl;
mod openapi;
mod packs;
mod paging;
mod problem;
mod public;
mod public_feeds;
mod queries;
mod request_id;
mod server;
mod service;
mod transparency;
mod verify;
mod webhooks;

pub use auth::Authenticated;
pub use commands::{RecordedEvents, RecordedRef};
pub use dashboard::report_page as dashboard_page;
pub use feed::{FeedEvent, FeedPage, FeedQuery};
pub use idempotency::{IDEMPOTENCY_KEY, REPLAYED};
pub use locale::Lang;
pub use openapi::{openapi, openapi_json};
pub use problem::{ApiError, PROBLEM_JSON, Problem};
pub use queries::ReportQuery;
pub use request_id::REQUEST_ID;
pub use server::{router, serve};
pub use service::{Service, Settings};
pub use transparency::{ConsistencyAnswer, InclusionAnswer};
pub use verify::Verification;
pub use webhooks::{AddedWebhook, DeadLetterView, Replayed, WebhookView};
