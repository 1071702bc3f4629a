//! The single writer of a SQLite store: commits a group of appends in one `BEGIN IMMEDIATE`
//! transaction, with positions and hashes planned by [`kernel::plan_group`], and a batch of
//! restored events in one of its own, checked by [`kernel::check_restore`]; the Merkle tree
//! grows in the same transaction as the events (`tree`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventId, GroupBackend, Hash, Limits, Position, RecordedEvent,
    RestoreError, StoreError, StreamId, StreamState, Timestamp, check_restore, event_leaf, plan_group,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::{SQLITE_BUSY, WaitNotice, file_error, rows, tree, unavailable};

/// Rows per INSERT statement: 15 parameters each, under SQLite's limit of 32,766.
const INSERT_CHUNK: usize = 2_000;
/// Parameters per `IN (...)` lookup.
const LOOKUP_CHUNK: usize = 5_000;

/// How the writer waits for another process's write lock: SQLite's busy timeout on the write
/// connection is `notice_after`; when that passes, `on_wait` is told and the writer waits the
/// rest of `timeout` before giving up with nothing written.
pub(crate) struct Waiting {
    pub(crate) notice_after: Duration,
    pub(crate) timeout: Duration,
    pub(crate) on_wait: Option<WaitNotice>,
}

pub(crate) struct SqliteWriter {
    conn: SqliteConnection,
    notify: tokio::sync::watch::Sender<Position>,
    limits: Limits,
    waiting: Waiting,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl SqliteWriter {
    pub(crate) fn new(
        conn: SqliteConnection,
        notify: tokio::sync::watch::Sender<Position>,
        limits: Limits,
        waiting: Waiting,
    ) -> Self {
        Self { conn, notify, limits, waiting }
    }

    /// Takes SQLite's write lock (`BEGIN IMMEDIATE`). While another process holds it, waits
    /// the connection's busy timeout (`notice_after`), says it is waiting, then waits the rest
    /// of `timeout`; if the lock is still held then, gives up with [`StoreError::Busy`]:
    /// nothing was begun, so nothing was written.
    async fn begin(&mut self) -> Result<(), StoreError> {
        let first = sqlx::query("BEGIN IMMEDIATE").execute(&mut self.conn).await;
        let Err(error) = first else { return Ok(()) };
        let rest = self.waiting.timeout.saturating_sub(self.waiting.notice_after);
        if !is_busy(&error) || rest.is_zero() {
            return Err(busy_or_file_error(error, self.waiting.timeout));
        }
        if let Some(on_wait) = &self.waiting.on_wait {
            on_wait();
        }
        let set = |timeout: Duration| format!("PRAGMA busy_timeout = {}", timeout.as_millis());
        sqlx::query(&set(rest)).execute(&mut self.conn).await.map_err(file_error)?;
        let second = sqlx::query("BEGIN IMMEDIATE").execute(&mut self.conn).await;
        sqlx::query(&set(self.waiting.notice_after)).execute(&mut self.conn).await.map_err(file_error)?;
        match second {
            Ok(_) => Ok(()),
            Err(error) => Err(busy_or_file_error(error, self.waiting.timeout)),
        }
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction on the write connection, committing
    /// when it succeeds and rolling back when it or the commit fails.
    async fn in_transaction<T, E: From<StoreError>>(
        &mut self,
        work: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin().await?;
        let done = match work(&mut self.conn).await {
            Ok(done) => done,
            Err(error) => {
                // The transaction is abandoned either way; a failed rollback adds nothing.
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                return Err(error);
            }
        };
        if let Err(error) = sqlx::query("COMMIT").execute(&mut self.conn).await {
            let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
            return Err(file_error(error).into());
        }
        Ok(done)
    }
}

/// Whether SQLite gave up waiting for a lock another connection held (`SQLITE_BUSY`).
fn is_busy(error: &sqlx::Error) -> bool {
    let code = error.as_database_error().and_then(|e| e.code()).and_then(|c| c.parse::<i32>().ok());
    code.is_some_and(|c| c & 0xff == SQLITE_BUSY)
}

fn busy_or_file_error(error: sqlx::Error, waited: Duration) -> StoreError {
    if is_busy(&error) { StoreError::Busy { waited_secs: waited.as_secs().max(1) } } else { file_error(error) }
}

async fn write(
    conn: &mut SqliteConnection,
    requests: &[AppendRequest],
) -> Result<(Vec<Result<AppendOutcome, AppendError>>, Option<Position>), StoreError> {
    let head = rows::read_head(conn).await?;
    let streams: Vec<&StreamId> = requests.iter().flat_map(AppendRequest::stream_ids).collect();
    let ids: Vec<EventId> = requests.iter().flat_map(AppendRequest::event_ids).collect();
    let state = StreamState {
        versions: versions(conn, &streams).await?,
        existing: existing(conn, &ids).await?,
        checkpointed: checkpointed(conn).await?,
    };
    let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
    let plan = plan_group(head, last_recorded_at, Timestamp::now(), state, requests);
    for chunk in plan.rows.chunks(INSERT_CHUNK) {
        insert(conn, chunk).await?;
    }
    let leaves: Vec<Hash> = plan.rows.iter().map(event_leaf).collect();
    tree::extend(conn, head.position.0, &leaves).await?;
    Ok((plan.outcomes, plan.rows.last().map(|r| r.position)))
}

async fn write_restored(
    conn: &mut SqliteConnection,
    events: &[RecordedEvent],
    limits: &Limits,
) -> Result<ChainHead, RestoreError> {
    let head = rows::read_head(conn).await?;
    let streams: Vec<&StreamId> = events.iter().map(|e| &e.stream_id).collect::<HashSet<_>>().into_iter().collect();
    let ids: Vec<EventId> = events.iter().map(|e| e.event_id).collect();
    let state = StreamState {
        versions: versions(conn, &streams).await?,
        existing: existing(conn, &ids).await?,
        ..StreamState::default()
    };
    let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
    let restored = check_restore(head, last_recorded_at, state, events, limits)?;
    for chunk in events.chunks(INSERT_CHUNK) {
        insert(conn, chunk).await?;
    }
    let leaves: Vec<Hash> = events.iter().map(event_leaf).collect();
    tree::extend(conn, head.position.0, &leaves).await?;
    Ok(restored)
}

async fn versions(conn: &mut SqliteConnection, streams: &[&StreamId]) -> Result<HashMap<StreamId, u64>, StoreError> {
    let mut versions = HashMap::new();
    for chunk in streams.chunks(LOOKUP_CHUNK) {
        // One `MAX` per stream, which SQLite answers with a single seek on the
        // (stream_id, stream_version) index; `MAX ... GROUP BY` over an `IN` list would walk
        // every version of every stream, making appends to a long stream ever slower.
        let mut query = QueryBuilder::<Sqlite>::new("WITH requested(stream_id) AS (VALUES ");
        let mut list = query.separated(", ");
        for stream in chunk {
            list.push("(").push_bind_unseparated(stream.as_str()).push_unseparated(")");
        }
        query.push(
            ") SELECT stream_id, (SELECT MAX(stream_version) FROM events \
             WHERE events.stream_id = requested.stream_id) FROM requested",
        );
        for row in query.build().fetch_all(&mut *conn).await.map_err(unavailable)? {
            let Some(version) = row.try_get::<Option<i64>, _>(1).map_err(unavailable)? else { continue };
            let stream: String = row.try_get(0).map_err(unavailable)?;
            let stream = StreamId::parse(stream).map_err(StoreError::Unavailable)?;
            versions.insert(stream, version as u64);
        }
    }
    Ok(versions)
}

pub(crate) async fn existing(
    conn: &mut SqliteConnection,
    ids: &[EventId],
) -> Result<HashMap<EventId, RecordedEvent>, StoreError> {
    let mut existing = HashMap::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let mut query =
            QueryBuilder::<Sqlite>::new(format!("SELECT {} FROM events WHERE event_id IN (", rows::COLUMNS));
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *conn).await.map_err(unavailable)? {
            let event = rows::decode(&row)?;
            existing.insert(event.event_id, event);
        }
    }
    Ok(existing)
}

