//! Dashboard sessions kept beside the log: who each session is for (a token, or a person signed
//! in with their organisation's account), with what role, since when and last used when. Only the
//! SHA-256 hash of a session's id is stored, so the table cannot be used to take a session over.
//! The rules (limits, what a session may do) belong to the application layer.

use async_trait::async_trait;

use crate::{Hash, StoreError, Timestamp};

/// One stored session. The session id itself, which the browser holds, is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// SHA-256 of the session id.
    pub id_hash: Hash,
    /// The person's name, or the token's name.
    pub name: String,
    /// The role's name, such as `secretariat`, as given when the session began.
    pub role: String,
    /// The organisation a contributor acts for.
    pub organisation: Option<String>,
    /// The token the session was begun with, for a session begun with a token.
    pub token_id: Option<String>,
    /// The provider a person signed in with, by its configured name.
    pub provider: Option<String>,
    /// The person's subject (`sub`) at that provider.
    pub subject: Option<String>,
    /// The person's email, when their ID token gave one.
    pub email: Option<String>,
    pub created_at: Timestamp,
    /// When the session was last used; it lapses once idle for the configured time.
    pub last_seen_at: Timestamp,
    /// When it was ended by signing out or by an administrator.
    pub ended_at: Option<Timestamp>,
}

/// Where sessions are kept: beside the log, in the same database.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session. Ids are random; a clash is an error.
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// The session whose id hashes to `id_hash`, ended or not.
    async fn find_session(&self, id_hash: &Hash) -> Result<Option<SessionRecord>, StoreError>;

    /// Records that the session was used at `at`. False when there is no such session or it has
    /// ended.
    async fn touch_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError>;

    /// Ends the session at `at`. False when there is no such session or it had already ended.
    async fn end_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError>;

    /// The `limit` sessions begun most recently, newest first, ended ones included.
    async fn recent_sessions(&self, limit: u32) -> Result<Vec<SessionRecord>, StoreError>;
}
