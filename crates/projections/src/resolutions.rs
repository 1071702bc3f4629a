//! The resolution register: every resolution with its body, meeting, minute, outcome, dates,
//! call-in, corrections, rescission or supersession, and its delivery trail: the endorsements,
//! adoptions, signatures and other acts it authorised, and the commitments that followed it
//! with where each stands today.

use std::collections::BTreeMap;

use domain::rag::Rag;
use domain::resolution::{self, Outcome};
use domain::{Date, Key, OrgId, commitment, instrument, meeting};
use kernel::RecordedEvent;
use serde::{Deserialize, Serialize};

use crate::actions::ActionState;
use crate::change::{Change, evolve_in};
use crate::delivery::{Assessment, Figures};
use crate::names::Names;
use crate::words::{self, or_dash, percent, tenths, word};
use crate::{Filters, ReadModels, Report, Rules};

/// Resolutions, the meetings they were decided at, and what each caused: the part of
/// [`ReadModels`] the register adds to the names, instruments and commitments it shares.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Register {
    resolutions: BTreeMap<Key, resolution::State>,
    meetings: BTreeMap<Key, meeting::State>,
    /// What each resolution authorised or brought about, by the resolution's key. Saved as JSON
    /// inside the snapshot: an act is internally tagged, which only a format that describes
    /// itself reads back.
    #[serde(with = "crate::snapshot::as_json")]
    caused: BTreeMap<Key, Vec<Caused>>,
    /// When and by whom each correction of a resolution was made, in the order of the
    /// resolution's own `corrections`.
    corrected: BTreeMap<Key, Vec<Corrector>>,
}

/// The day a correction happened and the actor who recorded it, from the event's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Corrector {
    on: Date,
    actor: String,
}

