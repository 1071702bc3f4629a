//! Reads: one stream with its bounds, one stream as a command loads it, several streams at once,
//! the whole log in pages, and live subscriptions.

use std::time::Duration;

use futures::StreamExt;
use kernel::{
    AppendRequest, EventStore, Expected, LoadedEvent, Metadata, NewEvent, Pages, Position, StreamAppend, StreamBound,
    StreamId, Timestamp,
};
use tests::{Interposed, TestStore, on_both_backends, progress_report, stream};

on_both_backends!(
    a_stream_reads_in_full_up_to_a_version_or_as_known_at_a_time,
    a_stream_loads_as_its_full_read_narrowed_to_what_a_command_decides_from,
    several_streams_read_at_once_in_position_order_with_the_same_bounds,
    streams_named_with_quotes_backslashes_and_other_scripts_read_at_once,
    the_log_reads_in_pages_after_a_position,
    the_log_reads_ahead_as_it_reads,
    pages_read_ahead_give_each_event_once_and_read_none_twice,
    pages_read_ahead_past_a_short_page_are_dropped,
    pages_read_ahead_while_the_log_grows_give_each_position_once_in_order,
    a_subscription_catches_up_then_follows,
    a_subscription_sees_appends_from_another_store_instance,
);

async fn a_stream_reads_in_full_up_to_a_version_or_as_known_at_a_time(db: &TestStore) {
    let store = db.store();
    let s = stream("instrument-bexley-jlhws-2023-2028");
    for n in 0..3 {
        store
            .append(AppendRequest::single(s.clone(), Expected::Any, vec![progress_report("b", n)]))
            .await
            .expect("append");
        store
            .append(AppendRequest::single(stream("noise"), Expected::Any, vec![progress_report("n", n)]))
            .await
            .expect("append");
    }
    let all = store.read_stream(&s, StreamBound::All).await.expect("read");
    assert_eq!(all.iter().map(|e| e.stream_version).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(all.iter().all(|e| e.stream_id == s));
    let two = store.read_stream(&s, StreamBound::UpToVersion(2)).await.expect("read");
    assert_eq!(two, all[..2]);

    let known_by = all[1].recorded_at;
    tokio::time::sleep(Duration::from_millis(5)).await;
    store.append(AppendRequest::single(s.clone(), Expected::Any, vec![progress_report("b", 9)])).await.expect("append");
    let as_known = store.read_stream(&s, StreamBound::RecordedBy(known_by)).await.expect("read");
    assert!(as_known.len() >= 2 && as_known.len() <= 3, "events recorded by then: {}", as_known.len());
    assert!(as_known.iter().all(|e| e.recorded_at <= known_by));
    let before_anything = Timestamp::parse("2020-01-01").expect("date");
    assert!(store.read_stream(&s, StreamBound::RecordedBy(before_anything)).await.expect("read").is_empty());
    assert!(store.read_stream(&stream("never-written"), StreamBound::All).await.expect("read").is_empty());
}

/// Progress report `n`, its actor and the day it happened varying with `n`, a cause on every
/// other one and a source on every third, the rest absent (NULL).
fn reported_with_varied_metadata(prefix: &str, n: usize) -> NewEvent {
    let mut event = progress_report(prefix, n);
    event.metadata = Metadata {
        actor: format!("officer-{n}@west-lindsey.gov.uk"),
        causation_id: (n % 2 == 1).then(uuid::Uuid::now_v7),
        source: (n % 3 == 0).then(|| format!("HHCDG highlight report {n}")),
        ..Metadata::new("", Timestamp::parse(&format!("2024-0{}-15", n + 1)).expect("date"))
    };
    event
}

async fn a_stream_loads_as_its_full_read_narrowed_to_what_a_command_decides_from(db: &TestStore) {
    let store = db.store();
    let s = stream("commitment-west-lindsey-adaptations");
    // Events that differ in every column a load leaves out (actor, cause, source, times), between
    // events of another stream, so that a load that ignored its stream or its order would show.
    // Each is read back as it was appended, a cause or a source present on some and absent (NULL)
    // on others, so that a column decoded wrongly shows too.
    let mut appended = Vec::new();
    for n in 0..4 {
        let event = reported_with_varied_metadata("w", n);
        appended.push(event.clone());
        store.append(AppendRequest::single(s.clone(), Expected::Any, vec![event])).await.expect("append");
        store
            .append(AppendRequest::single(stream("noise"), Expected::Any, vec![progress_report("n", n)]))
            .await
            .expect("append");
    }
    let read = store.read_stream(&s, StreamBound::All).await.expect("read");
    assert_eq!(read.len(), appended.len());
    for (event, proposal) in read.iter().zip(&appended) {
        assert!(event.same_content(&s, proposal), "read back as {event:?}, appended as {proposal:?}");
    }
    let loaded = store.load_stream(&s).await.expect("load");
    assert_eq!(loaded.len(), 4);
    assert_eq!(loaded, read.into_iter().map(LoadedEvent::from).collect::<Vec<_>>());
    assert!(store.load_stream(&stream("never-written")).await.expect("load").is_empty());
}

async fn several_streams_read_at_once_in_position_order_with_the_same_bounds(db: &TestStore) {
    let store = db.store();
    // More streams than SQLite binds in one statement, one event each, then three more events on
    // two of them, so that the streams interleave in the log.
    let many: Vec<StreamId> = (0..5_001).map(|n| stream(&format!("commitment-many-{n}"))).collect();
    let request = AppendRequest {
        streams: many
            .iter()
            .enumerate()
            .map(|(n, s)| StreamAppend {
                stream_id: s.clone(),
                expected: Expected::NoStream,
                events: vec![progress_report("m", n)],
            })
            .collect(),
    };
    store.append(request).await.expect("append");
    let (first, last) = (many[0].clone(), many[5_000].clone());
    for (n, s) in [&last, &first, &last].into_iter().enumerate() {
        store
            .append(AppendRequest::single(s.clone(), Expected::Any, vec![progress_report("m", n)]))
            .await
            .expect("append");
    }
    let each = |bound| {
        let (first, last) = (first.clone(), last.clone());
        async move {
            let mut events = store.read_stream(&first, bound).await.expect("read");
            events.extend(store.read_stream(&last, bound).await.expect("read"));
            events.sort_by_key(|e| e.position);
            events
        }
    };
    let pair = [first.clone(), stream("never-written"), last.clone()];
    let together = store.read_streams(&pair, StreamBound::All).await.expect("read");
    assert_eq!(together.len(), 5);
    assert_eq!(together, each(StreamBound::All).await);
    let up_to_two = store.read_streams(&pair, StreamBound::UpToVersion(2)).await.expect("read");
    assert_eq!(up_to_two.len(), 4);
    assert_eq!(up_to_two, each(StreamBound::UpToVersion(2)).await);
    let known_by = together[3].recorded_at;
    let as_known = store.read_streams(&pair, StreamBound::RecordedBy(known_by)).await.expect("read");
    assert_eq!(as_known, each(StreamBound::RecordedBy(known_by)).await);

    let all = store.read_streams(&many, StreamBound::All).await.expect("read");
    assert_eq!(all.len(), 5_004);
    assert!(all.windows(2).all(|w| w[0].position < w[1].position), "in position order");
    assert!(store.read_streams(&[], StreamBound::All).await.expect("read").is_empty());
}

/// PostgreSQL reads several streams through a `COPY`, with their ids written into it as literals:
/// any character a stream id may hold must come back as the same id, and select no other stream.
async fn streams_named_with_quotes_backslashes_and_other_scripts_read_at_once(db: &TestStore) {
    let store = db.store();
    let names = [
        "ward-plan-st-mary's",
        r"ward-plan-a\b",
        r"ward-plan-\'; DROP TABLE events; --",
        "ward-plan-{braces},\"quoted\" and spaces",
        "ward-plan-$$dollar$tag$",
        "cynllun-ward-Llanbedr-Pont-Steffan-ŵ",
    ];
    let named: Vec<StreamId> = names.iter().map(|n| stream(n)).collect();
    for (n, s) in named.iter().chain([&stream("ward-plan-st-mary"), &stream("ward-plan-a")]).enumerate() {
        store
            .append(AppendRequest::single(s.clone(), Expected::NoStream, vec![progress_report("q", n)]))
            .await
            .expect("append");
    }
    let read = store.read_streams(&named, StreamBound::All).await.expect("read");
    assert_eq!(read.iter().map(|e| e.stream_id.clone()).collect::<Vec<_>>(), named);
    let up_to_one = store.read_streams(&named, StreamBound::UpToVersion(1)).await.expect("read");
    assert_eq!(up_to_one, read);
    let as_known = store.read_streams(&named, StreamBound::RecordedBy(read[2].recorded_at)).await.expect("read");
    assert_eq!(as_known, read.iter().filter(|e| e.recorded_at <= read[2].recorded_at).cloned().collect::<Vec<_>>());
    assert!(as_known.len() >= 3);
    let head = store.head().await.expect("head");
    assert_eq!(head.position, Position(8), "nothing was written by the reads");
}

async fn the_log_reads_in_pages_after_a_position(db: &TestStore) {
    let store = db.store();
    let events: Vec<_> = (0..25).map(|n| progress_report("p", n)).collect();
    store
        .append(AppendRequest::single(stream("commitment-p"), Expected::NoStream, events.clone()))
        .await
        .expect("append");
    let mut after = Position::ZERO;
    let mut seen = Vec::new();
    loop {
        let page = store.read_all(after, 10).await.expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 10);
        after = page.last().expect("non-empty").position;
        seen.extend(page);
    }
    assert_eq!(seen.iter().map(|e| e.position.0).collect::<Vec<_>>(), (1..=25).collect::<Vec<_>>());
    assert_eq!(
        seen.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        events.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );
    assert_eq!(seen[3].payload, events[3].payload);
    assert_eq!(seen[3].metadata, events[3].metadata);
}

