//! The single writer of a SQLite store: commits a group of appends in one `BEGIN IMMEDIATE`
//! transaction, with positions and hashes planned by [`kernel::plan_group`], and a batch of
//! restored events in one of its own, checked by [`kernel::check_restore`]; the Merkle tree
//! grows in the same transaction as the events (`tree`).
//!
//! The writer owns a plain SQLite connection (rusqlite) and runs on a thread of its own
//! (`lib.rs`), so each statement is a call into SQLite on that thread, prepared once and cached,
//! one row at a time: no hand-off to a driver's worker thread per statement, and no SQL text
//! built per batch.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventId, GroupBackend, Hash, IdLookup, Limits, Position,
    RecordedEvent, RestoreError, StoreError, StreamId, StreamState, Timestamp, TreeUpkeep, check_restore, event_leaf,
    plan_group,
};
use rusqlite::{Connection, OptionalExtension};

use crate::rows::{self, Decoded, Decoder, unavailable};
use crate::{SQLITE_BUSY, WaitNotice, tree, write_error};

/// How the writer waits for another process's write lock: SQLite's busy timeout on the write
/// connection is `notice_after`; when that passes, `on_wait` is told and the writer waits the
/// rest of `timeout` before giving up with nothing written.
pub(crate) struct Waiting {
    pub(crate) notice_after: Duration,
    pub(crate) timeout: Duration,
    pub(crate) on_wait: Option<WaitNotice>,
}

pub(crate) struct SqliteWriter {
    conn: Connection,
    notify: tokio::sync::watch::Sender<Position>,
    limits: Limits,
    waiting: Waiting,
    tree: TreeUpkeep,
    /// The tree's right edge as the last commit left it, so that the next group need not read it.
    edge: Option<tree::Edge>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").field("limits", &self.limits).field("tree", &self.tree).finish_non_exhaustive()
    }
}

impl SqliteWriter {
    pub(crate) fn new(
        conn: Connection,
        notify: tokio::sync::watch::Sender<Position>,
        limits: Limits,
        waiting: Waiting,
        tree: TreeUpkeep,
    ) -> Self {
        Self { conn, notify, limits, waiting, tree, edge: None }
    }

