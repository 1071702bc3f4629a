//! Covenant's production event store on PostgreSQL. Durable on acknowledgement with the server's
//! defaults (`fsync = on`, `synchronous_commit = on`). Migrations in `migrations/postgres` run
//! on open, under sqlx's migration lock.
//!
//! Architecture Invariant: every append transaction first takes one transaction-scoped advisory
//! lock, then reads the head and assigns positions after it. The lock is released only once the
//! transaction is committed and visible, so positions are gapless and commit order is position
//! order even with several processes writing to one database. Within a process, one
//! [`kernel::Writer`] groups concurrent appends into one transaction, and lets an append that
//! finds nobody else writing commit on its caller's own task ([`kernel::Alone::OnCaller`]).

mod copy;
mod publishers;
mod rows;
mod tables;
mod tree;
mod writer;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use kernel::{
    Alone, ChainHead, EventId, EventStore, EventStream, Hash, Limits, LoadedEvent, NodeId, OpenError, OpenMode,
    Position, RecordedEvent, StoreError, StreamBound, StreamId, TreeUpkeep, Writer,
};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions};
use tokio::sync::watch;

use crate::rows::Decoded as _;

/// The channel on which every append transaction notifies its new head.
const CHANNEL: &str = "covenant_events";
/// How often a subscriber reads again even without a notification (a missed notification
/// while the listener reconnects costs at most this much delay, never an event).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The most events one group commit takes from the queue.
const MAX_GROUP_EVENTS: usize = 20_000;

/// An event store in one PostgreSQL database. Cheap to clone; clones share the writer and pool.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    writer: Writer,
    appended: watch::Receiver<Position>,
    counts: Arc<GroupCounts>,
}

/// How the writer has committed its groups of appends since the store was opened: the
/// benchmarks print it, since a group that falls back from one statement to the locked
/// transaction costs a failed call and four more round trips.
#[derive(Debug, Default)]
pub(crate) struct GroupCounts {
    /// Groups written by one `covenant_append` call on the facts the last commit left.
    one_statement: AtomicU64,
    /// Groups whose call found a fact changed and were planned again under the lock.
    replanned: AtomicU64,
    /// Groups planned under the lock from the start: the first, those after an error or a
    /// restore, and those large enough for `COPY`.
    locked: AtomicU64,
}

/// A reading of [`GroupCounts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    pub one_statement: u64,
    pub replanned: u64,
    pub locked: u64,
}

impl std::ops::Sub for Groups {
    type Output = Groups;

    /// The groups committed between two readings.
    fn sub(self, earlier: Groups) -> Groups {
        Groups {
            one_statement: self.one_statement - earlier.one_statement,
            replanned: self.replanned - earlier.replanned,
            locked: self.locked - earlier.locked,
        }
    }
}

