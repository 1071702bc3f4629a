//! The mapping between PostgreSQL rows of the `events` table and [`RecordedEvent`]s.

use chrono::{DateTime, Utc};
use kernel::{ChainHead, EventId, Hash, Interner, Metadata, Payload, Position, RecordedEvent, StoreError, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

/// Decodes rows selected with [`kernel::EVENT_COLUMNS`], its stream ids and event types
/// interned ([`Interner`]).
#[derive(Default)]
pub(crate) struct Decoder {
    names: Interner,
}

impl Decoder {
    /// Maps one row to the event it stores.
    pub(crate) fn decode(&mut self, row: &PgRow) -> Result<RecordedEvent, StoreError> {
        let position: i64 =
            row.try_get(0).map_err(|e| StoreError::Corrupt { position: Position::ZERO, detail: e.to_string() })?;
        let corrupt_here = |detail: String| StoreError::Corrupt { position: Position(position as u64), detail };
        let get_err = |e: sqlx::Error| corrupt_here(e.to_string());
        let hash = |bytes: &[u8]| Hash::from_slice(bytes).ok_or_else(|| corrupt_here("hash is not 32 bytes".into()));
        let unsigned = |n: i64| u64::try_from(n).map_err(|e| corrupt_here(e.to_string()));
        Ok(RecordedEvent {
            position: Position(unsigned(position)?),
            stream_id: self.names.stream_id(row.try_get(1).map_err(get_err)?).map_err(corrupt_here)?,
            stream_version: unsigned(row.try_get(2).map_err(get_err)?)?,
            event_id: EventId(row.try_get(3).map_err(get_err)?),
            event_type: self.names.event_type(row.try_get(4).map_err(get_err)?).map_err(corrupt_here)?,
            schema_version: u32::try_from(row.try_get::<i32, _>(5).map_err(get_err)?)
                .map_err(|e| corrupt_here(e.to_string()))?,
            payload: Payload::from_stored(row.try_get(6).map_err(get_err)?),
            metadata: Metadata {
                actor: row.try_get(7).map_err(get_err)?,
                correlation_id: row.try_get(8).map_err(get_err)?,
                causation_id: row.try_get(9).map_err(get_err)?,
                source: row.try_get(10).map_err(get_err)?,
                occurred_at: Timestamp::from_datetime(row.try_get::<DateTime<Utc>, _>(11).map_err(get_err)?),
            },
            recorded_at: Timestamp::from_datetime(row.try_get::<DateTime<Utc>, _>(12).map_err(get_err)?),
            prev_hash: hash(row.try_get::<&[u8], _>(13).map_err(get_err)?)?,
            hash: hash(row.try_get::<&[u8], _>(14).map_err(get_err)?)?,
        })
    }
}

/// The last event's position and hash, and when it was recorded; `None` for an empty log.
pub(crate) async fn read_head(conn: &mut PgConnection) -> Result<Option<(ChainHead, Timestamp)>, StoreError> {
    let row = sqlx::query("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        .fetch_optional(conn)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    let Some(row) = row else { return Ok(None) };
    let position = Position(row.try_get::<i64, _>(0).map_err(|e| StoreError::Unavailable(e.to_string()))? as u64);
    let corrupt = |detail: &str| StoreError::Corrupt { position, detail: detail.into() };
    let hash =
        row.try_get::<&[u8], _>(1).ok().and_then(Hash::from_slice).ok_or_else(|| corrupt("hash is not 32 bytes"))?;
    let recorded_at = row.try_get::<DateTime<Utc>, _>(2).map_err(|_| corrupt("recorded_at is not a time"))?;
    Ok(Some((ChainHead { position, hash }, Timestamp::from_datetime(recorded_at))))
}
