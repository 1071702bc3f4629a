//! Projection snapshots in the `projection_snapshots` table of the SQLite file.

use async_trait::async_trait;
use kernel::{Hash, Position, Snapshot, SnapshotStore, StoreError, Timestamp};
use sqlx::Row;

use crate::{SqliteStore, unavailable};

#[async_trait]
impl SnapshotStore for SqliteStore {
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError> {
        let row = sqlx::query("SELECT position, state, hash FROM projection_snapshots WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        row.map(|row| {
            let position: i64 = row.try_get(0).map_err(unavailable)?;
            Ok(Snapshot {
                name: name.to_owned(),
                position: Position(position as u64),
                state: row.try_get(1).map_err(unavailable)?,
                hash: match row.try_get::<Option<Vec<u8>>, _>(2).map_err(unavailable)? {
                    Some(bytes) => {
                        Some(Hash::from_slice(&bytes).ok_or_else(|| unavailable("a snapshot's hash is not 32 bytes"))?)
                    }
                    None => None,
                },
            })
        })
        .transpose()
    }

    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO projection_snapshots (name, position, state, saved_at, hash) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, saved_at = excluded.saved_at, hash = excluded.hash",
        )
        .bind(&snapshot.name)
        .bind(snapshot.position.0 as i64)
        .bind(&snapshot.state)
        .bind(Timestamp::now().as_micros())
        .bind(snapshot.hash.map(|h| h.0.to_vec()))
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn clear_snapshots(&self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM projection_snapshots").execute(&self.pool).await.map_err(unavailable)?;
        Ok(())
    }
}
