//! Access tokens kept beside the log: each token's public id, name, role and organisation, and
//! only the SHA-256 hash of its secret. The rules (roles, how secrets are made, hashed and
//! compared) belong to the application layer; this is where each backend keeps them.

use async_trait::async_trait;

use crate::{Hash, StoreError, Timestamp};

/// One stored token. The secret itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    /// The public part of the token, by which it is found, listed and revoked.
    pub id: String,
    /// Who or what holds it, such as `clerk@west-lindsey.gov.uk`.
    pub name: String,
    /// The role's name, such as `secretariat`.
    pub role: String,
    /// The organisation a scoped role acts for.
    pub organisation: Option<String>,
    /// SHA-256 of the secret.
    pub secret_hash: Hash,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// From this time on the token is refused; a token without one lasts until it is revoked.
    pub expires_at: Option<Timestamp>,
}

/// Where tokens are kept: beside the log, in the same database.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Stores a new token. Ids are random and unique; a clash is an error.
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;

    /// The token with public id `id`, revoked or not.
    async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Every token, revoked ones included, oldest first.
    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;

    /// Marks the token revoked at `at`. False when there is no such token or it was already
    /// revoked.
    async fn revoke_token(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
}
