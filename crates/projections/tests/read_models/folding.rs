//! What every fold must do: ignore what it cannot read, give the same views after its state has
//! been saved as JSON and read back (as the runner's snapshots do, also half-way through the log),
//! depend on the order of events only within a stream, where order is meaning, and give the same
//! state folded together as `ReadModels` as folded one by one.

use domain::testing::key;
use kernel::{EventType, Payload, RecordedEvent};
use projections::{
    ActionLog, AuditTrail, Filters, Format, GroupBy, IndicatorBoard, Projection, ReadModels, ResolutionRegister, Rules,
    StatusBoard, TrailFilters,
};

use crate::log::{corpus_log, fold, today};

/// Every read model's views of `log`, as text and as JSON.
fn views(log: &[RecordedEvent]) -> String {
    views_of(&fold(log), &fold(log), &fold(log), &fold(log), &fold(log))
}

fn views_of(
    status: &StatusBoard,
    resolutions: &ResolutionRegister,
    actions: &ActionLog,
    indicators: &IndicatorBoard,
    audit: &AuditTrail,
) -> String {
    let (f, r, t) = (Filters::default(), Rules::default(), today());
    let json = |value: &dyn erased::Json| value.json();
    let status = status.view(&f, &r, t);
    let resolutions = resolutions.view(&f, &r, t);
    let actions = actions.view(&f, &r, t, GroupBy::Organisation);
    let indicators = indicators.view(&f, &r, t);
    let audit = audit.view(&f, &TrailFilters::default());
    [
        status.report().render(Format::Text),
        json(&status),
        resolutions.report().render(Format::Text),
        json(&resolutions),
        actions.report().render(Format::Text),
        json(&actions),
        indicators.report().render(Format::Text),
        json(&indicators),
        audit.report().render(Format::Text),
        json(&audit),
    ]
    .join("\n")
}

mod erased {
    /// A view serialised as JSON, behind one object-safe trait.
    pub trait Json {
        fn json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string_pretty(self).expect("views serialise")
        }
    }
}

/// `P` saved as the runner saves it and read back.
fn round_trip<P: Projection>(state: &P) -> P {
    serde_json::from_str(&serde_json::to_string(state).expect("saves")).expect("reads back")
}

#[test]
fn every_fold_gives_the_same_views_after_a_round_trip_through_json() {
    let log = corpus_log();
    let (status, resolutions, actions, indicators, audit) =
        (fold::<StatusBoard>(&log), fold(&log), fold(&log), fold(&log), fold(&log));
    assert_eq!(
        views_of(
            &round_trip(&status),
            &round_trip(&resolutions),
            &round_trip(&actions),
            &round_trip(&indicators),
            &round_trip(&audit)
        ),
        views_of(&status, &resolutions, &actions, &indicators, &audit)
    );
}

#[test]
fn a_fold_resumed_from_saved_state_half_way_equals_one_run_straight_through() {
    let log = corpus_log();
    let (first, rest) = log.split_at(log.len() / 2);
    fn resume<P: Projection + PartialEq + std::fmt::Debug>(
        first: &[RecordedEvent],
        rest: &[RecordedEvent],
        all: &[RecordedEvent],
    ) {
        let mut resumed: P = round_trip(&fold::<P>(first));
        for event in rest {
            resumed.apply(event);
        }
        assert_eq!(resumed, fold::<P>(all), "{}", P::NAME);
    }
    resume::<StatusBoard>(first, rest, &log);
    resume::<ResolutionRegister>(first, rest, &log);
    resume::<ActionLog>(first, rest, &log);
    resume::<IndicatorBoard>(first, rest, &log);
    resume::<AuditTrail>(first, rest, &log);
}

#[test]
fn the_interleaving_of_streams_does_not_matter() {
    let log = corpus_log();
    let mut by_stream = log.clone();
    by_stream.sort_by(|a, b| a.stream_id.cmp(&b.stream_id).then(a.stream_version.cmp(&b.stream_version)));
    assert_ne!(by_stream, log);
    assert_eq!(views(&by_stream), views(&log));
}

#[test]
fn the_order_within_a_stream_does() {
    let log = corpus_log();
    let stream = "commitment-hhcdg-specialist-housing-evidence";
    let reports: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, e)| e.stream_id.as_str() == stream && e.event_type.as_str() == "CommitmentProgressReported")
        .map(|(i, _)| i)
        .collect();
    let mut swapped = log.clone();
    let (a, b) = (swapped[reports[0]].payload.clone(), swapped[reports[1]].payload.clone());
    swapped[reports[0]].payload = b;
    swapped[reports[1]].payload = a;
    let latest = |log: &[RecordedEvent]| {
        let view = fold::<ActionLog>(log).view(&Filters::default(), &Rules::default(), today(), GroupBy::Organisation);
        let row =
            view.rows.into_iter().find(|r| r.commitment == key("hhcdg-specialist-housing-evidence")).expect("row");
        row.last_report.map(|r| r.percent_complete)
    };
    assert_eq!(latest(&log), Some(60));
    assert_eq!(latest(&swapped), Some(40));
}

#[test]
fn events_a_fold_cannot_read_are_ignored_and_the_audit_trail_says_so() {
    let log = corpus_log();
    let mut with_unknown = log.clone();
    let mut unknown = log[0].clone();
    unknown.event_type = EventType::parse("OrganisationMerged").expect("a valid name");
    unknown.payload = Payload::parse(r#"{"into":"GB-LAE-XYZ"}"#).expect("a payload");
    with_unknown.insert(1, unknown);
    let (f, r, t) = (Filters::default(), Rules::default(), today());
    assert_eq!(fold::<StatusBoard>(&with_unknown).view(&f, &r, t), fold::<StatusBoard>(&log).view(&f, &r, t));
    assert_eq!(
        fold::<ResolutionRegister>(&with_unknown).view(&f, &r, t),
        fold::<ResolutionRegister>(&log).view(&f, &r, t)
    );
    let audit = fold::<AuditTrail>(&with_unknown).view(&f, &TrailFilters::default());
    assert_eq!(audit.entries.len(), log.len() + 1);
    assert!(
        audit.entries.iter().any(|e| e.summary.starts_with("not readable by this version")),
        "{:?}",
        audit.entries[1]
    );
}

#[test]
fn the_read_models_folded_together_equal_each_folded_on_its_own() {
    let mut log = corpus_log();
    let mut unknown = log[0].clone();
    unknown.event_type = EventType::parse("OrganisationMerged").expect("a valid name");
    log.insert(1, unknown);
    let together: ReadModels = fold(&log);
    let apart = ReadModels {
        status: fold(&log),
        resolutions: fold(&log),
        actions: fold(&log),
        indicators: fold(&log),
        audit: fold(&log),
    };
    assert!(together == apart, "the read models folded in one pass differ from each folded on its own");
}
