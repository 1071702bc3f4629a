//! Many writers at once: 16 tasks appending 500 events each to shared and private streams with
//! exact expected versions, retrying on conflict, while a subscriber follows the log. Run with
//! one store instance, and with two independent instances (separate pools and writers) on one
//! database. The Merkle tree they grow is the tree of the log.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kernel::{AppendError, AppendRequest, EventId, EventStore, Expected, Position, StreamAppend, StreamId};
use tests::{TestStore, on_both_backends, progress_report, stream};

const WRITERS: usize = 16;
const EVENTS_PER_WRITER: usize = 500;
const SHARED_STREAMS: usize = 4;

on_both_backends!(sixteen_writers_on_one_instance, sixteen_writers_on_two_instances);

async fn sixteen_writers_on_one_instance(db: &TestStore) {
    run(db, false).await;
}

async fn sixteen_writers_on_two_instances(db: &TestStore) {
    run(db, true).await;
}

/// What one writer saw acknowledged and refused.
#[derive(Default)]
struct Ledger {
    acknowledged: Vec<(EventId, Position)>,
    refused: Vec<EventId>,
}

async fn run(db: &TestStore, two_instances: bool) {
    let first: Arc<dyn EventStore> = Arc::from(db.open_another().await);
    let second: Arc<dyn EventStore> = if two_instances { Arc::from(db.open_another().await) } else { first.clone() };
    let total = WRITERS * EVENTS_PER_WRITER;

    let mut subscription = db.store().subscribe(Position::ZERO);
    let subscriber = tokio::spawn(async move {
        let mut positions = Vec::with_capacity(total);
        while positions.len() < total {
            let next = tokio::time::timeout(Duration::from_secs(60), subscription.next()).await;
            let event = next.expect("the subscriber keeps receiving").expect("stream continues").expect("no error");
            positions.push(event.position.0);
        }
        positions
    });

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = if w % 2 == 0 { first.clone() } else { second.clone() };
            tokio::spawn(write(store, w))
        })
        .collect();
    let mut ledger = Ledger::default();
    for writer in writers {
        let one = writer.await.expect("writer task");
        ledger.acknowledged.extend(one.acknowledged);
        ledger.refused.extend(one.refused);
    }
    assert_eq!(ledger.acknowledged.len(), total);
    assert!(!ledger.refused.is_empty(), "writers on shared streams must have met conflicts");

    let mut log = Vec::with_capacity(total);
    let mut after = Position::ZERO;
    loop {
        let page = db.store().read_all(after, 1000).await.expect("read");
        let Some(last) = page.last() else { break };
        after = last.position;
        log.extend(page);
    }
    assert_eq!(log.iter().map(|e| e.position.0).collect::<Vec<_>>(), (1..=total as u64).collect::<Vec<_>>());
    // The Merkle tree, grown group by group by both instances, is the tree of the log.
    assert_eq!(db.store().tree_root(total as u64).await.expect("root"), super::tree::naive_root(&log));
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok());

    let mut by_stream: HashMap<&StreamId, Vec<u64>> = HashMap::new();
    for event in &log {
        by_stream.entry(&event.stream_id).or_default().push(event.stream_version);
    }
    for (stream, versions) in by_stream {
        assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>(), "versions of {stream}");
    }

    let stored: HashMap<EventId, Position> = log.iter().map(|e| (e.event_id, e.position)).collect();
    assert_eq!(stored.len(), total, "every event id is stored once");
    for (id, position) in &ledger.acknowledged {
        assert_eq!(stored.get(id), Some(position), "acknowledged event {id} is at its reported position");
    }
    let refused: HashSet<_> = ledger.refused.iter().collect();
    assert!(log.iter().all(|e| !refused.contains(&e.event_id)), "no refused event was stored");

    let report = db.store().verify(None).await.expect("verify");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.checked, total as u64);

    let delivered =
        tokio::time::timeout(Duration::from_secs(120), subscriber).await.expect("subscriber finishes").expect("task");
    assert_eq!(delivered, (1..=total as u64).collect::<Vec<_>>(), "the subscriber saw every event once, in order");
}

/// Appends this writer's events: two in three to its private stream, the rest to one of the
/// shared streams, every tenth append to both at once; on a conflict it learns the stream's
/// actual version and retries with new event ids.
async fn write(store: Arc<dyn EventStore>, writer: usize) -> Ledger {
    let private = stream(&format!("commitment-private-{writer}"));
    let mut known: HashMap<StreamId, u64> = HashMap::new();
    let mut ledger = Ledger::default();
    let mut written = 0;
    let mut attempt = 0;
    while written < EVENTS_PER_WRITER {
        attempt += 1;
        let shared = stream(&format!("commitment-shared-{}", attempt % SHARED_STREAMS));
        let targets = match attempt % 10 {
            0 if EVENTS_PER_WRITER - written >= 2 => vec![private.clone(), shared],
            n if n % 3 == 0 => vec![shared],
            _ => vec![private.clone()],
        };
        let request = AppendRequest {
            streams: targets
                .iter()
                .map(|s| StreamAppend {
                    stream_id: s.clone(),
                    expected: Expected::Exactly(known.get(s).copied().unwrap_or(0)),
                    events: vec![progress_report(s.as_str(), attempt)],
                })
                .collect(),
        };
        let ids: Vec<EventId> = request.event_ids().collect();
        match store.append(request).await {
            Ok(outcome) => {
                for (s, version) in outcome.stream_versions {
                    known.insert(s, version);
                }
                written += ids.len();
                ledger.acknowledged.extend(ids.into_iter().zip(outcome.positions));
            }
            Err(AppendError::Conflict(conflict)) => {
                known.insert(conflict.stream, conflict.actual);
                ledger.refused.extend(ids);
            }
            Err(other) => panic!("writer {writer}: unexpected error {other}"),
        }
    }
    ledger
}