    /// Takes SQLite's write lock (`BEGIN IMMEDIATE`). While another process holds it, waits
    /// the connection's busy timeout (`notice_after`), says it is waiting, then waits the rest
    /// of `timeout`; if the lock is still held then, gives up with [`StoreError::Busy`]:
    /// nothing was begun, so nothing was written.
    fn begin(&mut self) -> Result<(), StoreError> {
        let first = self.conn.execute_batch("BEGIN IMMEDIATE");
        let Err(error) = first else { return Ok(()) };
        let rest = self.waiting.timeout.saturating_sub(self.waiting.notice_after);
        if !is_busy(&error) || rest.is_zero() {
            return Err(busy_or_write_error(error, self.waiting.timeout));
        }
        if let Some(on_wait) = &self.waiting.on_wait {
            on_wait();
        }
        self.conn.busy_timeout(rest).map_err(write_error)?;
        let second = self.conn.execute_batch("BEGIN IMMEDIATE");
        self.conn.busy_timeout(self.waiting.notice_after).map_err(write_error)?;
        second.map_err(|error| busy_or_write_error(error, self.waiting.timeout))
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction on the write connection, committing
    /// when it succeeds with a result `keep` accepts, and rolling back when it fails, `keep`
    /// refuses its result, or the commit fails.
    fn in_transaction<T, E: From<StoreError>>(
        &mut self,
        work: impl FnOnce(&Connection) -> Result<T, E>,
        keep: impl FnOnce(&T) -> bool,
    ) -> Result<T, E> {
        self.begin()?;
        let done = match work(&self.conn) {
            Ok(done) if keep(&done) => done,
            Ok(undone) => {
                self.conn.execute_batch("ROLLBACK").map_err(write_error)?;
                return Ok(undone);
            }
            Err(error) => {
                // The transaction is abandoned either way; a failed rollback adds nothing.
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(error);
            }
        };
        if let Err(error) = self.conn.execute_batch("COMMIT") {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(write_error(error).into());
        }
        Ok(done)
    }

    /// Runs a write of `events` events (`work`, which answers `None`, having written nothing
    /// that stays, when it must be planned again with its ids read) in a transaction of its own:
    /// a large one first with its event ids left to the index ([`IdLookup::Index`]), and again
    /// with them read if that attempt is undone.
    fn in_attempts<T, E: From<StoreError>>(
        &mut self,
        events: usize,
        work: impl Fn(&Connection, IdLookup) -> Result<Option<T>, E>,
    ) -> Result<T, E> {
        if IdLookup::first_try(events) == IdLookup::Index
            && let Some(done) = self.in_transaction(|conn| work(conn, IdLookup::Index), Option::is_some)?
        {
            return Ok(done);
        }
        Ok(IdLookup::last_attempt(self.in_transaction(|conn| work(conn, IdLookup::First), Option::is_some)?)?)
    }
}

/// Whether SQLite gave up waiting for a lock another connection held (`SQLITE_BUSY`).
fn is_busy(error: &rusqlite::Error) -> bool {
    error.sqlite_error().is_some_and(|e| e.extended_code & 0xff == SQLITE_BUSY)
}

fn busy_or_write_error(error: rusqlite::Error, waited: Duration) -> StoreError {
    if is_busy(&error) { StoreError::Busy { waited_secs: waited.as_secs().max(1) } } else { write_error(error) }
}

/// One answer per request of a group, the last position it wrote, if any, and the tree's right
/// edge after it if it wrote anything and the tree is kept.
type Written = (Vec<Result<AppendOutcome, AppendError>>, Option<Position>, Option<tree::Edge>);

/// Writes a group of appends in the writer's transaction, with its event ids found as `ids`
/// says; `None` when they were left to the index and the group must be planned again with them
/// read (the rows written are then rolled back).
fn write(
    conn: &Connection,
    requests: &[AppendRequest],
    tree: TreeUpkeep,
    kept: Option<tree::Edge>,
    ids: IdLookup,
) -> Result<Option<Written>, StoreError> {
    let head = rows::read_head(conn)?;
    let streams: Vec<&StreamId> = requests.iter().flat_map(AppendRequest::stream_ids).collect();
    let state = StreamState {
        versions: versions(conn, &streams)?,
        existing: recorded(conn, ids, requests.iter().flat_map(AppendRequest::event_ids))?,
        checkpointed: checkpointed(conn)?,
    };
    let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
    let plan = plan_group(head, last_recorded_at, Timestamp::now(), state, requests);
    if ids.must_replan(&plan.outcomes) {
        return Ok(None);
    }
    let Some(last) = plan.rows.last() else { return Ok(Some((plan.outcomes, None, None))) };
    if tree == TreeUpkeep::LeftBehind {
        return Ok(insert(conn, &plan.rows, None)?.then_some((plan.outcomes, Some(last.position), None)));
    }
    let kept = tree::Edge::at(kept, conn, head)?.map(|edge| edge.nodes);
    let leaves: Vec<Hash> = plan.rows.iter().map(event_leaf).collect();
    let (columns, nodes) = tree::grow(conn, head.position.0, &leaves, kept)?;
    if !insert(conn, &plan.rows, Some(&columns))? {
        return Ok(None);
    }
    let edge = tree::Edge { head: ChainHead { position: last.position, hash: last.hash }, nodes };
    Ok(Some((plan.outcomes, Some(last.position), Some(edge))))
}

/// Writes a restored batch in the writer's transaction, with its event ids found as `ids` says;
/// `None` when they were left to the index and the batch must be checked again with them read
/// (the rows written are then rolled back).
fn write_restored(
    conn: &Connection,
    events: &[RecordedEvent],
    limits: &Limits,
    ids: IdLookup,
) -> Result<Option<ChainHead>, RestoreError> {
    let head = rows::read_head(conn)?;
    let streams: Vec<&StreamId> = events.iter().map(|e| &e.stream_id).collect::<HashSet<_>>().into_iter().collect();
    let state = StreamState {
        versions: versions(conn, &streams)?,
        existing: recorded(conn, ids, events.iter().map(|e| e.event_id))?,
        ..StreamState::default()
    };
    let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
    let checked = check_restore(head, last_recorded_at, state, events, limits);
    if ids.must_replan(std::slice::from_ref(&checked)) {
        return Ok(None);
    }
    let restored = checked?;
    let leaves: Vec<Hash> = events.iter().map(event_leaf).collect();
    let (columns, _) = tree::grow(conn, head.position.0, &leaves, None)?;
    Ok(insert(conn, events, Some(&columns))?.then_some(restored))
}

/// The recorded events of `ids`, or none known when they are left to the index.
fn recorded(
    conn: &Connection,
    lookup: IdLookup,
    ids: impl Iterator<Item = EventId>,
) -> Result<HashMap<EventId, RecordedEvent>, StoreError> {
    match lookup {
        IdLookup::First => existing(conn, &ids.collect::<Vec<_>>()),
        IdLookup::Index => Ok(HashMap::new()),
    }
}

/// The version of each of `streams` that has events. One `MAX` per stream, which SQLite answers
/// with a single seek on the (stream_id, stream_version) index.
fn versions(conn: &Connection, streams: &[&StreamId]) -> Result<HashMap<StreamId, u64>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT MAX(stream_version) FROM events WHERE stream_id = ?1").map_err(unavailable)?;
    let mut versions = HashMap::new();
    for stream in streams {
        let version: Option<i64> = statement.query_row([stream.as_str()], |row| row.get(0)).map_err(unavailable)?;
        if let Some(version) = version {
            versions.insert((*stream).clone(), version as u64);
        }
    }
    Ok(versions)
}

