//! Projection snapshots: saved with their position and the hash of the event there, replaced
//! whole, cleared for a rebuild.

use kernel::{Hash, Position, Snapshot};
use tests::{TestStore, on_both_backends};

on_both_backends!(a_snapshot_is_saved_replaced_and_cleared);

async fn a_snapshot_is_saved_replaced_and_cleared(db: &TestStore) {
    let snapshots = db.snapshots();
    assert_eq!(snapshots.load_snapshot("status-board").await.expect("load"), None);
    let first = Snapshot {
        name: "status-board".into(),
        position: Position(10),
        state: r#"{"instruments":1}"#.into(),
        hash: None,
    };
    snapshots.save_snapshot(&first).await.expect("save");
    assert_eq!(snapshots.load_snapshot("status-board").await.expect("load"), Some(first));
    let hash = Some(Hash([7; 32]));
    let second =
        Snapshot { name: "status-board".into(), position: Position(25), state: r#"{"instruments":2}"#.into(), hash };
    snapshots.save_snapshot(&second).await.expect("replace");
    let other = Snapshot { name: "audit-trail".into(), position: Position(3), state: "{}".into(), hash: None };
    snapshots.save_snapshot(&other).await.expect("save another");
    assert_eq!(snapshots.load_snapshot("status-board").await.expect("load"), Some(second));
    snapshots.clear_snapshots().await.expect("clear");
    assert_eq!(snapshots.load_snapshot("status-board").await.expect("load"), None);
    assert_eq!(snapshots.load_snapshot("audit-trail").await.expect("load"), None);
}
