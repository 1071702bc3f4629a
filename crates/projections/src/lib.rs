//! Covenant's read models: pure folds of the event log into the views people use, and the runner
//! that keeps each fold's state and checkpoint together so a restart neither skips nor repeats.
//!
//! Five read models, each with a view function that takes [`Filters`], the [`Rules`] for RAG,
//! roll-up, staleness and "due soon", and the date to count as today: [`StatusBoard`]
//! (instruments), [`ResolutionRegister`] (resolutions and their delivery trail), [`ActionLog`]
//! (commitments by organisation or body), [`IndicatorBoard`] (indicators against targets) and
//! [`AuditTrail`] (every event). The first four are views of one [`ReadModels`], the
//! [`Projection`] that folds each aggregate's state once and is saved by the [`Runner`]; the
//! audit trail is the log itself, folded for each request from the events it selects and never
//! saved. Each view returns typed rows, for programs, and lays itself out as a [`Report`], for
//! people. `docs/reports.md` describes every column.
//!
//! Architecture Invariant: a read model is a function of the events alone. `apply` never fails,
//! never reads a clock and never does IO; what a fold cannot understand it ignores. Anything
//! that depends on "today" (overdue, stale) is computed when a view is read, from a date passed
//! in, so that the same events always give the same state.

mod actions;
mod as_of;
mod audit;
mod change;
mod delivery;
mod filters;
mod indicators;
mod names;
mod publication;
mod read_models;
mod report;
mod report_kind;
mod resolutions;
mod rules;
mod runner;
pub mod snapshot;
mod status;
mod summary;
mod waypoints;
mod words;

pub use actions::{ActionLog, ActionRow, ActionState, ActionsView, GroupBy, LastReport};
pub use as_of::AsOf;
pub use audit::{AuditEntry, AuditTrail, AuditView, TrailFilters};
pub use filters::Filters;
pub use indicators::{Direction, INDICATOR_READINGS, IndicatorBoard, IndicatorStatus, IndicatorsView};
pub use publication::{
    Own, PublicAction, PublicBody, PublicMeeting, PublicRecord, PublicSearch, Record, Said, Scope, Welsh, is_public,
};
pub use read_models::{ReadModels, Stamp};
pub use report::{Format, Report};
pub use report_kind::ReportKind;
pub use resolutions::{
    Basis, CallIn, Caused, CausedView, CommitmentTrail, Correction, ResolutionEntry, ResolutionRegister,
    ResolutionsView,
};
pub use rules::Rules;
pub use runner::{
    ChainCheck, Folded, Projection, ProjectionError, Runner, SAVE_EVERY, Unverified, WAYPOINT_EVERY, build_as_of,
    fold_as_of, read_as_of,
};
pub use status::{
    EndorsementView, InstrumentStatus, ItemRef, ObjectiveStatus, PartyStanding, RagMix, Standing, StatusBoard,
    StatusView,
};
pub use waypoints::{Leap, Start, WAYPOINTS_KEPT, page_until, take_leaps};
/// An instrument's kind in words, as every report writes it ("MOU", "action plan").
pub use words::kind as kind_in_words;
/// A RAG rating as every report writes it (`GREEN`, `AMBER`, `RED`, `not rated`).
pub use words::rag as rag_in_words;
