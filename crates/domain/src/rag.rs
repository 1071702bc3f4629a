//! RAG ratings and roll-up: the configurable, pure rules that derive a red, amber or green status
//! and a parent's progress. Status is never stored by hand; read models call these.
//!
//! Three rules rate a subject: the lead's judgement as reported; a value against its target
//! within a tolerance; or percentage complete against linear expected progress from start to due
//! date. Two rules roll children's progress up into a parent: their mean, or their mean weighted
//! by each child's weight.

use serde::{Deserialize, Serialize};

use crate::commitment;
use crate::indicator::{self, Polarity};
use crate::values::Date;

/// A red, amber or green rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    Red,
    Amber,
    Green,
}

/// How to rate a subject.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RagRule {
    /// The lead's own judgement in the latest report.
    AsReported,
    /// Green when the value meets its target; amber when it falls short by no more than
    /// `tolerance`, a fraction of the target (0.1 is ten per cent); red beyond that.
    AgainstTarget { tolerance: f64 },
    /// Green when percentage complete is no more than `amber_gap` points behind linear expected
    /// progress from start to due date; amber up to `red_gap` points behind; red beyond that.
    AgainstExpected { amber_gap: f64, red_gap: f64 },
}

/// Points behind expected progress beyond which the default rule rates a commitment amber.
pub const DEFAULT_AMBER_GAP: f64 = 10.0;
/// Points behind expected progress beyond which the default rule rates a commitment red.
pub const DEFAULT_RED_GAP: f64 = 25.0;

impl Default for RagRule {
    fn default() -> Self {
        RagRule::AgainstExpected { amber_gap: DEFAULT_AMBER_GAP, red_gap: DEFAULT_RED_GAP }
    }
}

/// What a rule may look at. Fields a rule does not need may be `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Subject {
    pub reported: Option<Rag>,
    pub actual: Option<f64>,
    pub target: Option<f64>,
    pub polarity: Option<Polarity>,
    pub percent_complete: Option<f64>,
    pub start: Option<Date>,
    pub due: Option<Date>,
}

/// Rates `subject` by `rule` on `today`; `None` when the rule lacks what it needs.
pub fn rate(rule: &RagRule, subject: &Subject, today: Date) -> Option<Rag> {
    match *rule {
        RagRule::AsReported => subject.reported,
        RagRule::AgainstTarget { tolerance } => Some(against_target(
            subject.actual?,
            subject.target?,
            subject.polarity.unwrap_or(Polarity::HigherIsBetter),
            tolerance,
        )),
        RagRule::AgainstExpected { amber_gap, red_gap } => {
            let expected = expected_progress(subject.start?, subject.due?, today);
            Some(against_expected(subject.percent_complete?, expected, amber_gap, red_gap))
        }
    }
}

/// Rates a value against its target within a tolerance, a fraction of the target.
pub fn against_target(actual: f64, target: f64, polarity: Polarity, tolerance: f64) -> Rag {
    let shortfall = match polarity {
        Polarity::HigherIsBetter => target - actual,
        Polarity::LowerIsBetter => actual - target,
    };
    if shortfall <= 0.0 {
        return Rag::Green;
    }
    let allowed = if target == 0.0 { tolerance } else { tolerance * target.abs() };
    if shortfall <= allowed { Rag::Amber } else { Rag::Red }
}

/// The percentage a subject should have reached on `today` if it progressed evenly from `start`
/// to `due`: 0 before the start, 100 from the due date on.
pub fn expected_progress(start: Date, due: Date, today: Date) -> f64 {
    if today >= due {
        return 100.0;
    }
    if today <= start {
        return 0.0;
    }
    let total = (due - start).num_days() as f64;
    let done = (today - start).num_days() as f64;
    100.0 * done / total
}

/// Rates percentage complete against expected progress.
pub fn against_expected(percent_complete: f64, expected: f64, amber_gap: f64, red_gap: f64) -> Rag {
    let behind = expected - percent_complete;
    if behind <= amber_gap {
        Rag::Green
    } else if behind <= red_gap {
        Rag::Amber
    } else {
        Rag::Red
    }
}

/// How a parent's progress is computed from its children's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollUp {
    #[default]
    Mean,
    Weighted,
}

