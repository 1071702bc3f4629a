//! Webhook subscriptions, their delivery logs and dead letters in the SQLite file's `webhooks`,
//! `webhook_attempts` and `webhook_dead_letters` tables.

use async_trait::async_trait;
use kernel::{
    AttemptOutcome, DeadLetter, DeadLetterChange, Position, StoreError, Timestamp, WebhookAttempt, WebhookRecord,
    WebhookStore,
};

use crate::{SqliteStore, unavailable};

/// A time as stored, back into a timestamp.
fn at(micros: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_micros(micros)
        .ok_or_else(|| StoreError::Unavailable(format!("a webhook row holds the time {micros}, which is out of range")))
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn add_webhook(&self, webhook: &WebhookRecord) -> Result<bool, StoreError> {
        let added = sqlx::query(
            "INSERT INTO webhooks (name, url, event_types, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&webhook.name)
        .bind(&webhook.url)
        .bind(&webhook.event_types)
        .bind(&webhook.secret)
        .bind(webhook.created_at.as_micros())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(added.rows_affected() == 1)
    }

    async fn webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        let rows: Vec<(String, String, String, String, i64)> =
            sqlx::query_as("SELECT name, url, event_types, secret, created_at FROM webhooks ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
        rows.into_iter()
            .map(|(name, url, event_types, secret, created_at)| {
                Ok(WebhookRecord { name, url, event_types, secret, created_at: at(created_at)? })
            })
            .collect()
    }

    async fn remove_webhook(&self, name: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        let removed = sqlx::query("DELETE FROM webhooks WHERE name = ?1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("DELETE FROM publishers WHERE name = ?1")
            .bind(format!("webhook:{name}"))
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(removed.rows_affected() == 1)
    }

    async fn log_attempt(&self, name: &str, attempt: &WebhookAttempt) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO webhook_attempts (webhook, position, attempt, outcome, detail, attempted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(name)
        .bind(attempt.position.0 as i64)
        .bind(i64::from(attempt.attempt))
        .bind(attempt.outcome.as_str())
        .bind(&attempt.detail)
        .bind(attempt.at.as_micros())
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        match attempt.outcome.dead_letter() {
            DeadLetterChange::Keep => {
                sqlx::query(
                    "INSERT INTO webhook_dead_letters (webhook, position, detail, failed_at) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (webhook, position) DO UPDATE SET detail = excluded.detail, failed_at = excluded.failed_at",
                )
                .bind(name)
                .bind(attempt.position.0 as i64)
                .bind(&attempt.detail)
                .bind(attempt.at.as_micros())
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
            }
            DeadLetterChange::Remove => {
                sqlx::query("DELETE FROM webhook_dead_letters WHERE webhook = ?1 AND position = ?2")
                    .bind(name)
                    .bind(attempt.position.0 as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            }
            DeadLetterChange::Unchanged => {}
        }
        tx.commit().await.map_err(unavailable)
    }

    async fn attempts(&self, name: &str, limit: usize) -> Result<Vec<WebhookAttempt>, StoreError> {
        let rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
            "SELECT position, attempt, outcome, detail, attempted_at FROM webhook_attempts \
             WHERE webhook = ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(name)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        rows.into_iter()
            .rev()
            .map(|(position, attempt, outcome, detail, attempted_at)| {
                let outcome = AttemptOutcome::parse(&outcome).ok_or_else(|| {
                    StoreError::Unavailable(format!("a webhook attempt is stored with the unknown outcome '{outcome}'"))
                })?;
                Ok(WebhookAttempt {
                    position: Position(position as u64),
                    attempt: attempt as u32,
                    outcome,
                    detail,
                    at: at(attempted_at)?,
                })
            })
            .collect()
    }

    async fn dead_letters(&self, name: &str) -> Result<Vec<DeadLetter>, StoreError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT position, detail, failed_at FROM webhook_dead_letters WHERE webhook = ?1 ORDER BY position",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        rows.into_iter()
            .map(|(position, detail, failed_at)| {
                Ok(DeadLetter { position: Position(position as u64), detail, failed_at: at(failed_at)? })
            })
            .collect()
    }
}