impl Register {
    pub(crate) fn apply(&mut self, change: &Change, recorded: &RecordedEvent) {
        match change {
            Change::Meeting(key, e) => evolve_in(&mut self.meetings, key, e, meeting::evolve),
            Change::Resolution(key, e) => {
                evolve_in(&mut self.resolutions, key, e, resolution::evolve);
                match e {
                    resolution::Event::Corrected { .. } => {
                        let on = recorded.metadata.occurred_at.as_datetime().date_naive();
                        let actor = recorded.metadata.actor.clone();
                        self.corrected.entry(key.clone()).or_default().push(Corrector { on, actor });
                    }
                    resolution::Event::Rescinded { by_resolution, on } => {
                        self.record(by_resolution, Caused::Rescission { resolution: key.clone(), on: *on })
                    }
                    resolution::Event::Superseded { by_resolution, on } => {
                        self.record(by_resolution, Caused::Supersession { resolution: key.clone(), on: *on })
                    }
                    _ => {}
                }
            }
            Change::Instrument(key, e) => {
                if let Some((resolution, act)) = Caused::by_instrument_event(key, e) {
                    self.record(resolution, act);
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, resolution: &Key, act: Caused) {
        self.caused.entry(resolution.clone()).or_default().push(act);
    }

    pub(crate) fn resolutions(&self) -> impl Iterator<Item = &resolution::State> {
        self.resolutions.values().filter(|r| r.exists())
    }

    pub(crate) fn meeting(&self, key: &Key) -> Option<&meeting::State> {
        self.meetings.get(key)
    }

    pub(crate) fn resolution(&self, key: &Key) -> Option<&resolution::State> {
        self.resolutions.get(key).filter(|r| r.exists())
    }

    pub(crate) fn meetings(&self) -> impl Iterator<Item = &meeting::State> {
        self.meetings.values().filter(|m| m.id.is_some())
    }

    /// The resolution as board papers cite it: by body and minute ("Prosperous Communities
    /// Committee, minute 45"), by body and date when its minute has no number, or by its key
    /// when it is not on record.
    pub(crate) fn cite(&self, names: &Names, key: &Key) -> String {
        let Some(r) = self.resolutions.get(key).filter(|r| r.exists()) else { return key.to_string() };
        let body = r.body.as_ref().map_or_else(|| "-".to_owned(), |b| names.body(b));
        match (&r.minute_number, r.decided_on) {
            (Some(minute), _) => format!("{body}, minute {minute}"),
            (None, Some(on)) => format!("{body}, {on}"),
            (None, None) => format!("{body}, {}", minute_words(None, &r.agenda_item)),
        }
    }
}

/// "minute 45", or the agenda item when the minute has no number.
fn minute_words(minute_number: Option<&String>, agenda_item: &str) -> String {
    match minute_number {
        Some(m) => format!("minute {m}"),
        None => format!("item {agenda_item}"),
    }
}

/// Something a resolution authorised or brought about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Caused {
    Endorsement {
        instrument: Key,
        on: Date,
    },
    Adoption {
        instrument: Key,
        party: OrgId,
        on: Date,
    },
    Signature {
        instrument: Key,
        party: OrgId,
        on: Date,
    },
    PartyWithdrawal {
        instrument: Key,
        party: OrgId,
        on: Date,
    },
    Refresh {
        instrument: Key,
        version: u32,
        on: Date,
    },
    InstrumentWithdrawal {
        instrument: Key,
        on: Date,
    },
    /// It rescinded an earlier resolution.
    Rescission {
        resolution: Key,
        on: Date,
    },
    /// It superseded an earlier resolution.
    Supersession {
        resolution: Key,
        on: Date,
    },
}

impl Caused {
    /// The resolution an instrument event cites, and the act it authorised.
    fn by_instrument_event<'e>(instrument: &Key, event: &'e instrument::Event) -> Option<(&'e Key, Caused)> {
        use instrument::Event as E;
        let instrument = instrument.clone();
        Some(match event {
            E::Endorsed { resolution, endorsed_on, .. } => {
                (resolution, Caused::Endorsement { instrument, on: *endorsed_on })
            }
            E::Adopted { party, resolution, adopted_on } => {
                (resolution, Caused::Adoption { instrument, party: party.clone(), on: *adopted_on })
            }
            E::Signed { party, resolution, signed_on, .. } => {
                (resolution, Caused::Signature { instrument, party: party.clone(), on: *signed_on })
            }
            E::PartyWithdrew { party, withdrawn_on, resolution: Some(resolution), .. } => {
                (resolution, Caused::PartyWithdrawal { instrument, party: party.clone(), on: *withdrawn_on })
            }
            E::Refreshed { version, published_on, resolution: Some(resolution), .. } => {
                (resolution, Caused::Refresh { instrument, version: *version, on: *published_on })
            }
            E::Withdrawn { withdrawn_on, resolution: Some(resolution), .. } => {
                (resolution, Caused::InstrumentWithdrawal { instrument, on: *withdrawn_on })
            }
            _ => return None,
        })
    }

    pub fn on(&self) -> Date {
        match self {
            Caused::Endorsement { on, .. }
            | Caused::Adoption { on, .. }
            | Caused::Signature { on, .. }
            | Caused::PartyWithdrawal { on, .. }
            | Caused::Refresh { on, .. }
            | Caused::InstrumentWithdrawal { on, .. }
            | Caused::Rescission { on, .. }
            | Caused::Supersession { on, .. } => *on,
        }
    }

    /// The instrument acted on, if any.
    pub fn instrument(&self) -> Option<&Key> {
        match self {
            Caused::Endorsement { instrument, .. }
            | Caused::Adoption { instrument, .. }
            | Caused::Signature { instrument, .. }
            | Caused::PartyWithdrawal { instrument, .. }
            | Caused::Refresh { instrument, .. }
            | Caused::InstrumentWithdrawal { instrument, .. } => Some(instrument),
            Caused::Rescission { .. } | Caused::Supersession { .. } => None,
        }
    }

    /// The party that acted, if any.
    pub fn party(&self) -> Option<&OrgId> {
        match self {
            Caused::Adoption { party, .. }
            | Caused::Signature { party, .. }
            | Caused::PartyWithdrawal { party, .. } => Some(party),
            _ => None,
        }
    }

    /// True when commitments towards the instrument deliver what the act set going.
    fn sets_delivery_going(&self) -> bool {
        matches!(
            self,
            Caused::Endorsement { .. } | Caused::Adoption { .. } | Caused::Signature { .. } | Caused::Refresh { .. }
        )
    }
}

/// An act with its description in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CausedView {
    #[serde(flatten)]
    pub act: Caused,
    pub description: String,
}

