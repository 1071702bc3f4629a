//! A store set between the code under test and a real store: it passes every call on, and
//! counts or spoils the few a test asks it to, so that a test can see how often a stream or the
//! whole log was read, or how the code copes with an answer lost after a commit or a reader that
//! stops part of the way through the log, or a read that reached the database before an append.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, ConsistencyProof, EventId, EventStore, EventStream, Hash,
    InclusionProof, LoadedEvent, NodeId, Position, RecordedEvent, RestoreError, StoreError, StreamBound, StreamId,
    TreeError, TreeReport,
};

/// A store that passes every call on to `inner`, counting the reads of each stream and the
/// events the reads of the whole log give, and, when asked, answering appends with an error
/// after they were written, refusing to read the log past a position, or giving a short page.
pub struct Interposed {
    inner: Arc<dyn EventStore>,
    stream_reads: Mutex<HashMap<StreamId, usize>>,
    events_read: AtomicU64,
    answers_to_lose: AtomicUsize,
    readable_up_to: Option<Position>,
    /// A read of the log after this position gives at most this many events.
    short_after: Option<(Position, usize)>,
}

impl std::fmt::Debug for Interposed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interposed")
            .field("events_read", &self.events_read)
            .field("answers_to_lose", &self.answers_to_lose)
            .field("readable_up_to", &self.readable_up_to)
            .field("short_after", &self.short_after)
            .finish_non_exhaustive()
    }
}

impl Interposed {
    /// Passes everything on and spoils nothing.
    pub fn new(inner: Arc<dyn EventStore>) -> Self {
        Self {
            inner,
            stream_reads: Mutex::default(),
            events_read: AtomicU64::new(0),
            answers_to_lose: AtomicUsize::new(0),
            readable_up_to: None,
            short_after: None,
        }
    }

    /// The first `appends` appends are written but answered with an error, as when the
    /// connection drops after the commit.
    pub fn losing_answers(self, appends: usize) -> Self {
        Self { answers_to_lose: AtomicUsize::new(appends), ..self }
    }

    /// The log cannot be read past `last`, as if the process reading it died there: a read of
    /// the whole log from `last` on fails, and one that reaches past it stops at it.
    pub fn dying_after(self, last: Position) -> Self {
        Self { readable_up_to: Some(last), ..self }
    }

    /// A read of the log after `after` sees it as it stood `sees` events on, as a read that
    /// reached the database just before an append would: it gives at most that many events.
    pub fn short_after(self, after: Position, sees: usize) -> Self {
        Self { short_after: Some((after, sees)), ..self }
    }

    /// How many times `stream` was read or loaded on its own ([`EventStore::read_stream`],
    /// [`EventStore::load_stream`]).
    pub fn reads_of(&self, stream: &StreamId) -> usize {
        self.stream_reads.lock().expect("the count").get(stream).copied().unwrap_or(0)
    }

    /// How many events the reads of the whole log ([`EventStore::read_all`] and
    /// [`EventStore::read_all_ahead`]) gave.
    pub fn events_read(&self) -> u64 {
        self.events_read.load(Ordering::Acquire)
    }

    /// A page of the log read from the store it stands in front of, as the reader asked for it
    /// (`ahead`: [`EventStore::read_all_ahead`]), as the store reading stops or sees it.
    async fn read_page(&self, after: Position, limit: usize, ahead: bool) -> Result<Vec<RecordedEvent>, StoreError> {
        if self.readable_up_to.is_some_and(|last| after >= last) {
            return Err(StoreError::Unavailable("the reader stopped".into()));
        }
        let mut page = if ahead {
            self.inner.read_all_ahead(after, limit).await?
        } else {
            self.inner.read_all(after, limit).await?
        };
        if let Some(last) = self.readable_up_to {
            page.retain(|event| event.position <= last);
        }
        if let Some((_, sees)) = self.short_after.filter(|(short, _)| *short == after) {
            page.truncate(sees);
        }
        self.events_read.fetch_add(page.len() as u64, Ordering::AcqRel);
        Ok(page)
    }
}

#[async_trait]
impl EventStore for Interposed {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        let outcome = self.inner.append(request).await?;
        if self.answers_to_lose.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(StoreError::Unavailable("the connection was reset".into()).into());
        }
        Ok(outcome)
    }

    async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError> {
        self.inner.restore(events).await
    }

    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        *self.stream_reads.lock().expect("the count").entry(stream.clone()).or_default() += 1;
        self.inner.read_stream(stream, bound).await
    }

    async fn load_stream(&self, stream: &StreamId) -> Result<Vec<LoadedEvent>, StoreError> {
        *self.stream_reads.lock().expect("the count").entry(stream.clone()).or_default() += 1;
        self.inner.load_stream(stream).await
    }

    async fn read_streams(&self, streams: &[StreamId], bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_streams(streams, bound).await
    }

    async fn read_events(&self, ids: &[EventId]) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_events(ids).await
    }

    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_page(after, limit, false).await
    }

    async fn read_all_ahead(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_page(after, limit, true).await
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        self.inner.head().await
    }

    fn subscribe(&self, after: Position) -> EventStream {
        self.inner.subscribe(after)
    }

    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
        self.inner.tree_nodes(ids).await
    }

    async fn rebuild_tree(&self) -> Result<u64, StoreError> {
        self.inner.rebuild_tree().await
    }

    async fn tree_root(&self, size: u64) -> Result<Hash, TreeError> {
        self.inner.tree_root(size).await
    }

    async fn inclusion_proof(&self, position: Position, size: u64) -> Result<InclusionProof, TreeError> {
        self.inner.inclusion_proof(position, size).await
    }

    async fn consistency_proof(&self, from: u64, to: u64) -> Result<ConsistencyProof, TreeError> {
        self.inner.consistency_proof(from, to).await
    }

    async fn verify_tree(&self) -> Result<TreeReport, StoreError> {
        self.inner.verify_tree().await
    }
}
