//! The [`EventStore`] trait every backend implements, the errors it reports, and the pieces of
//! reading that are the same for every backend: verification of the chain and of the Merkle
//! tree, roots and proofs from the stored tree, and subscriptions that catch up and then follow.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;

use async_trait::async_trait;
use futures::{Stream, StreamExt, stream::BoxStream};

use crate::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, ChainVerifier, ConsistencyProof, EventId, Hash,
    InclusionProof, LoadedEvent, MissingNode, NodeId, Pages, Position, ProofError, RecordedEvent, RestoreError,
    StreamId, Timestamp, VerifyFailure, VerifyReport, Writer, event_leaf, grown_edge, new_nodes, root, root_nodes,
};

/// The most rows a read of a page of the log ([`EventStore::read_all`]) reserves room for before
/// it has any: a page of up to this many is gathered without growing, and so copying, its vector.
pub const RESERVED_ROWS: usize = 10_000;

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

/// Why a root or a proof could not be given.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TreeError {
    /// The request names sizes or a position the tree does not have; the caller must ask again.
    #[error("{0}")]
    Refused(#[from] ProofError),
    /// The request names a tree larger than the log.
    #[error("the log has {head} events: ask for a tree size from 1 to {head}")]
    BeyondHead { size: u64, head: u64 },
    /// A node the answer needs is not stored: the tree is behind the log or was damaged.
    #[error(transparent)]
    Missing(#[from] MissingNode),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The stored tree's root at the head against the root recomputed from the chain hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeReport {
    /// The tree size checked: the head's position.
    pub size: u64,
    /// The root recomputed from the events' chain hashes.
    pub computed: Hash,
    /// The root the stored nodes give, or the first node missing.
    pub stored: Result<Hash, MissingNode>,
}

impl TreeReport {
    pub fn is_ok(&self) -> bool {
        self.stored == Ok(self.computed)
    }
}

/// How a log differs from a tree size and root trusted from elsewhere (a signed checkpoint).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogBreach {
    /// The log is shorter than the trusted tree: its tail was cut off.
    #[error("the log was truncated: a checkpoint covers {size} events, but the log now holds only {head}")]
    Truncated { size: u64, head: u64 },
    /// The log's first `size` events are not those the trusted root covers: history was rewritten.
    #[error(
        "the log was rewritten: its first {size} events are not the ones the checkpoint covers (the consistency proof from {size} to {head} events does not match the checkpoint's root)"
    )]
    Rewritten { size: u64, head: u64 },
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

