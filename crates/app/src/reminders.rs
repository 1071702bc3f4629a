//! Sending reminders: each reminder [`crate::Reports::reminders_due`] finds is sent to the
//! organisation's contact as one e-mail (a plain text part and an HTML part) listing its actions
//! with a link to the dashboard's page for each, where its progress is reported; then recorded
//! as `OrganisationReminded` through the [`Recorder`], so the audit trail shows who was chased
//! and when, and the domain refuses a second reminder for the same week, also after a restart.
//!
//! Each reminder is recorded before its message is sent, so the record claims the organisation's
//! week: of two processes sending at once (two `covenant serve`, or one and `covenant remind`)
//! only the one whose record the domain accepts sends; the other skips it. A process stopped
//! between the record and the send, or a mail server that refuses the message, leaves that
//! week's reminder recorded and not delivered: the error says so, and the next week's is sent as
//! usual. A contact is never sent two reminders for one week.
//!
//! [`send_scheduled`] is the step `covenant serve` takes at its start and at each time of the
//! [`Schedule`]: the same [`send_due`] as `covenant remind`, once this week's time has come.

use std::fmt;

use chrono::{DateTime, Duration, Utc, Weekday};
use domain::{Command, Date, DomainError, organisation};
use kernel::Timestamp;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use maud::html;
use projections::{ActionRow, rag_in_words};

use crate::reports::Reminder;
use crate::{Provenance, RecordError, Recorder, ReportError, Reports, Submission};

/// Where reminders are sent from and through: the `[reminders]` table of `covenant.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderSettings {
    /// The SMTP server's host and port.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// How the connection to it is secured.
    pub security: SmtpSecurity,
    /// The user name and password it asks for, if it asks for one.
    pub login: Option<SmtpLogin>,
    /// A certificate authority (PEM) trusted for the server's certificate besides the Mozilla
    /// roots: an organisation's own, for a mail server inside its network.
    pub ca_certificate: Option<String>,
    /// When `covenant serve` sends them.
    pub schedule: Schedule,
    /// The sender, such as `Board secretariat <secretariat@lincolnshire.gov.uk>`.
    pub from: String,
    /// The dashboard's address, such as `https://covenant.lincolnshire.gov.uk`: each action's
    /// link is its page under `/dashboard/actions/`.
    pub dashboard: String,
}

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP, as a relay on the same network may accept it (port 25).
    #[default]
    None,
    /// Plain SMTP upgraded with STARTTLS before anything is sent, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte, "implicit TLS" (port 465).
    Tls,
}

impl SmtpSecurity {
    /// The setting named `name`, as `smtp_security` gives it.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(SmtpSecurity::None),
            "starttls" => Some(SmtpSecurity::StartTls),
            "tls" => Some(SmtpSecurity::Tls),
            _ => None,
        }
    }

    /// The port the server listens on for this kind of connection, unless told otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

/// The user name and password the SMTP server asks for; the password never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpLogin {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for SmtpLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpLogin").field("user", &self.user).field("password", &"…").finish()
    }
}

/// When `covenant serve` sends reminders: once a week on a weekday at an hour (UTC), or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    Weekly { weekday: Weekday, hour: u32 },
    Off,
}

impl Default for Schedule {
    /// Mondays at 09:00 UTC.
    fn default() -> Self {
        Schedule::Weekly { weekday: Weekday::Mon, hour: 9 }
    }
}

impl Schedule {
    /// The time reminders are due in the ISO week of `now`, if the schedule sends any.
    pub fn this_week(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let Schedule::Weekly { weekday, hour } = self else { return None };
        let day =
            now.date_naive().week(Weekday::Mon).first_day() + Duration::days(weekday.days_since(Weekday::Mon).into());
        Some(day.and_hms_opt(hour, 0, 0)?.and_utc())
    }

    /// The next time reminders are due after `now`: this week's if it is still to come, else
    /// next week's.
    pub fn next(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let this_week = self.this_week(now)?;
        Some(if this_week > now { this_week } else { this_week + Duration::weeks(1) })
    }
}

/// A reminder sent and recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub reminder: Reminder,
}

/// Why reminders could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("[reminders] from is '{0}', which is not a mailbox: give one such as secretariat@example.gov.uk")]
    From(String),
    #[error(
        "[reminders] smtp_host is '{server}', which cannot be reached over TLS: {detail}; give the server's name as its certificate names it"
    )]
    Server { server: String, detail: String },
    #[error("failed to write the reminder to {to}: {detail}")]
    Message { to: String, detail: String },
    #[error(
        "failed to send the reminder to {to} through {server}: {detail}; it is recorded as sent for its week, so it will not be sent again: tell the contact yourself"
    )]
    Send { to: String, server: String, detail: String },
    #[error("failed to record the reminder sent to {to}: {error}")]
    Record { to: String, error: RecordError },
}

