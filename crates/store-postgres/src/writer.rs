//! The writer of a PostgreSQL store: commits a group of appends in one transaction that holds
//! the store's advisory lock, with positions and hashes planned by [`kernel::plan_group`], and a
//! batch of restored events in one of its own, checked by [`kernel::check_restore`]; the Merkle
//! tree grows in the same transaction as the events (`tree`).
//!
//! A group is first planned from the facts the writer's last commit left ([`Known`]) and sent as
//! one statement, `covenant_append` (migrations 0010 and 0017), which takes the lock, checks those facts
//! and writes only if they all still hold: one round trip, commit included. When any fact has
//! changed (another process appended, a checkpoint was signed, a stream was at another version,
//! an event id is already recorded, the tree no longer holds the head) nothing is written and the group is
//! planned again from the facts read under the lock in a transaction of its own.
//!
//! A large group or restored batch ([`kernel::LARGE_WRITE`]) is planned under the lock from the
//! start, without its event ids looked up ([`IdLookup::Index`]), and written through `COPY`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventId, Expected, GroupBackend, Hash, IdLookup, LARGE_WRITE,
    Limits, NodeId, Position, RecordedEvent, RestoreError, StoreError, StreamId, StreamState, Timestamp, TreeNode,
    TreeUpkeep, check_restore, event_leaf, grown_edge, new_nodes, plan_group, tree_columns,
};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, Row};
use uuid::Uuid;

use crate::{CHANNEL, GroupCounts, copy, rows, tree, unavailable};

/// Opens an append transaction and, in the same round trip, takes the transaction-scoped advisory
/// lock that serialises appends to one database. The key is "covenant" in ASCII
/// (`0x636f_7665_6e61_6e74`); every process writing to the database must use the same key, and
/// `covenant_append` takes the same one.
const BEGIN_AND_LOCK: &str = "BEGIN; SELECT pg_advisory_xact_lock(7165075710185401972)";

/// The most stream versions the writer remembers to plan with; past it, it forgets them all and
/// learns them again from the next commits.
const REMEMBERED_STREAMS: usize = 10_000;

#[derive(Debug)]
pub(crate) struct PostgresWriter {
    options: PgConnectOptions,
    /// The writer's own connection, opened when first needed and dropped after any error, so
    /// that the next group starts on a fresh one.
    conn: Option<PgConnection>,
    notify: tokio::sync::watch::Sender<Position>,
    limits: Limits,
    known: Option<Known>,
    /// The version each recently appended stream was left at by this writer: a guess to plan
    /// with, checked like every other fact.
    versions: HashMap<StreamId, u64>,
    counts: Arc<GroupCounts>,
    tree: TreeUpkeep,
}

/// The state of the log as the writer's last commit left it.
#[derive(Debug)]
struct Known {
    head: ChainHead,
    recorded_at: Option<Timestamp>,
    checkpointed: u64,
    /// The Merkle tree's right edge at the head: the nodes [`root_nodes`] names. While the head
    /// is this one and the tree holds it, the edge stands (`covenant_append` checks both).
    edge: HashMap<NodeId, Hash>,
}

/// The facts a plan was made from, for `covenant_append` to check under the lock.
struct Facts<'a> {
    known: &'a Known,
    versions: &'a HashMap<StreamId, u64>,
    ids: Vec<Uuid>,
}

impl PostgresWriter {
    pub(crate) fn new(
        options: PgConnectOptions,
        notify: tokio::sync::watch::Sender<Position>,
        limits: Limits,
        counts: Arc<GroupCounts>,
        tree: TreeUpkeep,
    ) -> Self {
        Self { options, conn: None, notify, limits, known: None, versions: HashMap::new(), counts, tree }
    }

    /// Tells this process's subscribers that the log now reaches `last`.
    fn announce(&self, last: Position) {
        self.notify.send_if_modified(|head| {
            let newer = last > *head;
            if newer {
                *head = last;
            }
            newer
        });
    }

    /// The writer's connection, taken out so that an error drops it. With `check`, a kept
    /// connection is first asked whether it still answers (one round trip), for writes that
    /// cannot simply be tried again.
    async fn connection(&mut self, check: bool) -> Result<PgConnection, StoreError> {
        if let Some(mut conn) = self.conn.take() {
            if !check || conn.ping().await.is_ok() {
                return Ok(conn);
            }
        }
        PgConnection::connect_with(&self.options).await.map_err(unavailable)
    }

