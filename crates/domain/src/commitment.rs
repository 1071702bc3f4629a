//! The Commitment aggregate: an action an organisation commits to, towards an instrument's
//! objective or arising from a resolution (a board's action log), with a lead, due date, weight
//! and optional parent; milestones; rescheduling with a reason; progress reports; completion,
//! deferral, cancellation, and transfer to a successor organisation.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::{commitment_stream, instrument_stream, organisation_stream, resolution_stream};
use crate::rag::Rag;
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{Date, Key, OrgId, has_text};
use crate::when::Happened;

/// An objective of an instrument, as a commitment's target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveRef {
    pub instrument: Key,
    pub objective: Key,
}

/// The period a progress report covers, such as `2021/22 Q3`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportingPeriod {
    pub label: String,
    #[serde(default, deserialize_with = "crate::values::strict_optional_date")]
    pub from: Option<Date>,
    #[serde(default, deserialize_with = "crate::values::strict_optional_date")]
    pub to: Option<Date>,
}

/// A progress report as the lead made it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The lead's own judgement.
    pub status: Rag,
    pub percent_complete: u8,
    pub narrative: String,
    pub evidence_refs: Vec<String>,
    pub period: ReportingPeriod,
    pub reported_on: Date,
}

impl Progress {
    /// The progress a report command or event gives, from its fields.
    fn of(
        status: Rag,
        percent_complete: u8,
        narrative: &str,
        evidence_refs: &[String],
        period: &ReportingPeriod,
        reported_on: Date,
    ) -> Self {
        let (narrative, evidence_refs, period) = (narrative.to_owned(), evidence_refs.to_vec(), period.clone());
        Progress { status, percent_complete, narrative, evidence_refs, period, reported_on }
    }

    fn into_event(self) -> Event {
        let Progress { status, percent_complete, narrative, evidence_refs, period, reported_on } = self;
        Event::ProgressReported { status, percent_complete, narrative, evidence_refs, period, reported_on }
    }
}

fn default_weight() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Make {
        id: Key,
        /// The organisation that made the commitment and answers for it.
        organisation: OrgId,
        /// The named lead, such as an officer's role.
        lead: String,
        title: String,
        towards: Option<ObjectiveRef>,
        arising_from: Option<Key>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        due_on: Date,
        #[serde(default = "default_weight")]
        weight: u32,
        parent: Option<Key>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        made_on: Date,
    },
    AddMilestone {
        id: Key,
        milestone: Key,
        title: String,
        #[serde(deserialize_with = "crate::values::strict_date")]
        due_on: Date,
    },
    ReachMilestone {
        id: Key,
        milestone: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        reached_on: Date,
    },
    Reschedule {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        due_on: Date,
        reason: String,
    },
    ReportProgress {
        id: Key,
        status: Rag,
        percent_complete: u8,
        narrative: String,
        #[serde(default)]
        evidence_refs: Vec<String>,
        period: ReportingPeriod,
        #[serde(deserialize_with = "crate::values::strict_date")]
        reported_on: Date,
    },
    Complete {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        completed_on: Date,
        narrative: String,
        #[serde(default)]
        evidence_refs: Vec<String>,
    },
    Defer {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        deferred_on: Date,
        #[serde(default, deserialize_with = "crate::values::strict_optional_date")]
        until: Option<Date>,
        reason: String,
    },
    Resume {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        resumed_on: Date,
        #[serde(deserialize_with = "crate::values::strict_date")]
        due_on: Date,
    },
    Cancel {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        cancelled_on: Date,
        reason: String,
    },
    /// Passes the commitment from an organisation to its successor.
    Transfer {
        id: Key,
        from: OrgId,
        to: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        effective_on: Date,
    },
    /// Records the commitment's title in Welsh; a later translation replaces it.
    Translate { id: Key, field: Field, language: Language, text: String },
}

crate::command_ids!(Key, commitment_stream:
    Make, AddMilestone, ReachMilestone, Reschedule, ReportProgress, Complete, Defer, Resume, Cancel, Transfer,
    Translate);

