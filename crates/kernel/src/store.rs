//! The [`EventStore`] trait every backend implements, the errors it reports, and the pieces of
//! reading that are the same for every backend: verification of the chain and subscriptions
//! that catch up and then follow.

use std::collections::VecDeque;
use std::pin::Pin;

use async_trait::async_trait;
use futures::{Stream, StreamExt, stream::BoxStream};

use crate::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, ChainVerifier, EventId, Position, RecordedEvent,
    RestoreError, StreamId, Timestamp, VerifyFailure, VerifyReport,
};

/// The store could not do what was asked for a reason outside the request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused the operation; retry later.
    #[error("the event store is unavailable: {0}")]
    Unavailable(String),
    /// A stored row could not be decoded: the database was changed outside Covenant.
    #[error("the event store holds a row it cannot read at position {position}: {detail}; run `covenant verify`")]
    Corrupt { position: Position, detail: String },
    /// Another process held the database's write lock for longer than the store waits, so the
    /// write was never begun: nothing was written.
    #[error("another process kept the database locked for {waited_secs} s, so the write was not begun")]
    Busy { waited_secs: u64 },
}

/// How much of a stream to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamBound {
    /// Every event.
    All,
    /// Events up to and including this stream version.
    UpToVersion(u64),
    /// Events the store had recorded by this time ("as known on").
    RecordedBy(Timestamp),
}

/// A live sequence of events in position order.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<RecordedEvent, StoreError>> + Send>>;

/// Pages read by [`EventStore::verify`] and by subscriptions.
const PAGE: usize = 10_000;

/// An append-only, hash-chained log of events with gapless global positions.
///
/// Architecture Invariant: positions are assigned in commit order under one writer per store,
/// so a reader that has seen position `p` will never later see a new event at or below `p`.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends the request atomically: all of its events or none. See [`AppendError`] for what
    /// each refusal means.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError>;

    /// Writes events recorded elsewhere (an export being restored) exactly as they are, with
    /// their positions, stream versions, times and hashes, after the current head, in one
    /// transaction: all of the batch or none. The batch must continue the stored chain and keep
    /// every rule of the log ([`crate::check_restore`]); at most 10,000 events. Returns the new
    /// head.
    async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError>;

    /// Reads one stream in version order.
    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads several streams, each as [`EventStore::read_stream`] would, and merges their events
    /// in position order. Backends read them all in one query.
    async fn read_streams(&self, streams: &[StreamId], bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = Vec::new();
        for stream in streams {
            events.extend(self.read_stream(stream, bound).await?);
        }
        events.sort_unstable_by_key(|e| e.position);
        Ok(events)
    }

    /// The recorded events among `ids`, in position order; ids not recorded are left out. This is
    /// how a writer that chose its event ids in advance (derived from an idempotency key) finds
    /// whether its append was already recorded. Backends read them in one query; this default
    /// reads the whole log, for stores that hold few events.
    async fn read_events(&self, ids: &[EventId]) -> Result<Vec<RecordedEvent>, StoreError> {
        let wanted: std::collections::HashSet<EventId> = ids.iter().copied().collect();
        let mut found = Vec::new();
        let mut after = Position::ZERO;
        loop {
            let page = self.read_all(after, PAGE).await?;
            let Some(last) = page.last() else { return Ok(found) };
            after = last.position;
            found.extend(page.into_iter().filter(|e| wanted.contains(&e.event_id)));
        }
    }

    /// Reads up to `limit` events after `after`, in position order.
    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The last event's position and hash, or position 0 and the genesis hash when empty.
    async fn head(&self) -> Result<ChainHead, StoreError>;

    /// Every event after `after`, then every event appended from now on, each exactly once and
    /// in position order. The stream ends only when it yields an error.
    fn subscribe(&self, after: Position) -> EventStream;

    /// Recomputes the chain from the first event, or from a trusted checkpoint, and names the
    /// first position that does not match.
    async fn verify(&self, from: Option<ChainHead>) -> Result<VerifyReport, StoreError> {
        let Some(checkpoint) = from.filter(|c| c.position > Position::ZERO) else {
            return verify_after(self, ChainHead::default()).await;
        };
        let at = self.read_all(Position(checkpoint.position.0 - 1), 1).await?;
        match at.first() {
            Some(event) if event.position == checkpoint.position && event.hash == checkpoint.hash => {
                verify_after(self, checkpoint).await
            }
            Some(event) if event.position == checkpoint.position => Ok(ChainVerifier::new(ChainHead::default())
                .finish(Some(VerifyFailure::CheckpointMismatch {
                    position: event.position,
                    stored: event.hash,
                    trusted: checkpoint.hash,
                }))),
            _ => Ok(ChainVerifier::new(ChainHead::default())
                .finish(Some(VerifyFailure::CheckpointMissing { position: checkpoint.position }))),
        }
    }
}

async fn verify_after<S: EventStore + ?Sized>(store: &S, from: ChainHead) -> Result<VerifyReport, StoreError> {
    let mut verifier = ChainVerifier::new(from);
    let mut after = from.position;
    loop {
        let page = store.read_all(after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(verifier.finish(None));
        };
        after = last.position;
        for event in &page {
            if let Err(failure) = verifier.check(event) {
                return Ok(verifier.finish(Some(failure)));
            }
        }
    }
}

/// Builds a subscription for a backend: reads pages after `after` until caught up, then waits
/// for `wakes` to say the log may have grown, and reads again.
///
/// `wakes` must yield whenever an append may have committed since it last yielded (a watch on
/// the head, a database notification, a timer). Because positions are gapless and become
/// visible in order, reading "after the last position delivered" can neither skip nor repeat.
pub fn follow<S>(store: S, after: Position, wakes: BoxStream<'static, ()>) -> EventStream
where
    S: EventStore + 'static,
{
    struct State<S> {
        store: S,
        after: Position,
        buffer: VecDeque<RecordedEvent>,
        wakes: BoxStream<'static, ()>,
        failed: bool,
    }
    let state = State { store, after, buffer: VecDeque::new(), wakes, failed: false };
    Box::pin(futures::stream::unfold(state, |mut state| async move {
        if state.failed {
            return None;
        }
        loop {
            if let Some(event) = state.buffer.pop_front() {
                state.after = event.position;
                return Some((Ok(event), state));
            }
            match state.store.read_all(state.after, PAGE).await {
                Err(error) => {
                    state.failed = true;
                    return Some((Err(error), state));
                }
                Ok(page) if page.is_empty() => {
                    state.wakes.next().await?;
                }
                Ok(page) => state.buffer.extend(page),
            }
        }
    }))
}
