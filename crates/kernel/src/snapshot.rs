//! Snapshots of derived state: a projection's state saved together with the position it has
//! processed up to, in one row, so that a restart resumes exactly where the saved state ends:
//! nothing skipped, nothing applied twice.

use async_trait::async_trait;

use crate::{Hash, Position, StoreError};

/// A projection's serialised state and the last position folded into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The projection's name, unique per store.
    pub name: String,
    /// The last position folded into `state`.
    pub position: Position,
    /// The state, as JSON.
    pub state: String,
    /// The chain hash of the event at `position` when the state was saved, so that a log
    /// holding another event there since (a rewritten log) is not taken for the one folded;
    /// `None` at position zero, and for snapshots saved before it was kept.
    pub hash: Option<Hash>,
}

/// Where snapshots are kept: beside the log, in the same database.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// The latest snapshot saved under `name`, if any.
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError>;

    /// Replaces the snapshot saved under `snapshot.name`, state and position together.
    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// Removes every snapshot, so that projections rebuild from position zero.
    async fn clear_snapshots(&self) -> Result<(), StoreError>;
}
