//! How the interfaces read the read models (`app::views`), against a real store, on SQLite and
//! on PostgreSQL.

mod instrument_as_of;
