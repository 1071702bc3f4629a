//! `covenant-client`: a typed Rust client of Covenant's HTTP API (`docs/http.md`) and a
//! [`Follower`] that follows the event feed for a reporting job.
//!
//! [`Client`] reads reports as JSON, records commands with `If-Match` and `Idempotency-Key`,
//! and reads the event feed a page at a time or as a live stream of server-sent events.
//! [`Follower`] hands each event of the feed, in position order, to a [`Handler`], and saves
//! its cursor (a [`FileCursor`], written atomically) only after the handler succeeded: every
//! event is handled at least once, in order, and a follower stopped at any moment resumes
//! where it stopped, handling again at most the one event it had not yet saved.
//!
//! Architecture Invariant: the client knows the HTTP contract only. It depends on no crate of
//! the service (not `app`, not the stores); its types are the JSON the API writes, and the
//! service writes them through these same types (with the `openapi` feature).

mod client;
mod cursor;
mod error;
mod follower;
mod sse;
mod wire;

pub use client::{Client, CommandOptions};
pub use cursor::FileCursor;
pub use error::ClientError;
pub use follower::{Follower, Handler};
pub use wire::{FeedEvent, FeedPage, Problem, Recorded, RecordedRef};
