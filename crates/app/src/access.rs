//! Who may do what: the five roles, what each may do, and the principal a request acts for: the
//! holder of a token, or a person signed in with their organisation's account.
//!
//! | Role | May |
//! |---|---|
//! | admin | everything, including seeing who signed in recently, ending any session, and managing webhook subscriptions |
//! | secretariat | record any command; read the reports, the signed checkpoint and its proofs |
//! | contributor | report progress on, reach milestones of and complete its own organisation's commitments; record and revise readings of the indicators its organisation owns; read the reports, the signed checkpoint and its proofs |
//! | auditor | read the reports, the audit trail and the event feed; export the event log; verify the hash chain; read the signed checkpoint and its proofs |
//! | reader | read the reports, the signed checkpoint and its proofs |
//!
//! A contributor's scope is checked against the stream as recorded, and the version it was
//! checked at becomes the command's expected version, so a commitment transferred to another
//! organisation meanwhile cannot be written by the old one's contributor.

use std::fmt;

use domain::{Aggregate, Command, OrgId, codec, commitment, indicator};
use kernel::{EventStore, StoreError, StreamBound};

/// A token's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Secretariat,
    Contributor,
    Auditor,
    Reader,
}

/// Something a principal may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record a command on an aggregate.
    Record(Aggregate),
    /// Read the status board, resolution register, action log and indicators.
    ReadReports,
    /// Read the audit trail.
    ReadAudit,
    /// Read the event feed.
    ReadFeed,
    /// Export the event log.
    Export,
    /// Import a file of facts (an action plan, a ModernGov meeting or committee list).
    Import,
    /// Recompute the hash chain.
    Verify,
    /// Read the latest signed checkpoint and proofs against it.
    ReadProofs,
    /// See who signed in recently, and end any session: administrators only.
    ManageSessions,
    /// List, add and remove webhook subscriptions, and replay their dead letters:
    /// administrators only.
    ManageWebhooks,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Secretariat, Role::Contributor, Role::Auditor, Role::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
            Role::Reader => "reader",
        }
    }

    /// Reads a role by its name.
    pub fn parse(text: &str) -> Result<Role, AccessError> {
        Role::ALL.into_iter().find(|r| r.as_str() == text).ok_or_else(|| AccessError::UnknownRole(text.to_owned()))
    }

    /// Whether the role may do `action` at all (a contributor's scope is checked apart).
    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Admin => true,
            Role::Secretariat => {
                matches!(action, Action::Record(_) | Action::Import | Action::ReadReports | Action::ReadProofs)
            }
            Role::Contributor => matches!(
                action,
                Action::Record(Aggregate::Commitment | Aggregate::Indicator) | Action::ReadReports | Action::ReadProofs
            ),
            Role::Auditor => {
                !matches!(action, Action::Record(_) | Action::Import | Action::ManageSessions | Action::ManageWebhooks)
            }
            Role::Reader => matches!(action, Action::ReadReports | Action::ReadProofs),
        }
    }

    /// Whether tokens of this role act for one organisation.
    pub fn is_scoped(self) -> bool {
        self == Role::Contributor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a request acts for: the holder of a valid token, or a person in a session begun by
/// signing in with an OpenID provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's name, or the person's name as their ID token gave it.
    pub name: String,
    pub role: Role,
    /// The organisation a contributor acts for.
    pub organisation: Option<OrgId>,
    pub credential: Credential,
}

/// What a principal proved itself with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A token Covenant issued, by its public id.
    Token { id: String },
    /// A person's ID token from a configured provider: their email, when it gave one, the
    /// provider's configured name, and their subject (`sub`) there.
    Person { email: Option<String>, provider: String, subject: String },
}

