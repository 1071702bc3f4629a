//! The audit trail read from the log for each request: the trail of one entity, read from its
//! own stream, is the whole log's trail narrowed to that stream, and a past point bounds what is
//! read.

use domain::testing::{default_now, key};
use kernel::{Position, StreamId};
use projections::{AsOf, Filters, TrailFilters};
use tests::{TestStore, on_both_backends};

on_both_backends!(
    one_entity_s_trail_is_the_whole_trail_narrowed_to_its_stream,
    a_resolution_s_trail_is_its_whole_story,
);

async fn one_entity_s_trail_is_the_whole_trail_narrowed_to_its_stream(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = app::Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    let head = stores.events.head().await.expect("the head reads").position;
    let everything = TrailFilters::default();

    let (whole, at) =
        app::views::audit(&stores, AsOf::now(), &Filters::default(), &everything).await.expect("the log reads");
    assert_eq!(at, head);
    assert_eq!(whole.entries.len() as u64, head.0, "one entry per event");
    assert!(whole.entries.windows(2).all(|w| w[0].position < w[1].position));

    let blueprint =
        Filters { instrument: Some(key("lincolnshire-homes-for-independence-blueprint")), ..Filters::default() };
    let stream = StreamId::parse("instrument-lincolnshire-homes-for-independence-blueprint").expect("a stream id");
    let (own, _) = app::views::audit(&stores, AsOf::now(), &blueprint, &everything).await.expect("the stream reads");
    let narrowed: Vec<_> = whole.entries.iter().filter(|e| e.stream == stream.as_str()).cloned().collect();
    assert!(narrowed.len() > 3, "{narrowed:?}");
    assert_eq!(own.entries, narrowed);
    let by_stream = TrailFilters { stream: Some(stream), actor: None };
    let (same, _) = app::views::audit(&stores, AsOf::now(), &Filters::default(), &by_stream).await.expect("reads");
    assert_eq!(same.entries, narrowed);

    let half = Position(head.0 / 2);
    let up_to_half = AsOf { position: Some(half), ..AsOf::now() };
    let (earlier, at) = app::views::audit(&stores, up_to_half, &Filters::default(), &everything).await.expect("reads");
    assert_eq!(at, half);
    assert_eq!(earlier.entries, whole.entries[..half.0 as usize]);
    let (own_earlier, _) = app::views::audit(&stores, up_to_half, &blueprint, &everything).await.expect("reads");
    let narrowed_earlier: Vec<_> = narrowed.iter().filter(|e| e.position <= half).cloned().collect();
    assert_eq!(own_earlier.entries, narrowed_earlier);
}

async fn a_resolution_s_trail_is_its_whole_story(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = app::Recorder::new(stores.events.clone());
    app::load_story(&recorder, &app::seeds::lincolnshire(), default_now()).await.expect("the story is recorded");
    let stream = StreamId::parse("resolution-west-lindsey-pcc-2021-03-09-45").expect("a stream id");
    let trail = TrailFilters { stream: Some(stream.clone()), actor: None };
    let (story, _) = app::views::audit(&stores, AsOf::now(), &Filters::default(), &trail).await.expect("reads");
    let rows: Vec<(&str, &str)> = story.entries.iter().map(|e| (e.stream.as_str(), e.event_type.as_str())).collect();
    // Its own recording, then what it authorised and set going: the district's adoption of the
    // blueprint and the commitment arising from it (a rescission it made would be here too).
    assert_eq!(rows[0], (stream.as_str(), "ResolutionRecorded"), "{rows:?}");
    for expected in [
        ("instrument-lincolnshire-homes-for-independence-blueprint", "InstrumentAdopted"),
        ("commitment-hhcdg-dfg-fast-track", "CommitmentMade"),
    ] {
        assert!(rows.contains(&expected), "{expected:?} is missing from {rows:?}");
    }
    assert!(story.entries.windows(2).all(|w| w[0].position < w[1].position));
    assert!(story.report().notes.iter().any(|n| n.contains("with every event it caused")));
    // A past point bounds the story as it bounds any trail.
    let before = AsOf { position: Some(story.entries[1].position), ..AsOf::now() };
    let (earlier, _) = app::views::audit(&stores, before, &Filters::default(), &trail).await.expect("reads");
    assert_eq!(earlier.entries, story.entries[..2]);
}
