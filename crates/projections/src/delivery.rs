//! Delivery as of a day: instruments and the commitments made towards their objectives, and what
//! "today" makes of each commitment (progress rolled up from its children, RAG, the last update,
//! overdue, due soon, stale), of each objective and of each instrument. Ratings and roll-ups are
//! the domain's own ([`domain::rag`]); this module only decides what is rolled up into what.

use std::collections::{BTreeMap, BTreeSet};

use domain::commitment::{self, ObjectiveRef};
use domain::rag::{self, Rag, RollUp};
use domain::{Date, Key, instrument};
use serde::{Deserialize, Serialize};

use crate::Rules;
use crate::change::{Change, evolve_in};

/// Instruments and commitments, folded from their own streams.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "Folded")]
pub(crate) struct Portfolio {
    pub(crate) instruments: BTreeMap<Key, instrument::State>,
    pub(crate) commitments: BTreeMap<Key, commitment::State>,
    /// Worked out from the commitments, so not saved: rebuilt when a saved state is read.
    #[serde(skip_serializing)]
    links: Links,
}

/// Which commitments are made towards each instrument, and which are below each commitment.
#[derive(Clone, Debug, Default)]
struct Links {
    towards: BTreeMap<Key, BTreeSet<Key>>,
    children: BTreeMap<Key, BTreeSet<Key>>,
}

impl Links {
    fn link(&mut self, key: &Key, c: &commitment::State) {
        if let Some(t) = &c.towards {
            self.towards.entry(t.instrument.clone()).or_default().insert(key.clone());
        }
        if let Some(parent) = &c.parent {
            self.children.entry(parent.clone()).or_default().insert(key.clone());
        }
    }
}

/// A portfolio as saved.
#[derive(Deserialize)]
struct Folded {
    instruments: BTreeMap<Key, instrument::State>,
    commitments: BTreeMap<Key, commitment::State>,
}

impl From<Folded> for Portfolio {
    fn from(folded: Folded) -> Self {
        let mut links = Links::default();
        for (key, c) in &folded.commitments {
            links.link(key, c);
        }
        Self { instruments: folded.instruments, commitments: folded.commitments, links }
    }
}

impl PartialEq for Portfolio {
    fn eq(&self, other: &Self) -> bool {
        self.instruments == other.instruments && self.commitments == other.commitments
    }
}

impl Portfolio {
    pub(crate) fn apply(&mut self, change: &Change) {
        match change {
            Change::Instrument(key, e) => evolve_in(&mut self.instruments, key, e, instrument::evolve),
            Change::Commitment(key, e) => {
                evolve_in(&mut self.commitments, key, e, commitment::evolve);
                // A commitment's aim and parent are set once, when it is made.
                if let (commitment::Event::Made { .. }, Some(c)) = (e, self.commitments.get(key)) {
                    self.links.link(key, c);
                }
            }
            _ => {}
        }
    }

    /// The instrument's title, or its key when it was never drafted.
    pub(crate) fn instrument_title(&self, key: &Key) -> String {
        self.instruments.get(key).filter(|i| i.id.is_some()).map_or_else(|| key.to_string(), |i| i.title.clone())
    }

    /// "Instrument title: objective title".
    pub(crate) fn objective_title(&self, towards: &ObjectiveRef) -> String {
        let objective = self.instruments.get(&towards.instrument).and_then(|i| i.objective(&towards.objective));
        let objective = objective.map_or_else(|| towards.objective.to_string(), |o| o.title.clone());
        format!("{}: {objective}", self.instrument_title(&towards.instrument))
    }

    /// The commitments an instrument's totals are worked out from: those made towards it, every
    /// commitment below them, and their parents (whose aim decides whether a child counts on its
    /// own). A commitment's aim and parent are fixed when it is made, so at any earlier point of
    /// the log the commitments that mattered were these, or some of them.
    pub(crate) fn behind(&self, instrument: &Key) -> BTreeSet<&Key> {
        let towards: Vec<&Key> = self.links.towards.get(instrument).into_iter().flatten().collect();
        let mut found: BTreeSet<&Key> = towards.iter().copied().collect();
        let mut below = towards.clone();
        while let Some(key) = below.pop() {
            for child in self.links.children.get(key).into_iter().flatten() {
                if found.insert(child) {
                    below.push(child);
                }
            }
        }
        found.extend(towards.iter().filter_map(|key| self.commitments.get(*key)?.parent.as_ref()));
        found
    }

