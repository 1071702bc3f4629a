//! The read models as of now or as of a past point: brought up to date from their snapshot, rebuilt
//! from position zero, or folded afresh as the log stood at a position or on a date. The
//! interfaces read every view through here.

use kernel::Position;
use projections::{AsOf, ProjectionError, ReadModels, Runner, build_as_of};

use crate::Stores;

/// Resumes the read models from their snapshot and folds every later event, saving as it goes.
/// `progress` is told the position reached and the head being caught up to.
pub async fn current(
    stores: &Stores,
    progress: impl FnMut(Position, Position) + Send,
) -> Result<(ReadModels, Position), ProjectionError> {
    Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).catch_up(progress).await
}

/// Discards the snapshot and folds the whole log again.
pub async fn rebuild(
    stores: &Stores,
    progress: impl FnMut(Position, Position) + Send,
) -> Result<(ReadModels, Position), ProjectionError> {
    Runner::new(stores.events.as_ref(), stores.snapshots.as_ref()).rebuild(progress).await
}

/// The read models as the log stood at `as_of`, or up to date when `as_of` is now.
pub async fn as_of(stores: &Stores, as_of: AsOf) -> Result<ReadModels, ProjectionError> {
    if as_of.is_now() {
        return Ok(current(stores, |_, _| ()).await?.0);
    }
    build_as_of(stores.events.as_ref(), as_of).await
}