/// The refusal of a write by a store that has no [`Writer`].
fn read_only() -> StoreError {
    StoreError::Unavailable("this event store is read-only".into())
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
    /// The [`Writer`] through which the store appends, restores and rebuilds its tree, so that
    /// every backend writes under the same rules. `None`, the default, is a store that writes
    /// otherwise (it overrides the methods that write) or not at all (they refuse).
    fn writer(&self) -> Option<&Writer> {
        None
    }

    /// Appends the request atomically: all of its events or none. See [`AppendError`] for what
    /// each refusal means.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        self.writer().ok_or_else(read_only)?.append(request).await
    }

    /// Writes events recorded elsewhere (an export being restored) exactly as they are, with
    /// their positions, stream versions, times and hashes, after the current head, in one
    /// transaction: all of the batch or none. The batch must continue the stored chain and keep
    /// every rule of the log ([`crate::check_restore`]); at most 10,000 events. Returns the new
    /// head.
    async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError> {
        self.writer().ok_or_else(read_only)?.restore(events).await
    }

    /// Reads one stream in version order.
    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads one whole stream in version order, only what a command decides from
    /// ([`LoadedEvent`]): how the recorder loads the streams a command names. Backends select only
    /// those columns; this default narrows [`EventStore::read_stream`].
    async fn load_stream(&self, stream: &StreamId) -> Result<Vec<LoadedEvent>, StoreError> {
        Ok(self.read_stream(stream, StreamBound::All).await?.into_iter().map(LoadedEvent::from).collect())
    }

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

    /// Reads up to `limit` events after `after`, in position order. Backends reserve room for up
    /// to [`RESERVED_ROWS`] of them before the first arrives.
    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads what [`EventStore::read_all`] reads, for a reader that has its next pages read while
    /// it handles this one ([`Pages`]). Such a reader waits on its own work on each event more
    /// than on the database, so a store may read these pages in a way that costs the reader less
    /// for each event and the database more (PostgreSQL: a binary `COPY`).
    async fn read_all_ahead(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_all(after, limit).await
    }

    /// The last event's position and hash, or position 0 and the genesis hash when empty.
    async fn head(&self) -> Result<ChainHead, StoreError>;

    /// Every event after `after`, then every event appended from now on, each exactly once and
    /// in position order. The stream ends only when it yields an error.
    fn subscribe(&self, after: Position) -> EventStream;

    /// Reads the stored hashes of these Merkle tree nodes ([`crate::merkle`]); a node that is
    /// not stored is absent from the answer. Stores without a tree refuse.
    async fn tree_nodes(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
        let _ = ids;
        Err(StoreError::Unavailable("this event store keeps no Merkle tree".into()))
    }

    /// Recomputes the whole Merkle tree from the chain hashes of the log, under the write lock,
    /// in one transaction, and returns its size (the head's position).
    async fn rebuild_tree(&self) -> Result<u64, StoreError> {
        match self.writer() {
            Some(writer) => writer.rebuild_tree().await,
            None => Err(StoreError::Unavailable("this event store keeps no Merkle tree".into())),
        }
    }

    /// The root of the tree of the first `size` events, from the stored tree.
    async fn tree_root(&self, size: u64) -> Result<Hash, TreeError> {
        within_head(self, size).await?;
        Ok(root(size, &self.tree_nodes(&root_nodes(size)).await?)?)
    }

    /// The inclusion proof of the event at `position` in the tree of the first `size` events,
    /// from the stored tree alone.
    async fn inclusion_proof(&self, position: Position, size: u64) -> Result<InclusionProof, TreeError> {
        let index = position.0.checked_sub(1).ok_or(ProofError::NotInTree { position: 0, size })?;
        let ids = InclusionProof::nodes(index, size)?;
        within_head(self, size).await?;
        Ok(InclusionProof::assemble(index, size, &self.tree_nodes(&ids).await?)??)
    }

    /// The consistency proof from the tree of the first `from` events to that of the first `to`,
    /// from the stored tree alone.
    async fn consistency_proof(&self, from: u64, to: u64) -> Result<ConsistencyProof, TreeError> {
        let ids = ConsistencyProof::nodes(from, to)?;
        within_head(self, to).await?;
        Ok(ConsistencyProof::assemble(from, to, &self.tree_nodes(&ids).await?)??)
    }

    /// Recomputes the tree's root at the head from every event's chain hash and compares it
    /// with the root the stored tree gives.
    async fn verify_tree(&self) -> Result<TreeReport, StoreError> {
        let head = self.head().await?.position;
        let mut edge = HashMap::new();
        let mut size = 0;
        while size < head.0 {
            let page = self.read_all(Position(size), PAGE.min((head.0 - size) as usize)).await?;
            if page.is_empty() {
                break;
            }
            let leaves: Vec<Hash> = page.iter().map(event_leaf).collect();
            // The recomputation keeps only the tree's right edge: all the next page needs.
            let grown = new_nodes(size, &edge, &leaves).map_err(|e| StoreError::Unavailable(e.to_string()))?;
            size += leaves.len() as u64;
            edge = grown_edge(&edge, &grown, size);
        }
        let computed = root(size, &edge).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let stored = root(size, &self.tree_nodes(&root_nodes(size)).await?);
        Ok(TreeReport { size, computed, stored })
    }

    /// Checks that the log still holds, unchanged, the first `size` events whose tree root a
    /// trusted checkpoint gives, by a consistency proof from `size` to the head. The stored
    /// tree's agreement with the events is [`EventStore::verify_tree`]'s to check.
    async fn check_against(&self, size: u64, root: Hash) -> Result<Option<LogBreach>, TreeError> {
        let head = self.head().await?.position.0;
        if head < size {
            return Ok(Some(LogBreach::Truncated { size, head }));
        }
        let proof = self.consistency_proof(size, head).await?;
        let head_root = self.tree_root(head).await?;
        Ok(proof.verify(&root, &head_root).err().map(|_| LogBreach::Rewritten { size, head }))
    }

    /// Recomputes the chain from the first event, or from a trusted checkpoint, and names the
    /// first position that does not match.
    async fn verify(&self, from: Option<ChainHead>) -> Result<VerifyReport, StoreError> {
        let Some(checkpoint) = from.filter(|c| c.position > Position::ZERO) else {
            return verify_after(self, ChainVerifier::new(ChainHead::default())).await;
        };
        let at = self.read_all(Position(checkpoint.position.0 - 1), 1).await?;
        match at.first() {
            Some(event) if event.position == checkpoint.position && event.hash == checkpoint.hash => {
                // The trusted hash says what the event's hash must be, not that its content
                // still gives it: the event at the checkpoint is recomputed like any other.
                let mut verifier = ChainVerifier::before(event);
                if let Err(failure) = verifier.check(event) {
                    return Ok(verifier.finish(Some(failure)));
                }
                verify_after(self, verifier).await
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

/// Refuses a tree size beyond the log's head.
async fn within_head<S: EventStore + ?Sized>(store: &S, size: u64) -> Result<(), TreeError> {
    let head = store.head().await?.position.0;
    if size > head {
        return Err(TreeError::BeyondHead { size, head });
    }
    Ok(())
}

/// Feeds `verifier` every event after the position it stands at.
async fn verify_after<S: EventStore + ?Sized>(
    store: &S,
    mut verifier: ChainVerifier,
) -> Result<VerifyReport, StoreError> {
    let mut pages = Pages::new(store, verifier.head().position, PAGE);
    loop {
        let page = pages.next().await?;
        if page.is_empty() {
            return Ok(verifier.finish(None));
        }
        for event in &page {
            if let Err(failure) = verifier.check(event) {
                return Ok(verifier.finish(Some(failure)));
            }
        }
    }
}

/// Builds a subscription for a backend: reads pages after `after` until caught up, then waits
/// for `wakes` to say the log may have grown, and reads again. While it hands out a full page it
/// is already reading the next ones ([`Pages`]), so a store whose reads work on a task or thread
/// of their own reads them while the subscriber handles this one.
///
/// `wakes` must yield whenever an append may have committed since it last yielded (a watch on
/// the head, a database notification, a timer). Because positions are gapless and become
/// visible in order, reading "after the last position delivered" can neither skip nor repeat.
pub fn follow<S>(store: S, after: Position, wakes: BoxStream<'static, ()>) -> EventStream
where
    S: EventStore + Clone + 'static,
{
    struct State {
        pages: Pages<'static>,
        buffer: VecDeque<RecordedEvent>,
        wakes: BoxStream<'static, ()>,
        failed: bool,
    }
    let state = State { pages: Pages::owned(store, after, PAGE), buffer: VecDeque::new(), wakes, failed: false };
    Box::pin(futures::stream::unfold(state, |mut state| async move {
        if state.failed {
            return None;
        }
        loop {
            if let Some(event) = state.buffer.pop_front() {
                return Some((Ok(event), state));
            }
            match state.pages.next().await {
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
