//! Access tokens: made with a role, stored only as a hash, found again by the token itself, and
//! refused once revoked or when altered.

use app::{AccessError, Role};
use domain::OrgId;
use kernel::Timestamp;
use tests::{TestStore, on_both_backends};

async fn tokens_authenticate_until_revoked_and_only_their_hash_is_kept(db: &TestStore) {
    let stores = db.stores().await;
    let now = Timestamp::now();
    let west_lindsey = OrgId::parse("GB-LAE-WLI").expect("org id");
    let issued = app::create_token(
        stores.tokens.as_ref(),
        Role::Contributor,
        Some(west_lindsey.clone()),
        "officer@wl",
        None,
        now,
    )
    .await
    .expect("a contributor token");
    let principal = app::authenticate(stores.tokens.as_ref(), &issued.token, now).await.expect("the token is valid");
    assert_eq!(principal.role, Role::Contributor);
    assert_eq!(principal.organisation, Some(west_lindsey));
    assert_eq!(principal.actor(), format!("officer@wl (token {})", issued.record.id));

    let stored = stores.tokens.list_tokens().await.expect("list");
    assert_eq!(stored.len(), 1);
    assert!(!issued.token.contains(&stored[0].secret_hash.to_hex()), "the hash is not the secret");

    let mut altered = issued.token.clone();
    altered.pop();
    altered.push('x');
    for bad in [altered.as_str(), "cov_unknown_secret", "not a token", ""] {
        let refused = app::authenticate(stores.tokens.as_ref(), bad, now).await;
        assert!(matches!(refused, Err(AccessError::Unauthenticated(_))), "{bad}: {refused:?}");
    }

    app::revoke_token(stores.tokens.as_ref(), &issued.record.id, now).await.expect("revoke");
    let revoked = app::authenticate(stores.tokens.as_ref(), &issued.token, now).await;
    assert!(matches!(revoked, Err(AccessError::Unauthenticated(_))), "{revoked:?}");
    assert!(app::revoke_token(stores.tokens.as_ref(), &issued.record.id, now).await.is_err(), "revoked once only");

    let unscoped = app::create_token(stores.tokens.as_ref(), Role::Contributor, None, "x", None, now).await;
    assert!(matches!(unscoped, Err(AccessError::Invalid(_))), "a contributor needs an organisation");
}

on_both_backends!(tokens_authenticate_until_revoked_and_only_their_hash_is_kept);
