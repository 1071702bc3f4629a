//! The event-sourcing vocabulary of Covenant: identifiers, the event envelope and its metadata,
//! canonical payloads, the SHA-256 hash chain and the Merkle tree over it, append requests with
//! their expectations, and the [`EventStore`] trait that every backend implements.
//!
//! Architecture Invariant: this crate does no IO. It knows nothing of tokio, sqlx or any
//! database; the store crates bring those. Everything a backend must decide the same way as the
//! other backend (validation, idempotency, version checks, position and hash assignment) is a
//! pure function here, so the two backends cannot drift apart.

mod append;
mod chain;
mod checkpoints;
mod event;
mod group_commit;
mod id;
mod idempotency;
mod merkle;
mod migrations;
mod open;
mod pages;
mod payload;
mod publishers;
mod restore;
mod sessions;
mod sign_ins;
mod snapshot;
mod sql;
mod store;
mod text;
mod time;
mod tokens;
mod webhooks;
mod written;

pub use append::{
    AppendError, AppendOutcome, AppendRequest, Expected, GroupPlan, IdLookup, InvalidAppend, LARGE_WRITE, Limits,
    StreamAppend, StreamState, VersionConflict, plan_group,
};
#[doc(hidden)]
pub use async_trait::async_trait;
pub use chain::{ChainHead, ChainVerifier, Hash, VerifyFailure, VerifyReport, event_hash};
pub use checkpoints::{CheckpointStore, SignedCheckpoint};
pub use event::{EVENT_COLUMNS, LOADED_COLUMNS, LoadedEvent, Metadata, NewEvent, RecordedEvent};
pub use group_commit::{Alone, GroupBackend, Writer};
pub use id::{EventId, EventType, Interner, MAX_STREAM_ID_BYTES, Position, StreamId};
pub use idempotency::{IdempotencyStore, KeyClaim, StoredResponse};
pub use merkle::{
    ConsistencyProof, EMPTY_ROOT, InclusionProof, MissingNode, NodeId, ProofError, Range, STORED_FROM, TreeNode,
    TreeUpkeep, event_leaf, grown_edge, leaf_hash, new_nodes, node_hash, root, root_nodes, tree_columns,
};
pub use migrations::Migration;
pub use open::{OpenError, OpenMode, check_schema, refuse_foreign};
pub use pages::{Pages, READ_AHEAD};
pub use payload::{MAX_PAYLOAD_BYTES, Payload};
pub use publishers::{Hold, Lead, PublisherLead, PublisherStore, published};
pub use restore::{InvalidRestore, RestoreChecker, RestoreError, check_restore};
pub use sessions::{Prune, SessionRecord, SessionStore};
pub use sign_ins::{PendingSignIn, SignInStore};
pub use snapshot::{Occurred, Saving, Snapshot, SnapshotStore, Waypoint};
pub use sql::{Column, Param, Row, SqlTables, Statement, Value};
pub use store::{
    EventStore, EventStream, LogBreach, RESERVED_ROWS, StoreError, StreamBound, TreeError, TreeReport, follow,
};
pub use text::{ControlCharacter, is_refused_control};
pub use time::Timestamp;
pub use tokens::{TokenRecord, TokenStore};
pub use webhooks::{AttemptOutcome, DeadLetter, DeadLetterChange, WebhookAttempt, WebhookRecord, WebhookStore};
pub use written::from_text;
