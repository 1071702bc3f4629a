//! Import and export in the formats other systems use, against a real store, on SQLite and on
//! PostgreSQL, and the log published to NATS JetStream.

mod cloudevents;
mod nats;
mod popolo;
mod resolution_proof;
