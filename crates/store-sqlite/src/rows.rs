//! The mapping between SQLite rows of the `events` table and [`RecordedEvent`]s.

use kernel::{
    ChainHead, EventId, EventType, Hash, Metadata, Payload, Position, RecordedEvent, StoreError, StreamId, Timestamp,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

/// The columns every read selects, in the order [`decode`] expects.
pub(crate) const COLUMNS: &str = "position, stream_id, stream_version, event_id, event_type, schema_version, payload, \
     actor, correlation_id, causation_id, source, occurred_at, recorded_at, prev_hash, hash";

pub(crate) fn decode(row: &SqliteRow) -> Result<RecordedEvent, StoreError> {
    let position: i64 = row.try_get(0).map_err(|e| corrupt(0, e))?;
    let corrupt_here = |detail: String| StoreError::Corrupt { position: Position(position as u64), detail };
    let get_err = |e: sqlx::Error| corrupt_here(e.to_string());
    let timestamp = |micros: i64| {
        Timestamp::from_micros(micros).ok_or_else(|| corrupt_here(format!("time {micros} is out of range")))
    };
    let hash = |bytes: &[u8]| Hash::from_slice(bytes).ok_or_else(|| corrupt_here("hash is not 32 bytes".into()));
    Ok(RecordedEvent {
        position: Position(u64::try_from(position).map_err(|e| corrupt_here(e.to_string()))?),
        stream_id: StreamId::parse(row.try_get::<String, _>(1).map_err(get_err)?).map_err(corrupt_here)?,
        stream_version: u64::try_from(row.try_get::<i64, _>(2).map_err(get_err)?)
            .map_err(|e| corrupt_here(e.to_string()))?,
        event_id: EventId(row.try_get::<Uuid, _>(3).map_err(get_err)?),
        event_type: EventType::parse(row.try_get::<String, _>(4).map_err(get_err)?).map_err(corrupt_here)?,
        schema_version: row.try_get::<u32, _>(5).map_err(get_err)?,
        payload: Payload::from_stored(row.try_get(6).map_err(get_err)?),
        metadata: Metadata {
            actor: row.try_get(7).map_err(get_err)?,
            correlation_id: row.try_get(8).map_err(get_err)?,
            causation_id: row.try_get(9).map_err(get_err)?,
            source: row.try_get(10).map_err(get_err)?,
            occurred_at: timestamp(row.try_get(11).map_err(get_err)?)?,
        },
        recorded_at: timestamp(row.try_get(12).map_err(get_err)?)?,
        prev_hash: hash(row.try_get::<&[u8], _>(13).map_err(get_err)?)?,
        hash: hash(row.try_get::<&[u8], _>(14).map_err(get_err)?)?,
    })
}

/// The last event's position and hash, and when it was recorded; `None` for an empty log.
pub(crate) async fn read_head(conn: &mut SqliteConnection) -> Result<Option<(ChainHead, Timestamp)>, StoreError> {
    let row = sqlx::query("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        .fetch_optional(conn)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let Some(row) = row else { return Ok(None) };
    let position: i64 = row.try_get(0).map_err(|e| corrupt(0, e))?;
    let position = Position(position as u64);
    let hash = row
        .try_get::<&[u8], _>(1)
        .ok()
        .and_then(Hash::from_slice)
        .ok_or_else(|| StoreError::Corrupt { position, detail: "hash is not 32 bytes".into() })?;
    let recorded_at = row
        .try_get::<i64, _>(2)
        .ok()
        .and_then(Timestamp::from_micros)
        .ok_or_else(|| StoreError::Corrupt { position, detail: "recorded_at is not a time".into() })?;
    Ok(Some((ChainHead { position, hash }, recorded_at)))
}

fn corrupt(position: u64, error: sqlx::Error) -> StoreError {
    StoreError::Corrupt { position: Position(position), detail: error.to_string() }
}
