//! Sign-ins under way in the `pending_sign_ins` table of the PostgreSQL database.

use async_trait::async_trait;
use kernel::{Hash, PendingSignIn, Row, SignInStore, StoreError, Timestamp};

use crate::table::read;
use crate::{PostgresStore, unavailable};

#[async_trait]
impl SignInStore for PostgresStore {
    async fn insert_pending(&self, pending: &PendingSignIn) -> Result<(), StoreError> {
        self.insert_row(pending).await
    }

    async fn take_pending(&self, state_hash: &Hash) -> Result<Option<PendingSignIn>, StoreError> {
        let sql =
            format!("DELETE FROM pending_sign_ins WHERE state_hash = $1 RETURNING {}", PendingSignIn::column_list());
        let row =
            sqlx::query(&sql).bind(state_hash.0.as_slice()).fetch_optional(&self.pool).await.map_err(unavailable)?;
        row.as_ref().map(read).transpose()
    }

    async fn prune_pending(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM pending_sign_ins WHERE begun_at < $1")
            .bind(before.as_datetime())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected())
    }
}
