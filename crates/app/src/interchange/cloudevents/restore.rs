//! A restore of the log from a CloudEvents export: the whole file checked (its hash chain from
//! position 1, each event valid) before anything is written, then restored in batches of
//! [`super::PAGE`], one transaction each, so that an interrupted run is continued by the next.

use std::io::BufRead;

use kernel::{
    ChainHead, EventStore, InvalidRestore, Limits, Position, RecordedEvent, RestoreChecker, RestoreError, StoreError,
    StreamState, VerifyFailure,
};

use super::{PAGE, decode};

/// How far a restore has gone, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreProgress {
    /// The file is being checked; this many bytes of it so far.
    Checking { bytes: u64 },
    /// The events up to `position` of `of` are in the store (found there or written).
    Restoring { position: u64, of: u64 },
}

/// What a restore did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restored {
    /// The events in the file.
    pub events: u64,
    /// The events already in the store, as the file has them, from an earlier run.
    pub already_present: u64,
    /// The events written by this run.
    pub written: u64,
    /// The head of the store afterwards: the file's last event.
    pub head: ChainHead,
}

/// Why a restore wrote nothing more.
#[derive(Debug, thiserror::Error)]
pub enum RestoreFileError {
    #[error("failed to read the file: {0}")]
    Read(#[from] std::io::Error),
    #[error("line {line}: {detail}; export the log again with `covenant export cloudevents`")]
    Line { line: u64, detail: String },
    #[error("the file holds no events: give a file written by `covenant export cloudevents`")]
    Empty,
    #[error(
        "line {line}: the file starts at position {position}, not 1: a restore needs a whole export, made without --after, --until, --stream, --type, --from or --to; nothing was written"
    )]
    NotFromStart { line: u64, position: Position },
    #[error(
        "line {line}: the file's hash chain does not verify: {failure}; the file was altered or is not a whole export, so nothing was written: export the log again with `covenant export cloudevents`"
    )]
    Chain { line: u64, failure: VerifyFailure },
    #[error("line {line}: {error}; nothing was written")]
    Invalid { line: u64, error: InvalidRestore },
    #[error(
        "the store already holds {held} events, more than the file's {events}: import into an empty database (a new SQLite file or a new PostgreSQL database); nothing was written"
    )]
    StoreHoldsMore { held: u64, events: u64 },
    #[error(
        "the store is not empty: the event it holds at position {position} is not the file's; import into an empty database (a new SQLite file or a new PostgreSQL database); nothing was written"
    )]
    StoreNotEmpty { position: Position },
    #[error(
        "failed to restore the events after position {reached}: {error}; the events up to {reached} are in the store as the file has them: run the same import again to continue"
    )]
    Restore { reached: Position, error: RestoreError },
    #[error(
        "the file changed while it was imported: when checked it ended with {} at position {}, but the store now ends with {} at position {}; leave the file alone and run the import again",
        checked.hash, checked.position, stored.hash, stored.position
    )]
    Changed { checked: ChainHead, stored: ChainHead },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a file's events in order, with their line numbers, skipping blank lines.
struct Lines<R> {
    reader: R,
    text: String,
    line: u64,
    bytes: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines { reader, text: String::new(), line: 0, bytes: 0 }
    }

    fn next_event(&mut self) -> Result<Option<RecordedEvent>, RestoreFileError> {
        loop {
            self.text.clear();
            let read = self.reader.read_line(&mut self.text)?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            self.bytes += read as u64;
            let text = self.text.trim();
            if !text.is_empty() {
                return decode(text).map(Some).map_err(|detail| RestoreFileError::Line { line: self.line, detail });
            }
        }
    }
}

