//! A bounded in-process cache of the streams commands decide against: each stream's decoded
//! history (and the state it folds to, once a command was decided on it), the version it was
//! read or written at, and its first event, kept when a command loads or appends it, so that the
//! next command on the stream decides without reading it again, nor folding it again.
//!
//! An entry may be stale (another process appended since), so an entry never decides a command
//! on its own: only a command's own stream is taken from the cache (out of it, for the length
//! of the command, so that its history grows without being copied), and the decision stands only
//! when its append expects that stream at the cached version, which the store refuses if the
//! stream has moved on. A conflict on such a stream, a refusal by the rules, or a decision that
//! appends nothing to it is decided again from the log ([`crate::Recorder`]).
//!
//! Commands of one process on one stream take turns ([`StateCache::turns`]), so that they do not
//! race each other into conflicts and decisions made twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use domain::{Event, Folded};
use kernel::StreamId;
use tokio::sync::OwnedMutexGuard;

use crate::cause::Origin;

/// How many streams a [`crate::Recorder`] keeps by default.
pub const CACHED_STREAMS: usize = 1_024;

/// A stream as of one version: its decoded events, oldest first, the state they fold to once a
/// command was decided on it, and its first event.
#[derive(Clone, Debug)]
pub(crate) struct State {
    pub version: u64,
    pub history: Arc<Vec<Event>>,
    pub folded: Option<Folded>,
    pub origin: Option<Origin>,
}

/// At most `capacity` streams' states; the least recently used goes first.
#[derive(Debug)]
pub(crate) struct StateCache {
    capacity: usize,
    states: Mutex<States>,
    turns: Mutex<HashMap<StreamId, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Debug, Default)]
struct States {
    /// Each state with the tick of its last use.
    kept: HashMap<StreamId, (State, u64)>,
    clock: u64,
}

impl StateCache {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, states: Mutex::default(), turns: Mutex::default() }
    }

    /// Takes the state kept for `stream` out of the cache, if any: possibly stale. The command
    /// deciding on it, whose turn it is on the stream, keeps the new state once it is recorded;
    /// until then, and for good if it is not, the stream is read from the log.
    pub fn take(&self, stream: &StreamId) -> Option<State> {
        lock(&self.states).kept.remove(stream).map(|(state, _)| state)
    }

    /// Keeps `state` for `stream`, unless a later version is kept already, dropping the least
    /// recently used stream when the cache is full.
    pub fn keep(&self, stream: &StreamId, state: State) {
        if self.capacity == 0 {
            return;
        }
        let mut states = lock(&self.states);
        states.clock += 1;
        let now = states.clock;
        if let Some((kept, used)) = states.kept.get_mut(stream) {
            if kept.version <= state.version {
                *kept = state;
            }
            *used = now;
            return;
        }
        if states.kept.len() >= self.capacity
            && let Some(oldest) = states.kept.iter().min_by_key(|(_, (_, used))| *used).map(|(s, _)| s.clone())
        {
            states.kept.remove(&oldest);
        }
        states.kept.insert(stream.clone(), (state, now));
    }

    /// Drops what is kept for `stream`.
    pub fn forget(&self, stream: &StreamId) {
        lock(&self.states).kept.remove(stream);
    }

    /// How many streams are kept.
    pub fn len(&self) -> usize {
        lock(&self.states).kept.len()
    }

    /// Waits for the turn of this process on each of `streams`, taken in stream order so that
    /// two requests never wait for each other; held until the [`Turns`] are dropped.
    pub async fn turns(self: &Arc<Self>, mut streams: Vec<StreamId>) -> Turns {
        streams.sort_unstable();
        streams.dedup();
        let mut held = Vec::with_capacity(streams.len());
        for stream in streams {
            let turn = lock(&self.turns).entry(stream.clone()).or_default().clone();
            held.push((stream, turn.lock_owned().await));
        }
        Turns { cache: self.clone(), held }
    }
}

/// A request's turns on its streams; see [`StateCache::turns`].
pub(crate) struct Turns {
    cache: Arc<StateCache>,
    held: Vec<(StreamId, OwnedMutexGuard<()>)>,
}

impl Drop for Turns {
    fn drop(&mut self) {
        for (stream, turn) in self.held.drain(..) {
            drop(turn);
            // Nobody holds or awaits the turn once the table's is its only handle.
            let mut turns = lock(&self.cache.turns);
            if turns.get(&stream).is_some_and(|turn| Arc::strong_count(turn) == 1) {
                turns.remove(&stream);
            }
        }
    }
}

/// The data behind `mutex`: a panic elsewhere while it was held leaves it whole, since every
/// change under the lock is a single insert or removal.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize) -> StreamId {
        StreamId::parse(format!("commitment-{n}")).expect("a stream id")
    }

    fn at(version: u64) -> State {
        State { version, history: Arc::default(), folded: None, origin: None }
    }

    #[test]
    fn the_least_recently_used_stream_goes_first() {
        let cache = StateCache::new(2);
        cache.keep(&stream(1), at(1));
        cache.keep(&stream(2), at(1));
        // Stream 1 taken by a command and kept again at its next version.
        let taken = cache.take(&stream(1)).expect("stream 1 is kept");
        assert_eq!(cache.len(), 1, "a stream taken is not kept until it is put back");
        cache.keep(&stream(1), at(taken.version + 1));
        cache.keep(&stream(3), at(1));
        assert_eq!(cache.len(), 2);
        assert!(cache.take(&stream(2)).is_none(), "the one not used since");
        assert_eq!(cache.take(&stream(1)).map(|s| s.version), Some(2));
        assert!(cache.take(&stream(3)).is_some());
    }

    #[test]
    fn an_earlier_version_does_not_replace_a_later_one() {
        let cache = StateCache::new(2);
        cache.keep(&stream(1), at(5));
        cache.keep(&stream(1), at(4));
        assert_eq!(cache.take(&stream(1)).map(|s| s.version), Some(5));
        cache.keep(&stream(1), at(5));
        cache.forget(&stream(1));
        assert!(cache.take(&stream(1)).is_none());
    }

    #[tokio::test]
    async fn turns_are_dropped_with_their_last_holder() {
        let cache = Arc::new(StateCache::new(0));
        let first = cache.turns(vec![stream(2), stream(1), stream(2)]).await;
        assert_eq!(first.held.len(), 2, "each stream once");
        let waiting = tokio::spawn({
            let cache = cache.clone();
            async move { drop(cache.turns(vec![stream(1)]).await) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the second waits for the first");
        drop(first);
        waiting.await.expect("the second has its turn");
        assert!(lock(&cache.turns).is_empty(), "no turn is kept once nobody holds it");
        assert_eq!(cache.len(), 0, "a cache of no streams keeps none");
    }
}
