//! `GET /api/v1/packs/{body}`: a body's board pack for a day, as one printable HTML page, a
//! tagged PDF or a workbook, made by the service's `app::Reports` and laid out by `app::packs`; read by the
//! roles that read the reports, and the same from the dashboard (`/dashboard/packs/{body}`).

use std::sync::Arc;

use app::packs::{self, PackFormat};
use app::{Action, Principal};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::Key;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service};

/// The day of a pack and the format to write it in.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PackQuery {
    /// The day the pack describes (`YYYY-MM-DD`): what had been decided by the end of it.
    as_of: Option<String>,
    /// `html` (one printable page, the default), `pdf` (tagged, PDF/UA-1, A4) or `xlsx` (a
    /// workbook with a sheet per section).
    format: Option<String>,
}

/// A body's board pack: the status of every instrument it owns or has endorsed with its RAG mix,
/// its red, overdue and stale actions first, what changed since its previous meeting, its
/// indicators, and its previous meeting's resolutions with their delivery trail.
#[utoipa::path(
    get,
    path = "/api/v1/packs/{body}",
    tag = "reports",
    params(("body" = String, Path, description = "The body's key"), PackQuery),
    responses(
        (status = 200, description = "The pack: one HTML page (format=html), a PDF (format=pdf), or a workbook (format=xlsx)", content(
            (String = "text/html"),
            (String = "application/pdf"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "The key, the day or the format is not valid", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        crate::problem::MayNotReadReports,
        (status = 404, description = "No such body is on record by the day", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn pack(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(body): Path<String>,
    query: Result<Query<PackQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    answer(&service, &principal, body, query).await
}

/// The pack `principal` asks for: the answer of the API's route and of the dashboard's links
/// alike.
pub(crate) async fn answer(
    service: &Service,
    principal: &Principal,
    body: String,
    query: Result<Query<PackQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadReports)?;
    let body = Key::parse(body).map_err(|e| ApiError::bad_request(e, "body"))?;
    let query = query_params(query, "a pack takes as_of and format")?;
    let as_of = crate::queries::date(&query.as_of, "as_of")?
        .ok_or_else(|| ApiError::bad_request("give the day of the pack as as_of=YYYY-MM-DD", "as_of"))?;
    let format = PackFormat::parse(query.format.as_deref().unwrap_or("html"))
        .map_err(|e| ApiError::bad_request(e.to_string(), "format"))?;
    let pack = service.reports.pack(&body, as_of).await?;
    let bytes = packs::render(&pack, format).map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("inline; filename=\"{body}-{as_of}.{}\"", format.extension());
    let disposition = HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.media_type())),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
