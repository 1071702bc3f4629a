//! Indicators against their targets.

use domain::indicator::Polarity;
use domain::testing::{date, org};
use projections::{Direction, Filters, Format, ReadModels, Rules};

use crate::log::{corpus_log, fold, today};

fn models() -> ReadModels {
    fold(&corpus_log())
}

#[test]
fn every_indicator_against_its_target() {
    let view = models().indicators().view(&Filters::default(), &Rules::default(), today());
    insta::assert_snapshot!(view.report().render(Format::Text));
    insta::assert_json_snapshot!(view);
}

#[test]
fn direction_of_travel_respects_polarity() {
    assert_eq!(Direction::between(10.0, 12.0, Polarity::HigherIsBetter), Direction::Improving);
    assert_eq!(Direction::between(10.0, 12.0, Polarity::LowerIsBetter), Direction::Worsening);
    assert_eq!(Direction::between(12.0, 10.0, Polarity::LowerIsBetter), Direction::Improving);
    assert_eq!(Direction::between(10.0, 10.0, Polarity::HigherIsBetter), Direction::NoChange);
}

#[test]
fn the_period_limits_the_readings_considered() {
    let filters = Filters { organisation: Some(org("GB-LAE-WLI")), to: Some(date("2022-12-31")), ..Filters::default() };
    let view = models().indicators().view(&filters, &Rules::default(), date("2022-12-31"));
    let dfg = &view.indicators[0];
    assert_eq!(dfg.latest.map(|r| r.value), Some(114.0), "the revised 2021/22 reading");
    assert_eq!(dfg.previous.map(|r| r.value), Some(96.0), "the baseline");
    assert_eq!(dfg.direction, Some(Direction::Improving));
    assert_eq!(dfg.revisions, 1);
}
