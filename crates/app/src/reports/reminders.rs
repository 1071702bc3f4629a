//! Who is due a reminder: each active organisation that names a contact, has not opted out, was
//! not yet reminded for the week of `today`, and has open actions overdue, due soon (within the
//! rules' window) or stale on that day. A read of the action log, as every report is.

use domain::organisation::Contact;
use domain::{Date, OrgId};
use projections::{ActionRow, ActionState, Filters, GroupBy};

use super::{ReportError, Reports};

/// One reminder to send: to whom, for which week, listing which actions.
#[derive(Clone, Debug, PartialEq)]
pub struct Reminder {
    pub organisation: OrgId,
    pub name: String,
    pub contact: Contact,
    /// The ISO week of the day it is sent for, such as `2026-W49`.
    pub period: String,
    /// The organisation's open actions overdue, due soon or stale, most pressing first.
    pub actions: Vec<ActionRow>,
}

/// The ISO week `day` falls in, as `2026-W49`.
pub fn iso_week(day: Date) -> String {
    let week = chrono::Datelike::iso_week(&day);
    format!("{:04}-W{:02}", week.year(), week.week())
}

impl Reports {
    /// The reminders due on `today`, from the record as it stands now.
    pub async fn reminders_due(&self, today: Date) -> Result<Vec<Reminder>, ReportError> {
        let period = iso_week(today);
        let models = self.now().await?;
        let log = models.actions().view(&Filters::default(), &self.rules, today, GroupBy::Organisation);
        let mut due = Vec::new();
        for organisation in models.organisations().filter(|o| o.is_active() && !o.reminders_opted_out) {
            let (Some(id), Some(contact)) = (&organisation.id, &organisation.contact) else { continue };
            if organisation.reminded_for.as_ref().is_some_and(|last| *last >= period) {
                continue;
            }
            let actions: Vec<ActionRow> = log
                .rows
                .iter()
                .filter(|a| a.organisation.as_ref() == Some(id) && a.state.is_open())
                .filter(|a| matches!(a.state, ActionState::Overdue | ActionState::DueSoon) || a.stale)
                .cloned()
                .collect();
            if !actions.is_empty() {
                due.push(Reminder {
                    organisation: id.clone(),
                    name: organisation.name.clone(),
                    contact: contact.clone(),
                    period: period.clone(),
                    actions,
                });
            }
        }
        Ok(due)
    }
}
