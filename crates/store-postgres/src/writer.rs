//! The writer of a PostgreSQL store: commits a group of appends in one transaction that holds
//! the store's advisory lock, with positions and hashes planned by [`kernel::plan_group`], and a
//! batch of restored events in one of its own, checked by [`kernel::check_restore`]; the Merkle
//! tree grows in the same transaction as the events (`tree`).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventId, GroupBackend, Hash, Limits, Position, RecordedEvent,
    RestoreError, StoreError, StreamId, StreamState, Timestamp, check_restore, event_leaf, plan_group,
};
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::{CHANNEL, rows, tree, unavailable};

/// Opens an append transaction and, in the same round trip, takes the transaction-scoped advisory
/// lock that serialises appends to one database. The key is "covenant" in ASCII
/// (`0x636f_7665_6e61_6e74`); every process writing to the database must use the same key.
const BEGIN_AND_LOCK: &str = "BEGIN; SELECT pg_advisory_xact_lock(7165075710185401972)";

#[derive(Debug)]
pub(crate) struct PostgresWriter {
    pool: PgPool,
    notify: tokio::sync::watch::Sender<Position>,
    limits: Limits,
}

impl PostgresWriter {
    pub(crate) fn new(pool: PgPool, notify: tokio::sync::watch::Sender<Position>, limits: Limits) -> Self {
        Self { pool, notify, limits }
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
}

#[async_trait]
impl GroupBackend for PostgresWriter {
    async fn commit_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
        let head = rows::read_head(&mut tx).await?;
        let streams: Vec<&StreamId> = requests.iter().flat_map(AppendRequest::stream_ids).collect();
        let ids: Vec<EventId> = requests.iter().flat_map(AppendRequest::event_ids).collect();
        let state = StreamState {
            versions: versions(&mut tx, &streams).await?,
            existing: existing(&mut tx, &ids).await?,
            checkpointed: checkpointed(&mut tx).await?,
        };
        let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
        let plan = plan_group(head, last_recorded_at, Timestamp::now(), state, requests);
        let last = plan.rows.last().map(|r| r.position);
        if let Some(last) = last {
            insert_and_notify(&mut tx, &plan.rows, last).await?;
            let leaves: Vec<Hash> = plan.rows.iter().map(event_leaf).collect();
            tree::extend(&mut tx, head.position.0, &leaves).await?;
        }
        // Dropping an uncommitted transaction on any error above rolls it back.
        tx.commit().await.map_err(unavailable)?;
        if let Some(last) = last {
            self.announce(last);
        }
        Ok(plan.outcomes)
    }

    async fn restore(&mut self, events: &[RecordedEvent]) -> Result<ChainHead, RestoreError> {
        let mut tx = self.pool.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
        let head = rows::read_head(&mut tx).await?;
        let streams: Vec<&StreamId> = events.iter().map(|e| &e.stream_id).collect::<HashSet<_>>().into_iter().collect();
        let ids: Vec<EventId> = events.iter().map(|e| e.event_id).collect();
        let state = StreamState {
            versions: versions(&mut tx, &streams).await?,
            existing: existing(&mut tx, &ids).await?,
            ..StreamState::default()
        };
        let (head, last_recorded_at) = head.map_or((Default::default(), None), |(h, at)| (h, Some(at)));
        let restored = check_restore(head, last_recorded_at, state, events, &self.limits)?;
        insert_and_notify(&mut tx, events, restored.position).await?;
        let leaves: Vec<Hash> = events.iter().map(event_leaf).collect();
        tree::extend(&mut tx, head.position.0, &leaves).await?;
        // Dropping an uncommitted transaction on any error above rolls it back.
        tx.commit().await.map_err(unavailable)?;
        self.announce(restored.position);
        Ok(restored)
    }

    async fn rebuild_tree(&mut self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin_with(BEGIN_AND_LOCK).await.map_err(unavailable)?;
        let head = rows::read_head(&mut tx).await?.map_or(0, |(head, _)| head.position.0);
        let size = tree::rebuild(&mut tx, head).await?;
        // Dropping an uncommitted transaction on any error above rolls it back.
        tx.commit().await.map_err(unavailable)?;
        Ok(size)
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
    let columns = rows::COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {columns} FROM UNNEST($1::uuid[]) AS wanted(id) JOIN events e ON e.event_id = wanted.id");
    let found = sqlx::query(&sql).bind(&ids).fetch_all(conn).await.map_err(unavailable)?;
    found.iter().map(|row| rows::decode(row).map(|e| (e.event_id, e))).collect()
}

/// Inserts every row, one array per column, and announces the new head on [`CHANNEL`], all in
/// one statement (one round trip). The notification is delivered only if the transaction
/// commits.
async fn insert_and_notify(conn: &mut PgConnection, rows: &[RecordedEvent], last: Position) -> Result<(), StoreError> {
    let sql = format!(
        "WITH inserted AS (INSERT INTO events ({}) SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], \
         $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[], $9::uuid[], $10::uuid[], $11::text[], \
         $12::timestamptz[], $13::timestamptz[], $14::bytea[], $15::bytea[])) SELECT pg_notify($16, $17)",
        crate::rows::COLUMNS
    );
    let column = |f: fn(&RecordedEvent) -> i64| rows.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&RecordedEvent) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let time = |f: fn(&RecordedEvent) -> DateTime<Utc>| rows.iter().map(f).collect::<Vec<_>>();
    let hash = |f: fn(&RecordedEvent) -> &[u8]| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(&sql)
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
        .bind(CHANNEL)
        .bind(last.0.to_string())
        .execute(conn)
        .await
        .map_err(unavailable)?;
    Ok(())
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
