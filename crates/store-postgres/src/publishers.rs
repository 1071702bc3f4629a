//! Publishers' positions in the `publishers` table of the PostgreSQL database, and the choice of
//! one publisher among processes by a session-level advisory lock per publisher name, held on a
//! connection of its own for as long as the lead is held.

use std::time::Duration;

use async_trait::async_trait;
use kernel::{Position, PublisherLead, PublisherStore, StoreError, Timestamp};
use sqlx::PgConnection;

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
        let position: Option<i64> = sqlx::query_scalar("SELECT position FROM publishers WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(Box::new(Lead { conn, name: name.to_owned(), position: Position(position.unwrap_or(0) as u64) }))
    }

    async fn published(&self, name: &str) -> Result<Option<Position>, StoreError> {
        let position: Option<i64> = sqlx::query_scalar("SELECT position FROM publishers WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(position.map(|p| Position(p as u64)))
    }
}

/// A held lead: the connection that holds the lock, through which the position is saved, so
/// that a lost connection (and so a lost lock) fails the save. Dropping it closes the
/// connection, and PostgreSQL releases a session's advisory locks when the session ends.
struct Lead {
    conn: PgConnection,
    name: String,
    position: Position,
}

impl std::fmt::Debug for Lead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lead").field("name", &self.name).field("position", &self.position).finish_non_exhaustive()
    }
}

#[async_trait]
impl PublisherLead for Lead {
    fn position(&self) -> Position {
        self.position
    }

    async fn advance(&mut self, position: Position) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO publishers (name, position, published_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, published_at = excluded.published_at",
        )
        .bind(&self.name)
        .bind(position.0 as i64)
        .bind(Timestamp::now().as_datetime())
        .execute(&mut self.conn)
        .await
        .map_err(unavailable)?;
        self.position = position;
        Ok(())
    }
}
