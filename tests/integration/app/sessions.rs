//! Dashboard sessions: only the hash of a session's id is stored; a session lapses once idle
//! for longer than the idle limit or older than the absolute limit, is renewed by use, ends at
//! sign-out or by an administrator's handle, and a session begun with a token ends the moment
//! the token is revoked. A person's session names them as the actor. Sessions ended or lapsed
//! more than thirty days ago, and sign-ins under way begun more than ten minutes ago, are pruned;
//! no more sign-ins are kept under way at once than the bound allows.

use std::time::Duration;

use app::{AccessError, Credential, Principal, Role, SessionLimits, SessionState};
use kernel::Timestamp;
use tests::{TestStore, on_both_backends};

fn later(at: Timestamp, by: Duration) -> Timestamp {
    Timestamp::from_micros(at.as_micros() + i64::try_from(by.as_micros()).expect("fits")).expect("in range")
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

async fn sessions_lapse_when_idle_or_old_and_are_renewed_by_use(db: &TestStore) {
    let stores = db.stores().await;
    let (sessions, tokens) = (stores.sessions.as_ref(), stores.tokens.as_ref());
    let start = Timestamp::now();
    let limits = SessionLimits { idle: minutes(30), absolute: minutes(8 * 60) };
    let issued = app::create_token(tokens, Role::Secretariat, None, "clerk@lincolnshire.gov.uk", None, start)
        .await
        .expect("a token");
    let principal = app::authenticate(tokens, &issued.token, start).await.expect("valid");
    let begun = app::begin_session(sessions, &principal, start).await.expect("a session");

    let stored = sessions.recent_sessions(10).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].id_hash.to_hex().contains(&begun.id), "the stored hash is not the id");
    assert_ne!(stored[0].id_hash.to_hex(), begun.id);
    assert_eq!(stored[0].token_id.as_deref(), Some(issued.record.id.as_str()));

    // Used every 25 minutes, the session lives on past its first half hour...
    let mut at = start;
    for _ in 0..4 {
        at = later(at, minutes(25));
        let resumed = app::resume_session(sessions, tokens, &begun.id, limits, at).await.expect("renewed by use");
        assert_eq!(resumed.actor(), principal.actor(), "the token's session acts as the token");
    }
    // ...but not once left for 31 minutes.
    let idle = later(at, minutes(31));
    let lapsed = app::resume_session(sessions, tokens, &begun.id, limits, idle).await;
    assert!(matches!(&lapsed, Err(AccessError::Unauthenticated(why)) if why.contains("30 minutes")), "{lapsed:?}");

    // Used every 20 minutes, a session still ends 8 hours after it began.
    let other = app::begin_session(sessions, &principal, start).await.expect("a second session");
    let mut at = start;
    while later(at, minutes(20)) <= later(start, minutes(8 * 60)) {
        at = later(at, minutes(20));
        app::resume_session(sessions, tokens, &other.id, limits, at).await.expect("within the working day");
    }
    let old = later(start, minutes(8 * 60 + 1));
    let ended = app::resume_session(sessions, tokens, &other.id, limits, old).await;
    assert!(matches!(ended, Err(AccessError::Unauthenticated(_))), "{ended:?}");
    let listed = app::recent_sign_ins(sessions, 10, limits, old).await.expect("list");
    assert!(listed.iter().all(|s| s.state == SessionState::Lapsed), "{listed:?}");
}

async fn a_session_ends_at_sign_out_by_an_administrator_or_when_its_token_is_revoked(db: &TestStore) {
    let stores = db.stores().await;
    let (sessions, tokens) = (stores.sessions.as_ref(), stores.tokens.as_ref());
    let now = Timestamp::now();
    let limits = SessionLimits::default();
    let issued = app::create_token(tokens, Role::Reader, None, "board member", None, now).await.expect("a token");
    let principal = app::authenticate(tokens, &issued.token, now).await.expect("valid");

    let signed_out = app::begin_session(sessions, &principal, now).await.expect("a session");
    app::end_session(sessions, &signed_out.id, now).await.expect("signed out");
    assert!(app::resume_session(sessions, tokens, &signed_out.id, limits, now).await.is_err(), "signed out");

    let ended = app::begin_session(sessions, &principal, now).await.expect("a session");
    let listed = app::recent_sign_ins(sessions, 10, limits, now).await.expect("list");
    let handle = &listed.iter().find(|s| s.state == SessionState::Active).expect("the active one").handle;
    app::end_session_by_handle(sessions, handle, now).await.expect("ended by an administrator");
    assert!(app::resume_session(sessions, tokens, &ended.id, limits, now).await.is_err(), "ended at once");
    let again = app::end_session_by_handle(sessions, handle, now).await;
    assert!(matches!(again, Err(AccessError::Invalid(_))), "ended once only: {again:?}");
    assert!(app::end_session_by_handle(sessions, "not a handle", now).await.is_err());

    let revoked = app::begin_session(sessions, &principal, now).await.expect("a session");
    app::resume_session(sessions, tokens, &revoked.id, limits, now).await.expect("valid before");
    app::revoke_token(tokens, &issued.record.id, now).await.expect("revoked");
    let refused = app::resume_session(sessions, tokens, &revoked.id, limits, now).await;
    assert!(matches!(refused, Err(AccessError::Unauthenticated(_))), "revocation is at once: {refused:?}");
    assert!(app::resume_session(sessions, tokens, "0000", limits, now).await.is_err(), "an unknown id");
}

