//! The OpenAPI 3.1 document of the service, generated from the handlers' annotations, served at
//! `/api/openapi.json` and kept in the repository as `docs/openapi.json`, where a test fails
//! when the two differ, so that every change to the API shows in review.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{commands, export, feed, health, imports, metrics, packs, queries, transparency, verify};

/// The API, as generated from the code.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Covenant",
        description = "An event-sourced record of the resolutions, instruments, commitments and progress of public-sector partnerships. docs/http.md describes the API; docs/commands.md the commands.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        document,
        commands::organisations,
        commands::bodies,
        commands::meetings,
        commands::resolutions,
        commands::instruments,
        commands::commitments,
        commands::indicators,
        imports::action_plan,
        imports::meeting,
        imports::committees,
        queries::status,
        queries::instrument,
        queries::resolutions,
        queries::resolution,
        queries::actions,
        queries::indicators,
        queries::audit,
        packs::pack,
        feed::page,
        feed::stream,
        export::cloudevents,
        export::popolo,
        verify::verify,
        transparency::checkpoint,
        transparency::cosign,
        transparency::inclusion,
        transparency::consistency,
    ),
    components(schemas(crate::Problem, commands::CommandBody, commands::RecordedEvents, commands::RecordedRef, feed::FeedPage, feed::FeedEvent, verify::Verification, transparency::InclusionAnswer, transparency::ConsistencyAnswer, health::Health, imports::ImportSummary, imports::MatchedLine, imports::FileProblem, imports::FileProblems)),
    modifiers(&BearerAuth),
    tags(
        (name = "commands", description = "Record one command per request"),
        (name = "imports", description = "Import a whole file: an action plan as CSV, a ModernGov meeting or committee list as XML"),
        (name = "reports", description = "The read models, as JSON or CSV"),
        (name = "feed", description = "The event log, by position, its export as CloudEvents, the record as Popolo, and its verification"),
        (name = "transparency", description = "The latest signed checkpoint of the log, and inclusion and consistency proofs against it (docs/audit.md)"),
        (name = "health", description = "Health, readiness, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer tokens of `covenant token create`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `covenant token create`"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, as pretty-printed JSON with a final newline: the form kept in
/// `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
