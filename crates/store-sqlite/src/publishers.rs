//! Publishers' positions in the `publishers` table of the SQLite file, and the choice of one
//! publisher among processes: an exclusive lock (the operating system's `flock`) on a file of
//! its own beside the database, `<database>-lead-<name>`, held for as long as the lead is held
//! and released by the system when the process ends, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use kernel::{Hold, Lead, Position, PublisherLead, PublisherStore, Statement, StoreError};
use sqlx::SqlitePool;

use crate::tables::bind;
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
        Ok(Box::new(Lead::new(name, position, LockedFile { pool: self.pool.clone(), _lock: lock })))
    }

    async fn published(&self, name: &str) -> Result<Option<Position>, StoreError> {
        kernel::published(self, name).await
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

/// A lead's locked file, and the pool through which its position is saved.
#[derive(Debug)]
struct LockedFile {
    pool: SqlitePool,
    /// Held locked while the lead lives; closing it releases the lock.
    _lock: Option<File>,
}

#[async_trait]
impl Hold for LockedFile {
    async fn save(&mut self, statement: Statement<'_>) -> Result<(), StoreError> {
        let query = statement.params.iter().fold(sqlx::query(statement.sql), bind);
        query.execute(&self.pool).await.map_err(unavailable)?;
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
