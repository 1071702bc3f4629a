//! The mapping between SQLite rows of the `events` table and [`RecordedEvent`]s, or the
//! [`LoadedEvent`]s a command loads, on rusqlite connections: the writer's and the readers'.

use kernel::{
    ChainHead, EventId, Hash, Interner, LoadedEvent, Metadata, Payload, Position, RecordedEvent, StoreError, Timestamp,
};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Row};
use uuid::Uuid;

/// Decodes rows selected with [`kernel::EVENT_COLUMNS`] or [`kernel::LOADED_COLUMNS`], its stream
/// ids and event types interned ([`Interner`]).
#[derive(Default)]
pub(crate) struct Decoder {
    names: Interner,
}

/// What a row of the `events` table decodes to: a [`RecordedEvent`] from [`kernel::EVENT_COLUMNS`],
/// a [`LoadedEvent`] from [`kernel::LOADED_COLUMNS`].
pub(crate) trait Decoded: Sized + Send + 'static {
    fn decode(decoder: &mut Decoder, row: &Row<'_>) -> Result<Self, StoreError>;
}

impl Decoded for RecordedEvent {
    fn decode(decoder: &mut Decoder, row: &Row<'_>) -> Result<Self, StoreError> {
        let columns = Columns::of(row)?;
        Ok(RecordedEvent {
            position: columns.position,
            stream_id: decoder.names.stream_id(columns.text(1)?).map_err(|e| columns.corrupt(e))?,
            stream_version: columns.count(2)?,
            event_id: EventId(columns.uuid(3)?),
            event_type: decoder.names.event_type(columns.text(4)?).map_err(|e| columns.corrupt(e))?,
            schema_version: columns.schema_version(5)?,
            payload: Payload::from_stored(columns.text(6)?.to_owned()),
            metadata: Metadata {
                actor: columns.text(7)?.to_owned(),
                correlation_id: columns.uuid(8)?,
                causation_id: columns
                    .optional_blob(9)?
                    .map(Uuid::from_slice)
                    .transpose()
                    .map_err(|e| columns.corrupt(e))?,
                source: columns.optional_text(10)?.map(str::to_owned),
                occurred_at: columns.time(11)?,
            },
            recorded_at: columns.time(12)?,
            prev_hash: columns.hash(13)?,
            hash: columns.hash(14)?,
        })
    }
}

impl Decoded for LoadedEvent {
    fn decode(decoder: &mut Decoder, row: &Row<'_>) -> Result<Self, StoreError> {
        let columns = Columns::of(row)?;
        Ok(LoadedEvent {
            position: columns.position,
            stream_version: columns.count(1)?,
            event_id: EventId(columns.uuid(2)?),
            event_type: decoder.names.event_type(columns.text(3)?).map_err(|e| columns.corrupt(e))?,
            schema_version: columns.schema_version(4)?,
            payload: Payload::from_stored(columns.text(5)?.to_owned()),
            correlation_id: columns.uuid(6)?,
        })
    }
}

/// The columns of one row of the `events` table, the first its position; a column that does not
/// hold what it should is a corrupt event at that position.
struct Columns<'a, 'r> {
    row: &'a Row<'r>,
    position: Position,
}

impl<'a, 'r> Columns<'a, 'r> {
    fn of(row: &'a Row<'r>) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt { position: Position::ZERO, detail };
        let position: i64 = row.get(0).map_err(|e| corrupt(e.to_string()))?;
        let position = u64::try_from(position).map_err(|e| corrupt(e.to_string()))?;
        Ok(Self { row, position: Position(position) })
    }

    fn corrupt(&self, detail: impl ToString) -> StoreError {
        StoreError::Corrupt { position: self.position, detail: detail.to_string() }
    }

    fn get<T: FromSql>(&self, index: usize) -> Result<T, StoreError> {
        self.row.get(index).map_err(|e| self.corrupt(e))
    }

    fn text(&self, index: usize) -> Result<&'a str, StoreError> {
        self.row.get_ref(index).and_then(|v| v.as_str().map_err(Into::into)).map_err(|e| self.corrupt(e))
    }

    fn optional_text(&self, index: usize) -> Result<Option<&'a str>, StoreError> {
        self.row.get_ref(index).and_then(|v| v.as_str_or_null().map_err(Into::into)).map_err(|e| self.corrupt(e))
    }

    fn blob(&self, index: usize) -> Result<&'a [u8], StoreError> {
        self.row.get_ref(index).and_then(|v| v.as_blob().map_err(Into::into)).map_err(|e| self.corrupt(e))
    }

    fn optional_blob(&self, index: usize) -> Result<Option<&'a [u8]>, StoreError> {
        self.row.get_ref(index).and_then(|v| v.as_blob_or_null().map_err(Into::into)).map_err(|e| self.corrupt(e))
    }

    fn uuid(&self, index: usize) -> Result<Uuid, StoreError> {
        Uuid::from_slice(self.blob(index)?).map_err(|e| self.corrupt(e))
    }

    fn count(&self, index: usize) -> Result<u64, StoreError> {
        u64::try_from(self.get::<i64>(index)?).map_err(|e| self.corrupt(e))
    }

    fn schema_version(&self, index: usize) -> Result<u32, StoreError> {
        u32::try_from(self.get::<i64>(index)?).map_err(|e| self.corrupt(e))
    }

    fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        let micros = self.get::<i64>(index)?;
        Timestamp::from_micros(micros).ok_or_else(|| self.corrupt(format!("time {micros} is out of range")))
    }

    fn hash(&self, index: usize) -> Result<Hash, StoreError> {
        Hash::from_slice(self.blob(index)?).ok_or_else(|| self.corrupt("hash is not 32 bytes"))
    }
}

/// Runs `sql`, selecting the columns `T` is decoded from, with `params`, and decodes every row it
/// returns, with room reserved for `expected` of them.
pub(crate) fn query<T: Decoded>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    expected: usize,
) -> Result<Vec<T>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(unavailable)?;
    let mut found = statement.query(params).map_err(unavailable)?;
    let mut decoder = Decoder::default();
    let mut events = Vec::with_capacity(expected);
    while let Some(row) = found.next().map_err(unavailable)? {
        events.push(T::decode(&mut decoder, row)?);
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
