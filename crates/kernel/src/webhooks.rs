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
    pub outcome: AttemptOutcome,
    /// The receiver's status, or why nothing was received.
    pub detail: String,
    pub at: Timestamp,
}

/// How an attempt ended, and so what it does to the subscription's dead letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It did not; the event is tried again later.
    Failed,
    /// The last attempt failed: the event is kept as a dead letter and delivery moves on.
    Dead,
    /// A dead letter sent again and delivered: it leaves the dead letters.
    Replayed,
}

/// What logging an attempt does to the dead letters, in the same transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadLetterChange {
    Unchanged,
    /// The event is kept (or kept again, with the newest detail) as a dead letter.
    Keep,
    /// The event leaves the dead letters.
    Remove,
}

impl AttemptOutcome {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Dead => "dead",
            AttemptOutcome::Replayed => "replayed",
        }
    }

    /// Reads a stored word back.
    pub fn parse(text: &str) -> Option<AttemptOutcome> {
        [AttemptOutcome::Delivered, AttemptOutcome::Failed, AttemptOutcome::Dead, AttemptOutcome::Replayed]
            .into_iter()
            .find(|o| o.as_str() == text)
    }

    pub fn dead_letter(self) -> DeadLetterChange {
        match self {
            AttemptOutcome::Dead => DeadLetterChange::Keep,
            AttemptOutcome::Replayed => DeadLetterChange::Remove,
            AttemptOutcome::Delivered | AttemptOutcome::Failed => DeadLetterChange::Unchanged,
        }
    }
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

    /// Logs an attempt and, in the same transaction, changes the dead letters as its outcome
    /// says ([`AttemptOutcome::dead_letter`]).
    async fn log_attempt(&self, name: &str, attempt: &WebhookAttempt) -> Result<(), StoreError>;

    /// The last `limit` attempts logged for a subscription, oldest first.
    async fn attempts(&self, name: &str, limit: usize) -> Result<Vec<WebhookAttempt>, StoreError>;

    /// A subscription's dead letters, in position order.
    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetter>, StoreError>;
}
