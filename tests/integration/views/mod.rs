//! How the interfaces read the read models and the audit trail (`app::views`), against a real
//! store, on SQLite and on PostgreSQL.

mod audit;
mod instrument_as_of;
mod packs;
mod past_points;
mod waypoints;
