//! Indicators against their targets: for each measure, its baseline, its latest reading and the
//! one before, the target in force today, the direction of travel (improving or worsening, read
//! through the indicator's polarity), and its RAG by the domain's rule against the target.

use domain::commitment::ObjectiveRef;
use domain::indicator::{self, Polarity, Reading};
use domain::rag::{self, Rag};
use domain::{Date, Key, OrgId};
use serde::Serialize;

use crate::words::{self, or_dash, word};
use crate::{Filters, ReadModels, Report, Rules};

/// The indicators report: a view of the indicators in [`ReadModels`], with the instruments whose
/// objectives they measure.
#[derive(Clone, Copy, Debug)]
pub struct IndicatorBoard<'a> {
    pub(crate) models: &'a ReadModels,
}

/// Which way an indicator is moving, for the better or the worse given its polarity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Improving,
    Worsening,
    NoChange,
}

impl Direction {
    /// From `earlier` to `later`, read through `polarity`.
    pub fn between(earlier: f64, later: f64, polarity: Polarity) -> Self {
        let better = match polarity {
            Polarity::HigherIsBetter => later - earlier,
            Polarity::LowerIsBetter => earlier - later,
        };
        if better > 0.0 {
            Direction::Improving
        } else if better < 0.0 {
            Direction::Worsening
        } else {
            Direction::NoChange
        }
    }
}

/// One indicator as it stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorStatus {
    pub indicator: Key,
    pub title: String,
    pub unit: String,
    pub polarity: Option<Polarity>,
    pub owner: Option<OrgId>,
    pub owner_name: Option<String>,
    pub towards: Option<ObjectiveRef>,
    pub baseline: Option<Reading>,
    /// The latest reading in the period, at its latest revised value.
    pub latest: Option<Reading>,
    /// The reading before it, or the baseline when there is none and the baseline is earlier.
    pub previous: Option<Reading>,
    /// The target in force today: the first due on or after today, else the last.
    pub target: Option<Reading>,
    pub direction: Option<Direction>,
    pub rag: Option<Rag>,
    /// How many readings were revised after they were first recorded.
    pub revisions: u32,
    /// Every reading in the period, earliest first, each at its latest revised value.
    pub readings: Vec<Reading>,
    /// Every target, earliest due first.
    pub targets: Vec<Reading>,
}

/// The indicators as of `today`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IndicatorsView {
    pub today: Date,
    pub rules: Rules,
    pub filters: Filters,
    /// By title.
    pub indicators: Vec<IndicatorStatus>,
}

impl IndicatorBoard<'_> {
    /// The indicators on `today`. `instrument` selects those measuring one of its objectives;
    /// `body` those measuring an objective of an instrument the body owns; `organisation` those
    /// it owns; the period limits the readings considered to those taken within it.
    pub fn view(&self, filters: &Filters, rules: &Rules, today: Date) -> IndicatorsView {
        let mut indicators: Vec<IndicatorStatus> = self
            .models
            .indicators
            .iter()
            .filter(|(_, i)| i.id.is_some() && self.selected(i, filters))
            .map(|(key, i)| self.status(key, i, filters, rules, today))
            .collect();
        indicators.sort_by(|a, b| (&a.title, &a.indicator).cmp(&(&b.title, &b.indicator)));
        IndicatorsView { today, rules: *rules, filters: filters.clone(), indicators }
    }

    fn selected(&self, i: &indicator::State, filters: &Filters) -> bool {
        let instrument = i.towards.as_ref().map(|t| &t.instrument);
        let owner_body =
            instrument.and_then(|k| self.models.portfolio.instruments.get(k)).and_then(|s| s.owner_body.as_ref());
        Filters::matches(&filters.instrument, instrument)
            && Filters::matches(&filters.body, owner_body)
            && Filters::matches(&filters.organisation, i.owner.as_ref())
    }

    fn status(
        &self,
        key: &Key,
        i: &indicator::State,
        filters: &Filters,
        rules: &Rules,
        today: Date,
    ) -> IndicatorStatus {
        let mut in_period = i.clone();
        in_period.measurements.retain(|m| filters.in_period(m.as_of));
        let latest = in_period.latest();
        let previous = match in_period.measurements.len() {
            0 | 1 => i.baseline.filter(|b| latest.is_some_and(|l| b.as_of < l.as_of)),
            n => in_period.measurements.get(n - 2).copied(),
        };
        let direction = match (previous, latest, i.polarity) {
            (Some(p), Some(l), Some(polarity)) => Some(Direction::between(p.value, l.value, polarity)),
            _ => None,
        };
        IndicatorStatus {
            indicator: key.clone(),
            title: i.title.clone(),
            unit: i.unit.clone(),
            polarity: i.polarity,
            owner: i.owner.clone(),
            owner_name: i.owner.as_ref().map(|o| self.models.names.organisation(o)),
            towards: i.towards.clone(),
            baseline: i.baseline,
            latest,
            previous,
            target: i.target_for(today),
            direction,
            rag: rag::rate_indicator(rules.indicator_tolerance, &in_period, today),
            revisions: i.revisions,
            targets: i.targets.clone(),
            readings: in_period.measurements,
        }
    }
}

/// The headings of an indicator's row after the two naming it (its title, and its owner or its
/// key): its unit, each reading as a value and a date, its direction and its RAG. The report and
/// the pack's workbook lay out an indicator alike.
pub const INDICATOR_READINGS: [&str; 9] =
    ["Unit", "Baseline", "Baseline on", "Latest", "Latest on", "Target", "Target by", "Direction", "RAG"];

/// "137 (2023-03-31)".
/// A reading as two cells, its value and its date, so that a program loading the CSV reads the
/// value as a number and the date as a date.
fn reading(r: Option<Reading>) -> [String; 2] {
    [or_dash(r.map(|r| r.value)), or_dash(r.map(|r| r.as_of))]
}

impl IndicatorsView {
    /// One row per indicator.
    pub fn report(&self) -> Report {
        let mut report = Report::new("Indicators", [["Indicator", "Owner"].as_slice(), &INDICATOR_READINGS].concat())
            .essential(&["Latest", "Target", "RAG"])
            .note(format!(
                "Targets in force on {}; RAG is amber within {}% short of the target, red beyond.",
                self.today,
                self.rules.indicator_tolerance * 100.0
            ));
        if let Some(note) = self.filters.note() {
            report = report.note(note);
        }
        for i in &self.indicators {
            let mut row = vec![i.title.clone(), or_dash(i.owner_name.as_ref()), i.unit.clone()];
            row.extend(reading(i.baseline));
            row.extend(reading(i.latest));
            row.extend(reading(i.target));
            row.extend([or_dash(i.direction.as_ref().map(word)), words::rag(i.rag)]);
            report.push(row);
        }
        report
    }
}
