//! The resolution register and each resolution's delivery trail.

use domain::testing::{date, key};
use projections::{CallIn, Filters, Format, ReadModels, Rules};

use crate::log::{corpus_log, fold, today};

fn models() -> ReadModels {
    fold(&corpus_log())
}

#[test]
fn the_register_with_what_each_resolution_caused() {
    let view = models().resolutions().view(&Filters::default(), &Rules::default(), today());
    insta::assert_snapshot!(view.report().render(Format::Text));
}

#[test]
fn one_committee_s_resolutions_as_json() {
    let filters = Filters { body: Some(key("west-lindsey-prosperous-communities-committee")), ..Filters::default() };
    let view = models().resolutions().view(&filters, &Rules::default(), today());
    assert_eq!(view.resolutions.len(), 2);
    insta::assert_json_snapshot!(view);
}

#[test]
fn minute_45_traced_to_the_adoption_and_the_commitments_that_followed() {
    let entry = models()
        .resolutions()
        .resolution(&key("west-lindsey-pcc-2021-03-09-45"), &Rules::default(), today())
        .expect("recorded");
    let text: Vec<String> = entry.reports(&Rules::default()).iter().map(|r| r.render(Format::Text)).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn a_called_in_corrected_resolution_keeps_its_history() {
    let entry = models()
        .resolutions()
        .resolution(&key("lincolnshire-hwb-2021-03-09-7"), &Rules::default(), today())
        .expect("recorded");
    assert_eq!(entry.corrections.len(), 1);
    let correction = &entry.corrections[0];
    assert_eq!((correction.corrected_on, correction.actor.as_deref()), (Some(date("2024-06-01")), Some("secretariat")));
    assert_eq!(correction.reason, "Wording as approved at the meeting");
    let text: Vec<String> = entry.reports(&Rules::default()).iter().map(|r| r.render(Format::Text)).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn the_period_and_organisation_filters_narrow_the_register() {
    let models = models();
    let register = models.resolutions();
    let in_2023 = Filters {
        from: Some(domain::testing::date("2023-01-01")),
        to: Some(domain::testing::date("2023-12-31")),
        ..Filters::default()
    };
    let view = register.view(&in_2023, &Rules::default(), today());
    assert!(!view.resolutions.is_empty());
    assert!(view.resolutions.iter().all(|r| r.decided_on.is_some_and(|d| d.to_string().starts_with("2023"))));
    let west_lindsey = Filters { organisation: Some(domain::testing::org("GB-LAE-WLI")), ..Filters::default() };
    let keys: Vec<String> = register
        .view(&west_lindsey, &Rules::default(), today())
        .resolutions
        .iter()
        .map(|r| r.resolution.to_string())
        .collect();
    assert_eq!(keys, ["west-lindsey-pcc-2018-01-29-mou", "west-lindsey-pcc-2021-03-09-45"]);
}

#[test]
fn a_decision_subject_to_call_in_takes_effect_when_five_working_days_pass_without_one() {
    let models = models();
    let cabinet = key("west-northamptonshire-cabinet-2023-09-20-jhws");
    let on = |day: &str, rules: &Rules| models.resolutions().resolution(&cabinet, rules, date(day)).expect("recorded");
    let rules = Rules::default();
    // Published on Wednesday 20 September 2023: 21, 22, 25, 26 and 27 September are the period.
    // The cabinet's record gives 28 September as the day it takes effect, as the rule does.
    let during = on("2023-09-27", &rules);
    assert_eq!((during.call_in, during.effective_on), (CallIn::Subject, Some(date("2023-09-28"))));
    let after = on("2023-09-28", &rules);
    assert_eq!(after.call_in, CallIn::PeriodEnded);
    let text: String = after.reports(&rules).iter().map(|r| r.render(Format::Text)).collect();
    assert!(text.contains("call-in period ended"), "{text}");
    // A longer period, as a council's constitution may set.
    let ten_days = Rules { call_in_working_days: 10, ..Rules::default() };
    assert_eq!(on("2023-09-28", &ten_days).call_in, CallIn::Subject);
    assert_eq!(on("2023-10-04", &ten_days).call_in, CallIn::Subject);
    assert_eq!(on("2023-10-05", &ten_days).call_in, CallIn::PeriodEnded);
}

#[test]
fn two_bodies_of_one_name_are_told_apart_by_their_organisation() {
    let view = models().resolutions().view(&Filters::default(), &Rules::default(), today());
    let cabinet = view
        .resolutions
        .iter()
        .find(|r| r.resolution == key("west-northamptonshire-cabinet-2023-09-20-jhws"))
        .expect("the cabinet's decision");
    // Rotherham has a Cabinet too.
    assert_eq!(cabinet.body_name.as_deref(), Some("Cabinet, West Northamptonshire Council"));
    let replaced = view.resolutions.iter().find(|r| r.replaced_by.is_some()).expect("a replaced resolution");
    assert!(replaced.standing_words().ends_with(", minute 45") || replaced.standing_words().ends_with(", minute 7"));
}