async fn insert(conn: &mut SqliteConnection, chunk: &[RecordedEvent]) -> Result<(), StoreError> {
    let mut query = QueryBuilder::<Sqlite>::new(format!("INSERT INTO events ({}) ", rows::COLUMNS));
    query.push_values(chunk, |mut b, e| {
        b.push_bind(e.position.0 as i64)
            .push_bind(e.stream_id.as_str())
            .push_bind(e.stream_version as i64)
            .push_bind(e.event_id.0)
            .push_bind(e.event_type.as_str())
            .push_bind(e.schema_version)
            .push_bind(e.payload.as_str())
            .push_bind(e.metadata.actor.as_str())
            .push_bind(e.metadata.correlation_id)
            .push_bind(e.metadata.causation_id)
            .push_bind(e.metadata.source.as_deref())
            .push_bind(e.metadata.occurred_at.as_micros())
            .push_bind(e.recorded_at.as_micros())
            .push_bind(e.prev_hash.0.as_slice())
            .push_bind(e.hash.0.as_slice());
    });
    query.build().execute(conn).await.map_err(file_error)?;
    Ok(())
}

#[async_trait]
impl GroupBackend for SqliteWriter {
    async fn commit_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
        let (outcomes, last) = self.in_transaction(async |conn| write(conn, requests).await).await?;
        if let Some(last) = last {
            self.notify.send_replace(last);
        }
        Ok(outcomes)
    }

    async fn restore(&mut self, events: &[RecordedEvent]) -> Result<ChainHead, RestoreError> {
        let limits = self.limits;
        let head = self.in_transaction(async |conn| write_restored(conn, events, &limits).await).await?;
        self.notify.send_replace(head.position);
        Ok(head)
    }

    async fn rebuild_tree(&mut self) -> Result<u64, StoreError> {
        self.in_transaction(async |conn| {
            let head = rows::read_head(conn).await?.map_or(0, |(head, _)| head.position.0);
            tree::rebuild(conn, head).await
        })
        .await
    }
}

/// The tree size of the latest signed checkpoint, or 0 when none is signed.
async fn checkpointed(conn: &mut SqliteConnection) -> Result<u64, StoreError> {
    let size: Option<i64> = sqlx::query_scalar("SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(file_error)?;
    Ok(size.map_or(0, |size| u64::try_from(size).unwrap_or(0)))
}
