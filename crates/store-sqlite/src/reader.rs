//! The read path: reads of the log on plain SQLite connections (rusqlite), each run on a blocking
//! thread. sqlx hands SQLite rows one by one from a worker thread, which costs more than reading
//! and decoding the row itself; a whole page read on one thread is several times faster.
//!
//! Connections are opened read-only on the same file, so they see exactly what the writer has
//! committed (WAL readers take a consistent snapshot per statement) and can never write.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kernel::StoreError;
use rusqlite::{Connection, OpenFlags, Params};

use crate::rows::{self, Decoded, unavailable};

/// Idle connections kept for reuse; more may be open at once under load. A connection opened for
/// one read and closed after it costs the open and its page cache with it, so enough are kept for
/// every read at once of a busy service; each holds at most its page cache (`cache_size`, 2,000 KiB
/// by default) and a file handle.
const KEEP_IDLE: usize = 16;

/// Read-only connections to the store's file.
#[derive(Clone, Debug)]
pub(crate) struct Reader {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
}

impl Reader {
    pub(crate) fn new(path: &Path) -> Self {
        Self { path: Arc::new(path.to_owned()), idle: Arc::default() }
    }

    /// Runs `sql` with `params` and decodes every row it returns, selected with the columns `T` is
    /// decoded from ([`kernel::EVENT_COLUMNS`], [`kernel::LOADED_COLUMNS`]), with room reserved
    /// for `expected` of them.
    pub(crate) async fn events<T: Decoded, P: Params + Send + 'static>(
        &self,
        sql: String,
        params: P,
        expected: usize,
    ) -> Result<Vec<T>, StoreError> {
        self.run(move |conn| rows::query(conn, &sql, params, expected)).await
    }

    /// Runs `read` on a read-only connection, on a blocking thread.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.checkout()?;
            let result = read(&conn);
            reader.give_back(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("a read was interrupted: {e}")))?
    }

    fn checkout(&self) -> Result<Connection, StoreError> {
        if let Some(conn) = self.idle.lock().map_err(|_| poisoned())?.pop() {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(self.path.as_path(), flags).map_err(unavailable)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(unavailable)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push(conn);
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Unavailable("a reader panicked while holding the connection list; restart the process".into())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// What to do when the linked SQLite is not the repository's build.
    const REBUILD: &str = "build from the repository, whose .cargo/config.toml sets LIBSQLITE3_FLAGS, \
         with no LIBSQLITE3_FLAGS of your own in the environment";

    /// The readers rely on the build of SQLite that `.cargo/config.toml` asks for: a page cache of
    /// each connection's own, allocated once, and no process-wide mutex around allocations.
    #[test]
    fn the_linked_sqlite_is_built_with_the_repository_flags() {
        let conn = Connection::open_in_memory().expect("an in-memory database opens");
        let mut statement = conn.prepare("PRAGMA compile_options").expect("the pragma prepares");
        let options: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .expect("the compile options read");
        for wanted in ["DEFAULT_MEMSTATUS=0", "DISABLE_PAGECACHE_OVERFLOW_STATS", "DEFAULT_PCACHE_INITSZ=1000"] {
            assert!(options.iter().any(|o| o == wanted), "SQLite was built without {wanted}; {REBUILD}: {options:?}");
        }
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "SQLite was built with one page cache shared by every connection; {REBUILD}: {options:?}"
        );
    }
}