/// Sends every reminder due on `today` and records each, the record first; the ones sent
/// before an error stay sent and recorded, and one another process recorded first is skipped.
pub async fn send_due(
    reports: &Reports,
    recorder: &Recorder,
    settings: &ReminderSettings,
    today: Date,
) -> Result<Vec<Sent>, ReminderError> {
    let from: Mailbox = settings.from.parse().map_err(|_| ReminderError::From(settings.from.clone()))?;
    let mailer = mailer(settings)
        .map_err(|e| ReminderError::Server { server: settings.smtp_host.clone(), detail: e.to_string() })?;
    let server = format!("{}:{}", settings.smtp_host, settings.smtp_port);
    let mut sent = Vec::new();
    for reminder in reports.reminders_due(today).await? {
        let to = reminder.contact.email.clone();
        let message = message(&reminder, &from, &settings.dashboard)
            .map_err(|detail| ReminderError::Message { to: to.clone(), detail })?;
        let command = Command::Organisation(organisation::Command::RecordReminder {
            id: reminder.organisation.clone(),
            period: reminder.period.clone(),
            to: to.clone(),
            actions: reminder.actions.iter().map(|a| a.commitment.clone()).collect(),
        });
        let submission = Submission { command, provenance: Provenance::new("covenant remind") };
        match recorder.record(&submission, Timestamp::now()).await {
            Ok(_) => {}
            Err(RecordError::Rejected {
                error: DomainError::Organisation(organisation::Error::AlreadyReminded { .. }),
                ..
            }) => continue,
            Err(error) => return Err(ReminderError::Record { to, error }),
        }
        mailer.send(message).await.map_err(|e| ReminderError::Send {
            to: to.clone(),
            server: server.clone(),
            detail: e.to_string(),
        })?;
        sent.push(Sent { reminder });
    }
    Ok(sent)
}

/// Sends the reminders due at `now` once the schedule's time this week has come (and none
/// before it, or when the schedule is off): what `covenant serve` does at its start and at each
/// of the schedule's times. A second process, or a restart, the same week sends nothing more.
pub async fn send_scheduled(
    reports: &Reports,
    recorder: &Recorder,
    settings: &ReminderSettings,
    now: DateTime<Utc>,
) -> Result<Vec<Sent>, ReminderError> {
    match settings.schedule.this_week(now) {
        Some(due) if due <= now => send_due(reports, recorder, settings, now.date_naive()).await,
        _ => Ok(Vec::new()),
    }
}

/// The connection to the SMTP server the settings name, secured and logged in as they say.
fn mailer(settings: &ReminderSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let host = &settings.smtp_host;
    let tls = || {
        let mut parameters = TlsParameters::builder(host.clone());
        if let Some(pem) = &settings.ca_certificate {
            parameters = parameters.add_root_certificate(Certificate::from_pem(pem.as_bytes())?);
        }
        parameters.build_rustls()
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(settings.smtp_port);
    let builder = match settings.security {
        SmtpSecurity::None => builder,
        SmtpSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
    };
    Ok(match &settings.login {
        Some(login) => builder.credentials(Credentials::new(login.user.clone(), login.password.clone())),
        None => builder,
    }
    .build())
}

/// The e-mail of `reminder`: a plain text part and an HTML part saying the same.
fn message(reminder: &Reminder, from: &Mailbox, dashboard: &str) -> Result<Message, String> {
    let to =
        Mailbox::new(Some(reminder.contact.name.clone()), reminder.contact.email.parse().map_err(|e| format!("{e}"))?);
    let base = dashboard.trim_end_matches('/');
    let link = |a: &ActionRow| format!("{base}/dashboard/actions/{}", a.commitment);
    let subject = format!("{}: {} actions need an update ({})", reminder.name, reminder.actions.len(), reminder.period);
    let mut text = format!(
        "Dear {},\n\nThese actions {} answers for are overdue, due soon or have had no progress report for a while.\nPlease report progress on each at the link beside it.\n\n",
        reminder.contact.name, reminder.name
    );
    for a in &reminder.actions {
        text.push_str(&format!(
            "- {} (due {}; {}; RAG {}{})\n  {}\n",
            a.title,
            a.due_on.map_or_else(|| "-".to_owned(), |d| d.to_string()),
            domain::values::in_words(&a.state),
            rag_in_words(a.rag),
            if a.stale { "; no recent progress report" } else { "" },
            link(a)
        ));
    }
    text.push_str("\nTo stop these reminders, ask the board secretariat to opt your organisation out.\n");
    let page = html! {
        p { "Dear " (reminder.contact.name) "," }
        p { "These actions " (reminder.name) " answers for are overdue, due soon or have had no progress report for a while. Please report progress on each at its link." }
        ul {
            @for a in &reminder.actions {
                li {
                    a href=(link(a)) { (a.title) }
                    " (due " (a.due_on.map_or_else(|| "-".to_owned(), |d| d.to_string())) "; "
                    (domain::values::in_words(&a.state)) "; RAG " (rag_in_words(a.rag))
                    @if a.stale { "; no recent progress report" } ")"
                }
            }
        }
        p { "To stop these reminders, ask the board secretariat to opt your organisation out." }
    };
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(text, page.into_string()))
        .map_err(|e| e.to_string())
}
