//! "As decided by" a date shows nothing dated after it: for random command sequences the rules
//! accept, each recorded with the `occurred_at` the application layer gives it
//! (`domain::when::occurred_at`), every as-of view at every date holds only decisions, commitments,
//! progress and readings dated on or before that date.

use domain::memory::Ledger;
use domain::rag::Rag;
use domain::testing::{default_now, further_commands, key};
use domain::{Command, Date, commitment, indicator};
use projections::{AsOf, Filters, GroupBy, ReadModels, Rules};
use proptest::prelude::*;

use crate::log::{Step, fold, record, seed_steps};

const COMMITMENTS: [&str; 3] =
    ["hhcdg-delivery-plan", "hhcdg-discharge-housing-support", "bexley-suicide-prevention-plan"];
const INDICATORS: [&str; 2] = ["west-lindsey-dfg-completions", "bexley-cyp-mh-access"];

/// A day from 2018 to the test's today.
fn day() -> impl Strategy<Value = Date> {
    let first = domain::testing::date("2018-01-01");
    let span = (default_now().as_datetime().date_naive() - first).num_days();
    (0..=span).prop_map(move |n| first.iter_days().nth(usize::try_from(n).unwrap_or(0)).unwrap_or(first))
}

/// A command of the further story, a progress report or a measurement, on a random day.
fn command() -> impl Strategy<Value = Command> {
    let further = further_commands();
    prop_oneof![
        any::<prop::sample::Index>().prop_map(move |i| i.get(&further).clone()),
        (0..COMMITMENTS.len(), 0u8..=100, day()).prop_map(|(c, percent, reported_on)| {
            commitment::Command::ReportProgress {
                id: key(COMMITMENTS[c]),
                status: Rag::Amber,
                percent_complete: percent,
                narrative: "Quarterly return".into(),
                evidence_refs: Vec::new(),
                period: commitment::ReportingPeriod { label: "a quarter".into(), from: None, to: None },
                reported_on,
            }
            .into()
        }),
        (0..INDICATORS.len(), 0u32..5000, day()).prop_map(|(i, value, as_of)| {
            indicator::Command::RecordMeasurement { id: key(INDICATORS[i]), value: f64::from(value), as_of, note: None }
                .into()
        }),
    ]
}

/// The seed stories, then the commands the rules accept, each at the `occurred_at` the
/// application layer would record it with.
fn accepted(commands: Vec<Command>) -> Vec<Step> {
    let mut steps = seed_steps();
    let mut ledger = Ledger::new();
    for step in &steps {
        ledger.execute(&step.command, step.occurred_at).expect("the seeds are accepted");
    }
    for command in commands {
        let Ok(occurred_at) = domain::when::occurred_at(&command, None, default_now()) else { continue };
        if ledger.execute(&command, occurred_at).is_ok() {
            steps.push(Step {
                command,
                occurred_at,
                recorded_at: default_now(),
                actor: "secretariat".into(),
                source: None,
            });
        }
    }
    steps
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn as_decided_by_a_date_shows_nothing_dated_after_it(
        commands in prop::collection::vec(command(), 0..30),
        days in prop::collection::vec(day(), 1..12),
    ) {
        let log = record(&accepted(commands));
        let mut days = days;
        days.extend(log.iter().map(|e| e.metadata.occurred_at.as_datetime().date_naive()));
        days.sort();
        days.dedup();
        let everything: ReadModels = fold(&log);
        for d in days {
            let as_of = AsOf { decided_by: Some(kernel::Timestamp::parse_end_of(&d.to_string()).expect("a day")), ..AsOf::now() };
            let models: ReadModels = fold(log.iter().filter(|e| as_of.includes(e)));
            let rules = Rules::default();
            let register = models.resolutions().view(&Filters::default(), &rules, d).resolutions;
            for r in &register {
                prop_assert!(r.decided_on.is_none_or(|on| on <= d), "resolution {} decided {:?} in the view as of {d}", r.resolution, r.decided_on);
            }
            // And nothing decided by then is missing, however late it was recorded.
            let decided = everything.resolutions().view(&Filters::default(), &rules, d).resolutions;
            let decided = decided.iter().filter(|r| r.decided_on.is_some_and(|on| on <= d)).count();
            prop_assert_eq!(register.len(), decided, "the register as of {} misses a decision", d);
            for a in models.actions().view(&Filters::default(), &rules, d, GroupBy::Organisation).rows {
                prop_assert!(a.made_on.is_none_or(|on| on <= d), "commitment made {:?} in the view as of {d}", a.made_on);
                prop_assert!(a.last_update.is_none_or(|on| on <= d), "progress of {:?} in the view as of {d}", a.last_update);
            }
            for i in models.indicators().view(&Filters::default(), &rules, d).indicators {
                prop_assert!(i.latest.is_none_or(|r| r.as_of <= d), "a reading as of {:?} in the view as of {d}", i.latest);
                prop_assert!(i.readings.iter().all(|r| r.as_of <= d), "readings {:?} in the view as of {d}", i.readings);
            }
        }
    }
}