/// Why a commitment is on a resolution's trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    /// The commitment was made arising from the resolution (an action-log entry).
    ArisingFrom,
    /// The commitment is towards an instrument the resolution endorsed, adopted, signed or refreshed.
    Delivering { instrument: Key, instrument_title: String },
}

/// A commitment on a resolution's trail, as it stands today.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CommitmentTrail {
    pub commitment: Key,
    pub title: String,
    pub organisation: Option<OrgId>,
    pub organisation_name: Option<String>,
    #[serde(flatten)]
    pub basis: Basis,
    pub due_on: Option<Date>,
    pub state: ActionState,
    pub progress: f64,
    pub rag: Option<Rag>,
    /// The lead's own status in its latest progress report, while the commitment is open.
    pub lead_status: Option<Rag>,
}

/// Where a call-in stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallIn {
    /// The decision was not subject to call-in.
    NotSubject,
    /// Subject to call-in, not called in, and its call-in period not yet over.
    Subject,
    /// Subject to call-in, and its call-in period passed without a call-in: in effect.
    PeriodEnded,
    CalledIn,
    Rejected,
    ReferredBack,
}

impl CallIn {
    fn of(r: &resolution::State, rules: &Rules, today: Date) -> Self {
        match r.status {
            _ if !r.subject_to_call_in => CallIn::NotSubject,
            resolution::Status::CalledIn => CallIn::CalledIn,
            resolution::Status::ReferredBack => CallIn::ReferredBack,
            _ if r.call_in_rejected => CallIn::Rejected,
            _ if r.effective_after_call_in(rules.call_in_working_days, today).is_some() => CallIn::PeriodEnded,
            _ => CallIn::Subject,
        }
    }

    fn words(self) -> &'static str {
        match self {
            CallIn::NotSubject => "-",
            CallIn::Subject => "subject to call-in",
            CallIn::PeriodEnded => "call-in period ended",
            CallIn::CalledIn => "called in",
            CallIn::Rejected => "call-in rejected",
            CallIn::ReferredBack => "referred back",
        }
    }
}

/// An earlier wording: why it was corrected, on what day and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub previous_text: String,
    pub reason: String,
    /// The day the correction happened (its event's `occurred_at`).
    pub corrected_on: Option<Date>,
    /// Who recorded the correction.
    pub actor: Option<String>,
}

/// One resolution in the register.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolutionEntry {
    pub resolution: Key,
    pub body: Option<Key>,
    pub body_name: Option<String>,
    /// Whom it binds: the body's parent organisations when it decided.
    pub organisations: Vec<OrgId>,
    pub meeting: Option<Key>,
    pub meeting_title: Option<String>,
    pub agenda_item: String,
    pub minute_number: Option<String>,
    pub outcome: Option<Outcome>,
    pub decided_on: Option<Date>,
    pub published_on: Option<Date>,
    /// The day it took effect: as recorded, or, for a decision subject to call-in, the working
    /// day after its call-in period passed without a call-in.
    pub effective_on: Option<Date>,
    /// The wording as it stands, after any correction.
    pub text: String,
    pub standing: resolution::Status,
    pub call_in: CallIn,
    pub corrections: Vec<Correction>,
    /// The later resolution that rescinded or superseded it.
    pub replaced_by: Option<Key>,
    /// That resolution as board papers cite it, by body and minute.
    pub replaced_by_name: Option<String>,
    /// What it authorised or brought about, by date.
    pub caused: Vec<CausedView>,
    pub commitments: Vec<CommitmentTrail>,
}

/// The resolution register: a view of the resolutions in [`ReadModels`], with the instruments and
/// commitments they set going.
#[derive(Clone, Copy, Debug)]
pub struct ResolutionRegister<'a> {
    pub(crate) models: &'a ReadModels,
}

