//! Covenant's embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an
//! acknowledged append has reached the disk. Migrations in `migrations/sqlite` run on open.
//!
//! Architecture Invariant: all appends go through one [`kernel::Writer`] whose backend holds the
//! only write connection to the log and takes SQLite's write lock with `BEGIN IMMEDIATE`;
//! positions are assigned there, so commit order is position order. The log is written and read
//! through rusqlite (`writer`, `reader`); the side tables and migrations use sqlx's pool.

mod publishers;
mod reader;
mod rows;
mod schema;
mod tables;
mod tree;
mod writer;

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use kernel::{
    Alone, ChainHead, EventId, EventStore, EventStream, Hash, Limits, LoadedEvent, NodeId, OpenError, OpenMode,
    Position, RecordedEvent, StoreError, StreamBound, StreamId, TreeUpkeep, Writer,
};
use sqlx::ConnectOptions;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::watch;

/// Streams per query of [`EventStore::read_streams`], under SQLite's limit of 32,766 parameters.
const READ_STREAMS_CHUNK: usize = 5_000;
/// How often a subscriber looks for events written by another process on the same file.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The most events one group commit takes from the queue.
const MAX_GROUP_EVENTS: usize = 20_000;
/// The schema's migrations, applied on open by every mode but [`OpenMode::ReadOnly`].
pub static MIGRATIONS: &[kernel::Migration] = kernel::migrations!("../../migrations/sqlite": shared,
    "0010_sessions.sql",
    "0011_webhooks.sql",
    "0012_pending_sign_ins.sql",
    "0013_snapshot_hash.sql",
    "0014_waypoints.sql",
    "0015_tree_in_events.sql",
);
/// sqlx's migrator over [`MIGRATIONS`].
static MIGRATOR: LazyLock<Migrator> = kernel::sqlx_migrator!(MIGRATIONS);

/// An event store in one SQLite file. Cheap to clone; clones share the writer and the pool.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, beside which publishers' leads are held (`publishers`).
    path: std::path::PathBuf,
    reader: reader::Reader,
    writer: Writer,
    appended: watch::Receiver<Position>,
}

/// How long a write waits by default for another process's write lock before giving up
/// without writing anything.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a write waits for the write lock before the store says it is waiting.
const WAIT_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// Called once each time a write has waited [`WAIT_NOTICE_AFTER`] for another process's write
/// lock and goes on waiting.
pub type WaitNotice = Arc<dyn Fn() + Send + Sync>;

/// How to open a store: the mode, how long a write waits for another process's write lock,
/// whom to tell when it starts waiting, and whether appends keep the Merkle tree.
#[derive(Clone)]
pub struct Opening {
    pub mode: OpenMode,
    pub busy_timeout: Duration,
    pub on_wait: Option<WaitNotice>,
    pub tree: TreeUpkeep,
}

impl Opening {
    /// `mode`, waiting [`BUSY_TIMEOUT`], telling no one, and keeping the tree.
    pub fn new(mode: OpenMode) -> Self {
        Self { mode, busy_timeout: BUSY_TIMEOUT, on_wait: None, tree: TreeUpkeep::Kept }
    }
}