/// The schema's migrations, applied on open by every mode but [`OpenMode::ReadOnly`].
pub static MIGRATIONS: &[kernel::Migration] = kernel::migrations!("../../migrations/postgres": shared,
    "0010_append_function.sql",
    "0011_sessions.sql",
    "0012_webhooks.sql",
    "0013_pending_sign_ins.sql",
    "0014_snapshot_hash.sql",
    "0015_append_function_lookups.sql",
    "0016_waypoints.sql",
    "0017_tree_in_events.sql",
);
/// sqlx's migrator over [`MIGRATIONS`].
static MIGRATOR: LazyLock<Migrator> = kernel::sqlx_migrator!(MIGRATIONS);

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database`) and applies
    /// migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Ok(Self::open_as(url, OpenMode::Create).await?)
    }

    /// Connects to the database at `url` as `mode` says. The database itself must exist (a
    /// PostgreSQL database is made by its administrator); [`OpenMode::Create`] and
    /// [`OpenMode::Existing`] bring Covenant's tables up to date in it, [`OpenMode::ReadOnly`]
    /// changes nothing and takes only a database whose schema is current. A server that
    /// refuses the connection is reported at once, with its address.
    pub async fn open_as(url: &str, mode: OpenMode) -> Result<Self, OpenError> {
        Self::open_keeping(url, mode, TreeUpkeep::Kept).await
    }

    /// As [`PostgresStore::open_as`], with appends that keep the Merkle tree or leave it behind
    /// ([`TreeUpkeep`]).
    pub async fn open_keeping(url: &str, mode: OpenMode, tree: TreeUpkeep) -> Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(url).map_err(unavailable)?;
        let mut first = connect(&options).await?;
        if mode == OpenMode::ReadOnly {
            let database = options.get_database().unwrap_or("the database").to_owned();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
            )
            .fetch_all(&mut first)
            .await
            .map_err(unavailable)?;
            let applied: Option<i64> = if tables.iter().any(|t| t == "_sqlx_migrations") {
                sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                    .fetch_one(&mut first)
                    .await
                    .map_err(unavailable)?
            } else {
                None
            };
            let expected = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
            kernel::check_schema(&database, &tables, applied, expected)?;
        } else {
            MIGRATOR
                .run(&mut first)
                .await
                .map_err(|e| StoreError::Unavailable(format!("failed to apply migrations: {e}")))?;
        }
        // The connection was only to learn whether the server answers and to migrate.
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        let head = rows::read_head(&mut *pool.acquire().await.map_err(unavailable)?).await?;
        let (notify, appended) = watch::channel(head.map(|(h, _)| h.position).unwrap_or_default());
        let mut listener = PgListener::connect_with(&pool).await.map_err(unavailable)?;
        listener.listen(CHANNEL).await.map_err(unavailable)?;
        tokio::spawn(relay_notifications(listener, notify.clone()));
        let limits = Limits::default();
        let counts = Arc::new(GroupCounts::default());
        let backend = writer::PostgresWriter::new(options, notify, limits, counts.clone(), tree);
        let (writer, run) = Writer::new(backend, MAX_GROUP_EVENTS, limits, Alone::OnCaller);
        tokio::spawn(run);
        Ok(Self { pool, writer, appended, counts })
    }

    /// How this store's writer has committed its groups since it was opened.
    pub fn groups(&self) -> Groups {
        let read = |count: &AtomicU64| count.load(Ordering::Relaxed);
        Groups {
            one_statement: read(&self.counts.one_statement),
            replanned: read(&self.counts.replanned),
            locked: read(&self.counts.locked),
        }
    }

    /// The pool, for queries that live beside the log (projections, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Passes heads announced by any process's appends on to this process's subscribers.
async fn relay_notifications(mut listener: PgListener, notify: watch::Sender<Position>) {
    loop {
        match listener.try_recv().await {
            Ok(Some(note)) => {
                if let Ok(position) = note.payload().parse::<u64>() {
                    notify.send_if_modified(|head| {
                        let newer = Position(position) > *head;
                        if newer {
                            *head = Position(position);
                        }
                        newer
                    });
                }
            }
            // The connection was lost and will be re-established on the next call; the
            // subscribers' poll covers anything announced meanwhile.
            Ok(None) => {}
            Err(_) if notify.is_closed() => return,
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
        if notify.is_closed() {
            return;
        }
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    fn writer(&self) -> Option<&Writer> {
        Some(&self.writer)
    }

    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        let clause = match bound {
            StreamBound::All => "",
            StreamBound::UpToVersion(_) => " AND stream_version <= $2",
            StreamBound::RecordedBy(_) => " AND recorded_at <= $2",
        };
        let sql = format!(
            "SELECT {} FROM events WHERE stream_id = $1{clause} ORDER BY stream_version",
            kernel::EVENT_COLUMNS
        );
        let query = sqlx::query(&sql).bind(stream.as_str());
        let query = match bound {
            StreamBound::All => query,
            StreamBound::UpToVersion(v) => query.bind(sql_integer(v)),
            StreamBound::RecordedBy(at) => query.bind(at.as_datetime()),
        };
        rows::decode_all(&query.fetch_all(&self.pool).await.map_err(unavailable)?)
    }

    async fn load_stream(&self, stream: &StreamId) -> Result<Vec<LoadedEvent>, StoreError> {
        let sql = format!("SELECT {} FROM events WHERE stream_id = $1 ORDER BY stream_version", kernel::LOADED_COLUMNS);
        rows::decode_all(&sqlx::query(&sql).bind(stream.as_str()).fetch_all(&self.pool).await.map_err(unavailable)?)
    }

    /// Reads the events through a binary `COPY` ([`copy::read`]), the streams and the bound
    /// written into it as literals: the rows of several streams are many for one query, and
    /// cost this process less that way than as a query's rows.
    async fn read_streams(&self, streams: &[StreamId], bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        let ids: Vec<String> = streams.iter().map(|s| sql_text(s.as_str())).collect();
        let clause = match bound {
            StreamBound::All => String::new(),
            StreamBound::UpToVersion(v) => format!(" AND stream_version <= {}", sql_integer(v)),
            StreamBound::RecordedBy(at) => {
                format!(" AND recorded_at <= TIMESTAMPTZ 'epoch' + {} * INTERVAL '1 microsecond'", at.as_micros())
            }
        };
        let select = format!(
            "SELECT {} FROM events WHERE stream_id = ANY(ARRAY[{}]::text[]){clause} ORDER BY position",
            kernel::EVENT_COLUMNS,
            ids.join(", ")
        );
        copied(&self.pool, &select, 0).await
    }

    async fn read_events(&self, ids: &[EventId]) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        let mut events: Vec<RecordedEvent> = writer::existing(&mut conn, ids).await?.into_values().collect();
        events.sort_unstable_by_key(|e| e.position);
        Ok(events)
    }

    /// Reads and decodes the page on a task of its own, each row decoded as it arrives: a caller
    /// that folds one page while it awaits the next (the projection runner) has the next received
    /// and decoded on the other core meanwhile, not after its fold.
    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let pool = self.pool.clone();
        on_a_task_of_its_own(async move {
            let sql = page_select("$1", "$2");
            let mut found = sqlx::query(&sql).bind(sql_integer(after.0)).bind(sql_integer(limit)).fetch(&pool);
            let mut events = Vec::with_capacity(limit.min(kernel::RESERVED_ROWS));
            let mut decoder = rows::Decoder::default();
            while let Some(row) = found.try_next().await.map_err(unavailable)? {
                events.push(RecordedEvent::decode_row(&mut decoder, &row)?);
            }
            Ok(events)
        })
        .await
    }

    /// Reads the page through a binary `COPY` ([`copy::read`]), on a task of its own. For each
    /// row a `COPY` costs this process less than a query's rows do and the server more, so it is
    /// the read for pages read ahead, whose reader is the busier side, and not for
    /// [`EventStore::read_all`], whose reader waits on the server.
    async fn read_all_ahead(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let pool = self.pool.clone();
        on_a_task_of_its_own(async move {
            copied(&pool, &page_select(sql_integer(after.0), sql_integer(limit)), limit.min(kernel::RESERVED_ROWS))
                .await
        })
        .await
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        Ok(rows::read_head(&mut conn).await?.map(|(head, _)| head).unwrap_or_default())
    }

    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        tree::read_nodes(&mut conn, ids).await
    }

    fn subscribe(&self, after: Position) -> EventStream {
        let announced = tokio_stream::wrappers::WatchStream::from_changes(self.appended.clone()).map(|_| ());
        let poll = tokio_stream::wrappers::IntervalStream::new(tokio::time::interval(POLL_INTERVAL)).map(|_| ());
        kernel::follow(self.clone(), after, futures::stream::select(announced, poll).boxed())
    }
}

/// The query of a page of the log: the events after position `after`, at most `limit` of them,
/// each given as SQL (a parameter, or a literal for a `COPY`, which takes none).
fn page_select(after: impl std::fmt::Display, limit: impl std::fmt::Display) -> String {
    format!("SELECT {} FROM events WHERE position > {after} ORDER BY position LIMIT {limit}", kernel::EVENT_COLUMNS)
}

/// The events `select` selects, read through a binary `COPY` ([`copy::read`]) on a connection of
/// `pool`, with room reserved for `expected` of them.
async fn copied(pool: &PgPool, select: &str, expected: usize) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut conn = pool.acquire().await.map_err(unavailable)?;
    let read = copy::read(&mut conn, select, expected).await;
    if read.is_err() {
        // The rest of the COPY may still be on its way: the connection is not reused.
        conn.close_on_drop();
    }
    read
}

/// `text` as an SQL string literal, read the same whatever `standard_conforming_strings` says:
/// an escape string, its backslashes and quotes escaped. The stream ids it is given hold no
/// control characters (`StreamId::parse` refuses them), so no NUL can end it early.
fn sql_text(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `n` as a `bigint`, the largest one for a larger `n`.
fn sql_integer(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Runs `read` on a task of its own, so that its rows are received and decoded on another core
/// while the caller goes on.
async fn on_a_task_of_its_own<T: Send + 'static>(
    read: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::spawn(read).await.map_err(unavailable)?
}

/// One connection to the server `options` name; a server that refuses connections is said to,
/// with its address, at once (a pool would keep trying until its time limit).
async fn connect(options: &PgConnectOptions) -> Result<PgConnection, StoreError> {
    match PgConnection::connect_with(options).await {
        Ok(conn) => Ok(conn),
        Err(sqlx::Error::Io(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err(StoreError::Unavailable(format!(
                "connection refused at {}:{}: check that PostgreSQL is running there and that the URL names the right host and port",
                options.get_host(),
                options.get_port()
            )))
        }
        Err(error) => Err(unavailable(error)),
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}