/// The register as of `today`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolutionsView {
    pub today: Date,
    pub rules: Rules,
    pub filters: Filters,
    /// By date decided, then body, then key.
    pub resolutions: Vec<ResolutionEntry>,
}

impl ResolutionRegister<'_> {
    /// The register on `today`. `instrument` selects resolutions that acted on it or from which
    /// commitments towards it arise; `body` the body's resolutions; `organisation` those that
    /// bind it or under which it adopted, signed or withdrew; the period those decided within it.
    pub fn view(&self, filters: &Filters, rules: &Rules, today: Date) -> ResolutionsView {
        let assessment = self.models.portfolio.assess(rules, today);
        let mut resolutions: Vec<ResolutionEntry> = self
            .models
            .register
            .resolutions
            .iter()
            .filter(|(key, r)| r.exists() && self.selected(key, r, filters, &assessment))
            .map(|(key, r)| self.entry(key, r, &assessment, rules, today))
            .collect();
        resolutions.sort_by(|a, b| {
            (a.decided_on, &a.body_name, &a.resolution).cmp(&(b.decided_on, &b.body_name, &b.resolution))
        });
        ResolutionsView { today, rules: *rules, filters: filters.clone(), resolutions }
    }

    /// One resolution and its trail on `today`, or `None` when it was never recorded.
    pub fn resolution(&self, key: &Key, rules: &Rules, today: Date) -> Option<ResolutionEntry> {
        let r = self.models.register.resolutions.get(key).filter(|r| r.exists())?;
        Some(self.entry(key, r, &self.models.portfolio.assess(rules, today), rules, today))
    }

    fn acts(&self, key: &Key) -> &[Caused] {
        self.models.register.caused.get(key).map_or(&[], Vec::as_slice)
    }

    fn selected(&self, key: &Key, r: &resolution::State, filters: &Filters, assessment: &Assessment<'_>) -> bool {
        let acts = self.acts(key);
        filters.instrument.as_ref().is_none_or(|i| {
            acts.iter().any(|a| a.instrument() == Some(i))
                || assessment.arising_from(key).any(|(_, c, _)| c.towards.as_ref().is_some_and(|t| &t.instrument == i))
        }) && Filters::matches(&filters.body, r.body.as_ref())
            && filters
                .organisation
                .as_ref()
                .is_none_or(|o| r.organisations.contains(o) || acts.iter().any(|a| a.party() == Some(o)))
            && r.decided_on.is_none_or(|d| filters.in_period(d))
    }

    fn entry(
        &self,
        key: &Key,
        r: &resolution::State,
        assessment: &Assessment<'_>,
        rules: &Rules,
        today: Date,
    ) -> ResolutionEntry {
        let correctors = self.models.register.corrected.get(key).map_or(&[][..], Vec::as_slice);
        let mut acts: Vec<&Caused> = self.acts(key).iter().collect();
        acts.sort_by_key(|a| a.on());
        let mut commitments: BTreeMap<Key, CommitmentTrail> = BTreeMap::new();
        let mut add = |commitment: &Key, c: &commitment::State, figures: Figures, basis: Basis| {
            commitments.entry(commitment.clone()).or_insert_with(|| {
                let state = ActionState::of(c, &figures);
                CommitmentTrail {
                    commitment: commitment.clone(),
                    title: c.title.clone(),
                    organisation: c.organisation.clone(),
                    organisation_name: c.organisation.as_ref().map(|o| self.models.names.organisation(o)),
                    basis,
                    due_on: c.due_on,
                    state,
                    progress: tenths(figures.progress),
                    rag: figures.rag,
                    lead_status: c.latest.as_ref().filter(|_| state.is_open()).map(|p| p.status),
                }
            });
        };
        for (commitment, c, figures) in assessment.arising_from(key) {
            add(commitment, c, figures, Basis::ArisingFrom);
        }
        for act in acts.iter().filter(|a| a.sets_delivery_going()) {
            if let Some(instrument) = act.instrument() {
                for (commitment, c, figures) in assessment.towards_instrument(instrument) {
                    let instrument_title = self.models.portfolio.instrument_title(instrument);
                    add(commitment, c, figures, Basis::Delivering { instrument: instrument.clone(), instrument_title });
                }
            }
        }
        let mut commitments: Vec<CommitmentTrail> = commitments.into_values().collect();
        commitments.sort_by(|a, b| (a.due_on, &a.title).cmp(&(b.due_on, &b.title)));
        ResolutionEntry {
            resolution: key.clone(),
            body: r.body.clone(),
            body_name: r.body.as_ref().map(|b| self.models.names.body(b)),
            organisations: r.organisations.clone(),
            meeting: r.meeting.clone(),
            meeting_title: r
                .meeting
                .as_ref()
                .and_then(|m| self.models.register.meetings.get(m))
                .map(|m| m.title.clone()),
            agenda_item: r.agenda_item.clone(),
            minute_number: r.minute_number.clone(),
            outcome: r.outcome,
            decided_on: r.decided_on,
            published_on: r.published_on,
            effective_on: r.effective_on.or_else(|| r.effective_after_call_in(rules.call_in_working_days, today)),
            text: r.text.clone(),
            standing: r.status,
            call_in: CallIn::of(r, rules, today),
            corrections: r
                .corrections
                .iter()
                .enumerate()
                .map(|(i, (previous_text, reason))| Correction {
                    previous_text: previous_text.clone(),
                    reason: reason.clone(),
                    corrected_on: correctors.get(i).map(|c| c.on),
                    actor: correctors.get(i).map(|c| c.actor.clone()),
                })
                .collect(),
            replaced_by: r.replaced_by.clone(),
            replaced_by_name: r.replaced_by.as_ref().map(|k| self.models.register.cite(&self.models.names, k)),
            caused: acts
                .into_iter()
                .map(|act| CausedView { description: self.describe(act), act: act.clone() })
                .collect(),
            commitments,
        }
    }

    fn describe(&self, act: &Caused) -> String {
        let title = |i: &Key| self.models.portfolio.instrument_title(i);
        let name = |o: &OrgId| self.models.names.organisation(o);
        let cite = |r: &Key| self.models.register.cite(&self.models.names, r);
        match act {
            Caused::Endorsement { instrument, .. } => format!("endorsed {}", title(instrument)),
            Caused::Adoption { instrument, party, .. } => format!("{} adopted {}", name(party), title(instrument)),
            Caused::Signature { instrument, party, .. } => format!("{} signed {}", name(party), title(instrument)),
            Caused::PartyWithdrawal { instrument, party, .. } => {
                format!("{} withdrew from {}", name(party), title(instrument))
            }
            Caused::Refresh { instrument, version, .. } => {
                format!("refreshed {} as version {version}", title(instrument))
            }
            Caused::InstrumentWithdrawal { instrument, .. } => format!("withdrew {}", title(instrument)),
            Caused::Rescission { resolution, .. } => format!("rescinded {}", cite(resolution)),
            Caused::Supersession { resolution, .. } => format!("superseded {}", cite(resolution)),
        }
    }
}

