//! Waypoints: states of a read model of now saved along the log, for folds of the past to start
//! from. A fold of the past point "as decided by *D*" includes the events that happened by *D*,
//! wherever they stand in the log, so no position ends it; but a state saved at position *P*
//! serves it whenever every event up to *P* happened by *D* (and was recorded by the point's
//! "known on" day, and *P* is within its position): it holds exactly what the point holds of
//! them. And the events between two waypoints that all happened after *D* hold nothing of the
//! point: the fold leaves them unread, and checks the hash chain on from the saved hash of the
//! waypoint they end at, as a fold resuming from a snapshot does. A log recorded roughly in the
//! order things happened is then folded from the waypoint nearest its date, reading about one
//! waypoint's span; a log recorded in another order is folded from further back, never wrongly.
//!
//! A runner folding the read models of now saves one after every [`WAYPOINT_EVERY`] events since
//! the last, keeping [`WAYPOINTS_KEPT`] spread along the log.
//!
//! [`WAYPOINT_EVERY`]: crate::runner::WAYPOINT_EVERY

use kernel::{EventStore, Hash, Occurred, Position, RecordedEvent, Saving, VerifyFailure};

use crate::runner::{read_on, snapshot_name};
use crate::{AsOf, ChainCheck, Folded, Projection, ProjectionError, Runner, snapshot};

/// How many waypoints a read model keeps.
pub const WAYPOINTS_KEPT: usize = 8;

/// Events a fold of the past leaves unread, none of them belonging to its point: those after
/// `after` up to `to`, the event at `to` having had the chain hash `hash` when it was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leap {
    pub after: Position,
    pub to: Position,
    pub hash: Hash,
}

/// Where a fold of a past point starts: a waypoint's state (or an empty one at position zero),
/// checking the chain from there, and the stretches of the log after it that it may leave unread,
/// in order.
#[derive(Debug)]
pub struct Start<P> {
    pub folded: Folded<P>,
    pub leaps: Vec<Leap>,
}

/// Leaps over the stretches in `leaps` that start at or before `position`, taking them out and
/// moving `position` and the check of the chain on; gives where the next one starts, which the
/// next read of the log must not pass.
pub async fn take_leaps(
    leaps: &mut Vec<Leap>,
    position: &mut Position,
    chain: &mut ChainCheck,
    events: &dyn EventStore,
) -> Result<Option<Position>, ProjectionError> {
    while let Some(leap) = leaps.first().copied().filter(|leap| leap.after <= *position) {
        leaps.remove(0);
        if leap.to > *position {
            chain.leap(events, leap.to, leap.hash).await?;
            *position = leap.to;
        }
    }
    Ok(leaps.first().map(|leap| leap.after))
}

/// How many events to read after `from`, at most `page`, without passing `until`.
pub fn page_until(from: Position, until: Option<Position>, page: usize) -> usize {
    until.map_or(page, |until| until.0.saturating_sub(from.0).min(page as u64) as usize)
}

impl Runner<'_> {
    /// The position of the last waypoint of `P` saved, or zero.
    pub async fn last_waypoint<P: Projection>(&self) -> Result<Position, ProjectionError> {
        let waypoints = self.snapshots.waypoints(&snapshot_name::<P>()).await?;
        Ok(waypoints.last().map_or(Position::ZERO, |w| w.position))
    }

    /// Saves `state`, folded up to `event`, as a waypoint when at least `every` events were folded
    /// since `last`, the last one saved (moved on to it). `occurred` is when the events after a
    /// position up to `event` happened, if the fold read every one of them ([`Occurred::widen`]);
    /// without it, the save reads them again.
    pub async fn pass_waypoint<P: Projection>(
        &self,
        state: &P,
        event: Option<&RecordedEvent>,
        last: &mut Position,
        every: u64,
        occurred: Option<Occurred>,
    ) -> Result<(), ProjectionError> {
        let Some(event) = event else { return Ok(()) };
        if event.position.0 < last.0.saturating_add(every) || !self.snapshots.saves() {
            return Ok(());
        }
        let state = snapshot::encode_bytes(state).map_err(|detail| ProjectionError::Snapshot {
            name: P::NAME,
            action: "save",
            detail,
        })?;
        let at = Saving {
            position: event.position,
            hash: event.hash,
            recorded_at: event.recorded_at,
            state: &state,
            occurred,
        };
        let family = format!("{}.v", P::NAME);
        self.snapshots.save_waypoint(&snapshot_name::<P>(), &family, at, WAYPOINTS_KEPT).await?;
        *last = event.position;
        Ok(())
    }

    /// Where a fold of `P` as of the past point `as_of` starts: the latest waypoint all of whose
    /// events belong to the point, else position zero; and what it may leave unread after that.
    pub async fn start_as_of<P: Projection>(&self, as_of: AsOf) -> Result<Start<P>, ProjectionError> {
        let name = snapshot_name::<P>();
        let waypoints = self.snapshots.waypoints(&name).await?;
        let usable = waypoints.iter().rposition(|w| as_of.includes_at(w.position, w.recorded_at, w.latest_occurred));
        let mut start = None;
        if let Some(waypoint) = usable.map(|i| &waypoints[i]) {
            // A waypoint dropped since it was listed, or saved by another build, is not started from.
            let saved = self.snapshots.waypoint_state(&name, waypoint.position).await?;
            let state = saved.as_deref().map(snapshot::decode_bytes::<P>).transpose();
            let state = state.map_err(|detail| ProjectionError::Snapshot { name: P::NAME, action: "read", detail })?;
            if let Some(state) = state.flatten() {
                start = Some((state, waypoint.position, Some(waypoint.hash)));
            }
        }
        let (state, position, hash) = start.unwrap_or((P::default(), Position::ZERO, None));
        let chain = ChainCheck::resume(self.events, position, hash, self.unverified).await?;
        let mut leaps: Vec<Leap> = Vec::new();
        if let Some(by) = as_of.decided_by {
            let mut after = Position::ZERO;
            for waypoint in &waypoints {
                if after >= position && waypoint.earliest_since > by {
                    match leaps.last_mut() {
                        Some(leap) if leap.to == after => {
                            leap.to = waypoint.position;
                            leap.hash = waypoint.hash;
                        }
                        _ => leaps.push(Leap { after, to: waypoint.position, hash: waypoint.hash }),
                    }
                }
                after = waypoint.position;
            }
        }
        Ok(Start { folded: Folded { state, position, chain }, leaps })
    }

    /// Folds `P` as the log stood at the past point `as_of`, from where
    /// [`Runner::start_as_of`] says, leaping what it names, each page folded while the next is
    /// read; gives the first break in the chain when the runner allows it.
    pub async fn fold_as_of<P: Projection>(&self, as_of: AsOf) -> Result<(P, Option<VerifyFailure>), ProjectionError> {
        let Start { folded, leaps } = self.start_as_of::<P>(as_of).await?;
        let Folded { mut state, position, chain } = folded;
        let broken =
            read_on(self.events, as_of, (position, chain), leaps, self.page, |event| state.apply(event)).await?;
        Ok((state, broken))
    }
}
