//! Sign-ins with an OpenID provider that have begun and not yet finished, kept beside the log so
//! that a sign-in begun at one process of the service can finish at another on the same
//! database. Each is kept under the SHA-256 hash of its `state`, and taken out (read and deleted
//! at once) by the callback that finishes it, so that it is finished at most once. How long one
//! may take belongs to the application layer; the `pending_sign_ins` table is written once, over
//! [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, Row, SqlTables};
use crate::{Hash, StoreError, Timestamp};

/// A sign-in begun: what its callback must match and prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignIn {
    /// SHA-256 of the sign-in's `state`, which the browser carries.
    pub state_hash: Hash,
    /// The provider it was begun with, by its configured id.
    pub provider: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier the code is exchanged with.
    pub verifier: String,
    pub begun_at: Timestamp,
}

/// Where sign-ins under way are kept: beside the log, in the same database.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Stores a sign-in begun, unless `at_most` sign-ins begun at or after `since` are kept
    /// already: `false`, storing nothing, then. States are random; a clash is an error.
    async fn insert_pending(&self, pending: &PendingSignIn, at_most: u64, since: Timestamp)
    -> Result<bool, StoreError>;

    /// Takes out the sign-in whose state hashes to `state_hash`: gives it and deletes it in one
    /// statement, so that of two callbacks naming it only one gets it.
    async fn take_pending(&self, state_hash: &Hash) -> Result<Option<PendingSignIn>, StoreError>;

    /// Deletes the sign-ins begun before `before`, giving how many there were.
    async fn prune_pending(&self, before: Timestamp) -> Result<u64, StoreError>;
}

/// The `pending_sign_ins` table's columns, in the order they are written and read.
const COLUMNS: &str = "state_hash, provider, nonce, verifier, begun_at";

/// How they are read.
const READ: [Column; 5] = [Column::Bytes, Column::Text, Column::Text, Column::Text, Column::Time];

/// Sign-ins under way in the `pending_sign_ins` table, on either backend.
#[async_trait]
impl<T: SqlTables> SignInStore for T {
    async fn insert_pending(
        &self,
        pending: &PendingSignIn,
        at_most: u64,
        since: Timestamp,
    ) -> Result<bool, StoreError> {
        let params = [
            Param::Bytes(Some(pending.state_hash.0.as_slice())),
            Param::Text(Some(&pending.provider)),
            Param::Text(Some(&pending.nonce)),
            Param::Text(Some(&pending.verifier)),
            Param::Time(Some(pending.begun_at)),
            Param::Time(Some(since)),
            Param::Int(i64::try_from(at_most).unwrap_or(i64::MAX)),
        ];
        // The count and the insert are one statement; two processes inserting at the same moment
        // may each see the other's row missing, so the bound may be passed by a few, never by many.
        let statement = format!(
            "INSERT INTO pending_sign_ins ({COLUMNS}) SELECT $1, $2, $3, $4, $5 \
             WHERE (SELECT COUNT(*) FROM pending_sign_ins WHERE begun_at >= $6) < $7"
        );
        Ok(self.execute(&statement, &params).await? == 1)
    }

    async fn take_pending(&self, state_hash: &Hash) -> Result<Option<PendingSignIn>, StoreError> {
        let statement = format!("DELETE FROM pending_sign_ins WHERE state_hash = $1 RETURNING {COLUMNS}");
        let rows = self.fetch(&statement, &[Param::Bytes(Some(state_hash.0.as_slice()))], &READ).await?;
        rows.first().map(pending).transpose()
    }

    async fn prune_pending(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.execute("DELETE FROM pending_sign_ins WHERE begun_at < $1", &[Param::Time(Some(before))]).await
    }
}

fn pending(row: &Row) -> Result<PendingSignIn, StoreError> {
    Ok(PendingSignIn {
        state_hash: row.hash(0, "a sign-in's state hash")?,
        provider: row.text(1)?,
        nonce: row.text(2)?,
        verifier: row.text(3)?,
        begun_at: row.time(4)?,
    })
}