impl ResolutionEntry {
    /// "minute 45", or the agenda item when the minute has no number.
    pub fn minute(&self) -> String {
        minute_words(self.minute_number.as_ref(), &self.agenda_item)
    }

    /// "Prosperous Communities Committee, minute 45, 2021-03-09": the resolution as a board paper
    /// cites it.
    pub fn heading(&self) -> String {
        let mut parts = vec![or_dash(self.body_name.as_ref()), self.minute()];
        parts.extend(self.decided_on.map(|d| d.to_string()));
        parts.join(", ")
    }

    /// "in force", "rescinded by …", "superseded by …", "called in" or "referred back".
    pub fn standing_words(&self) -> String {
        match (self.standing, &self.replaced_by_name) {
            (resolution::Status::Decided, _) => "in force".into(),
            (status, Some(by)) => format!("{} by {by}", word(&status)),
            (status, None) => word(&status),
        }
    }

    /// "3: 1 overdue, 1 open, 1 done", or "-" when nothing followed.
    pub fn commitments_summary(&self) -> String {
        if self.commitments.is_empty() {
            return "-".into();
        }
        let mut counts: BTreeMap<ActionState, usize> = BTreeMap::new();
        for c in &self.commitments {
            *counts.entry(c.state).or_default() += 1;
        }
        let parts: Vec<String> = counts.iter().map(|(state, n)| format!("{n} {}", word(state))).collect();
        format!("{}: {}", self.commitments.len(), parts.join(", "))
    }

