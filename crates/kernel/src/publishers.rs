//! Where a publisher keeps how far it has published the log to another system (a message
//! stream), and how one publisher among several processes is chosen to publish. What is
//! published and how is the application's (`app::publisher`).

use async_trait::async_trait;

use crate::sql::{Column, Param, SqlTables, Statement};
use crate::{Position, StoreError, Timestamp};

/// Where publishers' positions are kept: beside the log, in the same database, one row per
/// publisher name.
#[async_trait]
pub trait PublisherStore: Send + Sync {
    /// Waits until no other process leads the publisher `name`, then leads it. The lead holds
    /// the position saved under `name` (zero when none was) and is given up when dropped.
    ///
    /// Architecture Invariant: at most one lead per name exists at a time among all the
    /// processes (and store instances) on one database; a lead whose hold was lost fails its
    /// next [`PublisherLead::advance`].
    async fn lead(&self, name: &str) -> Result<Box<dyn PublisherLead>, StoreError>;

    /// The position saved under `name`, if any, without leading it.
    async fn published(&self, name: &str) -> Result<Option<Position>, StoreError>;
}

/// The one publisher of a name, for as long as it is held.
#[async_trait]
pub trait PublisherLead: Send + Sync + std::fmt::Debug {
    /// Everything up to this position is published: the saved position when the lead was
    /// taken, then the last one advanced to.
    fn position(&self) -> Position;

    /// Saves that every event up to `position` is published. Fails, saving nothing, when the
    /// lead was lost (its connection to the database closed).
    async fn advance(&mut self, position: Position) -> Result<(), StoreError>;
}

/// The position saved under `name` in the `publishers` table: what both stores'
/// [`PublisherStore::published`] give.
pub async fn published(tables: &impl SqlTables, name: &str) -> Result<Option<Position>, StoreError> {
    let rows = tables
        .fetch("SELECT position FROM publishers WHERE name = $1", &[Param::Text(Some(name))], &[Column::Int])
        .await?;
    rows.first().map(|row| row.int(0).map(|position| Position(position as u64))).transpose()
}

/// What holds a lead (PostgreSQL's advisory-lock connection, SQLite's locked file and its
/// pool), and runs the statement that saves the lead's position through the hold.
#[async_trait]
pub trait Hold: Send + Sync + std::fmt::Debug {
    /// Runs `statement`; fails when the hold was lost.
    async fn save(&mut self, statement: Statement<'_>) -> Result<(), StoreError>;
}

/// A held lead as both stores keep it: the publisher's name, its position and its hold.
#[derive(Debug)]
pub struct Lead<H> {
    name: String,
    position: Position,
    hold: H,
}

impl<H: Hold> Lead<H> {
    /// The lead of `name`, held by `hold`, at the position saved when it was taken.
    pub fn new(name: &str, position: Position, hold: H) -> Self {
        Lead { name: name.to_owned(), position, hold }
    }
}

#[async_trait]
impl<H: Hold> PublisherLead for Lead<H> {
    fn position(&self) -> Position {
        self.position
    }

    async fn advance(&mut self, position: Position) -> Result<(), StoreError> {
        let params =
            [Param::Text(Some(&self.name)), Param::Int(position.0 as i64), Param::Time(Some(Timestamp::now()))];
        let sql = "INSERT INTO publishers (name, position, published_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET position = excluded.position, published_at = excluded.published_at";
        self.hold.save(Statement { sql, params: &params }).await?;
        self.position = position;
        Ok(())
    }
}
