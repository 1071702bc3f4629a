//! The OpenAPI 3.1 document of the service, generated from the handlers' annotations, served at
//! `/api/openapi.json` and kept in the repository as `docs/openapi.json`, where a test fails
//! when the two differ, so that every change to the API shows in review.

use std::sync::{Arc, LazyLock};

use axum::Json;
use utoipa::openapi::RefOr;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::queries::ReportParameters;
use crate::{
    Service, commands, export, feed, health, imports, metrics, oparl, packs, queries, transparency, verify, webhooks,
};

/// What the document says besides its routes: its title, the schemas only examples name, and the
/// tags. [`described`] adds each route's entry as it registers the route, and [`document`] what
/// every route shares.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Covenant",
        description = "An event-sourced record of the resolutions, instruments, commitments and progress of public-sector partnerships. docs/http.md describes the API; docs/commands.md the commands.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(crate::Problem, commands::RecordedEvents, commands::RecordedRef, feed::FeedPage, feed::FeedEvent, verify::Verification, transparency::InclusionAnswer, transparency::ConsistencyAnswer, health::Health, imports::ImportSummary, imports::MatchedLine, imports::FileProblem, imports::FileProblems, webhooks::NewWebhook, webhooks::WebhookView, webhooks::AddedWebhook, webhooks::DeadLetterView, webhooks::Replayed)),
    tags(
        (name = "commands", description = "Record one command per request"),
        (name = "imports", description = "Import a whole file: an action plan as CSV, a ModernGov meeting or committee list as XML"),
        (name = "reports", description = "The read models, as JSON or CSV"),
        (name = "feed", description = "The event log, by position, its export as CloudEvents, the record as Popolo, and its verification"),
        (name = "transparency", description = "The latest signed checkpoint of the log, and inclusion and consistency proofs against it (docs/audit.md)"),
        (name = "webhooks", description = "Webhook subscriptions, for administrators: list, add, remove, dead letters and replay (docs/integration.md)"),
        (name = "oparl", description = "The public record as OParl 1.1, without a token (docs/public.md)"),
        (name = "health", description = "Health, readiness, metrics and this document"),
    )
)]
struct ApiDoc;

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

/// Declares the answers any route of the API can give whatever its handler does, so that a client
/// generated from the document expects them: 503 when the database does not answer, the service
/// is as busy as it allows itself to be, the request took longer than the limit or the log's hash
/// chain is broken (each with `Retry-After`, and a problem naming which); and 413 for a request
/// body over the size limit. Routes outside `/api/v1` do not read the store through these paths.
struct ServiceAnswers;

impl Modify for ServiceAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let problem = || ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
        let unavailable = ResponseBuilder::new()
            .description(
                "The database does not answer, the service is busy (`busy`), the request took too long (`timeout`) or the log's hash chain is broken (`broken-log`); the problem's `type` says which",
            )
            .content("application/problem+json", problem())
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds to wait before sending the request again"))
                    .build(),
            )
            .build();
        let too_large = ResponseBuilder::new()
            .description("The request body is larger than the service accepts (`max_body_bytes` in covenant.toml)")
            .content("application/problem+json", problem())
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.entry("503".to_owned()).or_insert_with(|| unavailable.clone().into());
                if operation.request_body.is_some() {
                    responses.entry("413".to_owned()).or_insert_with(|| too_large.clone().into());
                }
            }
        }
    }
}

/// Declares the request id every route takes and every answer carries (`request_id`): a client
/// may send its own `x-request-id`, and finds it (or the one the service made) in the answer.
struct RequestIds;

impl Modify for RequestIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        let parameter = ParameterBuilder::new()
            .name(crate::request_id::REQUEST_ID)
            .parameter_in(ParameterIn::Header)
            .description(Some(
                "An id for this request, carried by every log line it causes and echoed in the answer; one is made when none is sent",
            ))
            .schema(Some(text()))
            .build();
        let header = HeaderBuilder::new()
            .schema(text())
            .description(Some("The request's id: the client's `x-request-id`, or the one the service made"))
            .build();
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
                operation.parameters.get_or_insert_with(Vec::new).push(parameter.clone());
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response {
                        response.headers.insert(crate::request_id::REQUEST_ID.to_owned(), header.clone());
                    }
                }
            }
        }
    }
}

/// The routes of the API, each registered with its entry in the document, in the document's order;
/// the dashboard, the public record and its feeds are routes for people and stay out of it.
pub(crate) fn described() -> OpenApiRouter<Arc<Service>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(document))
        .merge(commands::routes())
        .merge(imports::routes())
        .merge(queries::routes())
        .routes(routes!(packs::pack))
        .routes(routes!(feed::page))
        .routes(routes!(feed::stream))
        .routes(routes!(export::cloudevents))
        .routes(routes!(export::popolo))
        .routes(routes!(verify::verify))
        .routes(routes!(transparency::checkpoint))
        .routes(routes!(transparency::latest))
        .routes(routes!(transparency::cosign))
        .routes(routes!(transparency::inclusion))
        .routes(routes!(transparency::consistency))
        .routes(routes!(transparency::resolution))
        .merge(webhooks::routes())
        .merge(oparl::routes())
}

/// The OpenAPI document: the entries of the routes [`described`] registers, with what every
/// route shares (the bearer tokens, the service's own answers, the report parameters and the
/// request id).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut document) = described().split_for_parts();
    for modifier in [&BearerAuth as &dyn Modify, &ServiceAnswers, &ReportParameters, &RequestIds] {
        modifier.modify(&mut document);
    }
    document
}

/// The OpenAPI document, as pretty-printed JSON with a final newline: the form kept in
/// `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = openapi().to_pretty_json().unwrap_or_default();
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
pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(openapi);
    Json(&DOCUMENT)
}
