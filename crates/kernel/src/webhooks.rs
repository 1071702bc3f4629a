//! Where webhook subscriptions are kept, with each one's delivery log and dead letters. Which
//! events a subscription takes, how they are signed and sent is the application's
//! (`app::webhooks`); how far each has delivered is kept as a publisher's position
//! ([`crate::PublisherStore`]) under `webhook:<name>`.

use async_trait::async_trait;

use crate::{Position, StoreError, Timestamp};

/// A subscription as stored: checked by the application before it is added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRecord {
    pub name: String,
    pub url: String,
    /// The event types taken, space-separated; empty for every event.
    pub event_types: String,
    /// The signing secret, `whsec_` and base64.
    pub secret: String,
    pub created_at: Timestamp,
}

/// How one attempt to deliver an event ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub position: Position,
    /// 1 for the first attempt at this event, counting on with each retry.
    pub attempt: u32,
    /// `delivered`, `failed` (tried again later), `dead` (given up on) or `replayed`.
    pub outcome: String,
    /// The receiver's status, or why nothing was received.
    pub detail: String,
    pub at: Timestamp,
}

/// An event given up on, kept until it is replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    pub position: Position,
    pub detail: String,
    pub failed_at: Timestamp,
}

/// Webhook subscriptions, their delivery logs and dead letters, beside the log.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Adds a subscription; `false`, adding nothing, when one of that name exists.
    async fn add_webhook(&self, webhook: &WebhookRecord) -> Result<bool, StoreError>;

    /// Every subscription, by name.
    async fn webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError>;

    /// Removes a subscription with its log and dead letters; `false` when there was none.
    async fn remove_webhook(&self, name: &str) -> Result<bool, StoreError>;

    /// Logs an attempt; one whose outcome is `dead` is also kept as a dead letter, and one
    /// `replayed` takes its dead letter away, in the same transaction.
    async fn log_attempt(&self, name: &str, attempt: &WebhookAttempt) -> Result<(), StoreError>;

    /// The last `limit` attempts logged for a subscription, oldest first.
    async fn attempts(&self, name: &str, limit: usize) -> Result<Vec<WebhookAttempt>, StoreError>;

    /// A subscription's dead letters, in position order.
    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetter>, StoreError>;
}
