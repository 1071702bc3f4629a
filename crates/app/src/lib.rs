//! The composition root of Covenant: where configuration is read and the event store is chosen.
//! Interfaces (the command line, the HTTP service) get their store and settings from here.
//!
//! Architecture Invariant: this is the only crate that knows which store backs the log; every
//! other crate sees `dyn kernel::EventStore`.

mod config;
mod store;

pub use config::{Config, ConfigError, DATABASE_URL_VAR, DEFAULT_DATABASE_URL, DatabaseUrl};
pub use store::{Stores, open_store};
