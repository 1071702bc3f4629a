//! The Merkle tree kept beside the log: it follows every append and restore in the same
//! transaction, is rebuilt from the log, gives proofs that verify, and finds what the chain alone
//! cannot: a log cut short, or a tail rewritten with a recomputed chain, against an earlier
//! checkpoint.

use std::collections::HashMap;

use kernel::{
    AppendRequest, EMPTY_ROOT, EventStore, Expected, Hash, LogBreach, Position, ProofError, RecordedEvent, TreeError,
    event_leaf, new_nodes, node_hash,
};
use tests::{TestStore, on_both_backends, progress_report, stream};

on_both_backends!(
    the_tree_follows_appends_restores_and_rebuilds,
    proofs_from_the_stored_tree_verify_and_a_proof_for_another_event_is_refused,
    the_last_ten_events_dropped_are_found_against_an_earlier_checkpoint,
    a_tail_rewritten_with_a_recomputed_chain_is_found_against_an_earlier_checkpoint,
    an_altered_tree_node_is_found_and_rebuilt,
    a_log_without_a_tree_catches_up_at_the_next_append,
    a_store_leaving_the_tree_behind_writes_events_only_and_a_keeping_store_catches_up,
    a_large_append_and_restore_keep_the_chain_and_the_tree,
    a_tree_kept_in_its_own_table_moves_into_the_events_rows,
);

/// Both backends kept the tree in a table of its own (`tree_nodes`, migration 0007) until a
/// migration (SQLite's 0015, PostgreSQL's 0017) moved it into the events' rows: a database
/// written then, whose tree held the first 30 of its 37 events, opens with the same tree, and the
/// next append catches up the rest.
async fn a_tree_kept_in_its_own_table_moves_into_the_events_rows(db: &TestStore) {
    append(db, 37, "a").await;
    let events = log(db).await;
    let leaves: Vec<Hash> = events[..30].iter().map(event_leaf).collect();
    let nodes = new_nodes(0, &HashMap::new(), &leaves).expect("the tree of 30 events");
    let (backend, location) = db.location();
    let (migrations, moved, bytes): (&[kernel::Migration], i64, fn(Hash) -> String) = match backend {
        "sqlite" => (store_sqlite::MIGRATIONS, 15, |h| format!("X'{}'", h.to_hex())),
        _ => (store_postgres::MIGRATIONS, 17, |h| format!("'\\x{}'::bytea", h.to_hex())),
    };
    let sql = |version: i64| migrations.iter().find(|m| m.version() == version).expect("a migration").sql;
    let rows: Vec<String> =
        nodes.iter().map(|n| format!("({}, {}, {})", n.id.level, n.id.index, bytes(n.hash))).collect();
    db.execute_raw(&format!("DELETE FROM _sqlx_migrations WHERE version = {moved}")).await;
    db.execute_raw("ALTER TABLE events DROP COLUMN tree").await;
    db.execute_raw(sql(7)).await;
    if backend == "postgres" {
        // The append function as it was before the move, which the move replaces.
        db.execute_raw(sql(15)).await;
    }
    db.execute_raw(&format!("INSERT INTO tree_nodes (level, idx, hash) VALUES {}", rows.join(", "))).await;

    let store: Box<dyn EventStore> = match backend {
        "sqlite" => Box::new(store_sqlite::SqliteStore::open(std::path::Path::new(&location)).await.expect("migrated")),
        _ => Box::new(store_postgres::PostgresStore::open(&location).await.expect("migrated")),
    };
    assert_eq!(db.applied_migrations().await.last().map(|m| m.0), Some(moved));
    assert_eq!(db.tree_leaves().await, 30, "the tree holds the events it held");
    for size in 1..=30 {
        assert_eq!(store.tree_root(size).await.expect("root"), naive_root(&events[..size as usize]), "size {size}");
    }
    let proof = store.inclusion_proof(Position(17), 30).await.expect("a proof from the moved tree");
    proof.verify(&event_leaf(&events[16]), &naive_root(&events[..30])).expect("it verifies");
    assert!(!store.verify_tree().await.expect("verify tree").is_ok(), "the last seven are not in the tree yet");

    let request = AppendRequest::single(stream("commitment-a-0"), Expected::Any, vec![progress_report("b", 0)]);
    store.append(request).await.expect("append");
    let events = log(db).await;
    assert_eq!(store.tree_root(38).await.expect("root"), naive_root(&events));
    assert!(store.verify_tree().await.expect("verify tree").is_ok());
}

/// The tree hash of RFC 6962 §2.1, as the RFC defines it, over the log's chain hashes.
pub(crate) fn naive_root(events: &[RecordedEvent]) -> Hash {
    match events.len() {
        0 => EMPTY_ROOT,
        1 => event_leaf(&events[0]),
        n => {
            let k = 1 << (n - 1).ilog2();
            node_hash(&naive_root(&events[..k]), &naive_root(&events[k..]))
        }
    }
}

