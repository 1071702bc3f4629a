//! Signed checkpoints kept beside the log: each signed note with the tree size and root it
//! vouches for and when it was signed, so that the latest can be served and proofs given for the
//! sizes it covers. What a note says and how it is signed is the application's (`app::checkpoint`).

use async_trait::async_trait;

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
