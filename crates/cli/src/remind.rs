//! `covenant remind`: send each organisation's contact one e-mail listing its overdue, due-soon
//! and stale actions, through the SMTP server of `covenant.toml`'s `[reminders]` table, and
//! record each reminder; a week has one reminder per organisation.

use std::process::ExitCode;

use app::{Config, OpenMode, Recorder, Reports};
use domain::Date;
use projections::Unverified;

/// Send this week's reminders: one e-mail to each organisation's contact listing its actions
/// that are overdue, due soon or stale, each with a link to its page on the dashboard. Each
/// reminder is recorded as an event; an organisation already reminded this week (an ISO week),
/// without a contact, opted out, or with nothing to chase is skipped. The SMTP server, the sender
/// and the dashboard's address come from the `[reminders]` table of covenant.toml.
///
/// Example:
///
///   covenant remind --today 2026-12-04
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The day actions are counted against, and whose ISO week the reminders are for (default:
    /// today).
    #[arg(long, value_name = "DATE", value_parser = domain::parse_date)]
    today: Option<Date>,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let Some(settings) = &config.reminders else {
        anyhow::bail!(
            "no [reminders] table in covenant.toml: add one with smtp_host, smtp_port, from and dashboard (docs/packs.md)"
        );
    };
    let today = args.today.unwrap_or_else(|| kernel::Timestamp::now().as_datetime().date_naive());
    let stores = crate::open(config, OpenMode::Existing).await?;
    let recorder = Recorder::new(stores.events.clone());
    let reports = Reports::once(stores, config.rules, Unverified::Refuse);
    let sent = app::reminders::send_due(&reports, &recorder, settings, today).await?;
    for s in &sent {
        println!(
            "reminded {} <{}> of {} actions for {}",
            s.reminder.name,
            s.reminder.contact.email,
            s.reminder.actions.len(),
            s.reminder.period
        );
    }
    println!("{} reminders sent for {}", sent.len(), app::reports::iso_week(today));
    Ok(ExitCode::SUCCESS)
}
