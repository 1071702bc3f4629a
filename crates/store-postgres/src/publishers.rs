//! Publishers' positions in the `publishers` table of the PostgreSQL database, and the choice of
//! one publisher among processes by a session-level advisory lock per publisher name, held on a
//! connection of its own for as long as the lead is held.

use std::time::Duration;

use async_trait::async_trait;
use kernel::{Hold, Lead, Position, PublisherLead, PublisherStore, Statement, StoreError};
use sqlx::PgConnection;

use crate::tables::bind;
use crate::{PostgresStore, unavailable};

/// The first key of every publisher's advisory lock; the second is the hash of its name. Locks
/// on two 32-bit keys never meet the single 64-bit key the writer locks.
const LOCK_CLASS: i32 = 0x436f_7650; // "CovP"

/// How often a process waiting to lead tries the lock again.
const RETRY: Duration = Duration::from_millis(200);

#[async_trait]
impl PublisherStore for PostgresStore {
    async fn lead(&self, name: &str) -> Result<Box<dyn PublisherLead>, StoreError> {
        // The lock lives as long as this connection, so it is kept out of the pool.
        let mut conn = self.pool.acquire().await.map_err(unavailable)?.detach();
        loop {
            let led: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext($2))")
                .bind(LOCK_CLASS)
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .map_err(unavailable)?;
            if led {
                break;
            }
            tokio::time::sleep(RETRY).await;
        }
        let position = kernel::published(self, name).await?.unwrap_or(Position::ZERO);
        Ok(Box::new(Lead::new(name, position, LockConnection(conn))))
    }

    async fn published(&self, name: &str) -> Result<Option<Position>, StoreError> {
        kernel::published(self, name).await
    }
}

/// The connection that holds a lead's lock, through which its position is saved, so that a
/// lost connection (and so a lost lock) fails the save. Dropping it closes the connection, and
/// PostgreSQL releases a session's advisory locks when the session ends.
struct LockConnection(PgConnection);

impl std::fmt::Debug for LockConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LockConnection").finish_non_exhaustive()
    }
}

#[async_trait]
impl Hold for LockConnection {
    async fn save(&mut self, statement: Statement<'_>) -> Result<(), StoreError> {
        let query = statement.params.iter().fold(sqlx::query(statement.sql), bind);
        query.execute(&mut self.0).await.map_err(unavailable)?;
        Ok(())
    }
}
