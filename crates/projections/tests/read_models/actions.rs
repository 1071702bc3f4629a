//! The action log by organisation and by body.

use domain::testing::{date, org};
use projections::{ActionState, Filters, Format, GroupBy, ReadModels, Rules};

use crate::log::{corpus_log, fold, today};

fn models() -> ReadModels {
    fold(&corpus_log())
}

#[test]
fn the_action_log_by_organisation() {
    let view = models().actions().view(&Filters::default(), &Rules::default(), today(), GroupBy::Organisation);
    insta::assert_snapshot!(view.report().render(Format::Text));
    insta::assert_snapshot!("by_organisation_summary", view.summary().render(Format::Text));
}

#[test]
fn the_action_log_by_body() {
    let view = models().actions().view(&Filters::default(), &Rules::default(), today(), GroupBy::Body);
    insta::assert_snapshot!(view.summary().render(Format::Text));
}

#[test]
fn a_successor_answers_for_what_it_inherited() {
    let filters = Filters { organisation: Some(org("GB-NHS-71E")), ..Filters::default() };
    let view = models().actions().view(&filters, &Rules::default(), today(), GroupBy::Organisation);
    assert_eq!(view.rows.len(), 1);
    let row = &view.rows[0];
    assert_eq!(row.organisation, Some(org("GB-NHS-QJM")));
    assert_eq!(row.previously, [org("GB-NHS-71E")]);
    insta::assert_json_snapshot!(view);
}

#[test]
fn due_soon_follows_the_window_and_the_period_filter_takes_due_dates() {
    let models = models();
    let log = models.actions();
    let day = date("2024-03-15");
    let view = log.view(&Filters::default(), &Rules::default(), day, GroupBy::Organisation);
    let due_soon: Vec<&str> =
        view.rows.iter().filter(|r| r.state == ActionState::DueSoon).map(|r| r.commitment.as_str()).collect();
    assert_eq!(
        due_soon,
        [
            "hhcdg-delivery-plan",
            "hhcdg-discharge-housing-support",
            "rotherham-neighbourhood-reporting",
            "whg-community-champions"
        ]
    );
    let wider = Rules { due_soon_days: 200, ..Rules::default() };
    let view = log.view(&Filters::default(), &wider, day, GroupBy::Organisation);
    assert!(view.rows.iter().filter(|r| r.state == ActionState::DueSoon).count() > due_soon.len());
    let q1 = Filters { from: Some(date("2024-01-01")), to: Some(date("2024-03-31")), ..Filters::default() };
    let view = log.view(&q1, &Rules::default(), day, GroupBy::Body);
    assert!(view.rows.iter().all(|r| r.due_on.is_some_and(|d| q1.in_period(d))));
}

#[test]
fn the_lead_s_own_status_stands_beside_the_rated_one_in_every_format() {
    let view = models().actions().view(&Filters::default(), &Rules::default(), today(), GroupBy::Organisation);
    let row = view
        .rows
        .iter()
        .find(|r| r.title == "Local Area Partnership 1 priority: Children have the best start in life")
        .expect("the partnership's priority");
    assert_eq!(
        (row.progress, row.lead_status(), row.rag),
        (40.0, Some(domain::rag::Rag::Green), Some(domain::rag::Rag::Red))
    );
    for format in [Format::Text, Format::Markdown, Format::Csv] {
        let out = view.report().render(format);
        assert!(out.contains("RED (lead: GREEN)"), "{format:?}: {out}");
        if format != Format::Csv {
            assert!(out.contains("RAG is rated against steady progress"), "the rule is named: {out}");
        }
    }
    // A completed commitment shows its rating alone: the lead's last judgement is history.
    let done = view.rows.iter().find(|r| r.state == ActionState::Done).expect("a completed commitment");
    assert_eq!(done.lead_status(), None);
}
