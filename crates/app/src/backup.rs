//! Backing up the database: a consistent copy of a live SQLite file, checked by verifying the
//! copy's chain; for PostgreSQL, the `pg_dump` command to run, since a PostgreSQL database is
//! backed up with PostgreSQL's own tools.

use std::path::{Path, PathBuf};

use kernel::{EventStore, OpenMode, StoreError, VerifyReport};
use store_sqlite::SqliteStore;

use crate::config::shell_word;
use crate::store::{Backend, Opening};
use crate::{DatabaseUrl, Stores};

/// Copies the SQLite database `stores` hold to the new file `to` with `VACUUM INTO`, which
/// takes a consistent snapshot while other processes go on writing, then opens the copy
/// read-only and verifies its chain. Gives the copy's verification: its head is the head the
/// original had when the copy was taken.
pub async fn backup(stores: &Stores, database: &DatabaseUrl, to: &Path) -> Result<VerifyReport, BackupError> {
    let store = match stores.backend() {
        Backend::Sqlite(store) => store,
        Backend::Postgres(_) => return Err(BackupError::Postgres { command: pg_dump_command(database, to) }),
    };
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    store.backup(to).await?;
    let copy = SqliteStore::open_as(to, Opening::new(OpenMode::ReadOnly)).await.map_err(StoreError::from)?;
    let report = copy.verify(None).await;
    copy.close().await;
    let report = report?;
    if let Some(failure) = &report.failure {
        return Err(BackupError::Broken { path: to.to_owned(), detail: failure.to_string() });
    }
    Ok(report)
}

/// The `pg_dump` command that backs up `database` to `to`, in PostgreSQL's custom format (which
/// `pg_restore` reads). A password in the URL is not repeated.
pub fn pg_dump_command(database: &DatabaseUrl, to: &Path) -> String {
    format!(
        "pg_dump --format=custom --file={} --dbname={}",
        shell_word(&to.display().to_string()),
        shell_word(&database.to_string())
    )
}

/// Why no backup was made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} already exists: a backup is written only to a new file, so give another name or move it away", .0.display())]
    Exists(PathBuf),
    #[error(
        "Covenant does not copy a PostgreSQL database itself, so nothing was backed up: PostgreSQL's own pg_dump takes a consistent copy while Covenant runs. Run\n  {command}\n(with the password in PGPASSWORD or ~/.pgpass if the server asks for one), and restore it into a new, empty database with pg_restore, as docs/operations.md describes"
    )]
    Postgres { command: String },
    #[error("the copy at {} does not verify ({detail}): delete it and back up again", path.display())]
    Broken { path: PathBuf, detail: String },
    #[error("failed to back up the database: {0}")]
    Store(#[from] StoreError),
}
