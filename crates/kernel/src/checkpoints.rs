//! Signed checkpoints kept beside the log: each signed note with the tree size and root it
//! vouches for and when it was signed, so that the latest can be served and proofs given for the
//! sizes it covers. What a note says and how it is signed is the application's (`app::checkpoint`).
//! Both backends keep them in the `checkpoints` table, written once over [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, Row, SqlTables, unreadable};
use crate::{Hash, StoreError, Timestamp};

/// A checkpoint as kept: the tree size and root it vouches for, the signed note as served, and
/// when it was signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The signed note, with its final newline.
    pub note: String,
    pub signed_at: Timestamp,
}

/// Where signed checkpoints are kept: beside the log, in the same database.
#[async_trait]
pub trait CheckpointStore: Send + Sync {
    /// Keeps a newly signed checkpoint.
    async fn save_checkpoint(&self, checkpoint: &SignedCheckpoint) -> Result<(), StoreError>;

    /// The checkpoint signed last, if any.
    async fn latest_checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// Up to `limit` checkpoints of fewer than `below` events, the one signed last first.
    async fn checkpoints_below(&self, below: u64, limit: u32) -> Result<Vec<SignedCheckpoint>, StoreError>;

    /// The checkpoint of `size` events signed last, if any.
    async fn checkpoint_of_size(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError>;

    /// Replaces the note of the checkpoint of `size` events whose note is `old` with `new` (the
    /// same checkpoint with a witness's cosignature added), and says whether it did: `false`
    /// when the note changed in between.
    async fn replace_note(&self, size: u64, old: &str, new: &str) -> Result<bool, StoreError>;
}

/// The columns of a checkpoint, as read.
const READ: [Column; 4] = [Column::Int, Column::Bytes, Column::Text, Column::Time];

/// Checkpoints in the `checkpoints` table, on either backend.
#[async_trait]
impl<T: SqlTables> CheckpointStore for T {
    async fn save_checkpoint(&self, checkpoint: &SignedCheckpoint) -> Result<(), StoreError> {
        let params = [
            Param::Int(i64::try_from(checkpoint.size).map_err(unreadable)?),
            Param::Bytes(Some(checkpoint.root.0.as_slice())),
            Param::Text(Some(&checkpoint.note)),
            Param::Time(Some(checkpoint.signed_at)),
        ];
        self.execute("INSERT INTO checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)", &params).await?;
        Ok(())
    }

    async fn latest_checkpoint(&self) -> Result<Option<SignedCheckpoint>, StoreError> {
        let rows = self
            .fetch("SELECT size, root, note, signed_at FROM checkpoints ORDER BY id DESC LIMIT 1", &[], &READ)
            .await?;
        rows.first().map(checkpoint).transpose()
    }

    async fn checkpoints_below(&self, below: u64, limit: u32) -> Result<Vec<SignedCheckpoint>, StoreError> {
        // Sizes never fall from one checkpoint to the next, so the newest first is by id.
        let rows = self
            .fetch(
                "SELECT size, root, note, signed_at FROM checkpoints WHERE size < $1 ORDER BY id DESC LIMIT $2",
                &[Param::Int(i64::try_from(below).map_err(unreadable)?), Param::Int(i64::from(limit))],
                &READ,
            )
            .await?;
        rows.iter().map(checkpoint).collect()
    }

    async fn checkpoint_of_size(&self, size: u64) -> Result<Option<SignedCheckpoint>, StoreError> {
        let rows = self
            .fetch(
                "SELECT size, root, note, signed_at FROM checkpoints WHERE size = $1 ORDER BY id DESC LIMIT 1",
                &[Param::Int(i64::try_from(size).map_err(unreadable)?)],
                &READ,
            )
            .await?;
        rows.first().map(checkpoint).transpose()
    }

    async fn replace_note(&self, size: u64, old: &str, new: &str) -> Result<bool, StoreError> {
        let params =
            [Param::Text(Some(new)), Param::Int(i64::try_from(size).map_err(unreadable)?), Param::Text(Some(old))];
        let changed = self.execute("UPDATE checkpoints SET note = $1 WHERE size = $2 AND note = $3", &params).await?;
        Ok(changed > 0)
    }
}

/// A row of `SELECT size, root, note, signed_at FROM checkpoints`.
fn checkpoint(row: &Row) -> Result<SignedCheckpoint, StoreError> {
    Ok(SignedCheckpoint {
        size: u64::try_from(row.int(0)?).map_err(unreadable)?,
        root: row.hash(1, "a checkpoint's root")?,
        note: row.text(2)?,
        signed_at: row.time(3)?,
    })
}