/// The events of `ids` already in the log, by id.
pub(crate) fn existing(conn: &Connection, ids: &[EventId]) -> Result<HashMap<EventId, RecordedEvent>, StoreError> {
    let sql = format!("SELECT {} FROM events WHERE event_id = ?1", kernel::EVENT_COLUMNS);
    let mut statement = conn.prepare_cached(&sql).map_err(unavailable)?;
    let mut decoder = Decoder::default();
    let mut existing = HashMap::new();
    for id in ids {
        let mut found = statement.query([id.0.as_bytes().as_slice()]).map_err(unavailable)?;
        if let Some(row) = found.next().map_err(unavailable)? {
            let event = RecordedEvent::decode(&mut decoder, row)?;
            existing.insert(event.event_id, event);
        }
    }
    Ok(existing)
}

/// Inserts `events` with their `tree` columns ([`tree::grow`]), or with none when the tree is
/// left behind. False, with the rows before it inserted, when an event's id is already recorded:
/// the unique index on `event_id` finds it, so a writer that did not look the ids up first learns
/// it here, and must undo the rows.
fn insert(conn: &Connection, events: &[RecordedEvent], trees: Option<&[Vec<u8>]>) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO events ({}, tree) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        kernel::EVENT_COLUMNS
    );
    let mut statement = conn.prepare_cached(&sql).map_err(write_error)?;
    for (n, e) in events.iter().enumerate() {
        let inserted = statement.execute(rusqlite::params![
            e.position.0 as i64,
            e.stream_id.as_str(),
            e.stream_version as i64,
            e.event_id.0.as_bytes().as_slice(),
            e.event_type.as_str(),
            e.schema_version,
            e.payload.as_str(),
            e.metadata.actor.as_str(),
            e.metadata.correlation_id.as_bytes().as_slice(),
            e.metadata.causation_id.as_ref().map(|id| id.as_bytes().as_slice()),
            e.metadata.source.as_deref(),
            e.metadata.occurred_at.as_micros(),
            e.recorded_at.as_micros(),
            e.prev_hash.0.as_slice(),
            e.hash.0.as_slice(),
            trees.map(|trees| trees[n].as_slice()),
        ]);
        match inserted {
            Ok(_) => {}
            Err(error) if id_recorded(&error) => return Ok(false),
            Err(error) => return Err(write_error(error)),
        }
    }
    Ok(true)
}

/// Whether `error` is the unique index on `events.event_id` refusing a row.
fn id_recorded(error: &rusqlite::Error) -> bool {
    match error {
        rusqlite::Error::SqliteFailure(failure, Some(message)) => {
            failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE && message.ends_with("events.event_id")
        }
        _ => false,
    }
}

#[async_trait]
impl GroupBackend for SqliteWriter {
    async fn commit_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
        let (tree, kept) = (self.tree, self.edge.take());
        let events = requests.iter().map(AppendRequest::event_count).sum();
        let (outcomes, last, edge) =
            self.in_attempts(events, |conn, ids| write(conn, requests, tree, kept.clone(), ids))?;
        if let Some(last) = last {
            self.notify.send_replace(last);
        }
        self.edge = edge;
        Ok(outcomes)
    }

    async fn restore(&mut self, events: &[RecordedEvent]) -> Result<ChainHead, RestoreError> {
        let limits = self.limits;
        self.edge = None;
        let head = self.in_attempts(events.len(), |conn, ids| write_restored(conn, events, &limits, ids))?;
        self.notify.send_replace(head.position);
        Ok(head)
    }

    async fn rebuild_tree(&mut self) -> Result<u64, StoreError> {
        self.edge = None;
        let rebuild = |conn: &Connection| {
            let head = rows::read_head(conn)?.map_or(0, |(head, _)| head.position.0);
            tree::rebuild(conn, head)
        };
        self.in_transaction(rebuild, |_| true)
    }
}

/// The tree size of the latest signed checkpoint, or 0 when none is signed.
fn checkpointed(conn: &Connection) -> Result<u64, StoreError> {
    let size: Option<i64> = conn
        .prepare_cached("SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)).optional())
        .map_err(write_error)?;
    Ok(size.map_or(0, |size| u64::try_from(size).unwrap_or(0)))
}
