//! Large writes and reads through `COPY` in PostgreSQL's binary format: the rows of a bulk append
//! or a restored batch with their Merkle tree columns, sent as a stream of tuples with no
//! statement to plan per row and no arrays to unnest; and pages of the log, received as tuples
//! and decoded from their bytes as they arrive, with none of the work a query's rows cost the
//! client per row and per column.

use futures::TryStreamExt;
use kernel::{RecordedEvent, StoreError, Timestamp};
use sqlx::PgConnection;

use crate::rows::{Columns, Decoded, Decoder, MAX_COLUMNS, POSTGRES_EPOCH_MICROS};
use crate::unavailable;

/// Bytes gathered before they are sent to the server.
const CHUNK: usize = 1 << 20;

/// Writes `events` into the `events` table, each with its tree column (`trees`, or NULL for each
/// when the tree is left behind), in the caller's transaction. Returns false, having written
/// nothing, when one of the events' ids is already recorded: the unique index on `event_id`
/// finds it as the rows go in, so a writer that did not look the ids up first learns it here,
/// and must then roll the transaction back.
pub(crate) async fn write(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
    trees: Option<&[Vec<u8>]>,
) -> Result<bool, StoreError> {
    if events.is_empty() {
        return Ok(true);
    }
    let statement = format!("COPY events ({}, tree) FROM STDIN (FORMAT binary)", kernel::EVENT_COLUMNS);
    let mut tuples = Tuples::new(16);
    let mut copy = conn.copy_in_raw(&statement).await.map_err(unavailable)?;
    for (n, event) in events.iter().enumerate() {
        tuples.event(event);
        tuples.bytes(trees.map(|trees| trees[n].as_slice()));
        if tuples.buffer.len() >= CHUNK {
            copy.send(std::mem::take(&mut tuples.buffer)).await.map_err(unavailable)?;
        }
    }
    tuples.buffer.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(std::mem::take(&mut tuples.buffer)).await.map_err(unavailable)?;
    // The server reports a failed row only when the copy is finished.
    match copy.finish().await {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(error)) if error.constraint() == Some(EVENT_ID_INDEX) => Ok(false),
        Err(error) => Err(unavailable(error)),
    }
}

/// The unique index on `events.event_id` (migration 0001 names none, so PostgreSQL's default).
const EVENT_ID_INDEX: &str = "events_event_id_key";

/// The rows `select` returns, each decoded as `T` (the query selects the columns `T` is decoded
/// from), received through `COPY (select) TO STDOUT (FORMAT binary)`. `capacity` is how many rows
/// are expected. A `COPY` takes no parameters: `select` holds its values as literals.
pub(crate) async fn read<T: Decoded>(
    conn: &mut PgConnection,
    select: &str,
    capacity: usize,
) -> Result<Vec<T>, StoreError> {
    let mut chunks =
        conn.copy_out_raw(&format!("COPY ({select}) TO STDOUT (FORMAT binary)")).await.map_err(unavailable)?;
    let mut tuples = TupleReader::default();
    let mut decoder = Decoder::default();
    let mut found = Vec::with_capacity(capacity);
    while let Some(chunk) = chunks.try_next().await.map_err(unavailable)? {
        tuples.feed(&chunk, |columns| {
            found.push(T::decode(&mut decoder, &columns)?);
            Ok(())
        })?;
    }
    tuples.finish()?;
    Ok(found)
}

/// The signature that opens the binary COPY format.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Reads the binary COPY format from chunks as they arrive, each chunk ending anywhere: the
/// tuples complete in what has arrived are handed on, the rest kept for the next chunk.
#[derive(Debug, Default)]
struct TupleReader {
    /// The start of a tuple (or of the header) that the chunks so far did not complete.
    carry: Vec<u8>,
    started: bool,
    ended: bool,
}

