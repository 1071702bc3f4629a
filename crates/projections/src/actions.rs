//! The action log: every commitment, grouped by the organisation that answers for it or by the
//! body whose action log holds it, as open, overdue, due soon, deferred, done or cancelled, with
//! its lead, due date, last progress report, progress and RAG.

use std::collections::BTreeMap;

use domain::commitment::{self, ObjectiveRef};
use domain::rag::Rag;
use domain::{Date, Key, OrgId};
use serde::{Deserialize, Serialize};

use crate::delivery::Figures;
use crate::words::{self, or_dash, percent, tenths, word};
use crate::{Filters, ReadModels, Report, Rules};

/// The action log: a view of the commitments in [`ReadModels`].
#[derive(Clone, Copy, Debug)]
pub struct ActionLog<'a> {
    pub(crate) models: &'a ReadModels,
}

/// Where a commitment stands today, most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Open and past its due date.
    Overdue,
    /// Open and due within the rules' window.
    DueSoon,
    Open,
    Deferred,
    /// Completed.
    Done,
    Cancelled,
}

impl ActionState {
    pub(crate) fn of(c: &commitment::State, figures: &Figures) -> Self {
        match c.status {
            commitment::Status::Completed => ActionState::Done,
            commitment::Status::Cancelled => ActionState::Cancelled,
            commitment::Status::Deferred => ActionState::Deferred,
            _ if figures.overdue => ActionState::Overdue,
            _ if figures.due_soon => ActionState::DueSoon,
            _ => ActionState::Open,
        }
    }

    /// Overdue, due soon or open.
    pub fn is_open(self) -> bool {
        matches!(self, ActionState::Overdue | ActionState::DueSoon | ActionState::Open)
    }
}

/// How the log is grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By the organisation that answers for each commitment now.
    #[default]
    Organisation,
    /// By the body whose action log holds it.
    Body,
}

/// A commitment's latest progress report, as its lead made it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LastReport {
    pub reported_on: Date,
    pub period: String,
    /// The lead's own judgement.
    pub status: Rag,
    pub percent_complete: u8,
    pub narrative: String,
}

/// One commitment in the log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionRow {
    /// The organisation's or body's name, as grouped.
    pub group: String,
    pub commitment: Key,
    pub title: String,
    pub organisation: Option<OrgId>,
    pub organisation_name: Option<String>,
    /// Organisations that answered for it before a succession, oldest first.
    pub previously: Vec<OrgId>,
    pub body: Option<Key>,
    pub body_name: Option<String>,
    pub lead: String,
    pub towards: Option<ObjectiveRef>,
    /// "Instrument: objective", when made towards one.
    pub towards_title: Option<String>,
    pub arising_from: Option<Key>,
    pub parent: Option<Key>,
    pub weight: u32,
    pub made_on: Option<Date>,
    pub due_on: Option<Date>,
    pub state: ActionState,
    pub stale: bool,
    /// Percentage complete, rolled up from its children when it has any.
    pub progress: f64,
    pub rag: Option<Rag>,
    pub last_update: Option<Date>,
    pub last_report: Option<LastReport>,
}

impl ActionRow {
    /// The lead's own status in its latest progress report, while the commitment is open; once
    /// it is done, deferred or cancelled, that judgement is history.
    pub fn lead_status(&self) -> Option<Rag> {
        self.last_report.as_ref().filter(|_| self.state.is_open()).map(|r| r.status)
    }
}

/// The log as of `today`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionsView {
    pub today: Date,
    pub rules: Rules,
    pub filters: Filters,
    pub group_by: GroupBy,
    /// By group, then most pressing first, then by due date.
    pub rows: Vec<ActionRow>,
}

