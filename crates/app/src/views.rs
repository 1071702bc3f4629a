//! The read models as of now or as of a past point: brought up to date from their snapshot, rebuilt
//! from position zero, or folded afresh as the log stood at a position or on a date; one
//! instrument's status as of a past point, from only the streams it is made of; and the audit
//! trail, read from the log for each request. The interfaces read every view through here.
//! Every fold of the log in position order checks each event against the hash chain: a broken
//! log is refused, or, when the caller allows it ([`Unverified::Allow`]), folded and the break
//! given back, for the caller to say so beside what it shows.

use domain::Key;
use kernel::{Position, RecordedEvent, StoreError, StreamBound, StreamId, VerifyFailure};
use projections::{
    AsOf, AuditTrail, AuditView, Filters, Folded, Projection, ProjectionError, ReadModels, Runner, TrailFilters,
    Unverified, read_as_of,
};

use crate::Stores;

/// The day the latest event of the log happened (its `occurred_at`, the latest of all, which
/// need not be the last recorded): the day a record that stopped growing is best seen as of.
/// None for an empty log.
pub async fn latest_day(stores: &Stores) -> Result<Option<domain::Date>, StoreError> {
    const BATCH: usize = 1_000;
    let mut latest = None;
    let mut after = Position(0);
    loop {
        let events = stores.events.read_all(after, BATCH).await?;
        let Some(last) = events.last() else { return Ok(latest) };
        after = last.position;
        let day = events.iter().map(|e| e.metadata.occurred_at.as_datetime().date_naive()).max();
        latest = latest.max(day);
    }
}

/// Resumes the read models from their snapshot and folds every later event, saving as it goes;
/// a broken log is refused. `progress` is told the position reached and the head being caught
/// up to.
pub async fn current(
    stores: &Stores,
    progress: impl FnMut(Position, Position) + Send,
) -> Result<(ReadModels, Position), ProjectionError> {
    let folded = fold_current(stores, Unverified::Refuse, progress).await?;
    Ok((folded.state, folded.position))
}

/// As [`current`], folding on past a break in the chain when `unverified` allows it (the read
/// models are then not saved) and giving back the first break.
pub async fn fold_current(
    stores: &Stores,
    unverified: Unverified,
    progress: impl FnMut(Position, Position) + Send,
) -> Result<Folded<ReadModels>, ProjectionError> {
    Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).unverified(unverified).catch_up(progress).await
}

/// Discards the snapshot and folds the whole log again, saving the read models after every
/// `save_every` events (so that a rebuild stopped half-way is resumed from the last save by the
/// next catch-up) and at the end.
pub async fn rebuild(
    stores: &Stores,
    save_every: u64,
    progress: impl FnMut(Position, Position) + Send,
) -> Result<(ReadModels, Position), ProjectionError> {
    let folded =
        Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).save_every(save_every).rebuild(progress).await?;
    Ok((folded.state, folded.position))
}

/// The read models as the log stood at `as_of`, or up to date when `as_of` is now; a broken log
/// is refused.
pub async fn as_of(stores: &Stores, as_of: AsOf) -> Result<ReadModels, ProjectionError> {
    Ok(fold_as_of(stores, as_of, Unverified::Refuse).await?.0)
}

/// As [`as_of`], folding on past a break in the chain when `unverified` allows it, and giving
/// back the first break.
pub async fn fold_as_of(
    stores: &Stores,
    as_of: AsOf,
    unverified: Unverified,
) -> Result<(ReadModels, Option<VerifyFailure>), ProjectionError> {
    if as_of.is_now() {
        let folded = fold_current(stores, unverified, |_, _| ()).await?;
        return Ok((folded.state, folded.chain.into_broken()));
    }
    projections::fold_as_of(stores.events.as_ref(), as_of, unverified).await
}

/// The read models as the log stood at `as_of`, holding only `instrument` and what its status is
/// made of: built from the few streams the current status board (of `current`, caught up to
/// position `at`) names for it ([`projections::StatusBoard::sources`]) instead of the whole log.
/// For that instrument their status board shows exactly what [`as_of`] shows of the log up to
/// `at`.
pub async fn instrument_as_of(
    stores: &Stores,
    current: &ReadModels,
    at: Position,
    instrument: &Key,
    as_of: AsOf,
) -> Result<ReadModels, ProjectionError> {
    // Nothing past `at`: a stream read now may hold events the current board has not seen.
    let as_of = AsOf { position: Some(as_of.position.map_or(at, |p| p.min(at))), ..as_of };
    let streams: Vec<StreamId> = current.status().sources(instrument, as_of).into_iter().collect();
    let mut models = ReadModels::default();
    read_streams_as_of(stores, &streams, as_of, |event| models.apply(event)).await?;
    Ok(models)
}

/// The audit trail of the events `filters` and `trail` select, as the log stood at `as_of`, read
/// from the log: only the streams they name when they name an entity or a stream, else the
/// whole log a page at a time, checking the chain as it goes (a break is refused). Also gives
/// the position the trail reaches: the head of the log when this read it, or the `as_of`
/// position when that is earlier.
pub async fn audit(
    stores: &Stores,
    as_of: AsOf,
    filters: &Filters,
    trail: &TrailFilters,
) -> Result<(AuditView, Position), ProjectionError> {
    let (view, at, _) = fold_audit(stores, as_of, filters, trail, Unverified::Refuse).await?;
    Ok((view, at))
}

/// As [`audit`], reading on past a break in the chain of the whole log when `unverified` allows
/// it, and giving back the first break.
pub async fn fold_audit(
    stores: &Stores,
    as_of: AsOf,
    filters: &Filters,
    trail: &TrailFilters,
    unverified: Unverified,
) -> Result<(AuditView, Position, Option<VerifyFailure>), ProjectionError> {
    // Nothing past the head as read now, so that the trail describes one position of the log.
    let head = stores.events.head().await?.position;
    let at = as_of.position.map_or(head, |p| p.min(head));
    let as_of = AsOf { position: Some(at), ..as_of };
    let mut audit = AuditTrail::new(filters, trail);
    let broken = match audit.streams() {
        Some(streams) => {
            read_streams_as_of(stores, &streams, as_of, |event| audit.apply(event)).await?;
            None
        }
        None => read_as_of(stores.events.as_ref(), as_of, unverified, |event| audit.apply(event)).await?,
    };
    Ok((audit.view(), at, broken))
}

/// Gives `apply` each event of `streams` as they stood at `as_of`, in position order.
async fn read_streams_as_of(
    stores: &Stores,
    streams: &[StreamId],
    as_of: AsOf,
    mut apply: impl FnMut(&RecordedEvent),
) -> Result<(), StoreError> {
    let bound = as_of.known_on.map_or(StreamBound::All, StreamBound::RecordedBy);
    for event in stores.events.read_streams(streams, bound).await? {
        if as_of.includes(&event) {
            apply(&event);
        }
    }
    Ok(())
}
