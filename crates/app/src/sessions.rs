//! Dashboard sessions: begun when someone signs in (with a token, or as a person with an OpenID
//! provider), kept server-side, and held in the browser only as a random id whose SHA-256 hash is
//! what the database keeps. A session lapses once idle for longer than its idle limit or older
//! than its absolute limit, is renewed each time it is used, and ends at sign-out or when an
//! administrator ends it. A session begun with a token also ends the moment the token is revoked
//! or expires: the token is looked up on every use.

use std::time::Duration;

use domain::OrgId;
use kernel::{Hash, Prune, SessionRecord, SessionStore, Timestamp, TokenStore};
use sha2::{Digest, Sha256};

use crate::{AccessError, Credential, Principal, Role};

/// How long a session may go unused, unless `idle_minutes` says otherwise: a council PC left
/// signed in is shared, so half an hour.
pub const DEFAULT_IDLE_MINUTES: u64 = 30;
/// How long a session that has ended or lapsed is kept, so that the administrators' sign-ins page
/// can show who signed in recently and as what, before it is pruned: thirty days.
pub const KEEP_ENDED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often `covenant serve` prunes ended and lapsed sessions and stale sign-ins.
pub const PRUNE_EVERY: Duration = Duration::from_secs(10 * 60);
/// How long a session lasts however much it is used, unless `absolute_hours` says otherwise: a
/// working day.
pub const DEFAULT_ABSOLUTE_HOURS: u64 = 8;

/// When sessions lapse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(DEFAULT_IDLE_MINUTES * 60),
            absolute: Duration::from_secs(DEFAULT_ABSOLUTE_HOURS * 3600),
        }
    }
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Active,
    /// Signed out, or ended by an administrator.
    Ended,
    /// Unused for longer than the idle limit, or older than the absolute limit.
    Lapsed,
}

impl SessionState {
    /// Where `session` stands at `now` under `limits`.
    pub fn of(session: &SessionRecord, limits: SessionLimits, now: Timestamp) -> SessionState {
        let since = |then: Timestamp| u64::try_from(now.as_micros().saturating_sub(then.as_micros())).unwrap_or(0);
        let micros = |limit: Duration| u64::try_from(limit.as_micros()).unwrap_or(u64::MAX);
        if session.ended_at.is_some() {
            SessionState::Ended
        } else if since(session.last_seen_at) > micros(limits.idle)
            || since(session.created_at) > micros(limits.absolute)
        {
            SessionState::Lapsed
        } else {
            SessionState::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::Ended => "ended",
            SessionState::Lapsed => "lapsed",
        }
    }
}

/// A session just begun: its record, and the id for the browser's cookie, which is not kept.
#[derive(Clone, Debug)]
pub struct BegunSession {
    pub id: String,
    pub record: SessionRecord,
}

/// A session as the administrators' page lists it: its record, where it stands, and the handle
/// by which an administrator ends it (the hex of its id's hash, which cannot be used to sign in).
#[derive(Clone, Debug)]
pub struct SignIn {
    pub record: SessionRecord,
    pub state: SessionState,
    pub handle: String,
}

/// Begins a session for `principal` at `now`.
pub async fn begin_session(
    store: &dyn SessionStore,
    principal: &Principal,
    now: Timestamp,
) -> Result<BegunSession, AccessError> {
    let id = hex::encode(rand::random::<[u8; 32]>());
    let (token_id, provider, subject, email) = match &principal.credential {
        Credential::Token { id } => (Some(id.clone()), None, None, None),
        Credential::Person { email, provider, subject } => {
            (None, Some(provider.clone()), Some(subject.clone()), email.clone())
        }
    };
    let record = SessionRecord {
        id_hash: hash(&id),
        name: principal.name.clone(),
        role: principal.role.as_str().to_owned(),
        organisation: principal.organisation.as_ref().map(ToString::to_string),
        token_id,
        provider,
        subject,
        email,
        created_at: now,
        last_seen_at: now,
        ended_at: None,
    };
    store.insert_session(&record).await?;
    Ok(BegunSession { id, record })
}