impl ActionLog<'_> {
    /// The log on `today`. `instrument` selects commitments towards its objectives; `body` those
    /// in the body's action log; `organisation` those it answers for now or did before a
    /// succession; the period those due within it.
    pub fn view(&self, filters: &Filters, rules: &Rules, today: Date, group_by: GroupBy) -> ActionsView {
        let assessment = self.models.portfolio.assess(rules, today);
        let mut rows: Vec<ActionRow> = self
            .models
            .portfolio
            .commitments
            .iter()
            .filter(|(_, c)| c.id.is_some() && selected(c, filters))
            .filter_map(|(key, c)| Some(self.row(key, c, assessment.of(key)?, group_by)))
            .collect();
        rows.sort_by(|a, b| {
            (&a.group, a.state, a.due_on, &a.title, &a.commitment).cmp(&(
                &b.group,
                b.state,
                b.due_on,
                &b.title,
                &b.commitment,
            ))
        });
        ActionsView { today, rules: *rules, filters: filters.clone(), group_by, rows }
    }

    fn row(&self, key: &Key, c: &commitment::State, figures: Figures, group_by: GroupBy) -> ActionRow {
        let organisation_name = c.organisation.as_ref().map(|o| self.models.names.organisation(o));
        let body_name = c.body.as_ref().map(|b| self.models.names.body(b));
        let group = match group_by {
            GroupBy::Organisation => organisation_name.clone(),
            GroupBy::Body => body_name.clone(),
        };
        ActionRow {
            group: group.unwrap_or_else(|| "(none)".into()),
            commitment: key.clone(),
            title: c.title.clone(),
            organisation: c.organisation.clone(),
            organisation_name,
            previously: c.previous_organisations.clone(),
            body: c.body.clone(),
            body_name,
            lead: c.lead.clone(),
            towards: c.towards.clone(),
            towards_title: c.towards.as_ref().map(|t| self.models.portfolio.objective_title(t)),
            arising_from: c.arising_from.clone(),
            parent: c.parent.clone(),
            weight: c.weight,
            made_on: c.made_on,
            due_on: c.due_on,
            state: ActionState::of(c, &figures),
            stale: figures.stale,
            progress: tenths(figures.progress),
            rag: figures.rag,
            last_update: figures.last_update,
            last_report: c.latest.as_ref().map(|p| LastReport {
                reported_on: p.reported_on,
                period: p.period.label.clone(),
                status: p.status,
                percent_complete: p.percent_complete,
                narrative: p.narrative.clone(),
            }),
        }
    }
}

fn selected(c: &commitment::State, filters: &Filters) -> bool {
    Filters::matches(&filters.instrument, c.towards.as_ref().map(|t| &t.instrument))
        && Filters::matches(&filters.body, c.body.as_ref())
        && filters
            .organisation
            .as_ref()
            .is_none_or(|o| c.organisation.as_ref() == Some(o) || c.previous_organisations.contains(o))
        && c.due_on.is_none_or(|due| filters.in_period(due))
}

impl ActionsView {
    fn group_column(&self) -> &'static str {
        match self.group_by {
            GroupBy::Organisation => "Organisation",
            GroupBy::Body => "Body",
        }
    }

    fn notes(&self, mut report: Report) -> Report {
        report = report
            .note(format!(
                "Overdue and due soon (within {} days) are counted on {}.",
                self.rules.due_soon_days, self.today
            ))
            .note(self.rules.rag_note());
        if self.rows.iter().any(|r| r.lead_status().is_some_and(|lead| Some(lead) != r.rag)) {
            report = report.note(words::LEAD_NOTE);
        }
        report = report.note(self.rules.stale_note());
        match self.filters.note() {
            Some(note) => report.note(note),
            None => report,
        }
    }

    /// One row per commitment.
    pub fn report(&self) -> Report {
        let title = format!("Action log by {}", self.group_column().to_lowercase());
        let mut report = self.notes(
            Report::new(
                title,
                vec![
                    self.group_column(),
                    "Action",
                    "Lead",
                    "Due",
                    "State",
                    "Last progress",
                    "Period",
                    "Progress",
                    "RAG",
                ],
            )
            .essential(&["Action", "Due", "State", "RAG"]),
        );
        for row in &self.rows {
            let mut state = word(&row.state);
            if row.stale {
                state.push_str(", stale");
            }
            report.push(vec![
                row.group.clone(),
                row.title.clone(),
                row.lead.clone(),
                or_dash(row.due_on),
                state,
                or_dash(row.last_report.as_ref().map(|r| r.reported_on)),
                or_dash(row.last_report.as_ref().map(|r| &r.period)),
                percent(Some(row.progress)),
                words::rag_beside_lead(row.rag, row.lead_status()),
            ]);
        }
        report
    }

    /// One row per group, counting its commitments. "Open" counts every open commitment,
    /// overdue and due soon included.
    pub fn summary(&self) -> Report {
        let title = format!("Actions by {}", self.group_column().to_lowercase());
        let mut report = self.notes(Report::new(
            title,
            vec![self.group_column(), "Open", "Overdue", "Due soon", "Stale", "Deferred", "Done", "Cancelled"],
        ));
        let mut counts: BTreeMap<&str, [usize; 7]> = BTreeMap::new();
        for row in &self.rows {
            let c = counts.entry(&row.group).or_default();
            let column = match row.state {
                ActionState::Overdue => Some(1),
                ActionState::DueSoon => Some(2),
                ActionState::Open => None,
                ActionState::Deferred => Some(4),
                ActionState::Done => Some(5),
                ActionState::Cancelled => Some(6),
            };
            if row.state.is_open() {
                c[0] += 1;
            }
            if row.stale {
                c[3] += 1;
            }
            if let Some(column) = column {
                c[column] += 1;
            }
        }
        for (group, c) in counts {
            let mut cells = vec![group.to_owned()];
            cells.extend(c.iter().map(usize::to_string));
            report.push(cells);
        }
        report
    }
}