    /// Assesses every commitment on `today` by `rules`.
    pub(crate) fn assess(&self, rules: &Rules, today: Date) -> Assessment<'_> {
        let mut children: BTreeMap<&Key, Vec<&Key>> = BTreeMap::new();
        let mut towards: Index<'_> = BTreeMap::new();
        let mut arising: BTreeMap<&Key, Vec<&Key>> = BTreeMap::new();
        for (key, c) in &self.commitments {
            if let Some(parent) = &c.parent {
                children.entry(parent).or_default().push(key);
            }
            if let Some(t) = &c.towards {
                towards.entry(&t.instrument).or_default().entry(&t.objective).or_default().push(key);
            }
            if let Some(resolution) = &c.arising_from {
                arising.entry(resolution).or_default().push(key);
            }
        }
        let mut assessing = Assessing { portfolio: self, rules: *rules, today, children, memo: BTreeMap::new() };
        for key in self.commitments.keys() {
            assessing.figures(key, &mut BTreeSet::new());
        }
        Assessment { portfolio: self, rules: *rules, today, figures: assessing.memo, towards, arising }
    }
}

/// What today makes of one commitment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Figures {
    /// Percentage complete: 100 once completed, else rolled up from its children when it has
    /// any that are not cancelled, else its latest report's.
    pub(crate) progress: f64,
    /// The domain's rating of the commitment; for an open parent, the worst of its children's.
    pub(crate) rag: Option<Rag>,
    /// The latest of the day it was made, its progress reports, milestones reached, completion,
    /// and its children's last updates.
    pub(crate) last_update: Option<Date>,
    pub(crate) overdue: bool,
    pub(crate) due_soon: bool,
    pub(crate) stale: bool,
}

/// A total over several commitments: an objective's or an instrument's.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Totals {
    pub(crate) commitments: usize,
    pub(crate) progress: Option<f64>,
    pub(crate) rag: Option<Rag>,
}

/// The worst rating among some, if any is rated.
pub(crate) fn worst(rags: impl IntoIterator<Item = Option<Rag>>) -> Option<Rag> {
    rags.into_iter().flatten().min()
}

struct Assessing<'a> {
    portfolio: &'a Portfolio,
    rules: Rules,
    today: Date,
    children: BTreeMap<&'a Key, Vec<&'a Key>>,
    memo: BTreeMap<&'a Key, Figures>,
}

impl<'a> Assessing<'a> {
    /// The figures of `key`, computing its children's first. `visiting` guards against a parent
    /// chain that loops, which the domain never records; a loop is treated as having no children.
    fn figures(&mut self, key: &'a Key, visiting: &mut BTreeSet<&'a Key>) -> Option<Figures> {
        if let Some(f) = self.memo.get(key) {
            return Some(*f);
        }
        let c = self.portfolio.commitments.get(key)?;
        if !visiting.insert(key) {
            return None;
        }
        let children: Vec<&'a Key> = self.children.get(key).cloned().unwrap_or_default();
        let mut parts = Vec::new();
        let mut last_update = std::iter::once(c.made_on)
            .chain(std::iter::once(c.last_reported_on))
            .chain(std::iter::once(c.completed_on))
            .chain(c.milestones.iter().map(|m| m.reached_on))
            .flatten()
            .max();
        for child in children {
            let Some(state) = self.portfolio.commitments.get(child) else { continue };
            let Some(f) = self.figures(child, visiting) else { continue };
            last_update = last_update.max(f.last_update);
            if state.status != commitment::Status::Cancelled {
                parts.push((state.weight, f));
            }
        }
        visiting.remove(key);
        let own_rag = rag::rate_commitment(&self.rules.rag, c, self.today);
        let (progress, rag) = if parts.is_empty() || c.status == commitment::Status::Completed {
            (f64::from(c.percent_complete()), own_rag)
        } else {
            let weighted: Vec<(u32, f64)> = parts.iter().map(|(w, f)| (*w, f.progress)).collect();
            let progress = rag::roll_up(self.rules.roll_up, &weighted).unwrap_or(f64::from(c.percent_complete()));
            let rag = if c.is_open() { worst(parts.iter().map(|(_, f)| f.rag)).or(own_rag) } else { own_rag };
            (progress, rag)
        };
        let overdue = c.is_overdue(self.today);
        let days_to_due = c.due_on.map(|due| (due - self.today).num_days());
        let figures = Figures {
            progress,
            rag,
            last_update,
            overdue,
            due_soon: c.is_open() && !overdue && days_to_due.is_some_and(|d| d <= i64::from(self.rules.due_soon_days)),
            stale: c.is_open()
                && last_update.is_some_and(|d| (self.today - d).num_days() > i64::from(self.rules.stale_after_days)),
        };
        self.memo.insert(key, figures);
        Some(figures)
    }
}

