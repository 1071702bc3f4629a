//! The instrument status board: for every strategy, blueprint, MOU, action plan, ward plan and
//! programme, its lifecycle state, current version, owner body, endorsements, each party's
//! adoption or signature, its objectives with progress and RAG rolled up from the commitments
//! made towards them, and the commitments that are overdue or stale today; and which streams each
//! instrument's status is made of, to build one instrument as of a past point without the rest.

use std::collections::BTreeSet;

use domain::rag::Rag;
use domain::{Date, Key, OrgId, Period, commitment, ids, instrument};
use kernel::StreamId;
use serde::Serialize;

use crate::delivery::{Assessment, Totals, combine};
use crate::words::{self, or_dash, percent, tenths, word};
use crate::{AsOf, Filters, ReadModels, Report, Rules};

/// The status board: a view of the instruments and commitments in [`ReadModels`].
#[derive(Clone, Copy, Debug)]
pub struct StatusBoard<'a> {
    pub(crate) models: &'a ReadModels,
}

/// One instrument as the board shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstrumentStatus {
    pub instrument: Key,
    pub kind: instrument::Kind,
    pub title: String,
    pub state: instrument::Status,
    /// The latest published version.
    pub version: Option<instrument::Version>,
    pub owner_body: Option<Key>,
    pub owner_name: Option<String>,
    pub period: Option<Period>,
    pub builds_on: Option<Key>,
    /// The title of the instrument it builds on.
    pub builds_on_title: Option<String>,
    pub superseded_by: Option<Key>,
    /// The day it was superseded, expired or withdrawn.
    pub closed_on: Option<Date>,
    pub endorsements: Vec<EndorsementView>,
    pub parties: Vec<PartyStanding>,
    pub objectives: Vec<ObjectiveStatus>,
    /// The mean of its objectives' progress, in per cent.
    pub progress: Option<f64>,
    /// The worst of its objectives' ratings.
    pub rag: Option<Rag>,
    /// Open commitments towards it whose due date has passed.
    pub overdue: Vec<ItemRef>,
    /// Open commitments towards it with no progress for longer than the rules allow.
    pub stale: Vec<ItemRef>,
    /// How the commitments towards it (cancelled ones left out) are rated today.
    pub rag_mix: RagMix,
    /// The latest day anything was done on it: a version published, an endorsement, a party's
    /// adoption, signature or withdrawal, its closing, or the last update of a commitment
    /// towards it.
    pub last_update: Option<Date>,
    /// Whole days from `last_update` to today (none before the day it names).
    pub days_since_update: Option<i64>,
    /// The themes of its objectives, each once, in the order they are first used.
    pub themes: Vec<String>,
}

/// How many commitments are rated red, amber and green, and how many are not rated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RagMix {
    pub red: usize,
    pub amber: usize,
    pub green: usize,
    pub unrated: usize,
}

impl RagMix {
    fn count(&mut self, rag: Option<Rag>) {
        match rag {
            Some(Rag::Red) => self.red += 1,
            Some(Rag::Amber) => self.amber += 1,
            Some(Rag::Green) => self.green += 1,
            None => self.unrated += 1,
        }
    }

