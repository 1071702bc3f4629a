//! The mapping between PostgreSQL rows of the `events` table and [`RecordedEvent`]s, or the
//! [`LoadedEvent`]s a command loads.

use chrono::{DateTime, Utc};
use kernel::{
    ChainHead, EventId, Hash, Interner, LoadedEvent, Metadata, Payload, Position, RecordedEvent, StoreError, Timestamp,
};
use sqlx::postgres::{PgRow, PgValueFormat};
use sqlx::{PgConnection, Row, ValueRef};
use uuid::Uuid;

/// Decodes rows selected with [`kernel::EVENT_COLUMNS`] or [`kernel::LOADED_COLUMNS`], its stream
/// ids and event types interned ([`Interner`]).
#[derive(Default)]
pub(crate) struct Decoder {
    names: Interner,
}

/// What a row of the `events` table decodes to: a [`RecordedEvent`] from [`kernel::EVENT_COLUMNS`],
/// a [`LoadedEvent`] from [`kernel::LOADED_COLUMNS`].
pub(crate) trait Decoded: Sized {
    fn decode(decoder: &mut Decoder, columns: &Columns<'_>) -> Result<Self, StoreError>;

    /// Decodes one row a query returned.
    fn decode_row(decoder: &mut Decoder, row: &PgRow) -> Result<Self, StoreError> {
        Self::decode(decoder, &Columns::of_row(row)?)
    }
}

impl Decoded for RecordedEvent {
    fn decode(decoder: &mut Decoder, columns: &Columns<'_>) -> Result<Self, StoreError> {
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
                causation_id: columns.optional(9)?.map(|id| columns.sized(9, id).map(Uuid::from_bytes)).transpose()?,
                source: columns.optional(10)?.map(|source| columns.utf8(10, source).map(str::to_owned)).transpose()?,
                occurred_at: columns.time(11)?,
            },
            recorded_at: columns.time(12)?,
            prev_hash: Hash(columns.fixed(13)?),
            hash: Hash(columns.fixed(14)?),
        })
    }
}

impl Decoded for LoadedEvent {
    fn decode(decoder: &mut Decoder, columns: &Columns<'_>) -> Result<Self, StoreError> {
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

/// Decodes every row of `found`, selected with the columns `T` is decoded from.
pub(crate) fn decode_all<T: Decoded>(found: &[PgRow]) -> Result<Vec<T>, StoreError> {
    let mut decoder = Decoder::default();
    found.iter().map(|row| T::decode_row(&mut decoder, row)).collect()
}

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00:00 UTC: a `timestamptz`
/// in the binary format counts microseconds from the latter.
pub(crate) const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The most columns a row of the `events` table is read with ([`kernel::EVENT_COLUMNS`]).
pub(crate) const MAX_COLUMNS: usize = 15;

/// The columns of one row of the `events` table, the first its position; a column that does not
/// hold what it should is a corrupt event at that position.
///
/// Each column is read from the bytes of PostgreSQL's binary format (which every prepared
/// statement's rows arrive in, and a binary `COPY` sends) by the type the table gives it: `bigint`
/// and `integer` big-endian, `uuid` 16 bytes, `timestamptz` microseconds from 2000, `text` UTF-8,
/// `bytea` as they are; a value of another length is refused. That is what sqlx's own decoding
/// does, without checking each value's declared type against the Rust one and, for times, without
/// converting through a calendar date, which took much of a read's decoding time.
pub(crate) struct Columns<'r> {
    /// Each column's bytes, `None` for NULL; those past `len` are not in the row.
    values: [Option<&'r [u8]>; MAX_COLUMNS],
    len: usize,
    position: Position,
}

impl<'r> Columns<'r> {
    /// The columns of a row a prepared statement returned.
    fn of_row(row: &'r PgRow) -> Result<Self, StoreError> {
        let mut values = [None; MAX_COLUMNS];
        let len = row.len().min(MAX_COLUMNS);
        for (index, value) in values.iter_mut().enumerate().take(len) {
            let raw = row.try_get_raw(index).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            if raw.format() != PgValueFormat::Binary {
                return Err(StoreError::Unavailable(format!(
                    "column {index} of an event came in PostgreSQL's text format; events are read with prepared statements, whose rows come in the binary format"
                )));
            }
            *value = if raw.is_null() {
                None
            } else {
                Some(raw.as_bytes().map_err(|e| StoreError::Unavailable(e.to_string()))?)
            };
        }
        Self::of(values, len)
    }

    /// The columns `values`, the first `len` of them in the row.
    pub(crate) fn of(values: [Option<&'r [u8]>; MAX_COLUMNS], len: usize) -> Result<Self, StoreError> {
        let mut columns = Self { values, len, position: Position::ZERO };
        columns.position = Position(columns.count(0)?);
        Ok(columns)
    }

    fn corrupt(&self, detail: impl ToString) -> StoreError {
        StoreError::Corrupt { position: self.position, detail: detail.to_string() }
    }

    /// The bytes of column `index`, or `None` for NULL.
    fn optional(&self, index: usize) -> Result<Option<&'r [u8]>, StoreError> {
        if index >= self.len {
            return Err(self.corrupt(format!("the row has {} columns, not {}", self.len, index + 1)));
        }
        Ok(self.values[index])
    }

    fn bytes(&self, index: usize) -> Result<&'r [u8], StoreError> {
        self.optional(index)?.ok_or_else(|| self.corrupt(format!("column {index} is NULL")))
    }

    /// `bytes`, read from column `index`, as the `N` bytes that column holds.
    fn sized<const N: usize>(&self, index: usize, bytes: &[u8]) -> Result<[u8; N], StoreError> {
        bytes.try_into().map_err(|_| self.corrupt(format!("column {index} holds {} bytes, not {N}", bytes.len())))
    }

    /// `bytes`, read from column `index`, as the text that column holds.
    fn utf8<'b>(&self, index: usize, bytes: &'b [u8]) -> Result<&'b str, StoreError> {
        std::str::from_utf8(bytes).map_err(|e| self.corrupt(format!("column {index}: {e}")))
    }

    fn fixed<const N: usize>(&self, index: usize) -> Result<[u8; N], StoreError> {
        self.sized(index, self.bytes(index)?)
    }

    fn text(&self, index: usize) -> Result<&'r str, StoreError> {
        self.utf8(index, self.bytes(index)?)
    }

    fn count(&self, index: usize) -> Result<u64, StoreError> {
        u64::try_from(i64::from_be_bytes(self.fixed(index)?)).map_err(|e| self.corrupt(e))
    }

    fn schema_version(&self, index: usize) -> Result<u32, StoreError> {
        u32::try_from(i32::from_be_bytes(self.fixed(index)?)).map_err(|e| self.corrupt(e))
    }

    fn uuid(&self, index: usize) -> Result<Uuid, StoreError> {
        Ok(Uuid::from_bytes(self.fixed(index)?))
    }

    fn time(&self, index: usize) -> Result<Timestamp, StoreError> {
        let micros = i64::from_be_bytes(self.fixed(index)?);
        micros
            .checked_add(POSTGRES_EPOCH_MICROS)
            .and_then(Timestamp::from_micros)
            .ok_or_else(|| self.corrupt(format!("column {index} is a time out of range")))
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
