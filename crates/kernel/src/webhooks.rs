//! Where webhook subscriptions are kept, with each one's delivery log and dead letters. Which
//! events a subscription takes, how they are signed and sent is the application's
//! (`app::webhooks`); how far each has delivered is kept as a publisher's position
//! ([`crate::PublisherStore`]) under `webhook:<name>`. The tables are written once, here, over
//! [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, Row, SqlTables, Statement, unreadable};
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

/// The columns of a subscription, in the order [`webhook`] reads them.
const WEBHOOK_COLUMNS: &str = "name, url, event_types, secret, created_at";

/// Subscriptions in the `webhooks`, `webhook_attempts` and `webhook_dead_letters` tables, on
/// either backend.
#[async_trait]
impl<T: SqlTables + ?Sized> WebhookStore for T {
    async fn add_webhook(&self, webhook: &WebhookRecord) -> Result<bool, StoreError> {
        let params = [
            Param::Text(Some(&webhook.name)),
            Param::Text(Some(&webhook.url)),
            Param::Text(Some(&webhook.event_types)),
            Param::Text(Some(&webhook.secret)),
            Param::Time(Some(webhook.created_at)),
        ];
        let statement = format!(
            "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING"
        );
        Ok(self.execute(&statement, &params).await? == 1)
    }

    async fn webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        let read = [Column::Text, Column::Text, Column::Text, Column::Text, Column::Time];
        let rows = self.fetch(&format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY name"), &[], &read).await?;
        rows.iter().map(webhook).collect()
    }

    async fn remove_webhook(&self, name: &str) -> Result<bool, StoreError> {
        let publisher = format!("webhook:{name}");
        let subscription = [Param::Text(Some(name))];
        let position = [Param::Text(Some(&publisher))];
        let removed = self
            .execute_all(&[
                Statement { sql: "DELETE FROM webhooks WHERE name = $1", params: &subscription },
                Statement { sql: "DELETE FROM publishers WHERE name = $1", params: &position },
            ])
            .await?;
        Ok(removed.first() == Some(&1))
    }

    async fn log_attempt(&self, name: &str, attempt: &WebhookAttempt) -> Result<(), StoreError> {
        let position = attempt.position.0 as i64;
        let logged = [
            Param::Text(Some(name)),
            Param::Int(position),
            Param::Int(i64::from(attempt.attempt)),
            Param::Text(Some(attempt.outcome.as_str())),
            Param::Text(Some(&attempt.detail)),
            Param::Time(Some(attempt.at)),
        ];
        let kept = [
            Param::Text(Some(name)),
            Param::Int(position),
            Param::Text(Some(&attempt.detail)),
            Param::Time(Some(attempt.at)),
        ];
        let letter = [Param::Text(Some(name)), Param::Int(position)];
        let mut statements = vec![Statement {
            sql: "INSERT INTO webhook_attempts (webhook, position, attempt, outcome, detail, attempted_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)",
            params: &logged,
        }];
        match attempt.outcome.dead_letter() {
            DeadLetterChange::Keep => statements.push(Statement {
                sql: "INSERT INTO webhook_dead_letters (webhook, position, detail, failed_at) VALUES ($1, $2, $3, $4) \
                      ON CONFLICT (webhook, position) DO UPDATE SET detail = excluded.detail, failed_at = excluded.failed_at",
                params: &kept,
            }),
            DeadLetterChange::Remove => statements.push(Statement {
                sql: "DELETE FROM webhook_dead_letters WHERE webhook = $1 AND position = $2",
                params: &letter,
            }),
            DeadLetterChange::Unchanged => {}
        }
        self.execute_all(&statements).await?;
        Ok(())
    }

    async fn attempts(&self, name: &str, limit: usize) -> Result<Vec<WebhookAttempt>, StoreError> {
        let read = [Column::Int, Column::Int, Column::Text, Column::Text, Column::Time];
        let rows = self
            .fetch(
                "SELECT position, CAST(attempt AS BIGINT), outcome, detail, attempted_at FROM webhook_attempts \
                 WHERE webhook = $1 ORDER BY id DESC LIMIT $2",
                &[Param::Text(Some(name)), Param::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
                &read,
            )
            .await?;
        rows.iter().rev().map(attempt).collect()
    }

    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetter>, StoreError> {
        let read = [Column::Int, Column::Text, Column::Time];
        let rows = self
            .fetch(
                "SELECT position, detail, failed_at FROM webhook_dead_letters WHERE webhook = $1 ORDER BY position",
                &[Param::Text(Some(name))],
                &read,
            )
            .await?;
        rows.iter()
            .map(|row| Ok(DeadLetter { position: position(row, 0)?, detail: row.text(1)?, failed_at: row.time(2)? }))
            .collect()
    }
}

fn webhook(row: &Row) -> Result<WebhookRecord, StoreError> {
    Ok(WebhookRecord {
        name: row.text(0)?,
        url: row.text(1)?,
        event_types: row.text(2)?,
        secret: row.text(3)?,
        created_at: row.time(4)?,
    })
}

fn attempt(row: &Row) -> Result<WebhookAttempt, StoreError> {
    let outcome = row.text(2)?;
    let outcome = AttemptOutcome::parse(&outcome)
        .ok_or_else(|| unreadable(format!("a webhook attempt is stored with the unknown outcome '{outcome}'")))?;
    let number = row.int(1)?;
    Ok(WebhookAttempt {
        position: position(row, 0)?,
        attempt: u32::try_from(number).map_err(|_| unreadable(format!("a webhook attempt is numbered {number}")))?,
        outcome,
        detail: row.text(3)?,
        at: row.time(4)?,
    })
}

fn position(row: &Row, index: usize) -> Result<Position, StoreError> {
    let position = row.int(index)?;
    u64::try_from(position)
        .map(Position)
        .map_err(|_| unreadable(format!("a webhook row holds the position {position}")))
}