/// A page read for a reader that reads ahead ([`EventStore::read_all_ahead`]; a binary `COPY` on
/// PostgreSQL) holds what the same page read with [`EventStore::read_all`] holds, every column
/// of every event, a cause or a source present on some and absent (NULL) on others.
async fn the_log_reads_ahead_as_it_reads(db: &TestStore) {
    let store = db.store();
    let mut appended = Vec::new();
    for n in 0..7 {
        let s = stream(&format!("commitment-a{}", n % 3));
        let event = reported_with_varied_metadata("a", n);
        appended.push((s.clone(), event.clone()));
        store.append(AppendRequest::single(s, Expected::Any, vec![event])).await.expect("append");
    }
    let ahead = store.read_all_ahead(Position::ZERO, 100).await.expect("read ahead");
    assert_eq!(ahead.len(), appended.len());
    for (event, (s, proposal)) in ahead.iter().zip(&appended) {
        assert!(event.same_content(s, proposal), "read ahead as {event:?}, appended as {proposal:?}");
    }
    for (after, limit) in [(0, 100), (0, 1), (2, 3), (6, 10), (7, 10), (9, 10)] {
        let after = Position(after);
        let read = store.read_all(after, limit).await.expect("read");
        assert_eq!(store.read_all_ahead(after, limit).await.expect("read ahead"), read, "after {after}, {limit}");
    }
}