    /// How many commitments are counted.
    pub fn total(&self) -> usize {
        self.red + self.amber + self.green + self.unrated
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndorsementView {
    pub body: Key,
    pub body_name: String,
    pub endorsed_on: Date,
    pub resolution: Key,
    /// The resolution as board papers cite it, by body and minute.
    pub resolution_name: String,
    pub recommendation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyStanding {
    pub organisation: OrgId,
    pub name: String,
    pub standing: Standing,
    /// The organisation whose pending obligation this party took over on its succession.
    pub successor_to: Option<OrgId>,
    pub successor_to_name: Option<String>,
    /// The resolution it adopted or signed under, as board papers cite it.
    pub resolution_name: Option<String>,
}

impl PartyStanding {
    /// "NHS Lincolnshire Integrated Care Board (successor to NHS Lincolnshire Clinical
    /// Commissioning Group)", or the party's name alone.
    pub fn described(&self) -> String {
        match &self.successor_to_name {
            Some(predecessor) => format!("{} (successor to {predecessor})", self.name),
            None => self.name.clone(),
        }
    }
}

/// Where a party stands: it adopted (or, for an MOU, signed) under a resolution, withdrew, or
/// has yet to act.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    Pending,
    /// `resolution` is none only in the public record, for a resolution the public may not see.
    Adopted {
        on: Date,
        #[serde(skip_serializing_if = "Option::is_none")]
        resolution: Option<Key>,
    },
    Signed {
        on: Date,
        #[serde(skip_serializing_if = "Option::is_none")]
        resolution: Option<Key>,
    },
    Withdrawn {
        on: Date,
    },
}

impl Standing {
    fn of(party: &instrument::Party) -> Self {
        match (&party.withdrawn_on, &party.adopted, &party.signed) {
            (Some(on), _, _) => Standing::Withdrawn { on: *on },
            (None, Some(a), _) => Standing::Adopted { on: a.on, resolution: Some(a.resolution.clone()) },
            (None, None, Some(s)) => Standing::Signed { on: s.on, resolution: Some(s.resolution.clone()) },
            (None, None, None) => Standing::Pending,
        }
    }

    /// The standing and its date, in words.
    fn cells(&self) -> [String; 2] {
        match self {
            Standing::Pending => ["pending".into(), "-".into()],
            Standing::Adopted { on, .. } => ["adopted".into(), on.to_string()],
            Standing::Signed { on, .. } => ["signed".into(), on.to_string()],
            Standing::Withdrawn { on } => ["withdrawn".into(), on.to_string()],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveStatus {
    pub objective: Key,
    pub title: String,
    pub themes: Vec<String>,
    /// Commitments counted towards it (not cancelled, not counted through a parent).
    pub commitments: usize,
    pub progress: Option<f64>,
    pub rag: Option<Rag>,
}

/// A commitment that needs attention.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemRef {
    pub commitment: Key,
    pub title: String,
    pub organisation: Option<OrgId>,
    pub organisation_name: Option<String>,
    pub lead: String,
    pub due_on: Option<Date>,
    pub last_update: Option<Date>,
}

/// The board as of `today`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusView {
    pub today: Date,
    pub rules: Rules,
    pub filters: Filters,
    /// One entry per instrument, by title.
    pub instruments: Vec<InstrumentStatus>,
}

impl StatusBoard<'_> {
    /// The board on `today`: every instrument the filters select. `instrument` selects one;
    /// `body` those it owns or has endorsed; `organisation` those it is a party to; `theme` those
    /// with an objective tagged with it; the period
    /// those whose own period overlaps it (an instrument without a period runs from its drafting
    /// until it is closed).
    pub fn view(&self, filters: &Filters, rules: &Rules, today: Date) -> StatusView {
        let assessment = self.models.portfolio.assess(rules, today);
        let mut instruments: Vec<InstrumentStatus> = self
            .models
            .portfolio
            .instruments
            .iter()
            .filter(|(key, i)| selected(key, i, filters))
            .filter_map(|(key, i)| self.status(key, i, &assessment))
            .collect();
        instruments.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.instrument.cmp(&b.instrument)));
        StatusView { today, rules: *rules, filters: filters.clone(), instruments }
    }

    /// One instrument on `today`, or `None` when it was never drafted.
    pub fn instrument(&self, key: &Key, rules: &Rules, today: Date) -> Option<InstrumentStatus> {
        let assessment = self.models.portfolio.assess(rules, today);
        self.status(key, self.models.portfolio.instruments.get(key)?, &assessment)
    }

    /// Every theme the objectives of the instruments on record are tagged with, in order.
    pub fn themes(&self) -> Vec<String> {
        let themes: BTreeSet<&String> =
            self.models.portfolio.instruments.values().flat_map(|i| &i.objectives).flat_map(|o| &o.themes).collect();
        themes.into_iter().cloned().collect()
    }

