//! The transparency log over HTTP: the latest signed checkpoint (`GET /api/v1/checkpoint`, the
//! signed note as text) and the proofs checked against it, inclusion of an event and consistency
//! of two tree sizes (`GET /api/v1/proofs/…`), for tree sizes the latest checkpoint covers, and
//! the portable proof of one resolution (`GET /api/v1/proofs/resolutions/{resolution}`).

use std::sync::Arc;

use app::resolution_proof::{self, ResolutionProofError};
use app::{Action, Served, Unserved, Witnessing};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kernel::{Hash, Position, TreeError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::problem::query_params;
use crate::{ApiError, Service};

/// The header that gives the number of cosignatures `[transparency] quorum` requires.
const QUORUM: &str = "covenant-quorum";
/// The header that names the witnesses (of those the log names) that cosigned the checkpoint.
const COSIGNED_BY: &str = "covenant-cosigned-by";

/// The checkpoint the log serves as its own: the latest signed, or, when `[transparency] quorum`
/// is set, the latest that at least that many of the witnesses it names have cosigned. Proofs
/// of inclusion and of resolutions are given against it.
#[utoipa::path(
    get,
    path = "/api/v1/checkpoint",
    tag = "transparency",
    responses(
        (status = 200, description = "The checkpoint served: a C2SP tlog-checkpoint in a C2SP signed note (docs/audit.md); the Covenant-Quorum header gives the cosignatures required, Covenant-Cosigned-By the witnesses that cosigned it", body = String, content_type = "text/plain; charset=utf-8"),
        crate::problem::NoToken,
        (status = 404, description = "No checkpoint has been signed yet, or none has been cosigned by the quorum of witnesses", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn checkpoint(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadProofs)?;
    let witnessing = witnessing(&service);
    Ok(served_response(witnessing, witnessing.served(&service.stores).await.map_err(unserved)?))
}

/// The checkpoint signed last, whatever its cosignatures: the one witnesses cosign before it is
/// served at `GET /api/v1/checkpoint` (the same while `[transparency] quorum` is 0).
#[utoipa::path(
    get,
    path = "/api/v1/checkpoint/latest",
    tag = "transparency",
    responses(
        (status = 200, description = "The latest signed checkpoint, with the cosignatures it has so far; the same headers as GET /api/v1/checkpoint", body = String, content_type = "text/plain; charset=utf-8"),
        crate::problem::NoToken,
        (status = 404, description = "No checkpoint has been signed yet", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn latest(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadProofs)?;
    let witnessing = witnessing(&service);
    Ok(served_response(witnessing, witnessing.latest(&service.stores).await.map_err(unserved)?))
}

/// The witnesses the service was told to keep cosignatures of, and the quorum.
fn witnessing(service: &Service) -> &Witnessing {
    static NONE: Witnessing = Witnessing { witnesses: Vec::new(), quorum: 0 };
    service.witnesses.get().unwrap_or(&NONE)
}

fn unserved(error: Unserved) -> ApiError {
    match error {
        Unserved::Store(store) => store.into(),
        not_found => ApiError::NotFound(not_found.to_string()),
    }
}

/// A served checkpoint with the headers that say how it was witnessed.
fn served_response(witnessing: &Witnessing, served: Served) -> Response {
    let mut response = note_response(served.checkpoint.note);
    let headers = response.headers_mut();
    headers.insert(QUORUM, HeaderValue::from(witnessing.quorum));
    // Witness names are key names: printable ASCII without spaces or '+'.
    if let Ok(names) = HeaderValue::from_str(&served.cosigned_by.join(", ")) {
        headers.insert(COSIGNED_BY, names);
    }
    response
}

/// A signed note as the format serves it: plain text.
fn note_response(note: String) -> Response {
    let mut response = note.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Keeps a witness's cosignature of one of the log's checkpoints, so that the log serves it
/// beside its own signature. The body is the checkpoint as the log served it, with the
/// witness's `cosignature/v1` line in place of the log's signature (what `covenant witness`
/// sends); the witness must be one `[transparency] witnesses` names.
#[utoipa::path(
    post,
    path = "/api/v1/checkpoint/cosignatures",
    tag = "transparency",
    request_body(content = String, description = "The checkpoint cosigned by a witness: a C2SP signed note with the witness's cosignature/v1 line (docs/audit.md)", content_type = "text/plain"),
    responses(
        (status = 200, description = "Kept: the checkpoint as now served, with the cosignature", body = String, content_type = "text/plain; charset=utf-8"),
        crate::problem::NoToken,
        (status = 422, description = "No witnesses are configured, the cosignature is by none of them or does not verify, or it cosigns a checkpoint this log did not sign", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn cosign(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    body: String,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadProofs)?;
    let kept =
        app::accept_cosignature(&service.stores, &witnessing(&service).witnesses, &body).await.map_err(|error| {
            match error {
                app::CosignatureError::Store(store) => store.into(),
                refused => ApiError::Unprocessable { detail: refused.to_string(), field: None },
            }
        })?;
    Ok(note_response(kept.note))
}

/// Which event, in which tree.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The event's position in the log (leaf index + 1).
    position: u64,
    /// The tree size: at most the size of the latest checkpoint, and at least `position`.
    size: u64,
}

/// Which two trees.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The smaller tree size.
    from: u64,
    /// The larger tree size: at most the size of the latest checkpoint.
    to: u64,
}

/// An inclusion proof (RFC 9162 §2.1.3): the hashes from the event's leaf up to the root of the
/// tree of `tree_size` events, nearest the leaf first. The leaf hash is SHA-256(0x00 || the
/// event's chain hash as 32 bytes).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionAnswer {
    pub position: u64,
    /// `position` - 1, the leaf's index in the tree.
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Each hash in standard base64.
    pub hashes: Vec<String>,
}

/// A consistency proof (RFC 9162 §2.1.4): the hashes that show the tree of `from` events is a
/// prefix of the tree of `to` events.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyAnswer {
    pub from: u64,
    pub to: u64,
    /// Each hash in standard base64.
    pub hashes: Vec<String>,
}

/// The proof that an event is in the log, against a tree the latest checkpoint covers.
#[utoipa::path(
    get,
    path = "/api/v1/proofs/inclusion",
    tag = "transparency",
    params(InclusionQuery),
    responses(
        (status = 200, description = "The inclusion proof", body = InclusionAnswer),
        (status = 400, description = "A parameter is missing or not a number", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        (status = 422, description = "The position is not in the tree, or the size is beyond the latest checkpoint", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn inclusion(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<InclusionAnswer>, ApiError> {
    principal.require(Action::ReadProofs)?;
    let query = read(query, "position and size")?;
    covered(&service, query.size, "size", Against::Served).await?;
    let proof = service.stores.events.inclusion_proof(Position(query.position), query.size).await.map_err(refused)?;
    Ok(Json(InclusionAnswer {
        position: query.position,
        leaf_index: proof.index,
        tree_size: proof.size,
        hashes: base64(&proof.path),
    }))
}

/// The proof that the log of `from` events is a prefix of the log of `to` events.
#[utoipa::path(
    get,
    path = "/api/v1/proofs/consistency",
    tag = "transparency",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The consistency proof", body = ConsistencyAnswer),
        (status = 400, description = "A parameter is missing or not a number", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        (status = 422, description = "`from` is larger than `to`, or `to` is beyond the latest checkpoint", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn consistency(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<ConsistencyAnswer>, ApiError> {
    principal.require(Action::ReadProofs)?;
    let query = read(query, "from and to")?;
    covered(&service, query.to, "to", Against::Latest).await?;
    let proof = service.stores.events.consistency_proof(query.from, query.to).await.map_err(refused)?;
    Ok(Json(ConsistencyAnswer { from: proof.from, to: proof.to, hashes: base64(&proof.path) }))
}

/// The portable proof of one resolution, the file `covenant proof export` writes: its events as
/// CloudEvents, each with its inclusion proof, against the latest signed checkpoint, to attach to
/// a board paper and check offline with `covenant proof verify`.
#[utoipa::path(
    get,
    path = "/api/v1/proofs/resolutions/{resolution}",
    tag = "transparency",
    params(("resolution" = String, Path, description = "The resolution's key, as the resolution register shows it")),
    responses(
        (status = 200, description = "The proof file (docs/audit.md), as a download named resolution-KEY.proof.json", body = Object, content_type = "application/json"),
        (status = 400, description = "The key is not valid", body = crate::Problem, content_type = "application/problem+json"),
        crate::problem::NoToken,
        (status = 403, description = "The token's role may not read proofs", body = crate::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resolution is recorded, or no checkpoint has been signed yet", body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The resolution was recorded after the latest checkpoint: the proof can be given once a newer one is signed", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn resolution(
    State(service): State<Arc<Service>>,
    Authenticated(principal): Authenticated,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    principal.require(Action::ReadProofs)?;
    proof_file(&service, &key).await
}

/// The proof file of resolution `key`, as a download: the answer of the API's route and of the
/// dashboard's link alike.
pub(crate) async fn proof_file(service: &Service, key: &str) -> Result<Response, ApiError> {
    let text =
        resolution_proof::export(&service.stores, key, witnessing(service)).await.map_err(|error| match error {
            ResolutionProofError::Key(detail) => ApiError::bad_request(detail, "resolution"),
            not_found @ (ResolutionProofError::NotRecorded(_)
            | ResolutionProofError::NoCheckpoint
            | ResolutionProofError::NotWitnessed(_)) => ApiError::NotFound(not_found.to_string()),
            uncovered @ ResolutionProofError::NotCovered { .. } => {
                ApiError::Unprocessable { detail: uncovered.to_string(), field: None }
            }
            ResolutionProofError::Tree(tree) => refused(tree),
            ResolutionProofError::Store(store) => store.into(),
            other => ApiError::Internal(other.to_string()),
        })?;
    let disposition = format!("attachment; filename=\"resolution-{key}.proof.json\"");
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // The key was checked by `export`: lowercase letters, digits and hyphens only.
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

fn read<T>(query: Result<Query<T>, QueryRejection>, takes: &str) -> Result<T, ApiError> {
    query_params(query, &format!("the proof takes {takes}, whole numbers"))
}

/// Which checkpoint a proof is given against.
enum Against {
    /// The one served (an inclusion proof): the latest the quorum cosigned.
    Served,
    /// The latest signed (a consistency proof), which witnesses must reach before they cosign.
    Latest,
}

/// Refuses a tree size the checkpoint proofs are given against does not cover.
async fn covered(service: &Service, size: u64, field: &str, against: Against) -> Result<(), ApiError> {
    let witnessing = witnessing(service);
    let (checkpoint, which) = match against {
        Against::Served => (witnessing.served(&service.stores).await, "the checkpoint served"),
        Against::Latest => (witnessing.latest(&service.stores).await, "the latest signed checkpoint"),
    };
    let latest = checkpoint
        .map_err(|error| match error {
            Unserved::Store(store) => store.into(),
            unserved => ApiError::Unprocessable {
                detail: format!("no tree size is covered: {unserved}"),
                field: Some(field.to_owned()),
            },
        })?
        .checkpoint;
    if size > latest.size {
        return Err(ApiError::Unprocessable {
            detail: format!(
                "{field} {size} is beyond {which}, which covers tree sizes 1 to {}: ask for a size from 1 to {}, such as the size of a checkpoint you hold (GET /api/v1/checkpoint gives the one served)",
                latest.size, latest.size
            ),
            field: Some(field.to_owned()),
        });
    }
    Ok(())
}

fn refused(error: TreeError) -> ApiError {
    match error {
        TreeError::Refused(refused) => ApiError::Unprocessable { detail: refused.to_string(), field: None },
        beyond @ TreeError::BeyondHead { .. } => ApiError::Unprocessable { detail: beyond.to_string(), field: None },
        TreeError::Missing(missing) => {
            ApiError::Internal(format!("the Merkle tree lacks a node a proof needs: {missing}"))
        }
        TreeError::Store(store) => store.into(),
    }
}

fn base64(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| BASE64.encode(h.0)).collect()
}
