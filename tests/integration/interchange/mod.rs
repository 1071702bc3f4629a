//! Import and export in the formats other systems use, against a real store, on SQLite and on
//! PostgreSQL, the log published to NATS JetStream, and webhooks.

mod cloudevents;
mod nats;
mod popolo;
mod resolution_proof;
mod webhooks;
