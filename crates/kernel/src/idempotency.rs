//! Answers kept for idempotent requests: a caller that sends a request again with the same
//! idempotency key gets the first answer back instead of having the request carried out twice.
//! Each answer is kept with a hash of the request it answered, so that a key reused for a
//! different request can be refused. Before a request runs, its key is claimed in the database,
//! so that the same key sent to another process at the same time waits for the first answer
//! instead of running the request a second time.

use async_trait::async_trait;

use crate::{Hash, StoreError, Timestamp};

/// The first answer to a request sent with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// Whose key it is: keys of different callers never meet.
    pub scope: String,
    /// The caller's idempotency key.
    pub key: String,
    /// SHA-256 of what the request asked, to recognise a key reused for another request.
    pub request_hash: Hash,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The `ETag` of the answer, if any.
    pub etag: Option<String>,
    /// The body of the answer.
    pub body: String,
    pub created_at: Timestamp,
}

/// A key held by the request answering it, until its answer is kept or it gives the key up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyClaim {
    pub scope: String,
    pub key: String,
    /// SHA-256 of what the request asked, as in [`StoredResponse::request_hash`].
    pub request_hash: Hash,
    pub claimed_at: Timestamp,
}

/// Where answers to idempotent requests are kept: beside the log, in the same database.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims the key of `claim` unless it is claimed already, in one statement, so that of two
    /// processes claiming one key at once exactly one gets it. `None` when claimed now; the claim
    /// that holds the key otherwise.
    async fn claim(&self, claim: &KeyClaim) -> Result<Option<KeyClaim>, StoreError>;

    /// Gives up the claim on `key` of `scope`, once its answer is kept or when none will be.
    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError>;

    /// The answer kept for `key` of `scope`, if any.
    async fn find_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>, StoreError>;

    /// Keeps `response` unless an answer is already kept for its scope and key; true when kept.
    async fn save_response(&self, response: &StoredResponse) -> Result<bool, StoreError>;
}
