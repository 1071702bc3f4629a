//! Answers kept for idempotent requests: a caller that sends a request again with the same
//! idempotency key gets the first answer back instead of having the request carried out twice.
//! Each answer is kept with a hash of the request it answered, so that a key reused for a
//! different request can be refused. Before a request runs, its key is claimed in the database,
//! so that the same key sent to another process at the same time waits for the first answer
//! instead of running the request a second time. Both backends keep them in the
//! `idempotent_responses` and `idempotency_claims` tables, written once over [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, SqlTables, unreadable};
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

/// Answers and claims in the `idempotent_responses` and `idempotency_claims` tables, on either
/// backend.
#[async_trait]
impl<T: SqlTables> IdempotencyStore for T {
    async fn claim(&self, claim: &KeyClaim) -> Result<Option<KeyClaim>, StoreError> {
        let key = [Param::Text(Some(&claim.scope)), Param::Text(Some(&claim.key))];
        // The holder may give the key up between the insert and the read: then claim again.
        for _ in 0..3 {
            let params = [
                key[0],
                key[1],
                Param::Bytes(Some(claim.request_hash.0.as_slice())),
                Param::Time(Some(claim.claimed_at)),
            ];
            let claimed = self
                .execute(
                    "INSERT INTO idempotency_claims (scope, key, request_hash, claimed_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (scope, key) DO NOTHING",
                    &params,
                )
                .await?;
            if claimed == 1 {
                return Ok(None);
            }
            let rows = self
                .fetch(
                    "SELECT request_hash, claimed_at FROM idempotency_claims WHERE scope = $1 AND key = $2",
                    &key,
                    &[Column::Bytes, Column::Time],
                )
                .await?;
            let Some(row) = rows.first() else { continue };
            return Ok(Some(KeyClaim {
                scope: claim.scope.clone(),
                key: claim.key.clone(),
                request_hash: row.hash(0, "a request hash")?,
                claimed_at: row.time(1)?,
            }));
        }
        Err(unreadable("the idempotency key was claimed and given up three times while being claimed"))
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        self.execute(
            "DELETE FROM idempotency_claims WHERE scope = $1 AND key = $2",
            &[Param::Text(Some(scope)), Param::Text(Some(key))],
        )
        .await?;
        Ok(())
    }

    async fn find_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>, StoreError> {
        let rows = self
            .fetch(
                "SELECT request_hash, CAST(status AS BIGINT), etag, body, created_at FROM idempotent_responses \
                 WHERE scope = $1 AND key = $2",
                &[Param::Text(Some(scope)), Param::Text(Some(key))],
                &[Column::Bytes, Column::Int, Column::Text, Column::Text, Column::Time],
            )
            .await?;
        let Some(row) = rows.first() else { return Ok(None) };
        Ok(Some(StoredResponse {
            scope: scope.to_owned(),
            key: key.to_owned(),
            request_hash: row.hash(0, "a request hash")?,
            status: u16::try_from(row.int(1)?).map_err(unreadable)?,
            etag: row.opt_text(2)?,
            body: row.text(3)?,
            created_at: row.time(4)?,
        }))
    }

    async fn save_response(&self, response: &StoredResponse) -> Result<bool, StoreError> {
        let params = [
            Param::Text(Some(&response.scope)),
            Param::Text(Some(&response.key)),
            Param::Bytes(Some(response.request_hash.0.as_slice())),
            Param::Int(i64::from(response.status)),
            Param::Text(response.etag.as_deref()),
            Param::Text(Some(&response.body)),
            Param::Time(Some(response.created_at)),
        ];
        let saved = self
            .execute(
                "INSERT INTO idempotent_responses (scope, key, request_hash, status, etag, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope, key) DO NOTHING",
                &params,
            )
            .await?;
        Ok(saved == 1)
    }
}