/// The principal of the session with id `id` at `now`, renewing it; refused when there is no
/// such session, when it has ended or lapsed, or when the token it was begun with has been
/// revoked or has expired. Every refusal is the same, so a caller learns nothing of other
/// sessions.
pub async fn resume_session(
    sessions: &dyn SessionStore,
    tokens: &dyn TokenStore,
    id: &str,
    limits: SessionLimits,
    now: Timestamp,
) -> Result<Principal, AccessError> {
    let refused = || {
        AccessError::Unauthenticated(format!(
            "your session has ended: you signed out, an administrator ended it, it was unused for more than {} minutes or it began more than {} hours ago; sign in again",
            limits.idle.as_secs() / 60,
            limits.absolute.as_secs() / 3600
        ))
    };
    let id_hash = hash(id);
    let Some(record) = sessions.find_session(&id_hash).await? else {
        return Err(refused());
    };
    if SessionState::of(&record, limits, now) != SessionState::Active {
        return Err(refused());
    }
    let principal = match &record.token_id {
        Some(token_id) => {
            let token = tokens.find_token(token_id).await?.ok_or_else(refused)?;
            crate::tokens::holder(token, now).ok_or_else(refused)??
        }
        None => person(record)?,
    };
    if !sessions.touch_session(&id_hash, now).await? {
        return Err(refused());
    }
    Ok(principal)
}

/// The person a session begun with an OpenID provider stands for.
fn person(record: SessionRecord) -> Result<Principal, AccessError> {
    let unreadable = || AccessError::Unreadable("a stored session names no provider or subject".to_owned());
    let organisation = record.organisation.map(OrgId::parse).transpose().map_err(|e| {
        AccessError::Unreadable(format!("a stored session names an organisation that is not valid: {e}"))
    })?;
    Ok(Principal {
        name: record.name,
        role: Role::parse(&record.role)?,
        organisation,
        credential: Credential::Person {
            email: record.email,
            provider: record.provider.ok_or_else(unreadable)?,
            subject: record.subject.ok_or_else(unreadable)?,
        },
    })
}

/// Ends the session with id `id` (signing out), giving the session ended, if there was one that
/// had not ended already.
pub async fn end_session(
    store: &dyn SessionStore,
    id: &str,
    now: Timestamp,
) -> Result<Option<SessionRecord>, AccessError> {
    let id_hash = hash(id);
    let Some(session) = store.find_session(&id_hash).await? else { return Ok(None) };
    Ok(store.end_session(&id_hash, now).await?.then_some(session))
}

/// Ends the session an administrator chose by its `handle`, at once.
pub async fn end_session_by_handle(store: &dyn SessionStore, handle: &str, now: Timestamp) -> Result<(), AccessError> {
    let not_one = || {
        AccessError::Invalid(
            "there is no session with that handle that has not already ended: choose one from the list of recent sign-ins".to_owned(),
        )
    };
    let id_hash = Hash::parse_hex(handle).map_err(|_| not_one())?;
    if store.end_session(&id_hash, now).await? { Ok(()) } else { Err(not_one()) }
}

/// Deletes the sessions that stopped being usable more than [`KEEP_ENDED_FOR`] before `now`:
/// ended then, or by then unused for longer than `limits.idle` or older than `limits.absolute`.
/// Gives how many there were.
pub async fn prune_sessions(
    store: &dyn SessionStore,
    limits: SessionLimits,
    now: Timestamp,
) -> Result<u64, AccessError> {
    let kept_since = now.before(KEEP_ENDED_FOR);
    let prune = Prune {
        ended_before: kept_since,
        last_seen_before: kept_since.before(limits.idle),
        created_before: kept_since.before(limits.absolute),
    };
    Ok(store.prune_sessions(prune).await?)
}

/// The `limit` sessions begun most recently, newest first, with where each stands at `now`.
pub async fn recent_sign_ins(
    store: &dyn SessionStore,
    limit: u32,
    limits: SessionLimits,
    now: Timestamp,
) -> Result<Vec<SignIn>, AccessError> {
    Ok(store
        .recent_sessions(limit)
        .await?
        .into_iter()
        .map(|record| SignIn { state: SessionState::of(&record, limits, now), handle: record.id_hash.to_hex(), record })
        .collect())
}

/// The SHA-256 hash under which a secret the browser holds (a session's id, a sign-in's state)
/// is kept.
pub(crate) fn hash(id: &str) -> Hash {
    Hash(Sha256::digest(id.as_bytes()).into())
}
