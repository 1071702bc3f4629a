//! The audit trail by entity, actor and period, folded from the events it selects.

use std::collections::BTreeSet;

use domain::codec::CATALOGUE;
use domain::testing::{date, key};
use kernel::StreamId;
use projections::{AuditView, Filters, Format, TrailFilters};

use crate::log::{audit, corpus_log};

fn trail(filters: &Filters, trail: &TrailFilters) -> AuditView {
    audit(&corpus_log(), filters, trail)
}

#[test]
fn one_instrument_s_history() {
    let filters =
        Filters { instrument: Some(key("lincolnshire-homes-for-independence-blueprint")), ..Filters::default() };
    let view = trail(&filters, &TrailFilters::default());
    insta::assert_snapshot!(view.report().render(Format::Text));
}

#[test]
fn one_resolution_s_history_as_json() {
    let stream = StreamId::parse("resolution-lincolnshire-hwb-2021-03-09-7").expect("stream id");
    let view = trail(&Filters::default(), &TrailFilters { stream: Some(stream), actor: None });
    insta::assert_json_snapshot!(view);
}

#[test]
fn every_event_type_has_a_summary() {
    let view = trail(&Filters::default(), &TrailFilters::default());
    let seen: BTreeSet<&str> = view.entries.iter().map(|e| e.event_type.as_str()).collect();
    let catalogue: BTreeSet<String> = CATALOGUE.iter().map(|s| s.name()).collect();
    assert_eq!(seen, catalogue.iter().map(String::as_str).collect());
    for entry in &view.entries {
        assert!(!entry.summary.is_empty() && !entry.summary.starts_with("not readable"), "{entry:?}");
        assert!(entry.summary.chars().count() <= 160, "{entry:?}");
    }
}

#[test]
fn by_actor_and_period() {
    let filters = Filters { from: Some(date("2023-03-16")), to: Some(date("2023-03-16")), ..Filters::default() };
    let bexley = TrailFilters { stream: None, actor: Some("seed:bexley".into()) };
    let view = trail(&filters, &bexley);
    assert!(view.entries.len() > 5);
    assert!(
        view.entries.iter().all(|e| e.actor == "seed:bexley" && e.occurred_at.to_string().starts_with("2023-03-16"))
    );
    assert!(view.entries.windows(2).all(|w| w[0].position < w[1].position));
}
