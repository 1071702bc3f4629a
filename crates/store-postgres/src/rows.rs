//! The mapping between PostgreSQL rows of the `events` table and [`RecordedEvent`]s, or the
//! [`LoadedEvent`]s a command loads.

use chrono::{DateTime, Utc};
use kernel::{
    ChainHead, EventId, Hash, Interner, LoadedEvent, Metadata, Payload, Position, RecordedEvent, StoreError, Timestamp,
};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, Row};

/// Decodes rows selected with [`kernel::EVENT_COLUMNS`] or [`kernel::LOADED_COLUMNS`], its stream
/// ids and event types interned ([`Interner`]).
#[derive(Default)]
pub(crate) struct Decoder {
    names: Interner,
}

/// What a row of the `events` table decodes to: a [`RecordedEvent`] from [`kernel::EVENT_COLUMNS`],
/// a [`LoadedEvent`] from [`kernel::LOADED_COLUMNS`].
pub(crate) trait Decoded: Sized {
    fn decode(decoder: &mut Decoder, row: &PgRow) -> Result<Self, StoreError>;
}

impl Decoded for RecordedEvent {
    fn decode(decoder: &mut Decoder, row: &PgRow) -> Result<Self, StoreError> {
        let columns = Columns::of(row)?;
        Ok(RecordedEvent {
            position: columns.position,
            stream_id: decoder.names.stream_id(columns.get(1)?).map_err(|e| columns.corrupt(e))?,
            stream_version: columns.count(2)?,
            event_id: EventId(columns.get(3)?),
            event_type: decoder.names.event_type(columns.get(4)?).map_err(|e| columns.corrupt(e))?,
            schema_version: columns.schema_version(5)?,
            payload: Payload::from_stored(columns.get(6)?),
            metadata: Metadata {
                actor: columns.get(7)?,
                correlation_id: columns.get(8)?,
                causation_id: columns.get(9)?,
                source: columns.get(10)?,
                occurred_at: columns.time(11)?,
            },
            recorded_at: columns.time(12)?,
            prev_hash: columns.hash(13)?,
            hash: columns.hash(14)?,
        })
    }
}

impl Decoded for LoadedEvent {
    fn decode(decoder: &mut Decoder, row: &PgRow) -> Result<Self, StoreError> {
        let columns = Columns::of(row)?;
        Ok(LoadedEvent {
            position: columns.position,
            stream_version: columns.count(1)?,
            event_id: EventId(columns.get(2)?),
            event_type: decoder.names.event_type(columns.get(3)?).map_err(|e| columns.corrupt(e))?,
            schema_version: columns.schema_version(4)?,
            payload: Payload::from_stored(columns.get(5)?),
            correlation_id: columns.get(6)?,
        })
    }
}

/// Decodes every row of `found`, selected with the columns `T` is decoded from.
pub(crate) fn decode_all<T: Decoded>(found: &[PgRow]) -> Result<Vec<T>, StoreError> {
    let mut decoder = Decoder::default();
    found.iter().map(|row| T::decode(&mut decoder, row)).collect()
}

/// The columns of one row of the `events` table, the first its position; a column that does not
/// hold what it should is a corrupt event at that position.
struct Columns<'r> {
    row: &'r PgRow,
    position: Position,
}

impl<'r> Columns<'r> {
    fn of(row: &'r PgRow) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt { position: Position::ZERO, detail };
        let position: i64 = row.try_get(0).map_err(|e| corrupt(e.to_string()))?;
        let position = u64::try_from(position).map_err(|e| corrupt(e.to_string()))?;
        Ok(Self { row, position: Position(position) })
    }

    fn corrupt(&self, detail: impl ToString) -> StoreError {
        StoreError::Corrupt { position: self.position, detail: detail.to_string() }
    }

    fn get<T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(&self, index: usize) -> Result<T, StoreError> {
        self.row.try_get(index).map_err(|e| self.corrupt(e))
    }

    fn count(&self, index: usize) -> Result<u64, StoreError> {
        u64::try_from(self.get::<i64>(index)?).map_err(|e| self.corrupt(e))
    }

    fn schema_version(&self, index: usize) -> Result<u32, StoreError> {
        u32::try_from(self.get::<i32>(index)?).map_err(|e| self.corrupt(e))
    }

    fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        Ok(Timestamp::from_datetime(self.get::<DateTime<Utc>>(index)?))
    }

    fn hash(&self, index: usize) -> Result<Hash, StoreError> {
        Hash::from_slice(self.get::<&[u8]>(index)?).ok_or_else(|| self.corrupt("hash is not 32 bytes"))
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