async fn append(db: &TestStore, count: usize, label: &str) {
    for n in 0..count {
        let s = stream(&format!("commitment-{label}-{}", n % 3));
        db.store()
            .append(AppendRequest::single(s, Expected::Any, vec![progress_report(label, n)]))
            .await
            .expect("append");
    }
}

async fn log(db: &TestStore) -> Vec<RecordedEvent> {
    db.store().read_all(Position::ZERO, 10_000).await.expect("read")
}

async fn the_tree_follows_appends_restores_and_rebuilds(db: &TestStore) {
    assert_eq!(db.store().tree_root(0).await.expect("empty root"), EMPTY_ROOT);
    append(db, 13, "a").await;
    let batch = (0..7).map(|n| progress_report("b", n)).collect();
    db.store().append(AppendRequest::single(stream("commitment-b"), Expected::Any, batch)).await.expect("batch");
    let events = log(db).await;
    assert_eq!(events.len(), 20);
    for size in 0..=20 {
        let root = db.store().tree_root(size as u64).await.expect("root");
        assert_eq!(root, naive_root(&events[..size]), "root of the first {size} events");
    }
    let report = db.store().verify_tree().await.expect("verify tree");
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.size, 20);

    assert_eq!(db.store().rebuild_tree().await.expect("rebuild"), 20);
    assert_eq!(db.store().tree_root(20).await.expect("root"), naive_root(&events));

    let copy = db.another().await;
    copy.store().restore(events[..12].to_vec()).await.expect("restore");
    copy.store().restore(events[12..].to_vec()).await.expect("restore");
    assert_eq!(copy.store().tree_root(20).await.expect("root"), naive_root(&events));
    assert_eq!(copy.store().tree_root(12).await.expect("root"), naive_root(&events[..12]));
    copy.finish().await;

    let beyond = db.store().tree_root(21).await.expect_err("beyond the head");
    assert!(matches!(beyond, TreeError::BeyondHead { size: 21, head: 20 }), "{beyond:?}");
    assert_eq!(beyond.to_string(), "the log has 20 events: ask for a tree size from 1 to 20");
}

async fn proofs_from_the_stored_tree_verify_and_a_proof_for_another_event_is_refused(db: &TestStore) {
    append(db, 21, "a").await;
    let events = log(db).await;
    for size in [1u64, 5, 8, 13, 21] {
        let root = naive_root(&events[..size as usize]);
        for position in 1..=size {
            let proof = db.store().inclusion_proof(Position(position), size).await.expect("proof");
            proof.verify(&event_leaf(&events[position as usize - 1]), &root).expect("the proof verifies");
        }
        for from in 1..=size {
            let proof = db.store().consistency_proof(from, size).await.expect("proof");
            proof.verify(&naive_root(&events[..from as usize]), &root).expect("consistent");
        }
    }
    let proof = db.store().inclusion_proof(Position(5), 21).await.expect("proof");
    let another = proof.verify(&event_leaf(&events[5]), &naive_root(&events));
    assert_eq!(another, Err(ProofError::RootMismatch), "a proof for position 5 does not prove position 6");
    let outside = db.store().inclusion_proof(Position(22), 21).await.expect_err("not in the tree");
    assert!(outside.to_string().contains("position 22 is not in a tree of 21 events"), "{outside}");
    let backwards = db.store().consistency_proof(8, 5).await.expect_err("backwards");
    assert!(matches!(backwards, TreeError::Refused(ProofError::Backwards { from: 8, to: 5 })), "{backwards:?}");
}

async fn the_last_ten_events_dropped_are_found_against_an_earlier_checkpoint(db: &TestStore) {
    append(db, 30, "a").await;
    let checkpoint = db.store().tree_root(30).await.expect("root");
    assert_eq!(db.store().check_against(30, checkpoint).await.expect("check"), None);

    db.execute_raw("DELETE FROM events WHERE position > 20").await;
    db.forget_tree().await;
    db.store().rebuild_tree().await.expect("rebuild");
    assert!(db.store().verify(None).await.expect("verify").is_ok(), "the chain alone cannot see a cut tail");
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok());
    let breach = db.store().check_against(30, checkpoint).await.expect("check");
    assert_eq!(breach, Some(LogBreach::Truncated { size: 30, head: 20 }));

    // Ten new events bring the log back to its old length; it is still not the log signed.
    append(db, 15, "z").await;
    let breach = db.store().check_against(30, checkpoint).await.expect("check");
    assert_eq!(breach, Some(LogBreach::Rewritten { size: 30, head: 35 }));
}

