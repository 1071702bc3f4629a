//! Read models kept in memory and up to date: those of now, started from their snapshot, and
//! those of a few past points (`as_of`), folded once and kept. Before each answer they are
//! brought up to the head of the log, so a query made after a command sees that command (a
//! decision entered late belongs in a past point too). Catching up is done by one request at a
//! time; the others wait for it and then read, so many requests for one past point fold the log
//! once. A past point starts from the latest waypoint it may start from and leaves unread the
//! stretches of the log that hold none of its events (`projections::Start`). Every `save_every`
//! events folded, the models of now are saved as their snapshot, so that a restart folds only what
//! came after, and every `waypoint_every` as a waypoint. Every event folded is checked against the
//! hash chain, folding on past a break (the service serves a broken log only with the break said
//! beside it), and models folded across a break are never saved.

use std::sync::Arc;

use futures::future::join;
use kernel::{Position, RecordedEvent, StoreError, VerifyFailure};
use projections::{
    AsOf, ChainCheck, Leap, Projection, ProjectionError, ReadModels, Runner, Start, Unverified, page_until, take_leaps,
};
use tokio::sync::{Mutex, OwnedRwLockReadGuard, RwLock};

use crate::Stores;

/// Events read per page while catching up; the next page is read while this one is folded.
const PAGE: usize = 10_000;

/// The read models at one position of the log.
#[derive(Debug)]
pub struct Folded {
    pub models: ReadModels,
    /// The last event of the log looked at: folded, or left out as not yet true at the point.
    pub position: Position,
    /// Set once an event past the point's end was met: nothing later can belong to it.
    ended: bool,
    chain: ChainCheck,
    /// For a past point, none until its first fold looks for where to start; then the stretches
    /// of the log it has yet to leap over.
    leaps: Option<Vec<Leap>>,
}

/// Read models the service answers from, as of now or as of one past point.
#[derive(Debug)]
pub(crate) struct Live {
    folded: Arc<RwLock<Folded>>,
    /// Held while catching up; holds where the last snapshot and waypoint were saved.
    catching_up: Mutex<Saved>,
    /// The point the models are of; now for the ones saved as the snapshot.
    as_of: AsOf,
    /// Events folded after which the models of now are saved again.
    save_every: u64,
    /// Events folded after which the models of now are saved as a waypoint.
    waypoint_every: u64,
}

/// Where the models of now were last saved.
#[derive(Debug)]
struct Saved {
    snapshot: Position,
    waypoint: Position,
}

impl Live {
    /// Live read models of now from a fold that allowed a broken log
    /// ([`projections::Unverified::Allow`]), as their snapshot saved them at its position; saved
    /// again after every `save_every` events folded, and as a waypoint after every
    /// `waypoint_every` since `waypoint`, the last one saved.
    pub fn new(
        folded: projections::Folded<ReadModels>,
        save_every: u64,
        waypoint_every: u64,
        waypoint: Position,
    ) -> Self {
        let position = folded.position;
        let folded =
            Folded { models: folded.state, position, ended: false, chain: folded.chain, leaps: Some(Vec::new()) };
        Self {
            folded: Arc::new(RwLock::new(folded)),
            catching_up: Mutex::new(Saved { snapshot: position, waypoint }),
            as_of: AsOf::now(),
            save_every: save_every.max(1),
            waypoint_every: waypoint_every.max(1),
        }
    }

    /// Read models of the past point `as_of`, empty until the first [`Live::read`] folds the log
    /// from the waypoint it may start from; never saved.
    pub fn past(as_of: AsOf) -> Self {
        let chain = ChainCheck::from_start(Unverified::Allow);
        let folded =
            Folded { models: ReadModels::default(), position: Position::ZERO, ended: false, chain, leaps: None };
        Self {
            folded: Arc::new(RwLock::new(folded)),
            catching_up: Mutex::new(Saved { snapshot: Position::ZERO, waypoint: Position::ZERO }),
            as_of,
            save_every: u64::MAX,
            waypoint_every: u64::MAX,
        }
    }

    /// The point the models are of.
    pub fn as_of(&self) -> AsOf {
        self.as_of
    }

    /// The first break in the hash chain the models were folded across, if any.
    pub async fn broken(&self) -> Option<VerifyFailure> {
        self.folded.read().await.chain.broken().cloned()
    }

