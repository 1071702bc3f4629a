//! The projection runner: folds the log into a read model, page by page, saving the state and
//! the last position folded into it together as one snapshot, so that a runner stopped at any
//! moment resumes from a consistent point. Each page is folded while the next one is read.

use futures::future::join;
use kernel::{EventStore, Position, RecordedEvent, Snapshot, SnapshotStore, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AsOf;

/// A read model: a pure fold of events.
pub trait Projection: Default + Serialize + DeserializeOwned + Send {
    /// The snapshot name. Unique per store.
    const NAME: &'static str;
    /// Bumped whenever the fold or the state's shape changes: snapshots saved by another version
    /// are ignored and the model is rebuilt from position zero.
    const VERSION: u32;

    /// Folds one event into the state. Never fails; events it does not use are ignored.
    fn apply(&mut self, event: &RecordedEvent);
}

/// Why a read model could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("failed to {action} the saved state of {name}: {detail}; run `covenant rebuild` to start it afresh")]
    Snapshot { name: &'static str, action: &'static str, detail: String },
}

/// How many events a runner folds, by default, between two saves of its snapshot.
pub const SAVE_EVERY: u64 = 1_000_000;

/// Brings read models up to date from the log, with snapshots beside it.
#[derive(Clone, Copy)]
pub struct Runner<'a> {
    events: &'a dyn EventStore,
    snapshots: &'a dyn SnapshotStore,
    page: usize,
    save_every: u64,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("page", &self.page).field("save_every", &self.save_every).finish()
    }
}

impl<'a> Runner<'a> {
    /// Pages of 10,000 events, saved every [`SAVE_EVERY`] events. Each save writes the whole
    /// state, so it costs as much as the state is large; saving seldom keeps a rebuild from
    /// spending its time saving, and a runner stopped half-way folds again at most what it had
    /// not saved.
    pub fn new(events: &'a dyn EventStore, snapshots: &'a dyn SnapshotStore) -> Self {
        Self { events, snapshots, page: 10_000, save_every: SAVE_EVERY }
    }

    /// Saves a snapshot after at least this many events (and always at the end of a catch-up),
    /// reading pages no larger, so that the saves come as often as asked.
    pub fn save_every(mut self, events: u64) -> Self {
        self.save_every = events.max(1);
        self.page = self.page.min(usize::try_from(self.save_every).unwrap_or(usize::MAX));
        self
    }

    /// Events read per page.
    pub fn page(mut self, events: usize) -> Self {
        self.page = events.max(1);
        self
    }

    /// The saved state of `P` and the position it covers, or an empty state at position zero.
    pub async fn load<P: Projection>(&self) -> Result<(P, Position), ProjectionError> {
        let Some(snapshot) = self.snapshots.load_snapshot(&snapshot_name::<P>()).await? else {
            return Ok((P::default(), Position::ZERO));
        };
        let state = serde_json::from_str(&snapshot.state).map_err(|e| ProjectionError::Snapshot {
            name: P::NAME,
            action: "read",
            detail: e.to_string(),
        })?;
        Ok((state, snapshot.position))
    }

    /// Resumes `P` from its snapshot and folds every event after it, saving as it goes.
    /// `progress` is told the position reached and the head being caught up to.
    pub async fn catch_up<P: Projection>(
        &self,
        mut progress: impl FnMut(Position, Position) + Send,
    ) -> Result<(P, Position), ProjectionError> {
        let (mut state, mut position) = self.load::<P>().await?;
        let head = self.events.head().await?.position;
        let mut unsaved = 0u64;
        let mut page = self.events.read_all(position, self.page).await?;
        while let Some(last) = page.last().map(|e| e.position) {
            let fold = async {
                for event in &page {
                    state.apply(event);
                }
            };
            let (next, ()) = join(self.events.read_all(last, self.page), fold).await;
            unsaved += page.len() as u64;
            position = last;
            if unsaved >= self.save_every {
                self.save(&state, position).await?;
                unsaved = 0;
            }
            progress(position, head.max(position));
            page = next?;
        }
        if unsaved > 0 {
            self.save(&state, position).await?;
        }
        Ok((state, position))
    }

    /// Discards the snapshot of `P` and folds the whole log again.
    pub async fn rebuild<P: Projection>(
        &self,
        progress: impl FnMut(Position, Position) + Send,
    ) -> Result<(P, Position), ProjectionError> {
        self.save(&P::default(), Position::ZERO).await?;
        self.catch_up(progress).await
    }

    /// Saves `state`, folded up to `position`, as the snapshot of `P`: what a read model kept up
    /// to date elsewhere (the service's live models) saves as it goes.
    pub async fn save<P: Projection>(&self, state: &P, position: Position) -> Result<(), ProjectionError> {
        let state = serde_json::to_string(state).map_err(|e| ProjectionError::Snapshot {
            name: P::NAME,
            action: "save",
            detail: e.to_string(),
        })?;
        self.snapshots.save_snapshot(&Snapshot { name: snapshot_name::<P>(), position, state }).await?;
        Ok(())
    }
}

fn snapshot_name<P: Projection>() -> String {
    format!("{}.v{}", P::NAME, P::VERSION)
}

/// Builds `P` from position zero as the log stood at `as_of`, without touching snapshots.
pub async fn build_as_of<P: Projection>(events: &dyn EventStore, as_of: AsOf) -> Result<P, ProjectionError> {
    let mut state = P::default();
    read_as_of(events, as_of, |event| state.apply(event)).await?;
    Ok(state)
}

/// Gives `apply` each event of the log as it stood at `as_of`, in position order, reading from
/// position zero a page at a time (the next while `apply` is given this one) and stopping at the
/// first event past `as_of`.
pub async fn read_as_of(
    events: &dyn EventStore,
    as_of: AsOf,
    mut apply: impl FnMut(&RecordedEvent) + Send,
) -> Result<(), StoreError> {
    let mut page = events.read_all(Position::ZERO, 10_000).await?;
    while let Some(last) = page.last().map(|e| e.position) {
        let fold = async {
            for event in &page {
                if as_of.ends_before(event) {
                    return true;
                }
                if as_of.includes(event) {
                    apply(event);
                }
            }
            false
        };
        let (next, ended) = join(events.read_all(last, 10_000), fold).await;
        if ended {
            break;
        }
        page = next?;
    }
    Ok(())
}
