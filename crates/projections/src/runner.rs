//! The projection runner: folds the log into a read model, page by page, saving the state and
//! the last position folded into it together as one snapshot, so that a runner stopped at any
//! moment resumes from a consistent point. Each page is folded while the next ones are read
//! ([`Pages`]), and every event folded is checked against the hash chain as it goes: a broken
//! log is never folded silently.

use futures::future::join;
use kernel::{
    ChainHead, ChainVerifier, EventStore, Hash, Occurred, Pages, Position, RecordedEvent, Snapshot, SnapshotStore,
    StoreError, VerifyFailure,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::waypoints::{Leap, page_until, take_leaps};
use crate::{AsOf, WAYPOINTS_KEPT, snapshot};

/// A read model: a pure fold of events.
pub trait Projection: Default + Serialize + DeserializeOwned + Send {
    /// The snapshot name. Unique per store.
    const NAME: &'static str;
    /// Bumped whenever the fold or the state's shape changes: snapshots saved by another version
    /// are ignored and the model is rebuilt from position zero (see [`snapshot`]).
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
    /// An event folded does not hold its place in the hash chain: the log was altered.
    #[error(
        "the log is broken at position {at}: {0}; run `covenant verify`, and restore the database from a backup",
        at = .0.position()
    )]
    Broken(VerifyFailure),
}

/// Whether a fold may go on past a break in the hash chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unverified {
    /// Stop at the first break with [`ProjectionError::Broken`].
    #[default]
    Refuse,
    /// Fold on, and give the first break with the result, for the caller to say so.
    Allow,
}

/// A read model folded up to a position, with the check of the chain it was folded under: the
/// first break it was folded across (only ever when [`Unverified::Allow`]), and where a fold
/// that goes on from here checks from.
#[derive(Debug)]
pub struct Folded<P> {
    pub state: P,
    pub position: Position,
    pub chain: ChainCheck,
}

/// Checks each event a fold reads against the hash chain, with the kernel's [`ChainVerifier`].
#[derive(Debug)]
pub struct ChainCheck {
    verifier: Option<ChainVerifier>,
    unverified: Unverified,
    broken: Option<VerifyFailure>,
}

impl ChainCheck {
    /// Checks from the first event of the log.
    pub fn from_start(unverified: Unverified) -> Self {
        Self { verifier: Some(ChainVerifier::new(ChainHead::default())), unverified, broken: None }
    }

    /// Checks from a position a saved state covers: the event there is recomputed first (its
    /// link to the one before taken on trust), so that it and every event after are checked.
    /// Position zero is the start of the log.
    /// `saved`, the hash the event there had when the state was saved, if known, must be its
    /// hash still: another is a rewritten log.
    pub async fn resume(
        events: &dyn EventStore,
        position: Position,
        saved: Option<Hash>,
        unverified: Unverified,
    ) -> Result<Self, ProjectionError> {
        if position == Position::ZERO {
            return Ok(Self::from_start(unverified));
        }
        let at = events.read_all(Position(position.0 - 1), 1).await?;
        let mut check = Self { verifier: None, unverified, broken: None };
        match at.first() {
            Some(event) if event.position == position => {
                check.verifier = Some(ChainVerifier::before(event));
                check.check(event)?;
                match saved {
                    Some(saved) if check.broken.is_none() && saved != event.hash => {
                        check.fail(VerifyFailure::Rewritten { position, saved, stored: event.hash })?;
                    }
                    _ => {}
                }
            }
            _ => check.reached(position, events.head().await?.position)?,
        }
        Ok(check)
    }

    /// Checks that a log whose head is at `head` still holds `reached`, the position a state
    /// folded from it reached: a log that ends before it was cut short.
    pub fn reached(&mut self, reached: Position, head: Position) -> Result<(), ProjectionError> {
        if head < reached {
            return self.fail(VerifyFailure::Shrank { reached, head });
        }
        Ok(())
    }

