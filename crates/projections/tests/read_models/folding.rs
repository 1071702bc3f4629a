//! What the fold of the read models must do: ignore what it cannot read, give the same views
//! after its state has been saved and read back (as the runner's snapshots do, also
//! half-way through the log), depend on the order of events only within a stream, where order is
//! meaning, keep each aggregate's state once, however many views read it, and keep no more of
//! it as the log grows than its aggregates need.

use domain::commitment::{self, ReportingPeriod};
use domain::rag::Rag;
use domain::testing::{date, key};
use kernel::{EventType, Payload, RecordedEvent};
use projections::{Filters, Format, GroupBy, Projection, ReadModels, Rules, TrailFilters, snapshot};

use crate::log::{Step, audit, corpus_log, fold, record, seed_steps, today};

/// Every view of `log`, as text and as JSON: the read models' and the audit trail's.
fn views(log: &[RecordedEvent]) -> String {
    let audit = audit(log, &Filters::default(), &TrailFilters::default());
    [
        views_of(&fold(log)),
        audit.report().render(Format::Text),
        serde_json::to_string_pretty(&audit).expect("serialises"),
    ]
    .join("\n")
}

/// The read models' views, as text and as JSON.
fn views_of(models: &ReadModels) -> String {
    let (f, r, t) = (Filters::default(), Rules::default(), today());
    let json = |value: &dyn erased::Json| value.json();
    let status = models.status().view(&f, &r, t);
    let resolutions = models.resolutions().view(&f, &r, t);
    let actions = models.actions().view(&f, &r, t, GroupBy::Organisation);
    let indicators = models.indicators().view(&f, &r, t);
    [
        status.report().render(Format::Text),
        json(&status),
        resolutions.report().render(Format::Text),
        json(&resolutions),
        actions.report().render(Format::Text),
        json(&actions),
        indicators.report().render(Format::Text),
        json(&indicators),
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

/// The read models saved as the runner saves them and read back.
fn round_trip(models: &ReadModels) -> ReadModels {
    snapshot::decode(&snapshot::encode(models).expect("saves")).expect("reads back").expect("in this encoding")
}

#[test]
fn the_fold_gives_the_same_views_after_a_round_trip_through_the_snapshot() {
    let models: ReadModels = fold(&corpus_log());
    assert_eq!(views_of(&round_trip(&models)), views_of(&models));
}

#[test]
fn a_fold_resumed_from_saved_state_half_way_equals_one_run_straight_through() {
    let log = corpus_log();
    let (first, rest) = log.split_at(log.len() / 2);
    let mut resumed = round_trip(&fold(first));
    for event in rest {
        resumed.apply(event);
    }
    assert!(resumed == fold(&log), "the fold resumed half-way differs from one run straight through");
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
        let view = fold::<ReadModels>(log).actions().view(
            &Filters::default(),
            &Rules::default(),
            today(),
            GroupBy::Organisation,
        );
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
    let (with, without): (ReadModels, ReadModels) = (fold(&with_unknown), fold(&log));
    assert_eq!(with.status().view(&f, &r, t), without.status().view(&f, &r, t));
    assert_eq!(with.resolutions().view(&f, &r, t), without.resolutions().view(&f, &r, t));
    let audit = audit(&with_unknown, &f, &TrailFilters::default());
    assert_eq!(audit.entries.len(), log.len() + 1);
    assert!(
        audit.entries.iter().any(|e| e.summary.starts_with("not readable by this version")),
        "{:?}",
        audit.entries[1]
    );
}

#[test]
fn each_organisation_instrument_and_commitment_is_saved_once() {
    let saved = serde_json::to_string(&fold::<ReadModels>(&corpus_log())).expect("saves");
    let models: ReadModels = serde_json::from_str(&saved).expect("reads back");
    let (f, r, t) = (Filters::default(), Rules::default(), today());
    // Each is shown by several views: the status board, the action log, the resolution register
    // and the indicators.
    let commitment = "Publish a county-wide evidence base of specialist housing need";
    assert!(models.actions().view(&f, &r, t, GroupBy::Organisation).rows.iter().any(|row| row.title == commitment));
    let instrument = "Lincolnshire Homes for Independence Blueprint";
    assert!(models.status().view(&f, &r, t).instruments.iter().any(|i| i.title == instrument));
    let organisation = "West Lindsey District Council";
    assert!(
        models.indicators().view(&f, &r, t).indicators.iter().any(|i| i.owner_name.as_deref() == Some(organisation))
    );
    for state in [
        format!(r#""title":"{commitment}""#),
        format!(r#""title":"{instrument}""#),
        format!(r#""name":"{organisation}""#),
    ] {
        assert_eq!(saved.matches(&state).count(), 1, "{state} in the saved state");
    }
}

#[test]
fn the_saved_state_does_not_grow_with_progress_reports() {
    // Quarterly reports on one open commitment, each the same length; the log keeps them all.
    let reports = |n: usize| -> Vec<Step> {
        let mut steps = seed_steps();
        let last = steps.last().expect("the seeds have steps").clone();
        steps.extend((0..n).map(|q| {
            Step {
                command: commitment::Command::ReportProgress {
                    id: key("hhcdg-specialist-housing-evidence"),
                    status: Rag::Amber,
                    percent_complete: 50,
                    narrative: format!("Quarterly update {q:04}: survey fieldwork continuing."),
                    evidence_refs: vec![format!("highlight report {q:04}")],
                    period: ReportingPeriod { label: format!("Q{:04}", q), from: None, to: None },
                    reported_on: date("2024-01-15"),
                }
                .into(),
                ..last.clone()
            }
        }));
        steps
    };
    // The state before compression, whose size is what it holds: compressed, a thousand
    // reports' last narrative may take a byte more or less than the first's.
    let saved = |n: usize| {
        let log = record(&reports(n));
        postcard::to_allocvec(&fold::<ReadModels>(&log)).expect("saves").len()
    };
    assert_eq!(saved(1_000), saved(1), "a thousand reports take no more room than one");
}