    /// The streams the status of `instrument` is folded from: its own, its owner's and endorsing
    /// bodies', its parties', and those of the commitments behind its totals and of the
    /// organisations answering for them. An owner, an endorsement, a party, a commitment's aim
    /// and parent, and the organisations a commitment has passed through are never taken back,
    /// so the streams this board names are all that the instrument's status at any earlier point
    /// of the log is made of: a board folded from only these, as the log stood at that point,
    /// shows the instrument exactly as a board folded from the whole log does.
    ///
    /// For names: the instrument it builds on (its title), the resolutions its endorsements and
    /// parties cite and their bodies (how papers cite them), the predecessors its parties
    /// succeeded, and for every body named, its parent organisations and one other body
    /// established under the same name by `as_of`, if there is one (a name two bodies share is
    /// told apart by organisation). The board is current, so `as_of` is a point no later than it.
    pub fn sources(&self, instrument: &Key, as_of: AsOf) -> BTreeSet<StreamId> {
        let mut streams = BTreeSet::from([ids::instrument_stream(instrument)]);
        if let Some(i) = self.models.portfolio.instruments.get(instrument) {
            let cited: Vec<&Key> = i
                .endorsements
                .iter()
                .map(|e| &e.resolution)
                .chain(i.parties.iter().flat_map(|p| p.adopted.iter().chain(&p.signed)).map(|a| &a.resolution))
                .collect();
            let resolutions =
                self.models.resolutions_on_record().filter(|r| r.id.as_ref().is_some_and(|k| cited.contains(&k)));
            let mut bodies: BTreeSet<&Key> =
                i.owner_body.iter().chain(i.endorsements.iter().map(|e| &e.body)).collect();
            for r in resolutions {
                streams.extend(r.id.iter().map(ids::resolution_stream));
                bodies.extend(&r.body);
            }
            let names = &self.models.names;
            for body in bodies {
                streams.insert(ids::body_stream(body));
                streams.extend(names.namesake(body, as_of).map(ids::body_stream));
                let parents = names.established_body(body).into_iter().flat_map(|b| &b.parents);
                streams.extend(parents.map(ids::organisation_stream));
            }
            streams.extend(i.builds_on.iter().map(ids::instrument_stream));
            streams.extend(
                i.parties
                    .iter()
                    .flat_map(|p| std::iter::once(&p.id).chain(&p.successor_to))
                    .map(ids::organisation_stream),
            );
        }
        for key in self.models.portfolio.behind(instrument) {
            streams.insert(ids::commitment_stream(key));
            if let Some(c) = self.models.portfolio.commitments.get(key) {
                streams.extend(c.organisation.iter().chain(&c.previous_organisations).map(ids::organisation_stream));
            }
        }
        streams
    }

    fn status(&self, key: &Key, i: &instrument::State, assessment: &Assessment<'_>) -> Option<InstrumentStatus> {
        let kind = i.kind?;
        let objectives: Vec<(ObjectiveStatus, Totals)> = i
            .objectives
            .iter()
            .map(|o| {
                let totals = assessment.objective(key, &o.key);
                let status = ObjectiveStatus {
                    objective: o.key.clone(),
                    title: o.title.clone(),
                    themes: o.themes.clone(),
                    commitments: totals.commitments,
                    progress: totals.progress.map(tenths),
                    rag: totals.rag,
                };
                (status, totals)
            })
            .collect();
        let totals = combine(&objectives.iter().map(|(_, t)| *t).collect::<Vec<_>>());
        let mut overdue = Vec::new();
        let mut stale = Vec::new();
        let mut rag_mix = RagMix::default();
        let own_acts = i.versions.iter().map(|v| v.published_on).chain(i.endorsements.iter().map(|e| e.endorsed_on));
        let party_acts = i.parties.iter().flat_map(|p| {
            [p.adopted.as_ref().map(|a| a.on), p.signed.as_ref().map(|s| s.on), p.withdrawn_on].into_iter().flatten()
        });
        let mut last_update = own_acts.chain(party_acts).chain(i.closed_on).max();
        for (commitment, c, figures) in assessment.towards_instrument(key) {
            last_update = last_update.max(figures.last_update);
            if c.status != commitment::Status::Cancelled {
                rag_mix.count(figures.rag);
            }
            let item = || ItemRef {
                commitment: commitment.clone(),
                title: c.title.clone(),
                organisation: c.organisation.clone(),
                organisation_name: c.organisation.as_ref().map(|o| self.models.names.organisation(o)),
                lead: c.lead.clone(),
                due_on: c.due_on,
                last_update: figures.last_update,
            };
            if figures.overdue {
                overdue.push(item());
            }
            if figures.stale {
                stale.push(item());
            }
        }
        Some(InstrumentStatus {
            instrument: key.clone(),
            kind,
            title: i.title.clone(),
            state: i.status,
            version: i.current_version().cloned(),
            owner_body: i.owner_body.clone(),
            owner_name: i.owner_body.as_ref().map(|b| self.models.names.body(b)),
            period: i.period.clone(),
            builds_on: i.builds_on.clone(),
            builds_on_title: i.builds_on.as_ref().map(|b| self.models.portfolio.instrument_title(b)),
            superseded_by: i.superseded_by.clone(),
            closed_on: i.closed_on,
            endorsements: i
                .endorsements
                .iter()
                .map(|e| EndorsementView {
                    body: e.body.clone(),
                    body_name: self.models.names.body(&e.body),
                    endorsed_on: e.endorsed_on,
                    resolution: e.resolution.clone(),
                    resolution_name: self.models.register.cite(&self.models.names, &e.resolution),
                    recommendation: e.recommendation.clone(),
                })
                .collect(),
            parties: i
                .parties
                .iter()
                .map(|p| PartyStanding {
                    organisation: p.id.clone(),
                    name: self.models.names.organisation(&p.id),
                    standing: Standing::of(p),
                    successor_to: p.successor_to.clone(),
                    successor_to_name: p.successor_to.as_ref().map(|o| self.models.names.organisation(o)),
                    resolution_name: p
                        .adopted
                        .as_ref()
                        .or(p.signed.as_ref())
                        .map(|a| self.models.register.cite(&self.models.names, &a.resolution)),
                })
                .collect(),
            objectives: objectives.into_iter().map(|(o, _)| o).collect(),
            progress: totals.progress.map(tenths),
            rag: totals.rag,
            overdue,
            stale,
            rag_mix,
            last_update,
            days_since_update: last_update.map(|d| (assessment.today() - d).num_days()).filter(|days| *days >= 0),
            themes: i.objectives.iter().flat_map(|o| &o.themes).fold(Vec::new(), |mut themes, t| {
                if !themes.contains(t) {
                    themes.push(t.clone());
                }
                themes
            }),
        })
    }
}