async fn a_persons_session_names_them_and_their_provider(db: &TestStore) {
    let stores = db.stores().await;
    let (sessions, tokens) = (stores.sessions.as_ref(), stores.tokens.as_ref());
    let now = Timestamp::now();
    let person = Principal {
        name: "Illustrative Officer".to_owned(),
        role: Role::Contributor,
        organisation: Some(domain::OrgId::parse("GB-LAE-WLI").expect("org")),
        credential: Credential::Person {
            email: Some("officer@west-lindsey.gov.uk".to_owned()),
            provider: "West Lindsey District Council".to_owned(),
            subject: "0b4c1e".to_owned(),
        },
    };
    let begun = app::begin_session(sessions, &person, now).await.expect("a session");
    let resumed = app::resume_session(sessions, tokens, &begun.id, SessionLimits::default(), now).await.expect("valid");
    assert_eq!(resumed, person);
    assert_eq!(
        resumed.actor(),
        "Illustrative Officer <officer@west-lindsey.gov.uk> (signed in with West Lindsey District Council)"
    );
}

async fn ended_and_lapsed_sessions_and_stale_sign_ins_are_pruned(db: &TestStore) {
    let stores = db.stores().await;
    let (sessions, sign_ins) = (stores.sessions.as_ref(), stores.sign_ins.as_ref());
    let now = Timestamp::now();
    let limits = SessionLimits::default();
    let days = |n: u64| Duration::from_secs(n * 24 * 3600);
    let person = |name: &str| Principal {
        name: name.to_owned(),
        role: Role::Reader,
        organisation: None,
        credential: Credential::Person {
            email: None,
            provider: "Lincolnshire County Council".to_owned(),
            subject: name.to_owned(),
        },
    };
    // Signed out 31 days ago: pruned. Signed out yesterday: kept, for the sign-ins page.
    let old = app::begin_session(sessions, &person("signed out long ago"), now.before(days(32))).await.expect("begun");
    app::end_session(sessions, &old.id, now.before(days(31))).await.expect("ended");
    let recent =
        app::begin_session(sessions, &person("signed out yesterday"), now.before(days(1))).await.expect("begun");
    app::end_session(sessions, &recent.id, now.before(days(1))).await.expect("ended");
    // Left unused 31 days and more ago: pruned. In use now: kept.
    app::begin_session(sessions, &person("left signed in"), now.before(days(31) + limits.idle)).await.expect("begun");
    app::begin_session(sessions, &person("at work"), now).await.expect("begun");
    // Sign-ins under way: begun eleven minutes ago, lapsed; begun nine minutes ago, kept.
    for (n, minutes_ago) in [(1u8, 11u64), (2, 9)] {
        assert!(sign_ins.insert_pending(&begun(n, now, minutes_ago), 10, now.before(minutes(10))).await.expect("kept"));
    }
    assert_eq!(db.count_rows("sessions").await, 4);
    assert_eq!(db.count_rows("pending_sign_ins").await, 2);

    assert_eq!(app::prune_sessions(sessions, limits, now).await.expect("pruned"), 2);
    assert_eq!(app::prune_pending(sign_ins, now).await.expect("pruned"), 1);
    assert_eq!(db.count_rows("sessions").await, 2);
    assert_eq!(db.count_rows("pending_sign_ins").await, 1);
    let kept: Vec<String> = sessions.recent_sessions(10).await.expect("list").into_iter().map(|s| s.name).collect();
    assert_eq!(kept, ["at work", "signed out yesterday"]);
    assert!(sign_ins.take_pending(&kernel::Hash([2; 32])).await.expect("read").is_some(), "the recent one is kept");
    assert_eq!(app::prune_sessions(sessions, limits, now).await.expect("pruned again"), 0, "nothing more to prune");
}

/// A sign-in begun `minutes_ago` before `now`, its state made from `n`.
fn begun(n: u8, now: Timestamp, minutes_ago: u64) -> kernel::PendingSignIn {
    kernel::PendingSignIn {
        state_hash: kernel::Hash([n; 32]),
        provider: "lincolnshire".to_owned(),
        nonce: format!("nonce-{n}"),
        verifier: format!("verifier-{n}"),
        begun_at: now.before(minutes(minutes_ago)),
    }
}

async fn sign_ins_under_way_are_bounded(db: &TestStore) {
    let stores = db.stores().await;
    let sign_ins = stores.sign_ins.as_ref();
    let now = Timestamp::parse("2021-03-09").expect("valid date");
    let since = now.before(minutes(10));
    // One begun before the window does not count against it.
    assert!(sign_ins.insert_pending(&begun(1, now, 11), 2, since).await.expect("kept"));
    assert!(sign_ins.insert_pending(&begun(2, now, 5), 2, since).await.expect("kept"));
    assert!(sign_ins.insert_pending(&begun(3, now, 1), 2, since).await.expect("kept"));
    assert!(
        !sign_ins.insert_pending(&begun(4, now, 0), 2, since).await.expect("read"),
        "a third within the window is refused"
    );
    assert_eq!(db.count_rows("pending_sign_ins").await, 3, "nothing is kept of the refused one");
    // Finishing one makes room.
    assert!(sign_ins.take_pending(&kernel::Hash([2; 32])).await.expect("taken").is_some());
    assert!(sign_ins.insert_pending(&begun(4, now, 0), 2, since).await.expect("kept"));
}

on_both_backends!(
    sign_ins_under_way_are_bounded,
    ended_and_lapsed_sessions_and_stale_sign_ins_are_pruned,
    sessions_lapse_when_idle_or_old_and_are_renewed_by_use,
    a_session_ends_at_sign_out_by_an_administrator_or_when_its_token_is_revoked,
    a_persons_session_names_them_and_their_provider,
);
