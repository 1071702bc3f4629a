//! The OParl 1.1 read API under `/oparl/v1`: the public record as OParl objects, for the
//! civic-data tools that read councils' systems (`docs/public.md` has the mapping). Objects are
//! made by `app::interchange::oparl` from the `PublicRecord` that `Reports::public` gives, so
//! nothing the publication rule refuses can reach an answer; lists come in pages with
//! `links.next`, filtered by `created_since`, `created_until`, `modified_since` and
//! `modified_until`, and list deleted objects only when `modified_since` is given, as the
//! specification says. Cached like the public pages (an ETag on the log's position).

use std::sync::Arc;

use app::interchange::oparl::{LISTS, Object, Oparl, segment};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use kernel::Timestamp;
use projections::PublicRecord;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::{IntoParams, PartialSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::dashboard::{Point, given};
use crate::problem::query_params;
use crate::public::cached;
use crate::{ApiError, Service};

/// The OParl routes.
pub(crate) fn routes() -> OpenApiRouter<Arc<Service>> {
    OpenApiRouter::new()
        .routes(routes!(system))
        .routes(routes!(bodies))
        .routes(routes!(body))
        .routes(routes!(list))
        .routes(routes!(organization))
        .routes(routes!(meeting))
        .routes(routes!(agenda_item))
        .routes(routes!(paper))
        .routes(routes!(consultation))
}

const JSON: &str = "application/json; charset=utf-8";

/// Objects on one page of a list when the client does not ask for fewer.
pub const PAGE: usize = 100;

/// Where the service is reached, as the request names it: `X-Forwarded-Proto` (behind a proxy
/// that ends TLS) or `http`, and the `Host` header.
fn site(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The public record of now, the ETag that names it for the site the request reached (the ids
/// of every object are URLs under it), and that site.
async fn record(service: &Service, headers: &HeaderMap) -> Result<(PublicRecord, String, String), ApiError> {
    let point = Point::read(None)?;
    let (record, head) = service.reports.public(point.as_of, point.today).await?;
    let site = site(headers);
    let etag = format!("\"{}-{}-oparl-{:016x}\"", head.0, point.today, fingerprint(&site));
    Ok((record, etag, site))
}

/// A short, stable fingerprint of `text` for an ETag (FNV-1a): the same site, the same tag.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Answers with the object `pick` finds in the public record of now, or 404.
async fn one(
    service: &Service,
    headers: &HeaderMap,
    what: &str,
    key: &str,
    pick: impl FnOnce(&Oparl<'_>) -> Option<Value>,
) -> Result<Response, ApiError> {
    let (record, etag, site) = record(service, headers).await?;
    let root = format!("{site}/oparl/v1");
    let oparl = Oparl { record: &record, root: &root, site: &site };
    let value = pick(&oparl).ok_or_else(|| {
        ApiError::NotFound(format!(
            "the public record holds no {what} {key}: start from the list of bodies at /oparl/v1/bodies"
        ))
    })?;
    Ok(cached(headers, &etag, JSON, value.to_string()))
}

/// `GET /oparl/v1`: the System.
#[utoipa::path(get, path = "/oparl/v1", tag = "oparl", responses((status = 200, description = "The OParl System: the API's root", body = Object, content_type = "application/json")))]
pub(crate) async fn system(State(service): State<Arc<Service>>, headers: HeaderMap) -> Result<Response, ApiError> {
    one(&service, &headers, "system", "", |o| Some(o.system())).await
}

/// `GET /oparl/v1/bodies/{body}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/bodies/{body}",
    tag = "oparl",
    params(
        ("body" = String, Path, description = "The identifier of an organisation a public body answers to, such as GB-LAE-WLI"),
    ),
    responses(
        (status = 200, description = "An OParl Body", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn body(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    one(&service, &headers, "body", &key, |o| o.body(&key).map(|b| b.value)).await
}

/// `GET /oparl/v1/organizations/{organization}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/organizations/{organization}",
    tag = "oparl",
    params(
        ("organization" = String, Path, description = "The key of a public body"),
    ),
    responses(
        (status = 200, description = "An OParl Organization: a public body", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn organization(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    one(&service, &headers, "organization", &key, |o| o.organization(&key).map(|b| b.value)).await
}

/// `GET /oparl/v1/meetings/{meeting}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/meetings/{meeting}",
    tag = "oparl",
    params(
        ("meeting" = String, Path, description = "The key of a meeting"),
    ),
    responses(
        (status = 200, description = "An OParl Meeting with its public agenda items", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn meeting(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    one(&service, &headers, "meeting", &key, |o| o.meeting(&key).map(|b| b.value)).await
}

/// `GET /oparl/v1/meetings/{meeting}/items/{item}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/meetings/{meeting}/items/{item}",
    tag = "oparl",
    params(
        ("meeting" = String, Path, description = "The key of a meeting"),
        ("item" = String, Path, description = "The agenda item's number at the meeting"),
    ),
    responses(
        (status = 200, description = "An OParl AgendaItem", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn agenda_item(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path((meeting, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let what = format!("{meeting} item");
    one(&service, &headers, &what, &item, |o| o.agenda_item(&meeting, &item).map(|b| b.value)).await
}

/// `GET /oparl/v1/papers/{paper}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/papers/{paper}",
    tag = "oparl",
    params(
        ("paper" = String, Path, description = "The key of an instrument"),
    ),
    responses(
        (status = 200, description = "An OParl Paper: a public instrument, with its consultations", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn paper(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    one(&service, &headers, "paper", &key, |o| o.paper(&key).map(|b| b.value)).await
}

/// `GET /oparl/v1/papers/{paper}/consultations/{resolution}`.
#[utoipa::path(
    get,
    path = "/oparl/v1/papers/{paper}/consultations/{resolution}",
    tag = "oparl",
    params(
        ("paper" = String, Path, description = "The key of an instrument"),
        ("resolution" = String, Path, description = "The key of a resolution"),
    ),
    responses(
        (status = 200, description = "An OParl Consultation: a public resolution's act on an instrument", body = Object, content_type = "application/json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn consultation(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path((paper, resolution)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let what = format!("consultation of {paper} by");
    one(&service, &headers, &what, &resolution, |o| o.consultation(&paper, &resolution).map(|b| b.value)).await
}

/// A list's query: its page, the page's size, and the specification's filters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    page: Option<String>,
    limit: Option<String>,
    created_since: Option<String>,
    created_until: Option<String>,
    modified_since: Option<String>,
    modified_until: Option<String>,
    omit_internal: Option<String>,
}

/// Says in the OpenAPI document what a list's query may give, each optional.
impl IntoParams for ListQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        [
            ("page", u32::schema(), "The page of the list, from 1"),
            ("limit", u32::schema(), "Objects per page, at most 100"),
            (
                "created_since",
                String::schema(),
                "Only objects created at or after this date-time (yyyy-mm-ddThh:mm:ss±hh:mm)",
            ),
            ("created_until", String::schema(), "Only objects created at or before this date-time"),
            (
                "modified_since",
                String::schema(),
                "Only objects modified at or after this date-time; deleted objects are listed too",
            ),
            ("modified_until", String::schema(), "Only objects modified at or before this date-time"),
            (
                "omit_internal",
                bool::schema(),
                "Accepted as OParl 1.1 defines it; internal lists are short and always given",
            ),
        ]
        .into_iter()
        .map(|(name, schema, description)| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .description(Some(description))
                .required(Required::False)
                .schema(Some(schema))
                .build()
        })
        .collect()
    }
}

/// The filters of a list, read.
#[derive(Debug, Default)]
struct Filters {
    created_since: Option<Timestamp>,
    created_until: Option<Timestamp>,
    modified_since: Option<Timestamp>,
    modified_until: Option<Timestamp>,
}

fn time(value: Option<&String>, field: &str) -> Result<Option<Timestamp>, ApiError> {
    given(value.map(String::as_str))
        .map(|v| {
            Timestamp::parse(v).map_err(|_| {
                ApiError::bad_request(
                    format!("{field} is {v}: give a date and time with its offset, such as 2021-03-09T00:00:00+00:00"),
                    field,
                )
            })
        })
        .transpose()
}

fn number(value: Option<&String>, field: &str) -> Result<Option<usize>, ApiError> {
    given(value.map(String::as_str))
        .map(|v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::bad_request(format!("{field} is {v}: give a whole number from 1"), field))
        })
        .transpose()
}

impl Filters {
    fn keeps(&self, object: &Object) -> bool {
        if object.deleted && self.modified_since.is_none() {
            return false;
        }
        let Some(stamp) = object.stamp else {
            return self.created_since.is_none()
                && self.created_until.is_none()
                && self.modified_since.is_none()
                && self.modified_until.is_none();
        };
        self.created_since.is_none_or(|t| stamp.created >= t)
            && self.created_until.is_none_or(|t| stamp.created <= t)
            && self.modified_since.is_none_or(|t| stamp.modified >= t)
            && self.modified_until.is_none_or(|t| stamp.modified <= t)
    }
}

/// `objects` as one page of a list at `path`, as the query asks.
fn page(objects: Vec<Object>, path: &str, query: &ListQuery) -> Result<Value, ApiError> {
    let filters = Filters {
        created_since: time(query.created_since.as_ref(), "created_since")?,
        created_until: time(query.created_until.as_ref(), "created_until")?,
        modified_since: time(query.modified_since.as_ref(), "modified_since")?,
        modified_until: time(query.modified_until.as_ref(), "modified_until")?,
    };
    let limit = number(query.limit.as_ref(), "limit")?.unwrap_or(PAGE).min(PAGE);
    let current = number(query.page.as_ref(), "page")?.unwrap_or(1);
    let kept: Vec<Value> = objects.into_iter().filter(|o| filters.keeps(o)).map(|o| o.value).collect();
    let total_pages = kept.len().div_ceil(limit).max(1);
    // The filters the client gave, kept in every link.
    let mut kept_params: Vec<(&str, &String)> = [
        ("created_since", &query.created_since),
        ("created_until", &query.created_until),
        ("modified_since", &query.modified_since),
        ("modified_until", &query.modified_until),
        ("limit", &query.limit),
        ("omit_internal", &query.omit_internal),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    kept_params.sort();
    let link = |n: usize| {
        let mut params: Vec<String> = kept_params.iter().map(|(k, v)| format!("{k}={}", segment(v))).collect();
        if n > 1 {
            params.push(format!("page={n}"));
        }
        if params.is_empty() { path.to_owned() } else { format!("{path}?{}", params.join("&")) }
    };
    let data: Vec<Value> = kept.iter().skip((current - 1).saturating_mul(limit)).take(limit).cloned().collect();
    let mut links = serde_json::Map::new();
    links.insert("first".into(), json!(link(1)));
    links.insert("self".into(), json!(link(current)));
    links.insert("last".into(), json!(link(total_pages)));
    if current > 1 {
        links.insert("prev".into(), json!(link(current - 1)));
    }
    if current < total_pages {
        links.insert("next".into(), json!(link(current + 1)));
    }
    Ok(json!({
        "data": data,
        "pagination": {
            "totalElements": kept.len(),
            "elementsPerPage": limit,
            "currentPage": current,
            "totalPages": total_pages,
        },
        "links": links,
    }))
}

/// Answers with one page of the list `pick` makes from the public record of now, or 404.
async fn listed(
    service: &Service,
    headers: &HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
    path: &str,
    pick: impl FnOnce(&Oparl<'_>) -> Option<Vec<Object>>,
) -> Result<Response, ApiError> {
    let query = query_params(
        query,
        "a list takes page, limit, created_since, created_until, modified_since, modified_until and omit_internal",
    )?;
    let (record, etag, site) = record(service, headers).await?;
    let root = format!("{site}/oparl/v1");
    let oparl = Oparl { record: &record, root: &root, site: &site };
    let objects = pick(&oparl).ok_or_else(|| {
        ApiError::NotFound(format!(
            "the public record holds no list at {path}: a body's lists are {}; start from /oparl/v1/bodies",
            LISTS.join(", ")
        ))
    })?;
    let value = page(objects, &format!("{site}{path}"), &query)?;
    Ok(cached(headers, &etag, JSON, value.to_string()))
}

/// `GET /oparl/v1/bodies`.
#[utoipa::path(
    get,
    path = "/oparl/v1/bodies",
    tag = "oparl",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of the list of OParl Bodies, with pagination and links", body = Object, content_type = "application/json"),
        (status = 400, description = "A filter, page or limit that is not a date-time or a whole number", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn bodies(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    listed(&service, &headers, query, "/oparl/v1/bodies", |o| Some(o.bodies())).await
}

/// `GET /oparl/v1/bodies/{body}/{list}`: one of a Body's external lists.
#[utoipa::path(
    get,
    path = "/oparl/v1/bodies/{body}/{list}",
    tag = "oparl",
    params(
        ("body" = String, Path, description = "The identifier of an organisation a public body answers to, such as GB-LAE-WLI"),
        ("list" = String, Path, description = "organizations, people, meetings, papers, agenda-items, consultations, memberships or legislative-terms"),
        ListQuery,
    ),
    responses(
        (status = 200, description = "A page of one of a Body's lists, with pagination and links", body = Object, content_type = "application/json"),
        (status = 400, description = "A filter, page or limit that is not a date-time or a whole number", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoSuchPublicObject
    )
)]
pub(crate) async fn list(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    Path((body, kind)): Path<(String, String)>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let path = format!("/oparl/v1/bodies/{}/{kind}", segment(&body));
    listed(&service, &headers, query, &path, |o| o.list(&body, &kind)).await
}
