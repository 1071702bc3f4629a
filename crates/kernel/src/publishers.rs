//! Where a publisher keeps how far it has published the log to another system (a message
//! stream), and how one publisher among several processes is chosen to publish. What is
//! published and how is the application's (`app::publisher`).

use async_trait::async_trait;

use crate::{Position, StoreError};

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