    /// Plans the group from what the last commit left and sends it as one statement. `None`
    /// when nothing is known yet, the group is one for `COPY`, or a fact has changed: nothing
    /// was written.
    async fn commit_known(
        &mut self,
        conn: &mut PgConnection,
        requests: &[AppendRequest],
    ) -> Result<Option<Vec<Result<AppendOutcome, AppendError>>>, StoreError> {
        let large = requests.iter().map(AppendRequest::event_count).sum::<usize>() >= LARGE_WRITE;
        let Some(known) = self.known.as_ref().filter(|_| !large) else {
            self.counts.locked.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        };
        let versions = self.guess_versions(requests);
        let state =
            StreamState { versions: versions.clone(), existing: HashMap::new(), checkpointed: known.checkpointed };
        let plan = plan_group(known.head, known.recorded_at, Timestamp::now(), state, requests);
        let nodes = match self.tree {
            TreeUpkeep::Kept => {
                let leaves: Vec<Hash> = plan.rows.iter().map(event_leaf).collect();
                new_nodes(known.head.position.0, &known.edge, &leaves).map_err(unavailable)?
            }
            TreeUpkeep::LeftBehind => Vec::new(),
        };
        let facts = Facts {
            known,
            versions: &versions,
            ids: requests.iter().flat_map(AppendRequest::event_ids).map(|id| id.0).collect(),
        };
        if !write(conn, Some(&facts), &plan.rows, self.columns(known.head.position.0, &plan.rows, &nodes).as_deref())
            .await?
        {
            self.counts.replanned.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        self.counts.one_statement.fetch_add(1, Ordering::Relaxed);
        let checkpointed = known.checkpointed;
        let edge = known.edge.clone();
        self.committed(&plan.rows, edge, &nodes, checkpointed, &plan.outcomes);
        Ok(Some(plan.outcomes))
    }

    /// Plans the group from the facts read under the lock, in a transaction of its own. A large
    /// group is first planned without its event ids looked up ([`IdLookup::Index`]).
    async fn commit_read(
        &mut self,
        conn: &mut PgConnection,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
        let events = requests.iter().map(AppendRequest::event_count).sum::<usize>();
        if IdLookup::first_try(events) == IdLookup::Index {
            if let Some(outcomes) = self.commit_locked(conn, requests, IdLookup::Index).await? {
                return Ok(outcomes);
            }
        }
        IdLookup::last_attempt(self.commit_locked(conn, requests, IdLookup::First).await?)
    }

    /// One attempt of [`Self::commit_read`]: `None`, having written nothing, when the ids were
    /// left to the index and the group must be planned again with them read.
    async fn commit_locked(
        &mut self,
        conn: &mut PgConnection,
        requests: &[AppendRequest],
        ids: IdLookup,
    ) -> Result<Option<Vec<Result<AppendOutcome, AppendError>>>, StoreError> {
        let mut tx = conn.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
        let head = rows::read_head(&mut tx).await?;
        let streams: Vec<&StreamId> = requests.iter().flat_map(AppendRequest::stream_ids).collect();
        let state = StreamState {
            versions: versions(&mut tx, &streams).await?,
            existing: recorded(&mut tx, ids, requests.iter().flat_map(AppendRequest::event_ids)).await?,
            checkpointed: checkpointed(&mut tx).await?,
        };
        let checkpointed = state.checkpointed;
        self.remember(state.versions.iter().map(|(s, v)| (s.clone(), *v)));
        let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
        let plan = plan_group(head, last_recorded_at, Timestamp::now(), state, requests);
        if ids.must_replan(&plan.outcomes) {
            tx.rollback().await.map_err(unavailable)?;
            return Ok(None);
        }
        if plan.rows.is_empty() {
            tx.commit().await.map_err(unavailable)?;
            return Ok(Some(plan.outcomes));
        }
        let (edge, nodes) = match self.tree {
            TreeUpkeep::Kept => {
                let leaves: Vec<Hash> = plan.rows.iter().map(event_leaf).collect();
                tree::grow(&mut tx, head.position.0, &leaves).await?
            }
            TreeUpkeep::LeftBehind => (HashMap::new(), Vec::new()),
        };
        if !write_locked(&mut tx, &plan.rows, self.columns(head.position.0, &plan.rows, &nodes).as_deref()).await? {
            tx.rollback().await.map_err(unavailable)?;
            return Ok(None);
        }
        // Dropping an uncommitted transaction on any error above rolls it back.
        tx.commit().await.map_err(unavailable)?;
        self.committed(&plan.rows, edge, &nodes, checkpointed, &plan.outcomes);
        Ok(Some(plan.outcomes))
    }

    /// The tree columns of `rows`, written after position `size` and completing `nodes`, or none
    /// when this writer leaves the tree behind.
    fn columns(&self, size: u64, rows: &[RecordedEvent], nodes: &[TreeNode]) -> Option<Vec<Vec<u8>>> {
        (self.tree == TreeUpkeep::Kept).then(|| tree_columns(size, rows.len(), nodes))
    }

    /// The version to plan each touched stream at: the one this writer left it at, or else the
    /// one the request expects.
    fn guess_versions(&self, requests: &[AppendRequest]) -> HashMap<StreamId, u64> {
        let mut guessed = HashMap::new();
        for stream in requests.iter().flat_map(|r| &r.streams) {
            let version = self.versions.get(&stream.stream_id).copied().unwrap_or(match stream.expected {
                Expected::Exactly(version) => version,
                Expected::NoStream | Expected::Any => 0,
            });
            guessed.entry(stream.stream_id.clone()).or_insert(version);
        }
        guessed
    }

    fn remember(&mut self, versions: impl IntoIterator<Item = (StreamId, u64)>) {
        for (stream, version) in versions {
            if self.versions.len() >= REMEMBERED_STREAMS && !self.versions.contains_key(&stream) {
                self.versions.clear();
            }
            self.versions.insert(stream, version);
        }
    }

    /// Records what a commit of `rows` (planned on a tree whose right edge was `edge`, growing it
    /// by `nodes`) left, and announces the new head.
    fn committed(
        &mut self,
        rows: &[RecordedEvent],
        edge: HashMap<NodeId, Hash>,
        nodes: &[TreeNode],
        checkpointed: u64,
        outcomes: &[Result<AppendOutcome, AppendError>],
    ) {
        let written = outcomes.iter().flatten().filter(|o| !o.replayed);
        let versions: Vec<(StreamId, u64)> = written.flat_map(|o| o.stream_versions.iter().cloned()).collect();
        self.remember(versions);
        let Some(last) = rows.last() else { return };
        let edge = grown_edge(&edge, nodes, last.position.0);
        self.known = Some(Known {
            head: ChainHead { position: last.position, hash: last.hash },
            recorded_at: Some(last.recorded_at),
            checkpointed,
            edge,
        });
        self.announce(last.position);
    }
}

#[async_trait]
impl GroupBackend for PostgresWriter {
    async fn commit_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
        let kept = self.conn.is_some();
        let mut conn = self.connection(false).await?;
        let first = match self.commit_known(&mut conn, requests).await {
            Ok(Some(outcomes)) => Ok(outcomes),
            Ok(None) => self.commit_read(&mut conn, requests).await,
            Err(error) => Err(error),
        };
        if first.is_ok() {
            self.conn = Some(conn);
            return first;
        }
        self.known = None;
        if !kept {
            return first;
        }
        // A connection kept from an earlier group may have been closed by the server since (a
        // restart). Once more on a new one: events the first attempt did commit are found by
        // their ids and answered as recorded, so nothing is written twice.
        let mut conn = self.connection(false).await?;
        let outcomes = self.commit_read(&mut conn, requests).await?;
        self.conn = Some(conn);
        Ok(outcomes)
    }