impl TupleReader {
    /// Hands `each` the tuples completed by `chunk`.
    fn feed(
        &mut self,
        chunk: &[u8],
        each: impl FnMut(Columns<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        if self.carry.is_empty() {
            let used = self.parse(chunk, each)?;
            self.carry.extend_from_slice(&chunk[used..]);
        } else {
            let mut carry = std::mem::take(&mut self.carry);
            carry.extend_from_slice(chunk);
            let used = self.parse(&carry, each)?;
            carry.drain(..used);
            self.carry = carry;
        }
        Ok(())
    }

    /// Hands `each` the complete tuples at the start of `bytes`, and says how many bytes they
    /// (and the header, first) took.
    fn parse(
        &mut self,
        bytes: &[u8],
        mut each: impl FnMut(Columns<'_>) -> Result<(), StoreError>,
    ) -> Result<usize, StoreError> {
        let mut at = 0;
        if !self.started {
            // The signature, 32 bits of flags, the length of a header extension, the extension.
            let Some(extension) = bytes.get(15..19) else { return Ok(0) };
            if bytes[..11] != *SIGNATURE {
                return Err(malformed("it does not start with the binary format's signature"));
            }
            at = 19 + usize::try_from(u32::from_be_bytes(fixed(extension))).unwrap_or(usize::MAX);
            if bytes.len() < at {
                return Ok(0);
            }
            self.started = true;
        }
        while !self.ended {
            let Some(count) = bytes.get(at..at + 2) else { break };
            let count = i16::from_be_bytes(fixed(count));
            if count == -1 {
                self.ended = true;
                at += 2;
                break;
            }
            let count = usize::try_from(count)
                .ok()
                .filter(|count| (1..=MAX_COLUMNS).contains(count))
                .ok_or_else(|| malformed(format!("a tuple has {count} fields")))?;
            let mut values = [None; MAX_COLUMNS];
            let mut cursor = at + 2;
            for value in values.iter_mut().take(count) {
                let Some(length) = bytes.get(cursor..cursor + 4) else { return Ok(at) };
                cursor += 4;
                // A negative length is NULL.
                let Ok(length) = usize::try_from(i32::from_be_bytes(fixed(length))) else { continue };
                let Some(field) = bytes.get(cursor..cursor + length) else { return Ok(at) };
                *value = Some(field);
                cursor += length;
            }
            each(Columns::of(values, count)?)?;
            at = cursor;
        }
        if self.ended && at < bytes.len() {
            return Err(malformed("bytes follow its end"));
        }
        Ok(at)
    }

    /// Checks that the format was ended, with nothing left over.
    fn finish(&self) -> Result<(), StoreError> {
        if !self.ended || !self.carry.is_empty() {
            return Err(malformed("it stopped before its end"));
        }
        Ok(())
    }
}

/// The first `N` bytes of `bytes`, which holds at least that many.
fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes[..N].try_into().expect("a slice of N bytes")
}

fn malformed(detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("the server's COPY of events was malformed: {detail}"))
}

/// The binary COPY encoding: a header, then per tuple its field count and each field's length
/// (-1 for NULL) and bytes, then -1 to end.
struct Tuples {
    buffer: Vec<u8>,
    fields: i16,
}

impl Tuples {
    fn new(fields: i16) -> Self {
        let mut buffer = Vec::with_capacity(CHUNK + CHUNK / 8);
        buffer.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buffer.extend_from_slice(&0i32.to_be_bytes()); // flags
        buffer.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        Self { buffer, fields }
    }

    fn start(&mut self) {
        self.buffer.extend_from_slice(&self.fields.to_be_bytes());
    }

    /// Starts a tuple with the fields of `e`, in the order of [`kernel::EVENT_COLUMNS`].
    fn event(&mut self, e: &RecordedEvent) {
        self.start();
        self.int8(e.position.0 as i64);
        self.bytes(Some(e.stream_id.as_str().as_bytes()));
        self.int8(e.stream_version as i64);
        self.bytes(Some(e.event_id.0.as_bytes()));
        self.bytes(Some(e.event_type.as_str().as_bytes()));
        self.bytes(Some(&(e.schema_version as i32).to_be_bytes()));
        self.bytes(Some(e.payload.as_str().as_bytes()));
        self.bytes(Some(e.metadata.actor.as_bytes()));
        self.bytes(Some(e.metadata.correlation_id.as_bytes()));
        self.bytes(e.metadata.causation_id.as_ref().map(|id| id.as_bytes().as_slice()));
        self.bytes(e.metadata.source.as_deref().map(str::as_bytes));
        self.time(e.metadata.occurred_at);
        self.time(e.recorded_at);
        self.bytes(Some(&e.prev_hash.0));
        self.bytes(Some(&e.hash.0));
    }

