//! Sending reminders: each reminder [`crate::Reports::reminders_due`] finds is sent to the
//! organisation's contact as one e-mail (a plain text part and an HTML part) listing its actions
//! with a link to the dashboard's page for each, where its progress is reported; then recorded
//! as `OrganisationReminded` through the [`Recorder`], so the audit trail shows who was chased
//! and when, and the domain refuses a second reminder for the same week, also after a restart.
//!
//! The message is recorded after the mail server accepts it: a process stopped between the two
//! sends that week's reminder again on its next run, once.

use domain::organisation;
use domain::{Command, Date};
use kernel::Timestamp;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use maud::html;
use projections::{ActionRow, rag_in_words};

use crate::reports::Reminder;
use crate::{Provenance, RecordError, Recorder, ReportError, Reports, Submission};

/// Where reminders are sent from and through: the `[reminders]` table of `covenant.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReminderSettings {
    /// The SMTP server's host and port (plain SMTP, as a relay on the same network offers it).
    pub smtp_host: String,
    pub smtp_port: u16,
    /// The sender, such as `Board secretariat <secretariat@lincolnshire.gov.uk>`.
    pub from: String,
    /// The dashboard's address, such as `https://covenant.lincolnshire.gov.uk`: each action's
    /// link is its page under `/dashboard/actions/`.
    pub dashboard: String,
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
    #[error("failed to write the reminder to {to}: {detail}")]
    Message { to: String, detail: String },
    #[error("failed to send the reminder to {to} through {server}: {detail}; nothing was recorded for it")]
    Send { to: String, server: String, detail: String },
    #[error("failed to record the reminder sent to {to}: {error}")]
    Record { to: String, error: RecordError },
}

/// Sends every reminder due on `today` and records each; the ones sent before an error stay
/// sent and recorded.
pub async fn send_due(
    reports: &Reports,
    recorder: &Recorder,
    settings: &ReminderSettings,
    today: Date,
) -> Result<Vec<Sent>, ReminderError> {
    let from: Mailbox = settings.from.parse().map_err(|_| ReminderError::From(settings.from.clone()))?;
    let mailer =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.smtp_host).port(settings.smtp_port).build();
    let server = format!("{}:{}", settings.smtp_host, settings.smtp_port);
    let mut sent = Vec::new();
    for reminder in reports.reminders_due(today).await? {
        let to = reminder.contact.email.clone();
        let message = message(&reminder, &from, &settings.dashboard)
            .map_err(|detail| ReminderError::Message { to: to.clone(), detail })?;
        mailer.send(message).await.map_err(|e| ReminderError::Send {
            to: to.clone(),
            server: server.clone(),
            detail: e.to_string(),
        })?;
        let command = Command::Organisation(organisation::Command::RecordReminder {
            id: reminder.organisation.clone(),
            period: reminder.period.clone(),
            to: to.clone(),
            actions: reminder.actions.iter().map(|a| a.commitment.clone()).collect(),
        });
        let submission = Submission { command, provenance: Provenance::new("covenant remind") };
        recorder.record(&submission, Timestamp::now()).await.map_err(|error| ReminderError::Record { to, error })?;
        sent.push(Sent { reminder });
    }
    Ok(sent)
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
