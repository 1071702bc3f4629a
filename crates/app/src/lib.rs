//! The composition root of Covenant: where configuration is read, the event store is chosen, and
//! commands are recorded (load → decide → append). Interfaces (the command line, the HTTP
//! service) get their store, settings and use cases from here.
//!
//! Architecture Invariant: this is the only crate that knows which store backs the log; every
//! other crate sees `dyn kernel::EventStore`.

mod access;
mod cause;
mod command_lines;
mod config;
mod holdings;
mod id_seed;
pub mod interchange;
mod record_error;
mod recorder;
mod seeding;
mod store;
mod tokens;
mod unit_of_work;
pub mod views;

pub use access::{AccessError, Action, Principal, Role};
pub use command_lines::{
    CommandLine, DuplicateKey, LineError, parse_command, parse_command_lines, refuse_duplicate_keys,
};
pub use config::{Config, ConfigError, DATABASE_URL_VAR, DEFAULT_DATABASE_URL, DatabaseUrl};
pub use id_seed::IdSeed;
pub use record_error::{InvalidRequest, RecordError};
pub use recorder::{ATTEMPTS, AppendedEvent, Provenance, RESENDS, Recorded, Recorder, Submission};
pub use seeding::{SeedError, StoryLoaded, load_story};
pub use store::{Stores, open_store};
pub use tokens::{IssuedToken, authenticate, create_token, revoke_token};
