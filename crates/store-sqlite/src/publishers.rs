//! Publishers' positions in the `publishers` table of the SQLite file, and the choice of one
//! publisher among processes: an exclusive lock (the operating system's `flock`) on a file of
//! its own beside the database, `<database>-lead-<name>`, held for as long as the lead is held
//! and released by the system when the process ends, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use kernel::{Position, PublisherLead, PublisherStore, StoreError, Timestamp};
use sqlx::SqlitePool;

use crate::{SqliteStore, unavailable};

/// How often a process waiting to lead tries the lock again.
const RETRY: Duration = Duration::from_millis(200);

#[async_trait]
impl PublisherStore for SqliteStore {
    async fn lead(&self, name: &str) -> Result<Box<dyn PublisherLead>, StoreError> {
        let lock = lock_file(&self.path, name)?;
        if let Some(file) = &lock {
            loop {
                match file.try_lock() {
                    Ok(()) => break,
                    Err(TryLockError::WouldBlock) => tokio::time::sleep(RETRY).await,
                    Err(TryLockError::Error(error)) => {
                        return Err(StoreError::Unavailable(format!(
                            "failed to lock the lead of {name} beside {}: {error}",
                            self.path.display()
                        )));
                    }
                }
            }
        }
        let position = self.published(name).await?.unwrap_or(Position::ZERO);
        Ok(Box::new(Lead { pool: self.pool.clone(), name: name.to_owned(), position, _lock: lock }))
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

/// The file whose lock is the lead of `name`, opened (created when missing); none for a
/// database in memory, which no other process can open.
fn lock_file(database: &Path, name: &str) -> Result<Option<File>, StoreError> {
    if database.as_os_str().is_empty() || database == Path::new(":memory:") {
        return Ok(None);
    }
    let path = lock_path(database, name);
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| {
        StoreError::Unavailable(format!(
            "failed to open {} to lead {name}: {e}; the directory of the database must be writable",
            path.display()
        ))
    })?;
    Ok(Some(file))
}

/// `<database>-lead-<name>`, the name's characters other than letters, digits, '-' and '_'
/// written as '_' (`covenant.db-lead-webhook_icb-rag-pack`).
fn lock_path(database: &Path, name: &str) -> PathBuf {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let mut path = database.as_os_str().to_owned();
    path.push(format!("-lead-{safe}"));
    PathBuf::from(path)
}

#[derive(Debug)]
struct Lead {
    pool: SqlitePool,
    name: String,
    position: Position,
    /// Held locked while the lead lives; closing it releases the lock.
    _lock: Option<File>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_file_sits_beside_the_database_named_safely() {
        assert_eq!(
            lock_path(Path::new("/srv/covenant.db"), "webhook:icb-rag-pack"),
            PathBuf::from("/srv/covenant.db-lead-webhook_icb-rag-pack")
        );
        assert_eq!(
            lock_path(Path::new("covenant.db"), "nats:COVENANT"),
            PathBuf::from("covenant.db-lead-nats_COVENANT")
        );
    }
}