    /// Leaves out the events up to `to`, whose event had the chain hash `saved` when a waypoint
    /// was saved there, and checks on from it as [`ChainCheck::resume`] does; after a break that
    /// was allowed, checks nothing.
    pub async fn leap(&mut self, events: &dyn EventStore, to: Position, saved: Hash) -> Result<(), ProjectionError> {
        if self.verifier.is_some() {
            *self = Self::resume(events, to, Some(saved), self.unverified).await?;
        }
        Ok(())
    }

    /// Checks a page of events in position order, each as [`ChainCheck::check`] does.
    fn check_page(&mut self, page: &[RecordedEvent]) -> Result<(), ProjectionError> {
        page.iter().try_for_each(|event| self.check(event))
    }

    /// Checks the next event in position order; after a break that was allowed, checks nothing.
    pub fn check(&mut self, event: &RecordedEvent) -> Result<(), ProjectionError> {
        let Some(verifier) = self.verifier.as_mut() else { return Ok(()) };
        match verifier.check(event) {
            Ok(()) => Ok(()),
            Err(failure) => self.fail(failure),
        }
    }

    fn fail(&mut self, failure: VerifyFailure) -> Result<(), ProjectionError> {
        self.verifier = None;
        match self.unverified {
            Unverified::Refuse => Err(ProjectionError::Broken(failure)),
            Unverified::Allow => {
                self.broken.get_or_insert(failure);
                Ok(())
            }
        }
    }

    /// The first break found, when allowed.
    pub fn broken(&self) -> Option<&VerifyFailure> {
        self.broken.as_ref()
    }

    pub fn into_broken(self) -> Option<VerifyFailure> {
        self.broken
    }
}

/// The smallest page whose chain is checked on a thread of its own while it is folded.
const CHECK_BESIDE_FROM: usize = 1_000;

