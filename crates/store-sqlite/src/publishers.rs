//! Publishers' positions in the `publishers` table of the SQLite file. A SQLite file is used by
//! one publisher process at a time: a lead here is taken at once and excludes no other process.

use async_trait::async_trait;
use kernel::{Position, PublisherLead, PublisherStore, StoreError, Timestamp};
use sqlx::SqlitePool;

use crate::{SqliteStore, unavailable};

#[async_trait]
impl PublisherStore for SqliteStore {
    async fn lead(&self, name: &str) -> Result<Box<dyn PublisherLead>, StoreError> {
        let position = self.published(name).await?.unwrap_or(Position::ZERO);
        Ok(Box::new(Lead { pool: self.pool.clone(), name: name.to_owned(), position }))
    }

    async fn published(&self, name: &str) -> Result<Option<Position>, StoreError> {
        let position: Option<i64> = sqlx::query_scalar("SELECT position FROM publishers WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(position.map(|p| Position(p as u64)))
    }
}

#[derive(Debug)]
struct Lead {
    pool: SqlitePool,
    name: String,
    position: Position,
}

#[async_trait]
impl PublisherLead for Lead {
    fn position(&self) -> Position {
        self.position
    }

    async fn advance(&mut self, position: Position) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO publishers (name, position, published_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, published_at = excluded.published_at",
        )
        .bind(&self.name)
        .bind(position.0 as i64)
        .bind(Timestamp::now().as_micros())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.position = position;
        Ok(())
    }
}