/// [`Pages`] reads the pages after a full one before they are asked for; what it hands out is
/// what reading one page after another gives, and no event is read twice: the reads started
/// ahead past the head come back empty, and are dropped once a short page shows where it is.
async fn pages_read_ahead_give_each_event_once_and_read_none_twice(db: &TestStore) {
    let store = Interposed::new(db.shared());
    let events: Vec<_> = (0..25).map(|n| progress_report("p", n)).collect();
    store.append(AppendRequest::single(stream("commitment-p"), Expected::NoStream, events)).await.expect("append");
    let mut pages = Pages::new(&store, Position::ZERO, 10);
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    loop {
        let page = pages.next().await.expect("page");
        sizes.push(page.len());
        if page.is_empty() {
            break;
        }
        seen.extend(page.iter().map(|e| e.position.0));
    }
    assert_eq!(sizes, [10, 10, 5, 0]);
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());
    assert_eq!(pages.after(), Position(25));
    assert_eq!(store.events_read(), 25, "every event was read once");
    // Asked again at the end, it reads again from where the log ended.
    store
        .append(AppendRequest::single(stream("commitment-p"), Expected::Exactly(25), vec![progress_report("p", 25)]))
        .await
        .expect("append");
    let page = pages.next().await.expect("page");
    assert_eq!(page.iter().map(|e| e.position.0).collect::<Vec<_>>(), [26]);
}