    fn bytes(&mut self, value: Option<&[u8]>) {
        match value {
            Some(bytes) => {
                self.buffer.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                self.buffer.extend_from_slice(bytes);
            }
            None => self.buffer.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }

    fn int8(&mut self, value: i64) {
        self.bytes(Some(&value.to_be_bytes()));
    }

    fn time(&mut self, at: Timestamp) {
        self.int8(at.as_micros() - POSTGRES_EPOCH_MICROS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_count_from_the_postgres_epoch() {
        let mut tuples = Tuples::new(1);
        let header = tuples.buffer.len();
        tuples.time(Timestamp::parse("2000-01-01").expect("valid"));
        tuples.time(Timestamp::parse("2000-01-02").expect("valid"));
        let field = |n: usize| &tuples.buffer[header + n * 12..header + (n + 1) * 12];
        assert_eq!(field(0), [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(i64::from_be_bytes(field(1)[4..].try_into().expect("8 bytes")), 86_400_000_000);
    }

    fn events() -> Vec<RecordedEvent> {
        let recorded = |position: u64, causation_id, source: Option<&str>| RecordedEvent {
            position: kernel::Position(position),
            stream_id: kernel::StreamId::parse(format!("commitment-{position}")).expect("valid"),
            stream_version: position + 1,
            event_id: kernel::EventId(uuid::Uuid::from_u128(u128::from(position))),
            event_type: kernel::EventType::parse("CommitmentProgressReported").expect("valid"),
            schema_version: 2,
            payload: kernel::Payload::parse(r#"{"percent":40,"narrative":"Ward plans agreed"}"#).expect("valid"),
            metadata: kernel::Metadata {
                actor: "importer".into(),
                correlation_id: uuid::Uuid::from_u128(7),
                causation_id,
                source: source.map(str::to_owned),
                occurred_at: Timestamp::parse("2024-07-17").expect("valid"),
            },
            recorded_at: Timestamp::parse("2024-07-18").expect("valid"),
            prev_hash: kernel::Hash([position as u8; 32]),
            hash: kernel::Hash([position as u8 + 1; 32]),
        };
        vec![
            recorded(1, None, None),
            recorded(2, Some(uuid::Uuid::from_u128(9)), Some("minutes of 17 July 2024, item 6")),
            recorded(3, None, Some("")),
        ]
    }

    /// `events` in the binary COPY format, with its end.
    fn copied(events: &[RecordedEvent]) -> Vec<u8> {
        let mut tuples = Tuples::new(MAX_COLUMNS as i16);
        events.iter().for_each(|event| tuples.event(event));
        tuples.buffer.extend_from_slice(&(-1i16).to_be_bytes());
        tuples.buffer
    }

    /// What a [`TupleReader`] decodes from `chunks`, fed one after another.
    fn read<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut reader = TupleReader::default();
        let mut decoder = Decoder::default();
        let mut found = Vec::new();
        for chunk in chunks {
            reader.feed(chunk, |columns| {
                found.push(RecordedEvent::decode(&mut decoder, &columns)?);
                Ok(())
            })?;
        }
        reader.finish()?;
        Ok(found)
    }

    #[test]
    fn tuples_are_read_back_however_the_chunks_fall() {
        let events = events();
        let bytes = copied(&events);
        assert_eq!(read([bytes.as_slice()]).expect("one chunk"), events);
        for split in 0..=bytes.len() {
            let (first, second) = bytes.split_at(split);
            assert_eq!(read([first, second]).expect("two chunks"), events, "split at byte {split}");
        }
        assert_eq!(read(bytes.chunks(1)).expect("a byte at a time"), events);
        assert_eq!(read(bytes.chunks(7)).expect("seven bytes at a time"), events);
    }

    #[test]
    fn a_copy_cut_short_or_followed_by_more_is_refused() {
        let bytes = copied(&events());
        let message = |result: Result<Vec<RecordedEvent>, StoreError>| result.expect_err("refused").to_string();
        assert!(message(read([&bytes[..bytes.len() - 2]])).contains("stopped before its end"));
        assert!(message(read([&bytes[..bytes.len() - 40]])).contains("stopped before its end"));
        assert!(message(read([bytes.as_slice(), &[0]])).contains("bytes follow its end"));
        let mut unsigned = bytes.clone();
        unsigned[0] = b'X';
        assert!(message(read([unsigned.as_slice()])).contains("signature"));
        let mut wide = bytes.clone();
        wide[19..21].copy_from_slice(&16i16.to_be_bytes());
        assert!(message(read([wide.as_slice()])).contains("a tuple has 16 fields"));
    }

    #[test]
    fn a_value_of_the_wrong_length_is_a_corrupt_event_at_its_position() {
        let mut tuples = Tuples::new(MAX_COLUMNS as i16);
        let event = events().remove(1);
        tuples.event(&event);
        // The event's hash, the last field, one byte short.
        tuples.buffer.pop();
        let last = tuples.buffer.len() - 31 - 4;
        tuples.buffer[last..last + 4].copy_from_slice(&31i32.to_be_bytes());
        tuples.buffer.extend_from_slice(&(-1i16).to_be_bytes());
        match read([tuples.buffer.as_slice()]) {
            Err(StoreError::Corrupt { position, detail }) => {
                assert_eq!(position, event.position);
                assert_eq!(detail, "column 14 holds 31 bytes, not 32");
            }
            other => panic!("a corrupt event, not {other:?}"),
        }
    }
}
