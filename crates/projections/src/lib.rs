//! Covenant's read models: pure folds of the event log into the views people use, and the runner
//! that keeps each fold's state and checkpoint together so a restart neither skips nor repeats.
//!
//! Architecture Invariant: a read model is a function of the events alone. `apply` never fails,
//! never reads a clock and never does IO; what a fold cannot understand it ignores. Anything
//! that depends on "today" (overdue, stale) is computed when a view is read, from a date passed
//! in, so that the same events always give the same state.

mod as_of;
mod report;
mod runner;

pub use as_of::AsOf;
pub use report::{Format, Report};
pub use runner::{Projection, ProjectionError, Runner, build_as_of};