    async fn restore(&mut self, events: &[RecordedEvent]) -> Result<ChainHead, RestoreError> {
        // What the writer knew no longer describes the log once this batch is written.
        self.known = None;
        let mut conn = self.connection(true).await?;
        let restored = restore_on(&mut conn, events, &self.limits).await;
        if let Ok(head) = &restored {
            self.conn = Some(conn);
            self.announce(head.position);
        }
        restored
    }

    async fn rebuild_tree(&mut self) -> Result<u64, StoreError> {
        self.known = None;
        let mut conn = self.connection(true).await?;
        let mut tx = conn.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
        let head = rows::read_head(&mut tx).await?.map_or(0, |(head, _)| head.position.0);
        let size = tree::rebuild(&mut tx, head).await?;
        // Dropping an uncommitted transaction on any error above rolls it back.
        tx.commit().await.map_err(unavailable)?;
        self.conn = Some(conn);
        Ok(size)
    }
}

/// Writes a restored batch after the head, in a transaction of its own that holds the lock. A
/// large batch is first checked without its event ids looked up ([`IdLookup::Index`]).
async fn restore_on(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
    limits: &Limits,
) -> Result<ChainHead, RestoreError> {
    if IdLookup::first_try(events.len()) == IdLookup::Index {
        if let Some(head) = restore_locked(conn, events, limits, IdLookup::Index).await? {
            return Ok(head);
        }
    }
    Ok(IdLookup::last_attempt(restore_locked(conn, events, limits, IdLookup::First).await?)?)
}

