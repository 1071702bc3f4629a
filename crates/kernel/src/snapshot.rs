//! Snapshots of derived state: a projection's state saved together with the position it has
//! processed up to, in one row, so that a restart resumes exactly where the saved state ends:
//! nothing skipped, nothing applied twice. Both backends keep them in the `projection_snapshots`
//! table, written once over [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, SqlTables};
use crate::{Hash, Position, StoreError, Timestamp};

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

/// Snapshots in the `projection_snapshots` table, on either backend.
#[async_trait]
impl<T: SqlTables> SnapshotStore for T {
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError> {
        let rows = self
            .fetch(
                "SELECT position, state, hash FROM projection_snapshots WHERE name = $1",
                &[Param::Text(Some(name))],
                &[Column::Int, Column::Text, Column::Bytes],
            )
            .await?;
        rows.first()
            .map(|row| {
                Ok(Snapshot {
                    name: name.to_owned(),
                    position: Position(row.int(0)? as u64),
                    state: row.text(1)?,
                    hash: row.opt_hash(2, "a snapshot's hash")?,
                })
            })
            .transpose()
    }

    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let params = [
            Param::Text(Some(&snapshot.name)),
            Param::Int(snapshot.position.0 as i64),
            Param::Text(Some(&snapshot.state)),
            Param::Time(Some(Timestamp::now())),
            Param::Bytes(snapshot.hash.as_ref().map(|hash| hash.0.as_slice())),
        ];
        self.execute(
            "INSERT INTO projection_snapshots (name, position, state, saved_at, hash) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, \
             saved_at = excluded.saved_at, hash = excluded.hash",
            &params,
        )
        .await?;
        Ok(())
    }

    async fn clear_snapshots(&self) -> Result<(), StoreError> {
        self.execute("DELETE FROM projection_snapshots", &[]).await?;
        Ok(())
    }
}