    /// The resolution in detail: an overview with its wording and corrections, what it caused,
    /// and the commitments that followed it.
    pub fn reports(&self, rules: &Rules) -> Vec<Report> {
        let mut overview = Report::new(format!("Resolution: {}", self.heading()), vec!["Field", "Value"]);
        let mut fields = vec![
            ("Body", or_dash(self.body_name.as_ref())),
            ("Meeting", or_dash(self.meeting_title.as_ref())),
            ("Minute", self.minute()),
            ("Outcome", or_dash(self.outcome.as_ref().map(word))),
            ("Decided", or_dash(self.decided_on)),
            ("Published", or_dash(self.published_on)),
            ("Effective", or_dash(self.effective_on)),
            ("Standing", self.standing_words()),
            ("Call-in", self.call_in.words().into()),
            ("Text", self.text.clone()),
        ];
        for c in &self.corrections {
            let mut when = vec![or_dash(c.corrected_on)];
            when.extend(c.actor.as_ref().map(|actor| format!("by {actor}")));
            fields.push(("Corrected", format!("{}: {}; was \"{}\"", when.join(" "), c.reason, c.previous_text)));
        }
        for (field, value) in fields {
            overview.push(vec![field.into(), value]);
        }
        let mut caused = Report::new("Caused", vec!["Date", "What"]).when_empty("Nothing is recorded as caused by it.");
        for act in &self.caused {
            caused.push(vec![act.act.on().to_string(), act.description.clone()]);
        }
        let mut commitments =
            Report::new("Commitments", vec!["Commitment", "Organisation", "Basis", "Due", "State", "Progress", "RAG"])
                .when_empty("No commitment is recorded as arising from it.");
        for c in &self.commitments {
            let basis = match &c.basis {
                Basis::ArisingFrom => "arising from it".to_owned(),
                Basis::Delivering { instrument_title, .. } => format!("delivering {instrument_title}"),
            };
            commitments.push(vec![
                c.title.clone(),
                or_dash(c.organisation_name.as_ref()),
                basis,
                or_dash(c.due_on),
                word(&c.state),
                percent(Some(c.progress)),
                words::rag_beside_lead(c.rag, c.lead_status),
            ]);
        }
        if self.commitments.iter().any(|c| c.lead_status.is_some_and(|lead| Some(lead) != c.rag)) {
            commitments = commitments.note(rules.rag_note()).note(words::LEAD_NOTE);
        }
        vec![overview, caused, commitments]
    }
}

impl ResolutionsView {
    /// One row per resolution.
    pub fn report(&self) -> Report {
        let mut report = Report::new(
            "Resolution register",
            vec!["Decided", "Body", "Minute", "Outcome", "Standing", "Call-in", "Corrections", "Caused", "Commitments"],
        )
        .essential(&["Body", "Minute", "Outcome", "Standing"])
        .note(format!("Commitments are counted as they stand on {}.", self.today));
        if let Some(note) = self.filters.note() {
            report = report.note(note);
        }
        for r in &self.resolutions {
            let caused: Vec<&str> = r.caused.iter().map(|c| c.description.as_str()).collect();
            report.push(vec![
                or_dash(r.decided_on),
                or_dash(r.body_name.as_ref()),
                r.minute(),
                or_dash(r.outcome.as_ref().map(word)),
                r.standing_words(),
                r.call_in.words().into(),
                r.corrections.len().to_string(),
                if caused.is_empty() { "-".into() } else { caused.join("; ") },
                r.commitments_summary(),
            ]);
        }
        report
    }
}
