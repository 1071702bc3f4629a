//! Answers to idempotent requests in the `idempotent_responses` table, and the keys of requests
//! being answered in `idempotency_claims`, of the PostgreSQL database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Hash, IdempotencyStore, KeyClaim, StoreError, StoredResponse, Timestamp};
use sqlx::Row;

use crate::{PostgresStore, unavailable};

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn find_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>, StoreError> {
        let row = sqlx::query(
            "SELECT request_hash, status, etag, body, created_at FROM idempotent_responses WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = row.try_get(0).map_err(unavailable)?;
        let status: i32 = row.try_get(1).map_err(unavailable)?;
        Ok(Some(StoredResponse {
            scope: scope.to_owned(),
            key: key.to_owned(),
            request_hash: Hash::from_slice(&hash).ok_or_else(|| unavailable("a request hash is not 32 bytes"))?,
            status: u16::try_from(status).map_err(unavailable)?,
            etag: row.try_get(2).map_err(unavailable)?,
            body: row.try_get(3).map_err(unavailable)?,
            created_at: Timestamp::from_datetime(row.try_get::<DateTime<Utc>, _>(4).map_err(unavailable)?),
        }))
    }

    async fn save_response(&self, response: &StoredResponse) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO idempotent_responses (scope, key, request_hash, status, etag, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(&response.scope)
        .bind(&response.key)
        .bind(response.request_hash.0.as_slice())
        .bind(i32::from(response.status))
        .bind(&response.etag)
        .bind(&response.body)
        .bind(response.created_at.as_datetime())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn claim(&self, claim: &KeyClaim) -> Result<Option<KeyClaim>, StoreError> {
        // The holder may give the key up between the insert and the read: then claim again.
        for _ in 0..3 {
            let done = sqlx::query(
                "INSERT INTO idempotency_claims (scope, key, request_hash, claimed_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (scope, key) DO NOTHING",
            )
            .bind(&claim.scope)
            .bind(&claim.key)
            .bind(claim.request_hash.0.as_slice())
            .bind(claim.claimed_at.as_datetime())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
            if done.rows_affected() == 1 {
                return Ok(None);
            }
            let row =
                sqlx::query("SELECT request_hash, claimed_at FROM idempotency_claims WHERE scope = $1 AND key = $2")
                    .bind(&claim.scope)
                    .bind(&claim.key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(unavailable)?;
            let Some(row) = row else { continue };
            let hash: Vec<u8> = row.try_get(0).map_err(unavailable)?;
            let claimed_at = Timestamp::from_datetime(row.try_get::<DateTime<Utc>, _>(1).map_err(unavailable)?);
            return Ok(Some(KeyClaim {
                scope: claim.scope.clone(),
                key: claim.key.clone(),
                request_hash: Hash::from_slice(&hash).ok_or_else(|| unavailable("a request hash is not 32 bytes"))?,
                claimed_at,
            }));
        }
        Err(unavailable("the idempotency key was claimed and given up three times while being claimed"))
    }

    async fn release(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency_claims WHERE scope = $1 AND key = $2")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