/// Restores a whole export into an empty store, keeping every event as it was recorded.
///
/// The file is read twice: first to check all of it (every line a Covenant CloudEvent, positions
/// from 1 without a gap, the hash chain intact, and every rule of the log kept), so that a bad
/// file writes nothing; then to restore it in batches of [`PAGE`] events, each one transaction
/// and each read from the file while the one before it is written. A
/// store that already holds the start of the file, exactly as the file has it (what an
/// interrupted import leaves), is continued from where it stopped; any other store that is not
/// empty is refused. `open` opens the file afresh for each reading.
pub async fn restore<R: BufRead>(
    store: &dyn EventStore,
    mut open: impl FnMut() -> std::io::Result<R>,
    mut progress: impl FnMut(RestoreProgress),
) -> Result<Restored, RestoreFileError> {
    let (events, last) = check_file(open()?, &mut progress)?;

    let stored = store.head().await?;
    if stored.position.0 > events {
        return Err(RestoreFileError::StoreHoldsMore { held: stored.position.0, events });
    }
    let mut lines = Lines::new(open()?);
    let mut batch = next_batch(&mut lines, stored.position)?;
    let mut reached = Position::ZERO;
    let mut written = 0;
    while let Some(first) = batch.first() {
        if first.position <= stored.position {
            reached = same_as_stored(store, &batch).await?;
            batch = next_batch(&mut lines, stored.position)?;
        } else {
            let count = batch.len() as u64;
            // The next batch is read from the file while the store writes this one; it is sent
            // only once this one is written.
            let (head, next) =
                tokio::join!(write_batch(store, batch, reached), async { next_batch(&mut lines, stored.position) });
            reached = head?;
            written += count;
            batch = next?;
        }
        progress(RestoreProgress::Restoring { position: reached.0, of: events });
    }
    let head = store.head().await?;
    if head != last {
        return Err(RestoreFileError::Changed { checked: last, stored: head });
    }
    Ok(Restored { events, already_present: stored.position.0, written, head })
}

/// Up to [`PAGE`] further events of the file, ending after the event at `last_present` (the
/// store's head), so that no batch holds both events the store has and events it lacks.
fn next_batch<R: BufRead>(
    lines: &mut Lines<R>,
    last_present: Position,
) -> Result<Vec<RecordedEvent>, RestoreFileError> {
    let mut batch = Vec::with_capacity(PAGE);
    while batch.len() < PAGE {
        let Some(event) = lines.next_event()? else { break };
        let ends_present = event.position == last_present;
        batch.push(event);
        if ends_present {
            break;
        }
    }
    Ok(batch)
}

/// Checks every event of the file, as an empty store would, and returns how many there are and
/// the last one's position and hash.
fn check_file<R: BufRead>(
    reader: R,
    progress: &mut impl FnMut(RestoreProgress),
) -> Result<(u64, ChainHead), RestoreFileError> {
    let mut lines = Lines::new(reader);
    let mut checker = RestoreChecker::new(ChainHead::default(), None, StreamState::default(), Limits::default());
    let mut events = 0;
    while let Some(event) = lines.next_event()? {
        let line = lines.line;
        if events == 0 && event.position != Position(1) {
            return Err(RestoreFileError::NotFromStart { line, position: event.position });
        }
        checker.check(&event).map_err(|error| match error {
            InvalidRestore::Chain(failure) => RestoreFileError::Chain { line, failure },
            error => RestoreFileError::Invalid { line, error },
        })?;
        events += 1;
        if events % PAGE as u64 == 0 {
            progress(RestoreProgress::Checking { bytes: lines.bytes });
        }
    }
    progress(RestoreProgress::Checking { bytes: lines.bytes });
    if events == 0 {
        return Err(RestoreFileError::Empty);
    }
    Ok((events, checker.head()))
}

/// Checks that the store holds `batch` exactly, and returns the last position checked.
async fn same_as_stored(store: &dyn EventStore, batch: &[RecordedEvent]) -> Result<Position, RestoreFileError> {
    let Some(first) = batch.first() else { return Ok(Position::ZERO) };
    let stored = store.read_all(Position(first.position.0 - 1), batch.len()).await?;
    for (file, held) in batch.iter().zip(stored.iter().map(Some).chain(std::iter::repeat(None))) {
        if held != Some(file) {
            return Err(RestoreFileError::StoreNotEmpty { position: file.position });
        }
    }
    Ok(batch.last().map_or(Position::ZERO, |e| e.position))
}

/// Restores one batch after `reached` and returns the position it reaches.
async fn write_batch(
    store: &dyn EventStore,
    batch: Vec<RecordedEvent>,
    reached: Position,
) -> Result<Position, RestoreFileError> {
    let head = store.restore(batch).await.map_err(|error| RestoreFileError::Restore { reached, error })?;
    Ok(head.position)
}