/// Folds `page` into `state` and checks it against `chain`. Each event's check computes the
/// SHA-256 of the whole event and needs nothing the fold changes, so a page of
/// [`CHECK_BESIDE_FROM`] events or more is checked on a thread of its own while this one folds
/// it. A page that fails a check that refuses breaks is folded whole before the failure is
/// returned; the caller then drops the state, as it does when the check stops the fold part-way.
fn fold_checked<P: Projection>(
    chain: &mut ChainCheck,
    state: &mut P,
    page: &[RecordedEvent],
) -> Result<(), ProjectionError> {
    if page.len() < CHECK_BESIDE_FROM {
        for event in page {
            chain.check(event)?;
            state.apply(event);
        }
        return Ok(());
    }
    std::thread::scope(|scope| {
        let checked = scope.spawn(|| chain.check_page(page));
        for event in page {
            state.apply(event);
        }
        checked.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// How many events a runner folds, by default, between two saves of its snapshot.
pub const SAVE_EVERY: u64 = 1_000_000;

/// How many events a runner folds, by default, between two waypoints.
pub const WAYPOINT_EVERY: u64 = 100_000;

/// Brings read models up to date from the log, with snapshots beside it.
#[derive(Clone, Copy)]
pub struct Runner<'a> {
    pub(crate) events: &'a dyn EventStore,
    pub(crate) snapshots: &'a dyn SnapshotStore,
    pub(crate) page: usize,
    save_every: u64,
    waypoint_every: u64,
    pub(crate) unverified: Unverified,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("page", &self.page)
            .field("save_every", &self.save_every)
            .field("waypoint_every", &self.waypoint_every)
            .finish()
    }
}

impl<'a> Runner<'a> {
    /// Pages of 10,000 events, saved every [`SAVE_EVERY`] events. Each save writes the whole
    /// state, so it costs as much as the state is large; saving seldom keeps a rebuild from
    /// spending its time saving, and a runner stopped half-way folds again at most what it had
    /// not saved.
    pub fn new(events: &'a dyn EventStore, snapshots: &'a dyn SnapshotStore) -> Self {
        Self {
            events,
            snapshots,
            page: 10_000,
            save_every: SAVE_EVERY,
            waypoint_every: WAYPOINT_EVERY,
            unverified: Unverified::Refuse,
        }
    }

    /// Saves a waypoint (a state kept for folds of the past to start from) after at least this
    /// many events since the last one ([`WAYPOINT_EVERY`] by default), reading pages no larger.
    pub fn waypoint_every(mut self, events: u64) -> Self {
        self.waypoint_every = events.max(1);
        self.page = self.page.min(usize::try_from(self.waypoint_every).unwrap_or(usize::MAX));
        self
    }

    /// Whether to fold on past a break in the hash chain. A state folded across a break is
    /// never saved: the next fold starts again from before it, and finds it again.
    pub fn unverified(mut self, unverified: Unverified) -> Self {
        self.unverified = unverified;
        self
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
        let (state, position, _) = self.load_with_hash().await?;
        Ok((state, position))
    }

    /// The saved state of `P`, the position it covers and the hash the event there had.
    async fn load_with_hash<P: Projection>(&self) -> Result<(P, Position, Option<Hash>), ProjectionError> {
        let Some(snapshot) = self.snapshots.load_snapshot(&snapshot_name::<P>()).await? else {
            return Ok((P::default(), Position::ZERO, None));
        };
        let state = snapshot::decode(&snapshot.state).map_err(|detail| ProjectionError::Snapshot {
            name: P::NAME,
            action: "read",
            detail,
        })?;
        // A state in another encoding is discarded, and the model folded again from position zero.
        Ok(match state {
            Some(state) => (state, snapshot.position, snapshot.hash),
            None => (P::default(), Position::ZERO, None),
        })
    }

    /// Resumes `P` from its snapshot and folds every event after it, checking each against the
    /// hash chain and saving as it goes. `progress` is told the position reached and the head
    /// being caught up to.
    pub async fn catch_up<P: Projection>(
        &self,
        mut progress: impl FnMut(Position, Position) + Send,
    ) -> Result<Folded<P>, ProjectionError> {
        let (mut state, mut position, mut hash) = self.load_with_hash::<P>().await?;
        let mut chain = ChainCheck::resume(self.events, position, hash, self.unverified).await?;
        let head = self.events.head().await?.position;
        let mut unsaved = 0u64;
        let mut waypoint = self.last_waypoint::<P>().await?;
        // When the events after the last waypoint happened, while this fold has read every one of
        // them (not when it resumed past that waypoint), so that the next waypoint's save need
        // not read them again.
        let mut since = (position <= waypoint).then_some((waypoint, None));
        // A long fold saves no more waypoints than are kept, spread over what it folds.
        let every = self.waypoint_every.max(head.0.saturating_sub(position.0) / WAYPOINTS_KEPT as u64);
        let mut pages = Pages::new(self.events, position, self.page);
        let mut page = pages.next().await?;
        while let Some((last, last_hash)) = page.last().map(|e| (e.position, e.hash)) {
            let fold = async { fold_checked(&mut chain, &mut state, &page) };
            let (next, folded) = join(pages.next(), fold).await;
            folded?;
            unsaved += page.len() as u64;
            position = last;
            hash = Some(last_hash);
            if unsaved >= self.save_every && chain.broken().is_none() {
                self.save(&state, position, hash).await?;
                unsaved = 0;
            }
            if let Some((after, occurred)) = &mut since {
                *occurred = Occurred::widen(*occurred, *after, &page);
            }
            if chain.broken().is_none() {
                let occurred = since.and_then(|(_, occurred)| occurred);
                let before = waypoint;
                self.pass_waypoint(&state, page.last(), &mut waypoint, every, occurred).await?;
                if waypoint != before {
                    since = Some((waypoint, None));
                }
            }
            progress(position, head.max(position));
            page = next?;
        }
        if unsaved > 0 && chain.broken().is_none() {
            self.save(&state, position, hash).await?;
        }
        Ok(Folded { state, position, chain })
    }

    /// Discards the snapshot and the waypoints of `P` and folds the whole log again.
    pub async fn rebuild<P: Projection>(
        &self,
        progress: impl FnMut(Position, Position) + Send,
    ) -> Result<Folded<P>, ProjectionError> {
        self.save(&P::default(), Position::ZERO, None).await?;
        self.snapshots.clear_waypoints(&snapshot_name::<P>()).await?;
        self.catch_up(progress).await
    }

    /// Saves `state`, folded up to `position`, whose event has the chain hash `hash`, as the
    /// snapshot of `P`: what a read model kept up to date elsewhere (the service's live models)
    /// saves as it goes.
    pub async fn save<P: Projection>(
        &self,
        state: &P,
        position: Position,
        hash: Option<Hash>,
    ) -> Result<(), ProjectionError> {
        let state = snapshot::encode(state).map_err(|detail| ProjectionError::Snapshot {
            name: P::NAME,
            action: "save",
            detail,
        })?;
        self.snapshots.save_snapshot(&Snapshot { name: snapshot_name::<P>(), position, state, hash }).await?;
        Ok(())
    }
}

pub(crate) fn snapshot_name<P: Projection>() -> String {
    format!("{}.v{}", P::NAME, P::VERSION)
}

/// Builds `P` from position zero as the log stood at `as_of`, without touching snapshots,
/// refusing a broken log with [`ProjectionError::Broken`].
pub async fn build_as_of<P: Projection>(events: &dyn EventStore, as_of: AsOf) -> Result<P, ProjectionError> {
    Ok(fold_as_of(events, as_of, Unverified::Refuse).await?.0)
}

/// Builds `P` from position zero as the log stood at `as_of`, without touching snapshots,
/// checking every event read against the hash chain; gives the first break when allowed.
pub async fn fold_as_of<P: Projection>(
    events: &dyn EventStore,
    as_of: AsOf,
    unverified: Unverified,
) -> Result<(P, Option<VerifyFailure>), ProjectionError> {
    let mut state = P::default();
    let broken = read_as_of(events, as_of, unverified, |event| state.apply(event)).await?;
    Ok((state, broken))
}

/// Gives `apply` each event of the log as it stood at `as_of`, in position order, reading from
/// position zero a page at a time (the next while `apply` is given this one) and stopping at the
/// first event past `as_of`. Every event read is checked against the hash chain; a break stops
/// the read with [`ProjectionError::Broken`], or when allowed is given back at the end.
pub async fn read_as_of(
    events: &dyn EventStore,
    as_of: AsOf,
    unverified: Unverified,
    apply: impl FnMut(&RecordedEvent) + Send,
) -> Result<Option<VerifyFailure>, ProjectionError> {
    read_on(events, as_of, (Position::ZERO, ChainCheck::from_start(unverified)), Vec::new(), 10_000, apply).await
}

/// Gives `apply` each event of the log after the position `from` names, as it stood at `as_of`,
/// in position order, a page of at most `page` at a time (the next while `apply` is given this
/// one), leaping the stretches `leaps` names and stopping at the first event past `as_of`; every
/// event read is checked with `from`'s check of the chain, and the first break allowed is given
/// back.
pub(crate) async fn read_on(
    events: &dyn EventStore,
    as_of: AsOf,
    from: (Position, ChainCheck),
    mut leaps: Vec<Leap>,
    page: usize,
    mut apply: impl FnMut(&RecordedEvent) + Send,
) -> Result<Option<VerifyFailure>, ProjectionError> {
    let (mut position, mut chain) = from;
    loop {
        let until = take_leaps(&mut leaps, &mut position, &mut chain, events).await?;
        let mut read = events.read_all(position, page_until(position, until, page)).await?;
        if read.is_empty() {
            // The end of the log, before any stretch left to leap.
            return Ok(chain.into_broken());
        }
        while let Some(last) = read.last().map(|e| e.position) {
            let fold = async {
                for event in &read {
                    if as_of.ends_before(event) {
                        return Ok(true);
                    }
                    chain.check(event)?;
                    if as_of.includes(event) {
                        apply(event);
                    }
                }
                Ok::<bool, ProjectionError>(false)
            };
            let more = page_until(last, until, page);
            let next =
                async { if more > 0 { events.read_all(last, more).await } else { Ok::<_, StoreError>(Vec::new()) } };
            let (next, ended) = join(next, fold).await;
            position = last;
            let ended = ended?;
            read = next?;
            if ended || (read.is_empty() && more > 0) {
                // Past the point, or at the end of the log.
                return Ok(chain.into_broken());
            }
        }
    }
}
