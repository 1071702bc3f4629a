//! The read models kept by the runner against a real store, on SQLite and on PostgreSQL.

mod checked;
mod restart;