async fn a_tail_rewritten_with_a_recomputed_chain_is_found_against_an_earlier_checkpoint(db: &TestStore) {
    append(db, 30, "a").await;
    let earlier = db.store().tree_root(20).await.expect("root");
    let checkpoint = db.store().tree_root(30).await.expect("root");

    // Whoever holds the database replaces positions 11 to 30 and recomputes every hash.
    db.execute_raw("DELETE FROM events WHERE position > 10").await;
    db.forget_tree().await;
    db.store().rebuild_tree().await.expect("rebuild");
    append(db, 20, "rewritten").await;
    assert!(db.store().verify(None).await.expect("verify").is_ok(), "the recomputed chain verifies");
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok(), "and so does the recomputed tree");

    for (size, root) in [(30, checkpoint), (20, earlier)] {
        let breach = db.store().check_against(size, root).await.expect("check").expect("found");
        assert_eq!(breach, LogBreach::Rewritten { size, head: 30 });
        assert!(breach.to_string().starts_with("the log was rewritten"), "{breach}");
    }
}

async fn an_altered_tree_node_is_found_and_rebuilt(db: &TestStore) {
    append(db, 10, "a").await;
    // The tree of 10 leaves has two nodes on its right edge: leaves 0-7 (stored in the row of the
    // eighth event) and leaves 8-9 (computed from the ninth and tenth events' chain hashes).
    db.zero_tree_node(3, 0).await;
    let report = db.store().verify_tree().await.expect("verify tree");
    assert!(!report.is_ok(), "{report:?}");
    assert_eq!(report.computed, naive_root(&log(db).await));
    db.store().rebuild_tree().await.expect("rebuild");
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok());
}

async fn a_log_without_a_tree_catches_up_at_the_next_append(db: &TestStore) {
    append(db, 10, "a").await;
    // As a database written before the tree was kept.
    db.forget_tree().await;
    let missing = db.store().tree_root(10).await.expect_err("no tree yet");
    assert!(missing.to_string().contains("covenant rebuild-tree"), "{missing}");
    append(db, 3, "b").await;
    let events = log(db).await;
    assert_eq!(db.store().tree_root(13).await.expect("root"), naive_root(&events));
    assert_eq!(db.store().tree_root(7).await.expect("root"), naive_root(&events[..7]));
}

async fn a_store_leaving_the_tree_behind_writes_events_only_and_a_keeping_store_catches_up(db: &TestStore) {
    append(db, 4, "a").await;
    let leaves = db.tree_leaves().await;
    let behind = db.open_leaving_tree_behind().await;
    for n in 0..3 {
        let request = AppendRequest::single(stream("commitment-behind"), Expected::Any, vec![progress_report("b", n)]);
        behind.append(request).await.expect("append");
    }
    let batch = (3..6).map(|n| progress_report("b", n)).collect();
    behind.append(AppendRequest::single(stream("commitment-behind"), Expected::Any, batch)).await.expect("batch");
    assert_eq!(db.tree_leaves().await, leaves, "the tree holds none of the six events");
    assert_eq!(db.store().head().await.expect("head").position, Position(10));
    assert!(db.store().verify(None).await.expect("verify").is_ok(), "the chain is whole");
    let report = db.store().verify_tree().await.expect("verify tree");
    assert!(!report.is_ok(), "the tree is behind the log: {report:?}");

    // The next append of the store that keeps the tree catches it up from the chain hashes.
    append(db, 3, "c").await;
    let events = log(db).await;
    assert_eq!(events.len(), 13);
    for size in [4, 7, 10, 13] {
        assert_eq!(db.store().tree_root(size as u64).await.expect("root"), naive_root(&events[..size]));
    }
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok());
}

/// Appends and restores of 1,000 events or more take another way into the database on
/// PostgreSQL (`COPY`); the rows, the chain and the tree must be the same either way.
async fn a_large_append_and_restore_keep_the_chain_and_the_tree(db: &TestStore) {
    append(db, 5, "a").await;
    let batch = (0..1_100).map(|n| progress_report("b", n)).collect();
    db.store().append(AppendRequest::single(stream("commitment-b"), Expected::NoStream, batch)).await.expect("batch");
    append(db, 3, "c").await;
    let events = log(db).await;
    assert_eq!(events.len(), 1_108);
    assert_eq!(events[1_104].stream_version, 1_100);
    let report = db.store().verify(None).await.expect("verify");
    assert!(report.is_ok() && report.checked == 1_108, "{report:?}");
    assert!(db.store().verify_tree().await.expect("verify tree").is_ok());
    assert_eq!(db.store().tree_root(1_108).await.expect("root"), naive_root(&events));

    let copy = db.another().await;
    copy.store().restore(events[..5].to_vec()).await.expect("restore");
    copy.store().restore(events[5..].to_vec()).await.expect("restore");
    assert_eq!(copy.store().read_all(Position::ZERO, 10_000).await.expect("read"), events);
    assert_eq!(copy.store().tree_root(1_108).await.expect("root"), naive_root(&events));
    assert_eq!(copy.store().tree_root(5).await.expect("root"), naive_root(&events[..5]));
    copy.finish().await;
}
