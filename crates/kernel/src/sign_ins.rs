//! Sign-ins with an OpenID provider that have begun and not yet finished, kept beside the log so
//! that a sign-in begun at one process of the service can finish at another on the same
//! database. Each is kept under the SHA-256 hash of its `state`, and taken out (read and deleted
//! at once) by the callback that finishes it, so that it is finished at most once. How long one
//! may take belongs to the application layer.

use async_trait::async_trait;

use crate::columns::{Checked, Row, Value};
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

impl Row for PendingSignIn {
    const TABLE: &'static str = "pending_sign_ins";
    const COLUMNS: &'static [&'static str] = &["state_hash", "provider", "nonce", "verifier", "begun_at"];

    fn values(&self) -> Vec<Value<'_>> {
        vec![
            Value::Blob(&self.state_hash.0),
            Value::Text(Some(&self.provider)),
            Value::Text(Some(&self.nonce)),
            Value::Text(Some(&self.verifier)),
            Value::Time(Some(self.begun_at)),
        ]
    }

    fn read(row: &Checked<'_>) -> Result<Self, StoreError> {
        Ok(PendingSignIn {
            state_hash: row.hash(0)?,
            provider: row.text(1)?,
            nonce: row.text(2)?,
            verifier: row.text(3)?,
            begun_at: row.time(4)?,
        })
    }
}

/// Where sign-ins under way are kept: beside the log, in the same database.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Stores a sign-in begun. States are random; a clash is an error.
    async fn insert_pending(&self, pending: &PendingSignIn) -> Result<(), StoreError>;

    /// Takes out the sign-in whose state hashes to `state_hash`: gives it and deletes it in one
    /// statement, so that of two callbacks naming it only one gets it.
    async fn take_pending(&self, state_hash: &Hash) -> Result<Option<PendingSignIn>, StoreError>;

    /// Deletes the sign-ins begun before `before`, giving how many there were.
    async fn prune_pending(&self, before: Timestamp) -> Result<u64, StoreError>;
}