impl std::fmt::Debug for Opening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opening")
            .field("mode", &self.mode)
            .field("busy_timeout", &self.busy_timeout)
            .field("tree", &self.tree)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path` and applies migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Ok(Self::open_as(path.as_ref(), Opening::new(OpenMode::Create)).await?)
    }

    /// Opens the store named by a `sqlite:` URL, such as `sqlite://covenant.db`.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(unavailable)?;
        Self::open_as(options.get_filename(), Opening::new(OpenMode::Create)).await.map_err(StoreError::from)
    }

    /// Opens the store in the file at `path` as `opening` says: a missing file is created only
    /// in [`OpenMode::Create`]; a file holding another application's tables is never touched;
    /// [`OpenMode::ReadOnly`] opens read-only connections and applies no migrations, so it
    /// takes only a file whose schema is current and never waits for a writer.
    pub async fn open_as(path: &Path, opening: Opening) -> Result<Self, OpenError> {
        schema::check(path, opening.mode, &MIGRATOR)?;
        let read_only = opening.mode == OpenMode::ReadOnly;
        let mut options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(opening.mode == OpenMode::Create)
            .read_only(read_only)
            .busy_timeout(if read_only { opening.busy_timeout } else { WAIT_NOTICE_AFTER.min(opening.busy_timeout) })
            .foreign_keys(true);
        if !read_only {
            options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full);
        }
        let mut migrate = options.connect().await.map_err(file_error)?;
        if !read_only {
            MIGRATOR
                .run(&mut migrate)
                .await
                .map_err(|e| StoreError::Unavailable(format!("failed to apply migrations: {e}")))?;
        }
        // A failed close leaves nothing behind that the writer's own connection cares about.
        let _ = sqlx::Connection::close(migrate).await;
        let reader = reader::Reader::new(options.get_filename());
        let path = options.get_filename().to_owned();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.busy_timeout(opening.busy_timeout))
            .await
            .map_err(file_error)?;
        let head = reader.run(|conn| Ok(rows::read_head(conn)?.map(|(head, _)| head).unwrap_or_default())).await?;
        let (notify, appended) = watch::channel(head.position);
        let limits = Limits::default();
        let waiting = writer::Waiting {
            notice_after: WAIT_NOTICE_AFTER.min(opening.busy_timeout),
            timeout: opening.busy_timeout,
            on_wait: opening.on_wait,
        };
        let write = write_connection(&path, read_only, waiting.notice_after).map_err(write_error)?;
        let backend = writer::SqliteWriter::new(write, notify, limits, waiting, opening.tree);
        let (writer, run) = Writer::new(backend, MAX_GROUP_EVENTS, limits, Alone::Queued);
        // The writer makes blocking calls into SQLite, so it runs on a thread of its own rather
        // than on the runtime; it ends when the last clone of the store is dropped.
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || futures::executor::block_on(run))
            .map_err(|e| StoreError::Unavailable(format!("failed to start the SQLite writer: {e}")))?;
        Ok(Self { pool, path, reader, writer, appended })
    }

    /// Writes a consistent copy of the whole database to the new file `to` (`VACUUM INTO`),
    /// while other connections and processes go on writing. The copy is a plain SQLite file,
    /// whole in its main file.
    pub async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        let target = to.to_str().ok_or_else(|| {
            StoreError::Unavailable(format!("the backup file name {} is not valid UTF-8: choose another", to.display()))
        })?;
        sqlx::query("VACUUM INTO ?1").bind(target).execute(&self.pool).await.map_err(file_error)?;
        Ok(())
    }

    /// The read pool, for queries that live beside the log (projections, tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Moves everything in the write-ahead log into the main file and empties the log
    /// (`PRAGMA wal_checkpoint(TRUNCATE)`), so that the main file alone holds the whole
    /// database, then closes the pool; the writer stops when the last clone is dropped. The
    /// checkpoint is best effort: if another process is reading or writing, the log is left
    /// for a later checkpoint, and nothing is lost either way.
    pub async fn close(&self) {
        // On a read-only store, or with another process busy, there is nothing to do now.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        self.pool.close().await;
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    fn writer(&self) -> Option<&Writer> {
        Some(&self.writer)
    }

    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        let (column, limit) = bounded_by(bound);
        let sql = format!(
            "SELECT {} FROM events WHERE stream_id = ?1 AND {column} <= ?2 ORDER BY stream_version",
            kernel::EVENT_COLUMNS
        );
        self.reader.events(sql, (stream.as_str().to_owned(), limit), 0).await
    }

    async fn load_stream(&self, stream: &StreamId) -> Result<Vec<LoadedEvent>, StoreError> {
        let sql = format!("SELECT {} FROM events WHERE stream_id = ?1 ORDER BY stream_version", kernel::LOADED_COLUMNS);
        self.reader.events(sql, (stream.as_str().to_owned(),), 0).await
    }

    async fn read_streams(&self, streams: &[StreamId], bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        let (column, limit) = bounded_by(bound);
        let mut events: Vec<RecordedEvent> = Vec::new();
        for chunk in streams.chunks(READ_STREAMS_CHUNK) {
            let marks: Vec<String> = (2..chunk.len() + 2).map(|n| format!("?{n}")).collect();
            let sql = format!(
                "SELECT {} FROM events WHERE {column} <= ?1 AND stream_id IN ({})",
                kernel::EVENT_COLUMNS,
                marks.join(", ")
            );
            let mut params = vec![rusqlite::types::Value::Integer(limit)];
            params.extend(chunk.iter().map(|s| rusqlite::types::Value::Text(s.as_str().to_owned())));
            events.extend(self.reader.events(sql, rusqlite::params_from_iter(params), 0).await?);
        }
        events.sort_unstable_by_key(|e| e.position);
        Ok(events)
    }

    async fn read_events(&self, ids: &[EventId]) -> Result<Vec<RecordedEvent>, StoreError> {
        let ids = ids.to_vec();
        let mut events: Vec<RecordedEvent> =
            self.reader.run(move |conn| writer::existing(conn, &ids)).await?.into_values().collect();
        events.sort_unstable_by_key(|e| e.position);
        Ok(events)
    }

    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql =
            format!("SELECT {} FROM events WHERE position > ?1 ORDER BY position LIMIT ?2", kernel::EVENT_COLUMNS);
        let params = (i64::try_from(after.0).unwrap_or(i64::MAX), i64::try_from(limit).unwrap_or(i64::MAX));
        self.reader.events(sql, params, limit.min(kernel::RESERVED_ROWS)).await
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        self.reader.run(|conn| Ok(rows::read_head(conn)?.map(|(head, _)| head).unwrap_or_default())).await
    }

    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
        let ids = ids.to_vec();
        self.reader.run(move |conn| tree::read_nodes(conn, &ids)).await
    }

    fn subscribe(&self, after: Position) -> EventStream {
        let local = tokio_stream::wrappers::WatchStream::from_changes(self.appended.clone()).map(|_| ());
        let poll = tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(POLL_INTERVAL)).map(|_| ());
        kernel::follow(self.clone(), after, futures::stream::select(local, poll).boxed())
    }
}

