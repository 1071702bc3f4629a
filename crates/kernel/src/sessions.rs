//! Dashboard sessions kept beside the log: who each session is for (a token, or a person signed
//! in with their organisation's account), with what role, since when and last used when. Only the
//! SHA-256 hash of a session's id is stored, so the table cannot be used to take a session over.
//! The rules (limits, what a session may do) belong to the application layer; the `sessions`
//! table is written once, over [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, Row, SqlTables};
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

/// The `sessions` table's columns, in the order they are written and read.
const COLUMNS: &str =
    "id_hash, name, role, organisation, token_id, provider, subject, email, created_at, last_seen_at, ended_at";

/// How they are read.
const READ: [Column; 11] = [
    Column::Bytes,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Text,
    Column::Time,
    Column::Time,
    Column::Time,
];

/// Sessions in the `sessions` table, on either backend.
#[async_trait]
impl<T: SqlTables> SessionStore for T {
    async fn insert_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let params = [
            Param::Bytes(Some(session.id_hash.0.as_slice())),
            Param::Text(Some(&session.name)),
            Param::Text(Some(&session.role)),
            Param::Text(session.organisation.as_deref()),
            Param::Text(session.token_id.as_deref()),
            Param::Text(session.provider.as_deref()),
            Param::Text(session.subject.as_deref()),
            Param::Text(session.email.as_deref()),
            Param::Time(Some(session.created_at)),
            Param::Time(Some(session.last_seen_at)),
            Param::Time(session.ended_at),
        ];
        let statement =
            format!("INSERT INTO sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        self.execute(&statement, &params).await?;
        Ok(())
    }

    async fn find_session(&self, id_hash: &Hash) -> Result<Option<SessionRecord>, StoreError> {
        let statement = format!("SELECT {COLUMNS} FROM sessions WHERE id_hash = $1");
        let rows = self.fetch(&statement, &[Param::Bytes(Some(id_hash.0.as_slice()))], &READ).await?;
        rows.first().map(session).transpose()
    }

    async fn touch_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        stamp(self, "last_seen_at", id_hash, at).await
    }

    async fn end_session(&self, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
        stamp(self, "ended_at", id_hash, at).await
    }

    async fn recent_sessions(&self, limit: u32) -> Result<Vec<SessionRecord>, StoreError> {
        let statement = format!("SELECT {COLUMNS} FROM sessions ORDER BY created_at DESC, id_hash LIMIT $1");
        let rows = self.fetch(&statement, &[Param::Int(i64::from(limit))], &READ).await?;
        rows.iter().map(session).collect()
    }

    async fn prune_sessions(&self, prune: Prune) -> Result<u64, StoreError> {
        let params = [
            Param::Time(Some(prune.ended_before)),
            Param::Time(Some(prune.last_seen_before)),
            Param::Time(Some(prune.created_before)),
        ];
        self.execute("DELETE FROM sessions WHERE ended_at < $1 OR last_seen_at < $2 OR created_at < $3", &params).await
    }
}

/// Sets the time `column` of the session whose id hashes to `id_hash` to `at`, unless it has
/// ended. False when there is no such session or it has ended.
async fn stamp(tables: &impl SqlTables, column: &str, id_hash: &Hash, at: Timestamp) -> Result<bool, StoreError> {
    let statement = format!("UPDATE sessions SET {column} = $2 WHERE id_hash = $1 AND ended_at IS NULL");
    let changed =
        tables.execute(&statement, &[Param::Bytes(Some(id_hash.0.as_slice())), Param::Time(Some(at))]).await?;
    Ok(changed == 1)
}

fn session(row: &Row) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id_hash: row.hash(0, "a session's id hash")?,
        name: row.text(1)?,
        role: row.text(2)?,
        organisation: row.opt_text(3)?,
        token_id: row.opt_text(4)?,
        provider: row.opt_text(5)?,
        subject: row.opt_text(6)?,
        email: row.opt_text(7)?,
        created_at: row.time(8)?,
        last_seen_at: row.time(9)?,
        ended_at: row.opt_time(10)?,
    })
}
