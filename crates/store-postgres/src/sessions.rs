//! Dashboard sessions in the `sessions` table of the PostgreSQL database.

use async_trait::async_trait;
use kernel::{Hash, Prune, Row, SessionRecord, SessionStore, StoreError, Timestamp};

use crate::table::read;
use crate::{PostgresStore, unavailable};

#[async_trait]
impl SessionStore for PostgresStore {
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.insert_row(session).await
    }

    async fn find_session(&self, id_hash: &Hash) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {} FROM sessions WHERE id_hash = $1", SessionRecord::column_list());
        let row = sqlx::query(&sql).bind(id_hash.0.as_slice()).fetch_optional(&self.pool).await.map_err(unavailable)?;
        row.as_ref().map(read).transpose()
    }

    async fn touch_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        self.stamp_session("last_seen_at", id_hash, at).await
    }

    async fn end_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        self.stamp_session("ended_at", id_hash, at).await
    }

    async fn recent_sessions(&self, limit: u32) -> Result<Vec<SessionRecord>, StoreError> {
        let sql =
            format!("SELECT {} FROM sessions ORDER BY created_at DESC, id_hash LIMIT $1", SessionRecord::column_list());
        let rows = sqlx::query(&sql).bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(unavailable)?;
        rows.iter().map(read).collect()
    }

    async fn prune_sessions(&self, prune: Prune) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE ended_at < $1 OR last_seen_at < $2 OR created_at < $3")
            .bind(prune.ended_before.as_datetime())
            .bind(prune.last_seen_before.as_datetime())
            .bind(prune.created_before.as_datetime())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }
}

impl PostgresStore {
    /// Sets the time `column` of the session whose id hashes to `id_hash` to `at`, unless it has
    /// ended. False when there is no such session or it has ended.
    async fn stamp_session(&self, column: &str, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(&format!("UPDATE sessions SET {column} = $2 WHERE id_hash = $1 AND ended_at IS NULL"))
            .bind(id_hash.0.as_slice())
            .bind(at.as_datetime())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}
