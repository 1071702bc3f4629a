//! Access tokens in the `access_tokens` table of the PostgreSQL database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Hash, StoreError, Timestamp, TokenRecord, TokenStore};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::{PostgresStore, unavailable};

const COLUMNS: &str = "id, name, role, organisation, secret_hash, created_at, revoked_at, expires_at";

#[async_trait]
impl TokenStore for PostgresStore {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query(&format!("INSERT INTO access_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
            .bind(&token.id)
            .bind(&token.name)
            .bind(&token.role)
            .bind(&token.organisation)
            .bind(token.secret_hash.0.as_slice())
            .bind(token.created_at.as_datetime())
            .bind(token.revoked_at.map(Timestamp::as_datetime))
            .bind(token.expires_at.map(Timestamp::as_datetime))
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM access_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(token).transpose()
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM access_tokens ORDER BY created_at, id"))
            .fetch_all(&self.pool)
            .await
            .map_err(unavailable)?;
        rows.iter().map(token).collect()
    }

    async fn revoke_token(&self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE access_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at.as_datetime())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}

fn token(row: &PgRow) -> Result<TokenRecord, StoreError> {
    let hash: Vec<u8> = row.try_get(4).map_err(unavailable)?;
    Ok(TokenRecord {
        id: row.try_get(0).map_err(unavailable)?,
        name: row.try_get(1).map_err(unavailable)?,
        role: row.try_get(2).map_err(unavailable)?,
        organisation: row.try_get(3).map_err(unavailable)?,
        secret_hash: Hash::from_slice(&hash).ok_or_else(|| unavailable("a token hash is not 32 bytes"))?,
        created_at: Timestamp::from_datetime(row.try_get::<DateTime<Utc>, _>(5).map_err(unavailable)?),
        revoked_at: row.try_get::<Option<DateTime<Utc>>, _>(6).map_err(unavailable)?.map(Timestamp::from_datetime),
        expires_at: row.try_get::<Option<DateTime<Utc>>, _>(7).map_err(unavailable)?.map(Timestamp::from_datetime),
    })
}