/// A parent's percentage complete from `(weight, percent)` of each child; `None` with no children.
pub fn roll_up(rule: RollUp, children: &[(u32, f64)]) -> Option<f64> {
    if children.is_empty() {
        return None;
    }
    let (sum, total) = children.iter().fold((0.0, 0.0), |(sum, total), &(weight, percent)| {
        let w = match rule {
            RollUp::Mean => 1.0,
            RollUp::Weighted => f64::from(weight),
        };
        (sum + w * percent, total + w)
    });
    if total == 0.0 { None } else { Some(sum / total) }
}

/// Rates a commitment: completed is green, cancelled and deferred have no rating, otherwise the
/// rule decides from its latest report and its dates.
pub fn rate_commitment(rule: &RagRule, c: &commitment::State, today: Date) -> Option<Rag> {
    match c.status {
        commitment::Status::Completed => return Some(Rag::Green),
        commitment::Status::Open => {}
        _ => return None,
    }
    let subject = Subject {
        reported: c.latest.as_ref().map(|p| p.status),
        actual: Some(f64::from(c.percent_complete())),
        target: Some(100.0),
        polarity: Some(Polarity::HigherIsBetter),
        percent_complete: Some(f64::from(c.percent_complete())),
        start: c.made_on,
        due: c.due_on,
    };
    rate(rule, &subject, today)
}

/// Rates an indicator's latest reading against the target in force on `today`.
pub fn rate_indicator(tolerance: f64, i: &indicator::State, today: Date) -> Option<Rag> {
    let subject = Subject {
        actual: i.latest().map(|r| r.value),
        target: i.target_for(today).map(|t| t.value),
        polarity: i.polarity,
        ..Subject::default()
    };
    rate(&RagRule::AgainstTarget { tolerance }, &subject, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn as_reported_returns_the_judgement() {
        let s = Subject { reported: Some(Rag::Amber), ..Subject::default() };
        assert_eq!(rate(&RagRule::AsReported, &s, d(2024, 1, 1)), Some(Rag::Amber));
        assert_eq!(rate(&RagRule::AsReported, &Subject::default(), d(2024, 1, 1)), None);
    }

    #[test]
    fn tolerance_against_target_respects_polarity() {
        assert_eq!(against_target(100.0, 100.0, Polarity::HigherIsBetter, 0.1), Rag::Green);
        assert_eq!(against_target(95.0, 100.0, Polarity::HigherIsBetter, 0.1), Rag::Amber);
        assert_eq!(against_target(80.0, 100.0, Polarity::HigherIsBetter, 0.1), Rag::Red);
        assert_eq!(against_target(80.0, 100.0, Polarity::LowerIsBetter, 0.1), Rag::Green);
        assert_eq!(against_target(108.0, 100.0, Polarity::LowerIsBetter, 0.1), Rag::Amber);
        assert_eq!(against_target(130.0, 100.0, Polarity::LowerIsBetter, 0.1), Rag::Red);
    }

    #[test]
    fn linear_expected_progress_runs_from_start_to_due() {
        let (start, due) = (d(2021, 1, 1), d(2021, 12, 31));
        assert_eq!(expected_progress(start, due, d(2020, 6, 1)), 0.0);
        assert_eq!(expected_progress(start, due, d(2022, 1, 1)), 100.0);
        let mid = expected_progress(start, due, d(2021, 7, 2));
        assert!((mid - 50.0).abs() < 0.5, "{mid}");
        let rule = RagRule::AgainstExpected { amber_gap: 10.0, red_gap: 25.0 };
        let at =
            |pct| Subject { percent_complete: Some(pct), start: Some(start), due: Some(due), ..Subject::default() };
        assert_eq!(rate(&rule, &at(45.0), d(2021, 7, 2)), Some(Rag::Green));
        assert_eq!(rate(&rule, &at(30.0), d(2021, 7, 2)), Some(Rag::Amber));
        assert_eq!(rate(&rule, &at(10.0), d(2021, 7, 2)), Some(Rag::Red));
    }

    #[test]
    fn roll_up_by_mean_or_weight() {
        let children = [(1, 100.0), (3, 0.0)];
        assert_eq!(roll_up(RollUp::Mean, &children), Some(50.0));
        assert_eq!(roll_up(RollUp::Weighted, &children), Some(25.0));
        assert_eq!(roll_up(RollUp::Mean, &[]), None);
    }
}
