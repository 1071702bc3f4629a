//! Dashboard sessions kept beside the log: who each session is for (a token, or a person signed
//! in with their organisation's account), with what role, since when and last used when. Only the
//! SHA-256 hash of a session's id is stored, so the table cannot be used to take a session over.
//! The rules (limits, what a session may do) belong to the application layer.

use async_trait::async_trait;

use crate::columns::{Checked, Row, Value};
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

impl Row for SessionRecord {
    const TABLE: &'static str = "sessions";
    const COLUMNS: &'static [&'static str] = &[
        "id_hash",
        "name",
        "role",
        "organisation",
        "token_id",
        "provider",
        "subject",
        "email",
        "created_at",
        "last_seen_at",
        "ended_at",
    ];

    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Blob(&self.id_hash.0),
            Value::Text(Some(&self.name)),
            Value::Text(Some(&self.role)),
            Value::Text(self.organisation.as_deref()),
            Value::Text(self.token_id.as_deref()),
            Value::Text(self.provider.as_deref()),
            Value::Text(self.subject.as_deref()),
            Value::Text(self.email.as_deref()),
            Value::Time(Some(self.created_at)),
            Value::Time(Some(self.last_seen_at)),
            Value::Time(self.ended_at),
        ]
    }

    fn read(row: &Checked<'_>) -> Result<Self, StoreError> {
        Ok(SessionRecord {
            id_hash: row.hash(0)?,
            name: row.text(1)?,
            role: row.text(2)?,
            organisation: row.optional_text(3)?,
            token_id: row.optional_text(4)?,
            provider: row.optional_text(5)?,
            subject: row.optional_text(6)?,
            email: row.optional_text(7)?,
            created_at: row.time(8)?,
            last_seen_at: row.time(9)?,
            ended_at: row.optional_time(10)?,
        })
    }
}

/// Which sessions to prune: those that stopped being usable before a time, because they ended
/// before [`Prune::ended_before`], were last used before [`Prune::last_seen_before`] or began
/// before [`Prune::created_before`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prune {
    pub ended_before: Timestamp,
    pub last_seen_before: Timestamp,
    pub created_before: Timestamp,
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

    /// Deletes the sessions `prune` names, giving how many there were.
    async fn prune_sessions(&self, prune: Prune) -> Result<u64, StoreError>;
}
