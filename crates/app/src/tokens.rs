//! Bearer tokens: made with a random secret, stored only as the secret's SHA-256 hash, and
//! checked by comparing hashes in constant time. A token lasts until it is revoked, or until the
//! expiry it was made with.
//!
//! A token reads `cov_<id>_<secret>`: the id (16 hex digits) finds the stored token; the secret
//! (64 hex digits, 256 random bits) proves it is held. Neither the token nor the secret is
//! stored, so a token is shown once, when it is made.

use domain::OrgId;
use kernel::{Hash, Timestamp, TokenRecord, TokenStore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{AccessError, Credential, Principal, Role};

const PREFIX: &str = "cov_";
/// The longest token name accepted, in characters.
const MAX_NAME: usize = 100;

/// A token just made: what is stored, and the token itself, to be shown once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub record: TokenRecord,
    pub token: String,
}

/// Makes and stores a token for `name` with `role`, refused from `expires_at` on when given; a
/// contributor must name its organisation, and only a contributor may.
pub async fn create_token(
    store: &dyn TokenStore,
    role: Role,
    organisation: Option<OrgId>,
    name: &str,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<IssuedToken, AccessError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(AccessError::Invalid(format!(
            "the token name must be 1 to {MAX_NAME} printable characters: name who will hold it, such as clerk@west-lindsey.gov.uk"
        )));
    }
    match (role.is_scoped(), &organisation) {
        (true, None) => {
            return Err(AccessError::Invalid(format!(
                "a {role} token acts for one organisation: give --organisation with its org-id, such as GB-LAE-WLI"
            )));
        }
        (false, Some(_)) => {
            return Err(AccessError::Invalid(format!(
                "a {role} token acts for no one organisation: leave out --organisation, or make a contributor token"
            )));
        }
        _ => {}
    }
    if let Some(expiry) = expires_at.filter(|expiry| *expiry <= now) {
        return Err(AccessError::Invalid(format!(
            "the token would expire at {expiry}, which has already passed: give a later date or time, or none"
        )));
    }
    let id = hex::encode(rand::random::<[u8; 8]>());
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let record = TokenRecord {
        id: id.clone(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        organisation: organisation.map(String::from),
        secret_hash: hash(&secret),
        created_at: now,
        revoked_at: None,
        expires_at,
    };
    store.insert_token(&record).await?;
    Ok(IssuedToken { record, token: format!("{PREFIX}{id}_{secret}") })
}

/// The principal `token` stands for at `now`, if it is a token Covenant made, has not revoked and
/// has not expired. Every refusal is the same error, so a caller cannot tell an unknown token from
/// a revoked or expired one, nor a wrong secret from an unknown id.
pub async fn authenticate(store: &dyn TokenStore, token: &str, now: Timestamp) -> Result<Principal, AccessError> {
    let refused = || {
        AccessError::Unauthenticated(
            "the bearer token is not one Covenant issued, or it was revoked or has expired: ask an administrator for a token (covenant token create)".to_owned(),
        )
    };
    let (id, secret) = token.strip_prefix(PREFIX).and_then(|rest| rest.split_once('_')).ok_or_else(refused)?;
    let Some(record) = store.find_token(id).await? else {
        return Err(refused());
    };
    let matches: bool = hash(secret).0.ct_eq(&record.secret_hash.0).into();
    if !matches {
        return Err(refused());
    }
    holder(record, now).ok_or_else(refused)?
}

/// The principal of the stored token `record` at `now`, or none once it is revoked or expired.
pub(crate) fn holder(record: TokenRecord, now: Timestamp) -> Option<Result<Principal, AccessError>> {
    let expired = record.expires_at.is_some_and(|expiry| expiry <= now);
    if record.revoked_at.is_some() || expired {
        return None;
    }
    Some(principal(record))
}

fn principal(record: TokenRecord) -> Result<Principal, AccessError> {
    let id = record.id;
    let role = Role::parse(&record.role)?;
    let organisation = record
        .organisation
        .map(OrgId::parse)
        .transpose()
        .map_err(|e| AccessError::Invalid(format!("token {id} names an organisation that is not valid: {e}")))?;
    Ok(Principal { name: record.name, role, organisation, credential: Credential::Token { id } })
}

/// Revokes the token with id `id`.
pub async fn revoke_token(store: &dyn TokenStore, id: &str, now: Timestamp) -> Result<(), AccessError> {
    if store.revoke_token(id, now).await? {
        return Ok(());
    }
    Err(AccessError::Invalid(format!(
        "there is no token {id} that is not already revoked: `covenant token list` shows every token's id"
    )))
}

fn hash(secret: &str) -> Hash {
    Hash(Sha256::digest(secret.as_bytes()).into())
}
