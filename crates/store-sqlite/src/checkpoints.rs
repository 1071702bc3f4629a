//! Signed checkpoints in the `checkpoints` table of the SQLite file.

use async_trait::async_trait;
use kernel::{CheckpointStore, Hash, SignedCheckpoint, StoreError, Timestamp};
use sqlx::Row;

use crate::{SqliteStore, unavailable};

#[async_trait]
impl CheckpointStore for SqliteStore {
    async fn save_checkpoint(&self, checkpoint: &SignedCheckpoint) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO checkpoints (size, root, note, signed_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(i64::try_from(checkpoint.size).map_err(unavailable)?)
            .bind(checkpoint.root.0.as_slice())
            .bind(&checkpoint.note)
            .bind(checkpoint.signed_at.as_micros())
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn latest_checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let row = sqlx::query("SELECT size, root, note, signed_at FROM checkpoints ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.as_ref().map(checkpoint).transpose()
    }

    async fn checkpoints_below(&self, below: u64, limit: u32) -> Result<Vec<SignedCheckpoint>, StoreError> {
        // Sizes never fall from one checkpoint to the next, so the newest first is by id.
        let rows = sqlx::query(
            "SELECT size, root, note, signed_at FROM checkpoints WHERE size < ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(i64::try_from(below).map_err(unavailable)?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        rows.iter().map(checkpoint).collect()
    }

    async fn checkpoint_of_size(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        let row =
            sqlx::query("SELECT size, root, note, signed_at FROM checkpoints WHERE size = ?1 ORDER BY id DESC LIMIT 1")
                .bind(i64::try_from(size).map_err(unavailable)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(unavailable)?;
        row.as_ref().map(checkpoint).transpose()
    }

    async fn replace_note(&self, size: u64, old: &str, new: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE checkpoints SET note = ?1 WHERE size = ?2 AND note = ?3")
            .bind(new)
            .bind(i64::try_from(size).map_err(unavailable)?)
            .bind(old)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(done.rows_affected() > 0)
    }
}

/// A row of `SELECT size, root, note, signed_at FROM checkpoints`.
fn checkpoint(row: &sqlx::sqlite::SqliteRow) -> Result<SignedCheckpoint, StoreError> {
    let size: i64 = row.try_get(0).map_err(unavailable)?;
    let root: Vec<u8> = row.try_get(1).map_err(unavailable)?;
    let signed_at: i64 = row.try_get(3).map_err(unavailable)?;
    Ok(SignedCheckpoint {
        size: u64::try_from(size).map_err(unavailable)?,
        root: Hash::from_slice(&root).ok_or_else(|| unavailable("a checkpoint's root is not 32 bytes"))?,
        note: row.try_get(2).map_err(unavailable)?,
        signed_at: Timestamp::from_micros(signed_at)
            .ok_or_else(|| unavailable("a checkpoint's signing time is out of range"))?,
    })
}
