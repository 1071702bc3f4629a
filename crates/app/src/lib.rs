//! The composition root of Covenant: where configuration is read, the event store is chosen, and
//! commands are recorded (load → decide → append). Interfaces (the command line, the HTTP
//! service) get their store, settings and use cases from here.
//!
//! Architecture Invariant: this is the only crate that knows which store backs the log; every
//! other crate sees `dyn kernel::EventStore`.

mod access;
mod backup;
mod cause;
mod checkpoint;
mod command_lines;
mod config;
mod holdings;
mod id_seed;
pub mod interchange;
pub mod oidc;
pub mod packs;
pub mod publisher;
mod quorum;
mod record_error;
mod recorder;
pub mod reminders;
pub mod reports;
pub mod resolution_proof;
mod role_mapping;
mod seeding;
pub mod seeds;
mod sessions;
mod signing;
mod state_cache;
mod store;
mod tokens;
mod unit_of_work;
pub mod views;
pub mod webhooks;
mod witness;

pub use access::{AccessError, Action, Credential, Principal, Role};
pub use backup::{BackupError, backup, pg_dump_command};
pub use checkpoint::{Checkpoint, Cosignature, KeyKind, NoteError, NoteSigner, NoteVerifier, cosignatures};
pub use command_lines::{
    CommandLine, DuplicateKey, LineError, parse_command, parse_command_lines, refuse_duplicate_keys, with_document_hash,
};
pub use config::{
    CheckpointPolicy, Config, ConfigError, DATABASE_URL_VAR, DEFAULT_CHECKPOINT_EVERY_EVENTS,
    DEFAULT_CHECKPOINT_EVERY_SECONDS, DEFAULT_DATABASE_URL, DatabaseUrl, Transparency,
};
pub use id_seed::IdSeed;
pub use kernel::OpenMode;
pub use oidc::{OpenIdSignIn, PENDING_FOR, Provider, SignInError, prune_pending};
pub use quorum::{Served, Unserved, Witnessing};
pub use record_error::{InvalidRequest, RecordError};
pub use recorder::{ATTEMPTS, AppendedEvent, Provenance, RESENDS, Recorded, Recorder, Submission};
pub use reports::{
    Answered, Asked, NotApplicable, Pack, Page, PageInfo, ReportError, ReportRequest, ReportView, Reports, Serving,
};
pub use role_mapping::{Claims, DEFAULT_CONTACT, Granted, RoleMapping, RoleRule};
pub use seeding::{SeedError, StoryLoaded, load_story};
pub use sessions::{
    BegunSession, DEFAULT_ABSOLUTE_HOURS, DEFAULT_IDLE_MINUTES, KEEP_ENDED_FOR, PRUNE_EVERY, SessionLimits,
    SessionState, SignIn, begin_session, end_session, end_session_by_handle, prune_sessions, recent_sign_ins,
    resume_session,
};
pub use signing::{CosignatureError, SigningError, accept_cosignature, due, read_signer, sign_head, sign_if_due};
pub use store::{BUSY_TIMEOUT, OpenFailure, Opening, Stores, WaitNotice, open, open_store};
pub use tokens::{IssuedToken, authenticate, create_token, revoke_token};
pub use witness::{Observed, Witness, WitnessError, WitnessState};
