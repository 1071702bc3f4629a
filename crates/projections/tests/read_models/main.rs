//! The read models driven by the seed stories: one module per read model with its snapshots,
//! the as-of views, and the properties every fold must have. `log` turns the stories into a
//! recorded log.

mod actions;
mod as_of;
mod audit;
mod dated;
mod folding;
mod indicators;
mod log;
mod publication;
mod resolutions;
mod status;