impl Principal {
    /// The actor recorded on every event this principal causes: the token's name and id, or the
    /// person's name and email and the provider they signed in with.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::Token { id } => format!("{} (token {id})", self.name),
            Credential::Person { email: Some(email), provider, .. } => {
                format!("{} <{email}> (signed in with {provider})", self.name)
            }
            Credential::Person { email: None, provider, subject } => {
                format!("{} (signed in with {provider} as {subject})", self.name)
            }
        }
    }

    /// What keeps this principal's idempotency keys apart from everyone else's: the token's id,
    /// or the provider and the person's subject there.
    pub fn scope(&self) -> String {
        match &self.credential {
            Credential::Token { id } => id.clone(),
            // The provider's length first, so no two providers' names and subjects run together
            // the same; and no NUL, which PostgreSQL text cannot hold.
            Credential::Person { provider, subject, .. } => format!("{}:{provider}:{subject}", provider.len()),
        }
    }

    /// Refuses `action` unless the role allows it.
    pub fn require(&self, action: Action) -> Result<(), AccessError> {
        if self.role.may(action) {
            return Ok(());
        }
        let what = match action {
            Action::Record(aggregate) => format!("record {} commands", aggregate.prefix()),
            Action::ReadReports => "read the reports".to_owned(),
            Action::ReadAudit => "read the audit trail".to_owned(),
            Action::ReadFeed => "read the event feed".to_owned(),
            Action::Export => "export the event log".to_owned(),
            Action::Import => "import files".to_owned(),
            Action::Verify => "verify the hash chain".to_owned(),
            Action::ReadProofs => "read the signed checkpoint and its proofs".to_owned(),
            Action::ManageSessions => "see who signed in or end their sessions".to_owned(),
            Action::ManageWebhooks => "manage webhook subscriptions".to_owned(),
        };
        Err(AccessError::Forbidden(match self.credential {
            Credential::Token { .. } => {
                format!("a {} token may not {what}: ask an administrator for a token with a role that may", self.role)
            }
            Credential::Person { .. } => format!(
                "your account has the {} role, which may not {what}: ask an administrator for a role that may",
                self.role
            ),
        }))
    }

    /// Refuses `command` unless this principal's role may send commands of its kind at all: a
    /// contributor only reports on commitments and records indicators' readings. Whose the
    /// stream is, is checked when the command is sent ([`Principal::authorize`]).
    pub fn may_send(&self, command: &Command) -> Result<(), AccessError> {
        self.require(Action::Record(command.aggregate()))?;
        let allowed = !self.role.is_scoped()
            || matches!(
                command,
                Command::Commitment(
                    commitment::Command::ReportProgress { .. }
                        | commitment::Command::ReachMilestone { .. }
                        | commitment::Command::Complete { .. }
                ) | Command::Indicator(
                    indicator::Command::RecordMeasurement { .. } | indicator::Command::ReviseMeasurement { .. }
                )
            );
        if allowed {
            return Ok(());
        }
        Err(AccessError::Forbidden(
            "a contributor token may only report progress on, reach milestones of or complete a commitment, or record or revise an indicator's readings: ask the secretariat to record anything else".to_owned(),
        ))
    }

    /// Checks that this principal may send `command`. For a contributor, reads the command's
    /// stream and returns the version at which its organisation was found to hold it: the
    /// version the command must then be recorded against.
    pub async fn authorize(&self, store: &dyn EventStore, command: &Command) -> Result<Option<u64>, AccessError> {
        self.may_send(command)?;
        if !self.role.is_scoped() {
            return Ok(None);
        }
        let stream = command.stream_id();
        let recorded = store.read_stream(&stream, StreamBound::All).await?;
        let mut commitment_state = commitment::State::default();
        let mut indicator_state = indicator::State::default();
        for event in &recorded {
            let decoded = codec::decode_recorded(event).map_err(|e| {
                AccessError::Unreadable(format!("the event at position {} cannot be read: {e}", event.position))
            })?;
            if let Some(e) = decoded.commitment() {
                commitment_state = commitment::evolve(commitment_state, e);
            } else if let Some(e) = decoded.indicator() {
                indicator_state = indicator::evolve(indicator_state, e);
            }
        }
        let holder = commitment_state.organisation.or(indicator_state.owner);
        if holder.is_none() || holder != self.organisation {
            let organisation =
                self.organisation.as_ref().map_or_else(|| "no organisation".to_owned(), |o| o.to_string());
            return Err(AccessError::Forbidden(format!(
                "{stream} is not held by {organisation}, the organisation this contributor token acts for: a contributor may only report on its own organisation's commitments and indicators"
            )));
        }
        Ok(Some(recorded.last().map_or(0, |e| e.stream_version)))
    }
}

/// Why a token or a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("'{0}' is not a role: use admin, secretariat, contributor, auditor or reader")]
    UnknownRole(String),
    /// The request carries no usable token.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role or organisation does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// A token to create or revoke is not valid as asked.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The log holds an event this build cannot read.
    #[error("{0}")]
    Unreadable(String),
}