fn selected(key: &Key, i: &instrument::State, filters: &Filters) -> bool {
    let (start, end) = match &i.period {
        Some(p) => (Some(p.from), Some(p.to)),
        None => (None, i.closed_on),
    };
    Filters::matches(&filters.instrument, Some(key))
        && filters
            .body
            .as_ref()
            .is_none_or(|b| i.owner_body.as_ref() == Some(b) || i.endorsements.iter().any(|e| &e.body == b))
        && filters.organisation.as_ref().is_none_or(|o| i.party(o).is_some())
        && filters.theme.as_ref().is_none_or(|t| i.objectives.iter().any(|o| o.themes.contains(t)))
        && filters.overlaps(start, end)
}

impl StatusView {
    /// One row per instrument: what a board secretary reads first.
    pub fn report(&self) -> Report {
        let mut report = Report::new(
            "Instrument status board",
            vec![
                "Instrument",
                "Kind",
                "State",
                "Version",
                "Owner",
                "Endorsed",
                "Parties",
                "Progress",
                "RAG",
                "Overdue",
                "Stale",
            ],
        )
        .note(format!("Overdue and stale items are counted on {}.", self.today))
        .note(self.rules.rag_note())
        .note(self.rules.stale_note())
        .essential(&["State", "Progress", "RAG", "Overdue"]);
        if let Some(note) = self.filters.note() {
            report = report.note(note);
        }
        for i in &self.instruments {
            let endorsed: Vec<String> = i.endorsements.iter().map(|e| e.endorsed_on.to_string()).collect();
            report.push(vec![
                i.title.clone(),
                words::kind(i.kind),
                word(&i.state),
                or_dash(i.version.as_ref().map(|v| &v.label)),
                or_dash(i.owner_name.as_ref()),
                if endorsed.is_empty() { "not yet".into() } else { endorsed.join(", ") },
                i.parties_summary(),
                percent(i.progress),
                words::rag(i.rag),
                i.overdue.len().to_string(),
                i.stale.len().to_string(),
            ]);
        }
        report
    }
}