/// One attempt of [`restore_on`]: `None`, having written nothing, when the ids were left to the
/// index and the batch must be checked again with them read.
async fn restore_locked(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
    limits: &Limits,
    ids: IdLookup,
) -> Result<Option<ChainHead>, RestoreError> {
    let mut tx = conn.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
    let head = rows::read_head(&mut tx).await?;
    let streams: Vec<&StreamId> = events.iter().map(|e| &e.stream_id).collect::<HashSet<_>>().into_iter().collect();
    let state = StreamState {
        versions: versions(&mut tx, &streams).await?,
        existing: recorded(&mut tx, ids, events.iter().map(|e| e.event_id)).await?,
        ..StreamState::default()
    };
    let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
    let checked = check_restore(head, last_recorded_at, state, events, limits);
    if ids.must_replan(std::slice::from_ref(&checked)) {
        return Ok(None);
    }
    let restored = checked?;
    let leaves: Vec<Hash> = events.iter().map(event_leaf).collect();
    let (_, nodes) = tree::grow(&mut tx, head.position.0, &leaves).await?;
    if !write_locked(&mut tx, events, Some(&tree_columns(head.position.0, events.len(), &nodes))).await? {
        tx.rollback().await.map_err(unavailable)?;
        return Ok(None);
    }
    // Dropping an uncommitted transaction on any error above rolls it back.
    tx.commit().await.map_err(unavailable)?;
    Ok(Some(restored))
}

/// The recorded events of `ids`, or none known when they are left to the index.
async fn recorded(
    conn: &mut PgConnection,
    lookup: IdLookup,
    ids: impl Iterator<Item = EventId>,
) -> Result<HashMap<EventId, RecordedEvent>, StoreError> {
    match lookup {
        IdLookup::First => existing(conn, &ids.collect::<Vec<_>>()).await,
        IdLookup::Index => Ok(HashMap::new()),
    }
}

async fn versions(conn: &mut PgConnection, streams: &[&StreamId]) -> Result<HashMap<StreamId, u64>, StoreError> {
    let streams: Vec<&str> = streams.iter().map(|s| s.as_str()).collect();
    // One `MAX` per stream, answered by a single backward step on the (stream_id,
    // stream_version) index; `MAX ... GROUP BY` would read every version of every stream named,
    // making appends to a long stream ever slower.
    let found = sqlx::query(
        "SELECT requested.stream_id, (SELECT MAX(stream_version) FROM events \
         WHERE events.stream_id = requested.stream_id) FROM UNNEST($1::text[]) AS requested(stream_id)",
    )
    .bind(&streams)
    .fetch_all(conn)
    .await
    .map_err(unavailable)?;
    let mut versions = HashMap::with_capacity(found.len());
    for row in found {
        let Some(version) = row.try_get::<Option<i64>, _>(1).map_err(unavailable)? else { continue };
        let stream =
            StreamId::parse(row.try_get::<String, _>(0).map_err(unavailable)?).map_err(StoreError::Unavailable)?;
        versions.insert(stream, version as u64);
    }
    Ok(versions)
}

pub(crate) async fn existing(
    conn: &mut PgConnection,
    ids: &[EventId],
) -> Result<HashMap<EventId, RecordedEvent>, StoreError> {
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    // A join with the unnested ids probes the unique index once per id. `event_id = ANY($1)`
    // reads the same, but for a large array the planner picks a sequential scan of the whole
    // log, which makes every bulk append slower than the last.
    let columns = kernel::EVENT_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {columns} FROM UNNEST($1::uuid[]) AS wanted(id) JOIN events e ON e.event_id = wanted.id");
    let found = sqlx::query(&sql).bind(&ids).fetch_all(conn).await.map_err(unavailable)?;
    let events: Vec<RecordedEvent> = rows::decode_all(&found)?;
    Ok(events.into_iter().map(|e| (e.event_id, e)).collect())
}

