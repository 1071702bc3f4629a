//! The mapping between SQLite rows of the `events` table and [`RecordedEvent`]s, on rusqlite
//! connections: the writer's and the readers'.

use kernel::{ChainHead, EventId, Hash, Interner, Metadata, Payload, Position, RecordedEvent, StoreError, Timestamp};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};
use uuid::Uuid;

/// Decodes rows selected with [`kernel::EVENT_COLUMNS`], its stream ids and event types
/// interned ([`Interner`]).
#[derive(Default)]
pub(crate) struct Decoder {
    names: Interner,
}

impl Decoder {
    /// Maps one row to the event it stores.
    pub(crate) fn decode(&mut self, row: &Row<'_>) -> Result<RecordedEvent, StoreError> {
        let position: i64 =
            row.get(0).map_err(|e| StoreError::Corrupt { position: Position(0), detail: e.to_string() })?;
        let corrupt = |detail: String| StoreError::Corrupt { position: Position(position as u64), detail };
        let sql = |e: rusqlite::Error| corrupt(e.to_string());
        let count = |value: i64| u64::try_from(value).map_err(|e| corrupt(e.to_string()));
        let timestamp = |micros: i64| {
            Timestamp::from_micros(micros).ok_or_else(|| corrupt(format!("time {micros} is out of range")))
        };
        let hash = |bytes: &[u8]| Hash::from_slice(bytes).ok_or_else(|| corrupt("hash is not 32 bytes".into()));
        let uuid = |bytes: &[u8]| Uuid::from_slice(bytes).map_err(|e| corrupt(e.to_string()));
        let text = |index: usize| row.get_ref(index).and_then(|v| v.as_str().map_err(Into::into)).map_err(sql);
        let blob = |index: usize| row.get_ref(index).and_then(|v| v.as_blob().map_err(Into::into)).map_err(sql);
        let optional_blob =
            |index: usize| row.get_ref(index).and_then(|v| v.as_blob_or_null().map_err(Into::into)).map_err(sql);
        let stream_id = self.names.stream_id(text(1)?).map_err(corrupt)?;
        let event_type = self.names.event_type(text(4)?).map_err(corrupt)?;
        let source = match row.get_ref(10).map_err(sql)? {
            ValueRef::Null => None,
            value => Some(value.as_str().map_err(|e| corrupt(e.to_string()))?.to_owned()),
        };
        Ok(RecordedEvent {
            position: Position(count(position)?),
            stream_id,
            stream_version: count(row.get(2).map_err(sql)?)?,
            event_id: EventId(uuid(blob(3)?)?),
            event_type,
            schema_version: u32::try_from(row.get::<_, i64>(5).map_err(sql)?).map_err(|e| corrupt(e.to_string()))?,
            payload: Payload::from_stored(text(6)?.to_owned()),
            metadata: Metadata {
                actor: text(7)?.to_owned(),
                correlation_id: uuid(blob(8)?)?,
                causation_id: optional_blob(9)?.map(uuid).transpose()?,
                source,
                occurred_at: timestamp(row.get(11).map_err(sql)?)?,
            },
            recorded_at: timestamp(row.get(12).map_err(sql)?)?,
            prev_hash: hash(blob(13)?)?,
            hash: hash(blob(14)?)?,
        })
    }
}

/// Runs `sql`, selecting [`kernel::EVENT_COLUMNS`], with `params`, and decodes every row it
/// returns.
pub(crate) fn query(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(unavailable)?;
    let mut found = statement.query(params).map_err(unavailable)?;
    let mut decoder = Decoder::default();
    let mut events = Vec::new();
    while let Some(row) = found.next().map_err(unavailable)? {
        events.push(decoder.decode(row)?);
    }
    Ok(events)
}

/// The last event's position and hash, and when it was recorded; `None` for an empty log.
pub(crate) fn read_head(conn: &Connection) -> Result<Option<(ChainHead, Timestamp)>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        .map_err(unavailable)?;
    let row = statement
        .query_row([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?, row.get::<_, i64>(2)?)))
        .optional()
        .map_err(unavailable)?;
    let Some((position, hash, recorded_at)) = row else { return Ok(None) };
    let position = Position(position as u64);
    let hash = Hash::from_slice(&hash)
        .ok_or_else(|| StoreError::Corrupt { position, detail: "hash is not 32 bytes".into() })?;
    let recorded_at = Timestamp::from_micros(recorded_at)
        .ok_or_else(|| StoreError::Corrupt { position, detail: "recorded_at is not a time".into() })?;
    Ok(Some((ChainHead { position, hash }, recorded_at)))
}

/// A failure to read the file, as the store reports it.
pub(crate) fn unavailable(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("failed to read the SQLite file: {error}"))
}