impl InstrumentStatus {
    /// "1 adopted, 3 pending": how many parties have acted, are yet to, or withdrew.
    pub fn parties_summary(&self) -> String {
        if self.parties.is_empty() {
            return "none".into();
        }
        let count = |f: fn(&Standing) -> bool| self.parties.iter().filter(|p| f(&p.standing)).count();
        let done = count(|s| matches!(s, Standing::Adopted { .. } | Standing::Signed { .. }));
        let verb = if self.kind == instrument::Kind::Mou { "signed" } else { "adopted" };
        let mut summary = format!("{done} {verb}, {} pending", count(|s| *s == Standing::Pending));
        let withdrawn = count(|s| matches!(s, Standing::Withdrawn { .. }));
        if withdrawn > 0 {
            summary.push_str(&format!(", {withdrawn} withdrawn"));
        }
        summary
    }

    /// The instrument in detail: an overview, then its endorsements, parties, objectives, and
    /// the commitments that need attention.
    pub fn reports(&self) -> Vec<Report> {
        let mut overview = Report::new(self.title.clone(), vec!["Field", "Value"]);
        let version = self
            .version
            .as_ref()
            .map(|v| format!("{} (version {}, published {}, {})", v.label, v.number, v.published_on, v.content_hash));
        let closed = match (&self.superseded_by, self.closed_on) {
            (Some(by), Some(on)) => Some(format!("superseded by {by} on {on}")),
            (None, Some(on)) => Some(format!("{} on {on}", word(&self.state))),
            _ => None,
        };
        for (field, value) in [
            ("Kind", Some(words::kind(self.kind))),
            ("State", Some(word(&self.state))),
            ("Version", version),
            ("Owner", self.owner_name.clone()),
            ("Period", self.period.as_ref().map(|p| format!("{} to {}", p.from, p.to))),
            ("Builds on", self.builds_on_title.clone()),
            ("Closed", closed),
            ("Parties", Some(self.parties_summary())),
            ("Progress", Some(percent(self.progress))),
            ("RAG", Some(words::rag(self.rag))),
        ] {
            if let Some(value) = value {
                overview.push(vec![field.into(), value]);
            }
        }
        let mut endorsements = Report::new("Endorsements", vec!["Body", "Date", "Resolution", "Recommendation"])
            .when_empty("No body has endorsed it yet.");
        for e in &self.endorsements {
            endorsements.push(vec![
                e.body_name.clone(),
                e.endorsed_on.to_string(),
                e.resolution_name.clone(),
                or_dash(e.recommendation.as_ref()),
            ]);
        }
        let mut parties = Report::new("Parties", vec!["Party", "Standing", "Date", "Resolution"])
            .when_empty("No parties are recorded.");
        for p in &self.parties {
            let [standing, on] = p.standing.cells();
            let resolution = match p.standing {
                Standing::Adopted { .. } | Standing::Signed { .. } => or_dash(p.resolution_name.as_ref()),
                Standing::Pending | Standing::Withdrawn { .. } => "-".into(),
            };
            parties.push(vec![p.described(), standing, on, resolution]);
        }
        let mut objectives = Report::new("Objectives", vec!["Objective", "Commitments", "Progress", "RAG", "Themes"])
            .when_empty("No objectives are recorded.");
        for o in &self.objectives {
            objectives.push(vec![
                o.title.clone(),
                o.commitments.to_string(),
                percent(o.progress),
                words::rag(o.rag),
                o.themes.join(", "),
            ]);
        }
        let mut attention =
            Report::new("Needs attention", vec!["Commitment", "Organisation", "Lead", "Due", "Last update", "Why"])
                .when_empty("Nothing needs attention: no commitment is overdue or stale.");
        let mut items: Vec<(&ItemRef, Vec<&str>)> = Vec::new();
        for (item, why) in self.overdue.iter().map(|i| (i, "overdue")).chain(self.stale.iter().map(|i| (i, "stale"))) {
            match items.iter_mut().find(|(seen, _)| seen.commitment == item.commitment) {
                Some((_, reasons)) => reasons.push(why),
                None => items.push((item, vec![why])),
            }
        }
        for (item, why) in items {
            attention.push(vec![
                item.title.clone(),
                or_dash(item.organisation_name.as_ref()),
                item.lead.clone(),
                or_dash(item.due_on),
                or_dash(item.last_update),
                why.join(", "),
            ]);
        }
        vec![overview, endorsements, parties, objectives, attention]
    }
}