/// Every commitment assessed on one day, and the totals built from them.
#[derive(Debug)]
pub(crate) struct Assessment<'a> {
    portfolio: &'a Portfolio,
    rules: Rules,
    today: Date,
    figures: BTreeMap<&'a Key, Figures>,
    towards: Index<'a>,
    /// Commitments by the resolution they arise from.
    arising: BTreeMap<&'a Key, Vec<&'a Key>>,
}

/// Commitments by the instrument and objective they are made towards.
type Index<'a> = BTreeMap<&'a Key, BTreeMap<&'a Key, Vec<&'a Key>>>;

impl<'a> Assessment<'a> {
    /// The day the commitments were assessed on.
    pub(crate) fn today(&self) -> Date {
        self.today
    }

    pub(crate) fn of(&self, key: &Key) -> Option<Figures> {
        self.figures.get(key).copied()
    }

    /// The commitments made towards any objective of `instrument`, with their figures.
    pub(crate) fn towards_instrument(
        &self,
        instrument: &'a Key,
    ) -> impl Iterator<Item = (&'a Key, &'a commitment::State, Figures)> + '_ {
        self.towards
            .get(instrument)
            .into_iter()
            .flat_map(|objectives| objectives.values().flatten().copied())
            .filter_map(|key| self.with_figures(key))
    }

    /// The commitments made arising from `resolution`, with their figures.
    pub(crate) fn arising_from(
        &self,
        resolution: &Key,
    ) -> impl Iterator<Item = (&'a Key, &'a commitment::State, Figures)> + '_ {
        self.arising.get(resolution).into_iter().flatten().copied().filter_map(|key| self.with_figures(key))
    }

    fn with_figures(&self, key: &'a Key) -> Option<(&'a Key, &'a commitment::State, Figures)> {
        Some((key, self.portfolio.commitments.get(key)?, self.of(key)?))
    }

    /// An objective's total: over the commitments towards it that are not cancelled, leaving out
    /// those whose parent is towards the same objective (their parent already counts them).
    pub(crate) fn objective(&self, instrument: &Key, objective: &Key) -> Totals {
        let parts: Vec<(u32, Figures)> = self
            .towards
            .get(instrument)
            .and_then(|objectives| objectives.get(objective))
            .into_iter()
            .flatten()
            .filter_map(|key| {
                let c = self.portfolio.commitments.get(*key)?;
                let counted_by_parent = c
                    .parent
                    .as_ref()
                    .and_then(|p| self.portfolio.commitments.get(p))
                    .is_some_and(|p| p.towards == c.towards);
                if counted_by_parent || c.status == commitment::Status::Cancelled {
                    return None;
                }
                Some((c.weight, self.of(key)?))
            })
            .collect();
        let weighted: Vec<(u32, f64)> = parts.iter().map(|(w, f)| (*w, f.progress)).collect();
        Totals {
            commitments: parts.len(),
            progress: rag::roll_up(self.rules.roll_up, &weighted),
            rag: worst(parts.iter().map(|(_, f)| f.rag)),
        }
    }
}

/// An instrument's total: the plain mean of its objectives' progress (each objective counts once),
/// and the worst of their ratings.
pub(crate) fn combine(objectives: &[Totals]) -> Totals {
    let progress: Vec<(u32, f64)> = objectives.iter().filter_map(|t| Some((1, t.progress?))).collect();
    Totals {
        commitments: objectives.iter().map(|t| t.commitments).sum(),
        progress: rag::roll_up(RollUp::Mean, &progress),
        rag: worst(objectives.iter().map(|t| t.rag)),
    }
}
