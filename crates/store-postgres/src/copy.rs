//! Large writes through `COPY ... FROM STDIN` in PostgreSQL's binary format: the rows of a bulk
//! append or a restored batch with their Merkle tree columns, sent as a stream of tuples with no
//! statement to plan per row and no arrays to unnest.

use kernel::{RecordedEvent, StoreError, Timestamp};
use sqlx::PgConnection;

use crate::rows::POSTGRES_EPOCH_MICROS;
use crate::unavailable;

/// Bytes gathered before they are sent to the server.
const CHUNK: usize = 1 << 20;

/// Writes `events` into the `events` table, each with its tree column (`trees`, or NULL for each
/// when the tree is left behind), in the caller's transaction.
pub(crate) async fn write(
    conn: &mut PgConnection,
    events: &[RecordedEvent],
    trees: Option<&[Vec<u8>]>,
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let statement = format!("COPY events ({}, tree) FROM STDIN (FORMAT binary)", kernel::EVENT_COLUMNS);
    let mut tuples = Tuples::new(16);
    let mut copy = conn.copy_in_raw(&statement).await.map_err(unavailable)?;
    for (n, e) in events.iter().enumerate() {
        tuples.start();
        tuples.int8(e.position.0 as i64);
        tuples.bytes(Some(e.stream_id.as_str().as_bytes()));
        tuples.int8(e.stream_version as i64);
        tuples.bytes(Some(e.event_id.0.as_bytes()));
        tuples.bytes(Some(e.event_type.as_str().as_bytes()));
        tuples.bytes(Some(&(e.schema_version as i32).to_be_bytes()));
        tuples.bytes(Some(e.payload.as_str().as_bytes()));
        tuples.bytes(Some(e.metadata.actor.as_bytes()));
        tuples.bytes(Some(e.metadata.correlation_id.as_bytes()));
        tuples.bytes(e.metadata.causation_id.as_ref().map(|id| id.as_bytes().as_slice()));
        tuples.bytes(e.metadata.source.as_deref().map(str::as_bytes));
        tuples.time(e.metadata.occurred_at);
        tuples.time(e.recorded_at);
        tuples.bytes(Some(&e.prev_hash.0));
        tuples.bytes(Some(&e.hash.0));
        tuples.bytes(trees.map(|trees| trees[n].as_slice()));
        if tuples.buffer.len() >= CHUNK {
            copy.send(std::mem::take(&mut tuples.buffer)).await.map_err(unavailable)?;
        }
    }
    tuples.buffer.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(std::mem::take(&mut tuples.buffer)).await.map_err(unavailable)?;
    copy.finish().await.map_err(unavailable)?;
    Ok(())
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
}
