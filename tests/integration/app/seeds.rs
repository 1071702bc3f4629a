//! The seed stories recorded through the application layer hold exactly the events the in-memory
//! ledger decides for them, with each step's metadata.

use std::collections::BTreeMap;

use domain::Event;
use kernel::StreamId;
use tests::{TestStore, on_both_backends};

use super::{decoded, everything, now, recorder};

on_both_backends!(the_seed_stories_record_the_events_the_ledger_decides);

async fn the_seed_stories_record_the_events_the_ledger_decides(db: &TestStore) {
    let recorder = recorder(db.shared());
    let stories = app::seeds::stories();
    let mut loaded = 0;
    for story in &stories {
        let story_loaded = app::load_story(&recorder, story, now()).await.expect("the story is recorded");
        assert_eq!(story_loaded.commands, story.steps.len());
        loaded += story_loaded.events;
    }
    let log = everything(db.store()).await;
    assert_eq!(log.len(), loaded);

    let mut streams: BTreeMap<StreamId, Vec<Event>> = BTreeMap::new();
    for event in &log {
        streams.entry(event.stream_id.clone()).or_default().push(decoded(event));
    }
    let ledger = app::seeds::seeded();
    let expected: BTreeMap<StreamId, Vec<Event>> =
        ledger.streams().map(|(stream, events)| (stream.clone(), events.to_vec())).collect();
    assert_eq!(streams.len(), expected.len());
    for (stream, events) in &expected {
        assert_eq!(streams.get(stream), Some(events), "stream {stream}");
    }

    // Each step's metadata is the step's: the first event is the first step of the first story.
    let first = &stories[0].steps[0];
    assert_eq!(log[0].metadata.actor, first.actor);
    assert_eq!(log[0].metadata.occurred_at, first.occurred_at);
    assert_eq!(log[0].metadata.source.as_deref(), Some(first.source.as_str()));
    let report = db.store().verify(None).await.expect("verify");
    assert!(report.failure.is_none(), "{:?}", report.failure);
}