/// When a page comes back short, the reads started after it began past events it did not hold:
/// they are dropped, and the next page is read from where the short one ended.
async fn pages_read_ahead_past_a_short_page_are_dropped(db: &TestStore) {
    let store = db.store();
    let events: Vec<_> = (0..25).map(|n| progress_report("p", n)).collect();
    store.append(AppendRequest::single(stream("commitment-p"), Expected::NoStream, events)).await.expect("append");
    let behind = Interposed::new(db.shared()).short_after(Position(10), 5);
    let mut pages = Pages::new(&behind, Position::ZERO, 10);
    let mut given = Vec::new();
    loop {
        let page = pages.next().await.expect("page");
        if page.is_empty() {
            break;
        }
        given.push(page.iter().map(|e| e.position.0).collect::<Vec<_>>());
    }
    let expected: [Vec<u64>; 3] = [(1..=10).collect(), (11..=15).collect(), (16..=25).collect()];
    assert_eq!(given, expected);
}

/// Pages read ahead while another task appends: whatever the order in which the reads started
/// together reach the database, every position is handed out once, in order, with nothing
/// skipped.
async fn pages_read_ahead_while_the_log_grows_give_each_position_once_in_order(db: &TestStore) {
    const BATCHES: usize = 40;
    const BATCH: usize = 7;
    let store = db.shared();
    let appender = {
        let store = db.shared();
        tokio::spawn(async move {
            for batch in 0..BATCHES {
                let reports = (0..BATCH).map(|n| progress_report("g", batch * BATCH + n)).collect();
                store
                    .append(AppendRequest::single(stream(&format!("commitment-g{batch}")), Expected::NoStream, reports))
                    .await
                    .expect("append");
            }
        })
    };
    let mut pages = Pages::new(&*store, Position::ZERO, 5);
    let mut seen = Vec::new();
    let read = async {
        while seen.len() < BATCHES * BATCH {
            let page = pages.next().await.expect("page");
            if page.is_empty() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seen.extend(page.iter().map(|e| e.position.0));
        }
    };
    // A position skipped would leave the reader waiting for events that never come.
    let waited = tokio::time::timeout(Duration::from_secs(60), read).await;
    assert!(waited.is_ok(), "the reader stopped short of the head, at {:?}: {seen:?}", pages.after());
    appender.await.expect("the appender finishes");
    assert_eq!(seen, (1..=(BATCHES * BATCH) as u64).collect::<Vec<_>>());
    assert!(pages.next().await.expect("page").is_empty(), "nothing after the last append");
}

async fn a_subscription_catches_up_then_follows(db: &TestStore) {
    let store = db.store();
    let s = stream("commitment-sub");
    store
        .append(AppendRequest::single(s.clone(), Expected::Any, (0..5).map(|n| progress_report("s", n)).collect()))
        .await
        .expect("append");
    let mut subscription = store.subscribe(Position(2));
    for n in 0..3 {
        store
            .append(AppendRequest::single(s.clone(), Expected::Any, vec![progress_report("s", 10 + n)]))
            .await
            .expect("append");
    }
    let mut positions = Vec::new();
    while positions.len() < 6 {
        let next =
            tokio::time::timeout(Duration::from_secs(10), subscription.next()).await.expect("an event arrives in time");
        positions.push(next.expect("stream continues").expect("no error").position.0);
    }
    assert_eq!(positions, [3, 4, 5, 6, 7, 8]);
    store.append(AppendRequest::single(s, Expected::Any, vec![progress_report("s", 20)])).await.expect("append");
    let live = tokio::time::timeout(Duration::from_secs(10), subscription.next()).await.expect("live event arrives");
    assert_eq!(live.expect("stream continues").expect("no error").position, Position(9));
}

async fn a_subscription_sees_appends_from_another_store_instance(db: &TestStore) {
    let other = db.open_another().await;
    let mut subscription = db.store().subscribe(Position::ZERO);
    other
        .append(AppendRequest::single(stream("commitment-x"), Expected::Any, vec![progress_report("x", 1)]))
        .await
        .expect("append");
    let event = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .expect("the other instance's append arrives")
        .expect("stream continues")
        .expect("no error");
    assert_eq!(event.position, Position(1));
}
