//! Property tests: replaying the events any accepted commands emit, through their stored form,
//! rebuilds the same state; and every event round-trips through encode and decode whatever text
//! and numbers it carries.

use domain::rag::Rag;
use domain::testing::default_now;
use domain::testing::{date, key};
use domain::{Event, Facts, codec, commitment, indicator};
use proptest::prelude::*;

fn through_storage(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| {
            let (t, v, p) = codec::encode(e).expect("encodes");
            let stored = kernel::Payload::from_stored(p.as_str().to_owned());
            codec::decode(&t, v, &stored).expect("decodes")
        })
        .collect()
}

fn rag() -> impl Strategy<Value = Rag> {
    prop_oneof![Just(Rag::Red), Just(Rag::Amber), Just(Rag::Green)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn replaying_emitted_events_rebuilds_the_same_state(
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
        reports in prop::collection::vec((rag(), 0u8..=100, "[a-zA-Z ,.]{1,40}"), 0..6),
    ) {
        let mut ledger = app::seeds::seeded();
        let further = domain::testing::further_commands();
        for pick in picks {
            // Commands a random order makes invalid are refused; only accepted ones emit events.
            let _ = ledger.execute(pick.get(&further), default_now());
        }
        for (i, (status, percent, narrative)) in reports.into_iter().enumerate() {
            let command = commitment::Command::ReportProgress {
                id: key("hhcdg-discharge-housing-support"),
                status,
                percent_complete: percent,
                narrative,
                evidence_refs: vec![format!("ref-{i}")],
                period: commitment::ReportingPeriod { label: format!("period {i}"), from: Some(date("2024-01-01")), to: None },
                reported_on: date("2024-02-01"),
            };
            let _ = ledger.execute(&command.into(), default_now());
        }
        let live = ledger.all_facts().expect("facts");
        let mut replayed = Facts::default();
        for (stream, events) in ledger.streams() {
            replayed.insert(stream, &through_storage(events)).expect("replay");
        }
        prop_assert_eq!(live, replayed);
    }

    #[test]
    fn progress_reports_round_trip(
        status in rag(),
        percent in 0u8..=100,
        narrative in ".{0,200}",
        evidence in prop::collection::vec(".{0,40}", 0..4),
        label in ".{0,20}",
    ) {
        let event = Event::Commitment(commitment::Event::ProgressReported {
            status,
            percent_complete: percent,
            narrative,
            evidence_refs: evidence,
            period: commitment::ReportingPeriod { label, from: Some(date("2023-04-01")), to: None },
            reported_on: date("2023-06-30"),
        });
        prop_assert_eq!(through_storage(std::slice::from_ref(&event)), vec![event]);
    }

    #[test]
    fn measurements_round_trip(value in any::<f64>().prop_filter("finite", |v| v.is_finite()), previous in -1e9f64..1e9, reason in ".{0,80}") {
        let events = vec![
            Event::Indicator(indicator::Event::Measured { value, as_of: date("2023-03-31"), note: None }),
            Event::Indicator(indicator::Event::MeasurementRevised { as_of: date("2023-03-31"), previous_value: previous, value, reason }),
        ];
        prop_assert_eq!(through_storage(&events), events);
    }
}

#[test]
fn every_seed_and_further_event_round_trips() {
    let corpus = domain::testing::corpus(app::seeds::seeded());
    assert_eq!(through_storage(&corpus), corpus);
}
