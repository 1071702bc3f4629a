//! Points in the past to build a read model at: a position in the log, what Covenant knew on a
//! date ("as known on", by `recorded_at`), or what had been decided by a date ("as decided by",
//! by `occurred_at`). They combine: "as decided by 2020-12-01, as known on 2022-01-01".

use kernel::{Position, RecordedEvent, Timestamp};

/// Which events a read model built "as of" a point includes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AsOf {
    /// Include events up to and including this position.
    pub position: Option<Position>,
    /// Include events recorded by this time. `recorded_at` never decreases along the log, so
    /// this too is a prefix of the log.
    pub known_on: Option<Timestamp>,
    /// Include events that happened in the world by this time, whenever they were recorded.
    pub decided_by: Option<Timestamp>,
}

impl AsOf {
    /// The whole log.
    pub fn now() -> Self {
        Self::default()
    }

    pub fn is_now(&self) -> bool {
        *self == Self::default()
    }

    /// True once `event` and every later event are beyond this point.
    pub fn ends_before(&self, event: &RecordedEvent) -> bool {
        self.ends_before_at(event.position, event.recorded_at)
    }

    /// True when `event` (not past the end) belongs in the view.
    pub fn includes(&self, event: &RecordedEvent) -> bool {
        self.includes_at(event.position, event.recorded_at, event.metadata.occurred_at)
    }

    /// [`AsOf::includes`] of an event known by where it stands in the log and when it happened.
    pub fn includes_at(&self, position: Position, recorded_at: Timestamp, occurred_at: Timestamp) -> bool {
        !self.ends_before_at(position, recorded_at) && self.decided_by.is_none_or(|t| occurred_at <= t)
    }

    fn ends_before_at(&self, position: Position, recorded_at: Timestamp) -> bool {
        self.position.is_some_and(|p| position > p) || self.known_on.is_some_and(|t| recorded_at > t)
    }
}