impl Command {
    /// The day the command says this happened, and the field that says so. Adding a milestone
    /// and rescheduling carry only planned dates, not a date of their own; a translation none.
    pub fn happened_on(&self) -> Option<Happened> {
        Some(match self {
            Command::Make { made_on, .. } => Happened::new("made_on", *made_on),
            Command::ReachMilestone { reached_on, .. } => Happened::new("reached_on", *reached_on),
            Command::ReportProgress { reported_on, .. } => Happened::new("reported_on", *reported_on),
            Command::Complete { completed_on, .. } => Happened::new("completed_on", *completed_on),
            Command::Defer { deferred_on, .. } => Happened::new("deferred_on", *deferred_on),
            Command::Resume { resumed_on, .. } => Happened::new("resumed_on", *resumed_on),
            Command::Cancel { cancelled_on, .. } => Happened::new("cancelled_on", *cancelled_on),
            Command::Transfer { effective_on, .. } => Happened::new("effective_on", *effective_on),
            Command::AddMilestone { .. } | Command::Reschedule { .. } | Command::Translate { .. } => return None,
        })
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Make { organisation, towards, arising_from, parent, .. } => {
                std::iter::once(organisation_stream(organisation))
                    .chain(towards.iter().map(|t| instrument_stream(&t.instrument)))
                    .chain(arising_from.iter().map(resolution_stream))
                    .chain(parent.iter().map(commitment_stream))
                    .collect()
            }
            Command::Transfer { from, to, .. } => vec![organisation_stream(from), organisation_stream(to)],
            Command::Translate { .. }
            | Command::AddMilestone { .. }
            | Command::ReachMilestone { .. }
            | Command::Reschedule { .. }
            | Command::ReportProgress { .. }
            | Command::Complete { .. }
            | Command::Defer { .. }
            | Command::Resume { .. }
            | Command::Cancel { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Made {
            id: Key,
            title: String,
            organisation: OrgId,
            lead: String,
            towards: Option<ObjectiveRef>,
            arising_from: Option<Key>,
            /// The body whose action log holds it: the owner of the instrument or the resolution's body.
            body: Option<Key>,
            due_on: Date,
            weight: u32,
            parent: Option<Key>,
            made_on: Date,
        },
        MilestoneAdded {
            milestone: Key,
            title: String,
            due_on: Date,
        },
        MilestoneReached {
            milestone: Key,
            reached_on: Date,
        },
        Rescheduled {
            previous_due_on: Date,
            due_on: Date,
            reason: String,
        },
        /// Schema version 2; version 1 is upcast by the codec.
        ProgressReported {
            status: Rag,
            percent_complete: u8,
            narrative: String,
            evidence_refs: Vec<String>,
            period: ReportingPeriod,
            // The event most logs hold most of, so its date is read without chrono's parser.
            #[serde(deserialize_with = "crate::values::stored_date")]
            reported_on: Date,
        },
        Completed {
            completed_on: Date,
            narrative: String,
            evidence_refs: Vec<String>,
        },
        Deferred {
            deferred_on: Date,
            until: Option<Date>,
            reason: String,
        },
        Resumed {
            resumed_on: Date,
            due_on: Date,
        },
        Cancelled {
            cancelled_on: Date,
            reason: String,
        },
        Transferred {
            from: OrgId,
            to: OrgId,
            effective_on: Date,
        },
        Translated { field: Field, language: Language, text: String },
    }
}

crate::status! {
    pub enum Status {
        Open,
        Deferred,
        Completed,
        Cancelled,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub key: Key,
    pub title: String,
    pub due_on: Date,
    pub reached_on: Option<Date>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub title: String,
    pub organisation: Option<OrgId>,
    pub lead: String,
    pub towards: Option<ObjectiveRef>,
    pub arising_from: Option<Key>,
    pub body: Option<Key>,
    pub made_on: Option<Date>,
    pub due_on: Option<Date>,
    pub weight: u32,
    pub parent: Option<Key>,
    pub status: Status,
    pub milestones: Vec<Milestone>,
    /// The latest progress report, in the order reported. Earlier reports stay in the log (the
    /// audit trail lists them); nothing decided or shown from the state needs them.
    pub latest: Option<Progress>,
    /// The latest day any progress report was made on. Reports may be recorded out of date
    /// order, so this is not always the latest report's day.
    pub last_reported_on: Option<Date>,
    pub completed_on: Option<Date>,
    /// Earlier organisations answering for it, oldest first.
    pub previous_organisations: Vec<OrgId>,
    /// Its title in Welsh.
    #[serde(default)]
    pub welsh: Translations,
}

impl State {
    pub fn is_open(&self) -> bool {
        self.status == Status::Open
    }

    /// Open and past its due date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_open() && self.due_on.is_some_and(|due| due < today)
    }

    /// Percentage complete: 100 once completed, else the latest report's, else 0.
    pub fn percent_complete(&self) -> u8 {
        if self.status == Status::Completed { 100 } else { self.latest.as_ref().map_or(0, |p| p.percent_complete) }
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("commitment {0} already exists: choose another key for a new commitment")]
        AlreadyMade(Key),
        #[error("commitment {0} does not exist: make it first")]
        NotMade(Key),
        #[error("{0} is empty: say it as the action plan words it")]
        Empty(&'static str),
        #[error("organisation {0} is not registered or no longer active: register it, or name its successor")]
        UnknownOrganisation(OrgId),
        #[error("a commitment must be made towards an instrument objective or arise from a resolution: give one")]
        NoBasis,
        #[error("objective {objective} is not an objective of instrument {instrument}: add the objective first")]
        UnknownObjective { instrument: Key, objective: Key },
        #[error("instrument {0} is superseded, expired or withdrawn: commit towards the instrument that replaced it")]
        InstrumentClosed(Key),
        #[error("resolution {0} is not recorded: record the resolution first")]
        UnknownResolution(Key),
        #[error("parent commitment {0} does not exist or is closed: name an open parent commitment")]
        UnknownParent(Key),
        #[error("weight must be at least 1: give the commitment's relative weight within its parent")]
        ZeroWeight,
        #[error("percentage complete is {0}: give a number from 0 to 100")]
        PercentOutOfRange(u8),
        #[error("commitment is {}: progress and changes can only be recorded on an open commitment", crate::values::in_words(.0))]
        NotOpen(Status),
        #[error("commitment is not deferred: only a deferred commitment can be resumed")]
        NotDeferred,
        #[error("milestone {0} already exists: give each milestone its own key")]
        DuplicateMilestone(Key),
        #[error("milestone {0} does not exist: add it first")]
        UnknownMilestone(Key),
        #[error("milestone {0} was already reached: nothing to change")]
        MilestoneReached(Key),
        #[error("the commitment is already due on {0}: give a different date")]
        SameDueDate(Date),
        #[error("commitment is held by {holder}, not {from}: transfer it from its current organisation")]
        NotHeldBy { holder: OrgId, from: OrgId },
        #[error("organisation {to} is not the recorded successor of {from}: record the succession on {from} first")]
        NotSuccessor { from: OrgId, to: OrgId },
        #[error("{what} on {date} is before {before}: check the dates")]
        OutOfOrder { what: &'static str, date: Date, before: Date },
        #[error("{what} on {date} is before the commitment was made on {made_on}: check the dates")]
        BeforeMade { what: &'static str, date: Date, made_on: Date },
        #[error(
            "commitment made on {made_on} cannot arise from resolution {resolution}, decided later on {decided_on}: check the dates, or cite the resolution it arose from"
        )]
        BeforeResolution { made_on: Date, resolution: Key, decided_on: Date },
    }
    in_future: "{0}: record it on or after the day it happens",
}

/// The fields of a commitment that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Title];

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    if let Command::Make { id, title, organisation, lead, towards, arising_from, due_on, weight, parent, made_on } =
        command
    {
        if state.id.is_some() {
            return Err(Error::AlreadyMade(id.clone()));
        }
        if !has_text(title) {
            return Err(Error::Empty("commitment title"));
        }
        if !has_text(lead) {
            return Err(Error::Empty("lead"));
        }
        if *weight == 0 {
            return Err(Error::ZeroWeight);
        }
        if !ctx.facts.organisations.get(organisation).is_some_and(|o| o.is_active()) {
            return Err(Error::UnknownOrganisation(organisation.clone()));
        }
        if towards.is_none() && arising_from.is_none() {
            return Err(Error::NoBasis);
        }
        let mut body = None;
        if let Some(t) = towards {
            let instrument = ctx.facts.instruments.get(&t.instrument);
            match instrument {
                Some(i) if i.status.is_closed() => return Err(Error::InstrumentClosed(t.instrument.clone())),
                Some(i) if i.objective(&t.objective).is_some() => body = i.owner_body.clone(),
                _ => {
                    return Err(Error::UnknownObjective {
                        instrument: t.instrument.clone(),
                        objective: t.objective.clone(),
                    });
                }
            }
        }
        if let Some(r) = arising_from {
            let resolution = ctx.facts.resolutions.get(r).filter(|r| r.exists());
            let resolution = resolution.ok_or_else(|| Error::UnknownResolution(r.clone()))?;
            if let Some(decided_on) = resolution.decided_on.filter(|d| d > made_on) {
                return Err(Error::BeforeResolution { made_on: *made_on, resolution: r.clone(), decided_on });
            }
            if body.is_none() {
                body = resolution.body.clone();
            }
        }
        if let Some(p) = parent {
            if !ctx
                .facts
                .commitments
                .get(p)
                .is_some_and(|c| c.id.is_some() && matches!(c.status, Status::Open | Status::Deferred))
            {
                return Err(Error::UnknownParent(p.clone()));
            }
        }
        ctx.not_future("commitment", *made_on)?;
        if due_on < made_on {
            return Err(Error::OutOfOrder { what: "due date", date: *due_on, before: *made_on });
        }
        return Ok(vec![Event::Made {
            id: id.clone(),
            title: title.clone(),
            organisation: organisation.clone(),
            lead: lead.clone(),
            towards: towards.clone(),
            arising_from: arising_from.clone(),
            body,
            due_on: *due_on,
            weight: *weight,
            parent: parent.clone(),
            made_on: *made_on,
        }]);
    }
    if state.id.is_none() {
        return Err(Error::NotMade(command.id().clone()));
    }
    let open = || if state.is_open() { Ok(()) } else { Err(Error::NotOpen(state.status)) };
    let made_on = state.made_on.unwrap_or_default();
    let since_made = |what, date: Date| {
        if date < made_on { Err(Error::BeforeMade { what, date, made_on }) } else { Ok(()) }
    };
    match command {
        Command::Make { .. } => Ok(Vec::new()),
        Command::AddMilestone { milestone, title, due_on, .. } => {
            open()?;
            if state.milestones.iter().any(|m| &m.key == milestone) {
                return Err(Error::DuplicateMilestone(milestone.clone()));
            }
            if !has_text(title) {
                return Err(Error::Empty("milestone title"));
            }
            Ok(vec![Event::MilestoneAdded { milestone: milestone.clone(), title: title.clone(), due_on: *due_on }])
        }
        Command::ReachMilestone { milestone, reached_on, .. } => {
            open()?;
            let m = state.milestones.iter().find(|m| &m.key == milestone);
            match m {
                None => return Err(Error::UnknownMilestone(milestone.clone())),
                Some(m) if m.reached_on.is_some() => return Err(Error::MilestoneReached(milestone.clone())),
                Some(_) => {}
            }
            ctx.not_future("milestone", *reached_on)?;
            since_made("milestone", *reached_on)?;
            Ok(vec![Event::MilestoneReached { milestone: milestone.clone(), reached_on: *reached_on }])
        }
        Command::Reschedule { due_on, reason, .. } => {
            open()?;
            if !has_text(reason) {
                return Err(Error::Empty("rescheduling reason"));
            }
            let previous = state.due_on.unwrap_or(*due_on);
            if previous == *due_on {
                return Err(Error::SameDueDate(previous));
            }
            if *due_on < made_on {
                return Err(Error::OutOfOrder { what: "due date", date: *due_on, before: made_on });
            }
            Ok(vec![Event::Rescheduled { previous_due_on: previous, due_on: *due_on, reason: reason.clone() }])
        }
        Command::ReportProgress { status, percent_complete, narrative, evidence_refs, period, reported_on, .. } => {
            let progress = Progress::of(*status, *percent_complete, narrative, evidence_refs, period, *reported_on);
            open()?;
            if progress.percent_complete > 100 {
                return Err(Error::PercentOutOfRange(progress.percent_complete));
            }
            if !has_text(&progress.narrative) {
                return Err(Error::Empty("progress narrative"));
            }
            if !has_text(&progress.period.label) {
                return Err(Error::Empty("reporting period label"));
            }
            if let (Some(from), Some(to)) = (progress.period.from, progress.period.to) {
                if to < from {
                    return Err(Error::OutOfOrder { what: "reporting period end", date: to, before: from });
                }
            }
            ctx.not_future("progress report", progress.reported_on)?;
            since_made("progress report", progress.reported_on)?;
            Ok(vec![progress.into_event()])
        }
        Command::Complete { completed_on, narrative, evidence_refs, .. } => {
            open()?;
            if !has_text(narrative) {
                return Err(Error::Empty("completion narrative"));
            }
            ctx.not_future("completion", *completed_on)?;
            since_made("completion", *completed_on)?;
            Ok(vec![Event::Completed {
                completed_on: *completed_on,
                narrative: narrative.clone(),
                evidence_refs: evidence_refs.clone(),
            }])
        }
        Command::Defer { deferred_on, until, reason, .. } => {
            open()?;
            if !has_text(reason) {
                return Err(Error::Empty("deferral reason"));
            }
            ctx.not_future("deferral", *deferred_on)?;
            since_made("deferral", *deferred_on)?;
            Ok(vec![Event::Deferred { deferred_on: *deferred_on, until: *until, reason: reason.clone() }])
        }
        Command::Resume { resumed_on, due_on, .. } => {
            if state.status != Status::Deferred {
                return Err(Error::NotDeferred);
            }
            ctx.not_future("resumption", *resumed_on)?;
            since_made("resumption", *resumed_on)?;
            if due_on < resumed_on {
                return Err(Error::OutOfOrder { what: "due date", date: *due_on, before: *resumed_on });
            }
            Ok(vec![Event::Resumed { resumed_on: *resumed_on, due_on: *due_on }])
        }
        Command::Cancel { cancelled_on, reason, .. } => {
            if !matches!(state.status, Status::Open | Status::Deferred) {
                return Err(Error::NotOpen(state.status));
            }
            if !has_text(reason) {
                return Err(Error::Empty("cancellation reason"));
            }
            ctx.not_future("cancellation", *cancelled_on)?;
            since_made("cancellation", *cancelled_on)?;
            Ok(vec![Event::Cancelled { cancelled_on: *cancelled_on, reason: reason.clone() }])
        }
        Command::Transfer { from, to, effective_on, .. } => {
            if !matches!(state.status, Status::Open | Status::Deferred) {
                return Err(Error::NotOpen(state.status));
            }
            if let Some(holder) = state.organisation.as_ref().filter(|h| *h != from) {
                return Err(Error::NotHeldBy { holder: holder.clone(), from: from.clone() });
            }
            let succeeded = ctx.facts.organisations.get(from).is_some_and(|o| o.successor.as_ref() == Some(to));
            if !succeeded {
                return Err(Error::NotSuccessor { from: from.clone(), to: to.clone() });
            }
            ctx.not_future("transfer", *effective_on)?;
            Ok(vec![Event::Transferred { from: from.clone(), to: to.clone(), effective_on: *effective_on }])
        }
        Command::Translate { field, language, text, .. } => {
            translation::check("commitment", TRANSLATED, *field, text)?;
            Ok(vec![Event::Translated { field: *field, language: *language, text: text.clone() }])
        }
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Made { id, title, organisation, lead, towards, arising_from, body, due_on, weight, parent, made_on } => {
            state.id = Some(id.clone());
            state.title = title.clone();
            state.organisation = Some(organisation.clone());
            state.lead = lead.clone();
            state.towards = towards.clone();
            state.arising_from = arising_from.clone();
            state.body = body.clone();
            state.due_on = Some(*due_on);
            state.weight = *weight;
            state.parent = parent.clone();
            state.made_on = Some(*made_on);
            state.status = Status::Open;
        }
        Event::MilestoneAdded { milestone, title, due_on } => state.milestones.push(Milestone {
            key: milestone.clone(),
            title: title.clone(),
            due_on: *due_on,
            reached_on: None,
        }),
        Event::MilestoneReached { milestone, reached_on } => {
            if let Some(m) = state.milestones.iter_mut().find(|m| &m.key == milestone) {
                m.reached_on = Some(*reached_on);
            }
        }
        Event::Rescheduled { due_on, .. } | Event::Resumed { due_on, .. } => {
            state.due_on = Some(*due_on);
            state.status = Status::Open;
        }
        Event::ProgressReported { status, percent_complete, narrative, evidence_refs, period, reported_on } => {
            state.last_reported_on = state.last_reported_on.max(Some(*reported_on));
            state.latest =
                Some(Progress::of(*status, *percent_complete, narrative, evidence_refs, period, *reported_on));
        }
        Event::Completed { completed_on, .. } => {
            state.status = Status::Completed;
            state.completed_on = Some(*completed_on);
        }
        Event::Deferred { .. } => state.status = Status::Deferred,
        Event::Cancelled { .. } => state.status = Status::Cancelled,
        Event::Transferred { from, to, .. } => {
            state.previous_organisations.push(from.clone());
            state.organisation = Some(to.clone());
        }
        Event::Translated { field, language, text } => state.welsh.set(Translation::whole(*field, *language, text)),
    }
    state
}

/// The commands that pass `predecessor`'s open (and deferred) commitments to `successor`: what a
/// succession causes. `commitments` are the states of the commitments the caller holds.
pub fn succession_transfers<'a>(
    predecessor: &OrgId,
    successor: &OrgId,
    effective_on: Date,
    commitments: impl IntoIterator<Item = &'a State>,
) -> Vec<Command> {
    commitments
        .into_iter()
        .filter(|c| c.organisation.as_ref() == Some(predecessor) && matches!(c.status, Status::Open | Status::Deferred))
        .filter_map(|c| c.id.clone())
        .map(|id| Command::Transfer { id, from: predecessor.clone(), to: successor.clone(), effective_on })
        .collect()
}
