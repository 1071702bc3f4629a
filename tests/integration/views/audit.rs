//! The audit trail read from the log for each request: the trail of one entity, read from its
//! own stream, is the whole log's trail narrowed to that stream, and a past point bounds what is
//! read.

use domain::testing::{default_now, key};
use kernel::{Position, StreamId};
use projections::{AsOf, Filters, ReportKind, Rules, TrailFilters, Unverified};
use tests::{TestStore, on_both_backends};

on_both_backends!(
    one_entity_s_trail_is_the_whole_trail_narrowed_to_its_stream,
    a_resolution_s_trail_is_its_whole_story,
    a_reported_trail_names_what_each_event_refers_to_and_keeps_the_key_of_its_entity,
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

/// The trail `covenant report audit`, `GET /api/v1/audit` and the dashboard give (through
/// `app::Reports`) says who and what by name, as board papers do, where the events give keys and
/// organisation ids; each entry's entity is still its stream, by key.
async fn a_reported_trail_names_what_each_event_refers_to_and_keeps_the_key_of_its_entity(db: &TestStore) {
    let stores = db.stores().await;
    let recorder = app::Recorder::new(stores.events.clone());
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, default_now()).await.expect("the seed story is recorded");
    }
    let blueprint = key("lincolnshire-homes-for-independence-blueprint");
    let (models, _) = app::views::current(&stores, |_, _| ()).await.expect("the read models build");
    let status = models.status().instrument(&blueprint, &Rules::default(), default_now().as_datetime().date_naive());
    let status = status.expect("the blueprint is on record");
    let endorsement = status.endorsements.first().expect("the blueprint was endorsed");
    let adopted = status.parties.iter().find(|p| p.resolution_name.is_some()).expect("a party adopted it");
    let under = adopted.resolution_name.as_deref().unwrap_or_default();

    let reports = app::Reports::once(stores.clone(), Rules::default(), Unverified::Refuse);
    let asked = app::Asked {
        filters: Filters { instrument: Some(blueprint.clone()), ..Filters::default() },
        ..app::Asked::default()
    };
    let request = app::ReportRequest::new(ReportKind::Audit, asked).expect("a request");
    let (trail, _) = reports.audit(&request).await.expect("the trail reads");
    let summary = |event_type: &str| {
        trail.entries.iter().find(|e| e.event_type == event_type).map(|e| e.summary.clone()).expect(event_type)
    };
    assert_eq!(
        summary("InstrumentEndorsed"),
        format!(
            "endorsed by {} on {} under resolution {}",
            endorsement.body_name, endorsement.endorsed_on, endorsement.resolution_name
        )
    );
    assert_ne!(endorsement.body_name, endorsement.body.to_string(), "the body has a name");
    let adoption = summary("InstrumentAdopted");
    assert!(adoption.starts_with(&format!("adopted by {} on ", adopted.name)), "{adoption}");
    assert!(adoption.ends_with(&format!(" under resolution {under}")), "{adoption}");
    assert!(!adoption.contains(adopted.organisation.as_str()), "{adoption}");
    assert!(!trail.entries.iter().any(|e| e.summary.contains("lincolnshire-health-and-wellbeing-board")));
    assert!(trail.entries.iter().all(|e| e.stream == "instrument-lincolnshire-homes-for-independence-blueprint"));

    // The trail of the log as the events give it, without the names, keeps the keys.
    let (plain, _) = app::views::audit(&stores, AsOf::now(), &request.filters, &request.trail).await.expect("reads");
    let plain = plain.entries.iter().find(|e| e.event_type == "InstrumentEndorsed").expect("endorsed");
    assert!(plain.summary.contains("lincolnshire-health-and-wellbeing-board"), "{}", plain.summary);
}