/// The writer's connection: read-write, in WAL mode with `synchronous=FULL` as the migrations'
/// connection left the file, foreign keys checked, waiting `busy` for another process's lock.
/// In [`OpenMode::ReadOnly`] it is opened read-only, so every write is refused by SQLite itself.
fn write_connection(path: &Path, read_only: bool, busy: Duration) -> Result<rusqlite::Connection, rusqlite::Error> {
    use rusqlite::OpenFlags;
    let access = if read_only { OpenFlags::SQLITE_OPEN_READ_ONLY } else { OpenFlags::SQLITE_OPEN_READ_WRITE };
    let conn = rusqlite::Connection::open_with_flags(path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(busy)?;
    if !read_only {
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// The column a [`StreamBound`] limits and its limit.
fn bounded_by(bound: StreamBound) -> (&'static str, i64) {
    match bound {
        StreamBound::All => ("stream_version", i64::MAX),
        StreamBound::UpToVersion(v) => ("stream_version", i64::try_from(v).unwrap_or(i64::MAX)),
        StreamBound::RecordedBy(at) => ("recorded_at", at.as_micros()),
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// SQLite's result codes for a full disk, a file or directory that cannot be written, and a file
/// that cannot be opened (its primary codes, the low byte of an extended code).
const SQLITE_BUSY: i32 = 5;
const SQLITE_READONLY: i32 = 8;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

/// A failure to open or write the SQLite file through sqlx; see [`explained`].
fn file_error(error: sqlx::Error) -> StoreError {
    let code = error.as_database_error().and_then(|e| e.code()).and_then(|c| c.parse::<i32>().ok());
    explained(code, error)
}

/// A failure to write the SQLite file through the writer's connection; see [`explained`].
fn write_error(error: rusqlite::Error) -> StoreError {
    let code = error.sqlite_error().map(|e| e.extended_code);
    explained(code, error)
}

/// A failure to open or write the SQLite file with the result code `code`, saying what to do
/// when the file system is at fault: a full disk, or a file or directory that cannot be written.
/// SQLite undoes the transaction in either case, so the file is left as it was.
fn explained(code: Option<i32>, error: impl std::fmt::Display) -> StoreError {
    let advice = match code.map(|c| c & 0xff) {
        Some(SQLITE_FULL) => "the disk holding the SQLite file is full: free space on it, then try again",
        Some(SQLITE_READONLY | SQLITE_CANTOPEN) => {
            "the SQLite file or its directory cannot be written: Covenant writes the file and its -wal and -shm files beside it, so make the directory writable (and check it is not on a read-only mount), then try again"
        }
        _ => return unavailable(error),
    };
    StoreError::Unavailable(format!("{advice} ({error})"))
}
