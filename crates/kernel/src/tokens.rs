//! Access tokens kept beside the log: each token's public id, name, role and organisation, and
//! only the SHA-256 hash of its secret. The rules (roles, how secrets are made, hashed and
//! compared) belong to the application layer; this is where each backend keeps them, in the
//! `access_tokens` table, written once over [`SqlTables`].

use async_trait::async_trait;

use crate::sql::{Column, Param, Row, SqlTables};
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

/// The `access_tokens` table's columns, in the order they are written and read.
const COLUMNS: &str = "id, name, role, organisation, secret_hash, created_at, revoked_at, expires_at";

/// How they are read.
const READ: [Column; 8] =
    [Column::Text, Column::Text, Column::Text, Column::Text, Column::Bytes, Column::Time, Column::Time, Column::Time];

/// Tokens in the `access_tokens` table, on either backend.
#[async_trait]
impl<T: SqlTables> TokenStore for T {
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError> {
        let params = [
            Param::Text(Some(&token.id)),
            Param::Text(Some(&token.name)),
            Param::Text(Some(&token.role)),
            Param::Text(token.organisation.as_deref()),
            Param::Bytes(Some(token.secret_hash.0.as_slice())),
            Param::Time(Some(token.created_at)),
            Param::Time(token.revoked_at),
            Param::Time(token.expires_at),
        ];
        self.execute(
            &format!("INSERT INTO access_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
            &params,
        )
        .await?;
        Ok(())
    }

    async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let statement = format!("SELECT {COLUMNS} FROM access_tokens WHERE id = $1");
        let rows = self.fetch(&statement, &[Param::Text(Some(id))], &READ).await?;
        rows.first().map(token).transpose()
    }

    async fn list_tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let rows =
            self.fetch(&format!("SELECT {COLUMNS} FROM access_tokens ORDER BY created_at, id"), &[], &READ).await?;
        rows.iter().map(token).collect()
    }

    async fn revoke_token(&self, id: &str, at: Timestamp) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                "UPDATE access_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[Param::Text(Some(id)), Param::Time(Some(at))],
            )
            .await?;
        Ok(changed == 1)
    }
}

fn token(row: &Row) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        role: row.text(2)?,
        organisation: row.opt_text(3)?,
        secret_hash: row.hash(4, "a token hash")?,
        created_at: row.time(5)?,
        revoked_at: row.opt_time(6)?,
        expires_at: row.opt_time(7)?,
    })
}