/// Writes `rows` with their tree columns (`trees`; none when the tree is left behind) in a
/// transaction that holds the lock and read the facts they were planned from: a large batch
/// through `COPY`, a small one through `covenant_append`. False, having written nothing, when a
/// large batch holds an event id already recorded ([`copy::write`]).
async fn write_locked(
    conn: &mut PgConnection,
    rows: &[RecordedEvent],
    trees: Option<&[Vec<u8>]>,
) -> Result<bool, StoreError> {
    let Some(last) = rows.last() else { return Ok(true) };
    if rows.len() < LARGE_WRITE {
        write(conn, None, rows, trees).await?;
        return Ok(true);
    }
    if !copy::write(conn, rows, trees).await? {
        return Ok(false);
    }
    // Delivered only if the transaction commits.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(last.position.0.to_string())
        .execute(conn)
        .await
        .map_err(unavailable)?;
    Ok(true)
}

/// Calls `covenant_append` (migration 0017): inserts every row with its tree column (`trees`, or
/// NULL for each when the tree is left behind), one array per column, and announces the new head on [`CHANNEL`], in one statement. With `facts` it first
/// takes the lock and checks them, and returns false, having written nothing, if any has changed;
/// without, the caller holds the lock in its transaction and read the facts there. The
/// notification is delivered only if the transaction commits.
async fn write(
    conn: &mut PgConnection,
    facts: Option<&Facts<'_>>,
    rows: &[RecordedEvent],
    trees: Option<&[Vec<u8>]>,
) -> Result<bool, StoreError> {
    let column = |f: fn(&RecordedEvent) -> i64| rows.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&RecordedEvent) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let time = |f: fn(&RecordedEvent) -> DateTime<Utc>| rows.iter().map(f).collect::<Vec<_>>();
    let hash = |f: fn(&RecordedEvent) -> &[u8]| rows.iter().map(f).collect::<Vec<_>>();
    let known = facts.map(|f| f.known);
    let streams = facts.map(|f| f.versions.iter().collect::<Vec<_>>()).unwrap_or_default();
    let written = sqlx::query_scalar(
        "SELECT covenant_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, $23, $24, $25)",
    )
    .bind(known.map(|k| k.head.position.0 as i64))
    .bind(known.map(|k| k.head.hash.0.to_vec()))
    .bind(known.and_then(|k| k.recorded_at).map(Timestamp::as_datetime))
    .bind(known.map(|k| k.checkpointed as i64))
    .bind(streams.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>())
    .bind(streams.iter().map(|(_, v)| **v as i64).collect::<Vec<_>>())
    .bind(facts.map(|f| f.ids.as_slice()).unwrap_or_default())
    .bind(trees.is_some())
    .bind(column(|e| e.position.0 as i64))
    .bind(text(|e| e.stream_id.as_str()))
    .bind(column(|e| e.stream_version as i64))
    .bind(rows.iter().map(|e| e.event_id.0).collect::<Vec<_>>())
    .bind(text(|e| e.event_type.as_str()))
    .bind(rows.iter().map(|e| e.schema_version as i32).collect::<Vec<_>>())
    .bind(text(|e| e.payload.as_str()))
    .bind(text(|e| e.metadata.actor.as_str()))
    .bind(rows.iter().map(|e| e.metadata.correlation_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|e| e.metadata.causation_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|e| e.metadata.source.as_deref()).collect::<Vec<_>>())
    .bind(time(|e| e.metadata.occurred_at.as_datetime()))
    .bind(time(|e| e.recorded_at.as_datetime()))
    .bind(hash(|e| e.prev_hash.0.as_slice()))
    .bind(hash(|e| e.hash.0.as_slice()))
    .bind((0..rows.len()).map(|n| trees.map(|trees| trees[n].as_slice())).collect::<Vec<_>>())
    .bind(CHANNEL)
    .fetch_one(conn)
    .await
    .map_err(unavailable)?;
    Ok(written)
}

/// The tree size of the latest signed checkpoint, or 0 when none is signed.
async fn checkpointed(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let size: Option<i64> = sqlx::query_scalar("SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(unavailable)?;
    Ok(size.map_or(0, |size| u64::try_from(size).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_writer_takes_the_same_lock() {
        let key = i64::from_be_bytes(*b"covenant");
        assert_eq!(BEGIN_AND_LOCK, format!("BEGIN; SELECT pg_advisory_xact_lock({key})"));
    }
}
