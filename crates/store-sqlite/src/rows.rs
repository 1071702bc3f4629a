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

/// Typed access to the columns of one row, by index, for either driver: sqlx rows inside the
/// writer's transaction, rusqlite rows on the read path. Errors are the driver's, as text.
pub(crate) trait Columns {
    fn int(&self, index: usize) -> Result<i64, String>;
    fn text(&self, index: usize) -> Result<String, String>;
    fn optional_text(&self, index: usize) -> Result<Option<String>, String>;
    fn blob(&self, index: usize) -> Result<&[u8], String>;
    fn optional_blob(&self, index: usize) -> Result<Option<&[u8]>, String>;
}

impl Columns for SqliteRow {
    fn int(&self, index: usize) -> Result<i64, String> {
        self.try_get(index).map_err(|e| e.to_string())
    }
    fn text(&self, index: usize) -> Result<String, String> {
        self.try_get(index).map_err(|e| e.to_string())
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>, String> {
        self.try_get(index).map_err(|e| e.to_string())
    }
    fn blob(&self, index: usize) -> Result<&[u8], String> {
        self.try_get(index).map_err(|e| e.to_string())
    }
    fn optional_blob(&self, index: usize) -> Result<Option<&[u8]>, String> {
        self.try_get(index).map_err(|e| e.to_string())
    }
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, index: usize) -> Result<i64, String> {
        self.get(index).map_err(|e| e.to_string())
    }
    fn text(&self, index: usize) -> Result<String, String> {
        self.get(index).map_err(|e| e.to_string())
    }
    fn optional_text(&self, index: usize) -> Result<Option<String>, String> {
        self.get(index).map_err(|e| e.to_string())
    }
    fn blob(&self, index: usize) -> Result<&[u8], String> {
        self.get_ref(index).and_then(|v| v.as_blob().map_err(Into::into)).map_err(|e| e.to_string())
    }
    fn optional_blob(&self, index: usize) -> Result<Option<&[u8]>, String> {
        self.get_ref(index).and_then(|v| v.as_blob_or_null().map_err(Into::into)).map_err(|e| e.to_string())
    }
}

/// Maps one row, selected with [`COLUMNS`], to the event it stores.
pub(crate) fn decode(row: &impl Columns) -> Result<RecordedEvent, StoreError> {
    let position = row.int(0).map_err(|detail| StoreError::Corrupt { position: Position(0), detail })?;
    let corrupt = |detail: String| StoreError::Corrupt { position: Position(position as u64), detail };
    let count = |value: i64| u64::try_from(value).map_err(|e| corrupt(e.to_string()));
    let timestamp =
        |micros: i64| Timestamp::from_micros(micros).ok_or_else(|| corrupt(format!("time {micros} is out of range")));
    let hash = |bytes: &[u8]| Hash::from_slice(bytes).ok_or_else(|| corrupt("hash is not 32 bytes".into()));
    let uuid = |bytes: &[u8]| Uuid::from_slice(bytes).map_err(|e| corrupt(e.to_string()));
    Ok(RecordedEvent {
        position: Position(count(position)?),
        stream_id: StreamId::parse(row.text(1).map_err(corrupt)?).map_err(corrupt)?,
        stream_version: count(row.int(2).map_err(corrupt)?)?,
        event_id: EventId(uuid(row.blob(3).map_err(corrupt)?)?),
        event_type: EventType::parse(row.text(4).map_err(corrupt)?).map_err(corrupt)?,
        schema_version: u32::try_from(row.int(5).map_err(corrupt)?).map_err(|e| corrupt(e.to_string()))?,
        payload: Payload::from_stored(row.text(6).map_err(corrupt)?),
        metadata: Metadata {
            actor: row.text(7).map_err(corrupt)?,
            correlation_id: uuid(row.blob(8).map_err(corrupt)?)?,
            causation_id: row.optional_blob(9).map_err(corrupt)?.map(uuid).transpose()?,
            source: row.optional_text(10).map_err(corrupt)?,
            occurred_at: timestamp(row.int(11).map_err(corrupt)?)?,
        },
        recorded_at: timestamp(row.int(12).map_err(corrupt)?)?,
        prev_hash: hash(row.blob(13).map_err(corrupt)?)?,
        hash: hash(row.blob(14).map_err(corrupt)?)?,
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