    /// The position the models have folded up to, without catching up.
    pub async fn position(&self) -> Position {
        self.folded.read().await.position
    }

    /// The read models, brought up to the head of the log as it is now (for a past point, up to
    /// the head or the point's own end, whichever comes first).
    pub async fn read(&self, stores: &Stores) -> Result<OwnedRwLockReadGuard<Folded>, ProjectionError> {
        let events = stores.events.as_ref();
        let head = events.head().await?.position;
        if self.folded.read().await.position > head {
            // The log was cut short under the service: the models are ahead of it.
            let mut folded = self.folded.write().await;
            let reached = folded.position;
            folded.chain.reached(reached, head)?;
        }
        let behind = |folded: &Folded| (folded.position < head && !folded.ended).then_some(folded.position);
        if behind(&*self.folded.read().await).is_some() {
            let mut saved = self.catching_up.lock().await;
            let runner = Runner::new(events, stores.snapshots.as_ref()).unverified(Unverified::Allow);
            // Another request may have caught up meanwhile; the loop ends at once then.
            loop {
                let (after, until) = {
                    let mut guard = self.folded.write().await;
                    let folded = &mut *guard;
                    if folded.leaps.is_none() {
                        let Start { folded: start, leaps } = runner.start_as_of::<ReadModels>(self.as_of).await?;
                        (folded.models, folded.position, folded.chain) = (start.state, start.position, start.chain);
                        folded.leaps = Some(leaps);
                    }
                    let leaps = folded.leaps.get_or_insert_default();
                    let until = take_leaps(leaps, &mut folded.position, &mut folded.chain, events).await?;
                    (behind(folded), until)
                };
                let Some(after) = after else { break };
                let limit = |from: Position| page_until(from, until, PAGE);
                let mut page = events.read_all(after, limit(after)).await?;
                if page.is_empty() {
                    break;
                }
                while let Some(last) = page.last() {
                    let last = last.position;
                    let more =
                        last < head && limit(last) > 0 && !page.iter().any(|event| self.as_of.ends_before(event));
                    let next = async {
                        if more { events.read_all(last, limit(last)).await } else { Ok::<_, StoreError>(Vec::new()) }
                    };
                    let (next, folded) = join(next, self.fold(&page)).await;
                    let folded = folded?;
                    if folded.chain.broken().is_none() {
                        self.save(&runner, &folded, &page, &mut saved).await;
                    }
                    drop(folded);
                    page = next?;
                }
            }
        }
        Ok(self.folded.clone().read_owned().await)
    }

    /// Saves the models of now, folded up to a position of `page`, as their snapshot and as a
    /// waypoint when due. A failed save costs only a longer fold later: the answer stands.
    async fn save(&self, runner: &Runner<'_>, folded: &Folded, page: &[RecordedEvent], saved: &mut Saved) {
        let Some(event) = page.iter().rfind(|e| e.position == folded.position) else { return };
        if folded.position.0.saturating_sub(saved.snapshot.0) >= self.save_every {
            match runner.save(&folded.models, folded.position, Some(event.hash)).await {
                Ok(()) => saved.snapshot = folded.position,
                Err(error) => tracing::warn!(%error, "failed to save the read models' snapshot"),
            }
        }
        if self.as_of.is_now() {
            let every = self.waypoint_every;
            if let Err(error) =
                runner.pass_waypoint(&folded.models, Some(event), &mut saved.waypoint, every, None).await
            {
                tracing::warn!(%error, "failed to save a waypoint of the read models");
            }
        }
    }

    /// Folds `page`'s events not yet folded, and gives the models back to read.
    async fn fold(&self, page: &[RecordedEvent]) -> Result<OwnedRwLockReadGuard<Folded>, ProjectionError> {
        let mut folded = self.folded.clone().write_owned().await;
        for event in page {
            if event.position <= folded.position {
                continue;
            }
            if self.as_of.ends_before(event) {
                folded.ended = true;
                break;
            }
            // Allowed to fold on, so the check keeps the break rather than failing.
            folded.chain.check(event)?;
            if self.as_of.includes(event) {
                folded.models.apply(event);
            }
            folded.position = event.position;
        }
        Ok(folded.downgrade())
    }
}
