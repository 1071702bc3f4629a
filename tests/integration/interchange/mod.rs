//! Import and export in the formats other systems use, against a real store, on SQLite and on
//! PostgreSQL.

mod cloudevents;
mod popolo;
mod resolution_proof;
