//! A page of events large enough to be checked against the hash chain beside its fold: an
//! altered event in it is found at its position, refused or kept as the break, exactly as when
//! each event is checked before it is folded.

use kernel::{AppendRequest, Expected, Position, VerifyFailure};
use projections::{ProjectionError, ReadModels, Runner, Unverified};
use tests::{TestStore, on_both_backends, progress_report, stream};

/// More events than one page checked beside its fold, and fewer than a page read.
const EVENTS: u64 = 2_500;
/// The event altered behind the store's back.
const ALTERED: u64 = 1_700;

on_both_backends!(an_altered_event_in_a_page_checked_beside_its_fold_is_found_at_its_position);

async fn an_altered_event_in_a_page_checked_beside_its_fold_is_found_at_its_position(db: &TestStore) {
    for n in 0..EVENTS / 100 {
        let events = (0..100).map(|i| progress_report("c", (n * 100 + i) as usize)).collect();
        let request = AppendRequest::single(stream(&format!("commitment-{}", n % 5)), Expected::Any, events);
        db.store().append(request).await.expect("append");
    }
    let intact = Runner::new(db.store(), db.snapshots()).catch_up::<ReadModels>(|_, _| ()).await;
    let intact = intact.expect("an intact log folds");
    assert_eq!(intact.position, Position(EVENTS));
    assert!(intact.chain.broken().is_none());
    db.snapshots().clear_snapshots().await.expect("the snapshots are cleared");

    db.execute_raw(&format!("UPDATE events SET actor = 'someone-else@example.org' WHERE position = {ALTERED}")).await;

    let refused = Runner::new(db.store(), db.snapshots()).catch_up::<ReadModels>(|_, _| ()).await;
    match refused {
        Err(ProjectionError::Broken(VerifyFailure::HashMismatch { position, .. })) => {
            assert_eq!(position, Position(ALTERED))
        }
        other => panic!("the altered event is refused at its position, not {:?}", other.map(|f| f.position)),
    }

    let allowed = Runner::new(db.store(), db.snapshots()).unverified(Unverified::Allow);
    let folded = allowed.catch_up::<ReadModels>(|_, _| ()).await.expect("a fold that allows a break goes on");
    assert_eq!(folded.position, Position(EVENTS), "every event is folded");
    match folded.chain.broken() {
        Some(VerifyFailure::HashMismatch { position, .. }) => assert_eq!(*position, Position(ALTERED)),
        other => panic!("the break is kept at the altered event, not {other:?}"),
    }
    let (_, saved) = allowed.load::<ReadModels>().await.expect("the snapshot reads");
    assert_eq!(saved, Position::ZERO, "nothing folded past a break is saved");
}
