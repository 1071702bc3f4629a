//! Crash safety: a child process killed with SIGKILL in the middle of large appends leaves each
//! batch wholly present or wholly absent, keeps every acknowledged batch, and leaves a chain that
//! verifies.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use kernel::{Position, StreamBound};
use tests::{CRASH_BATCH as BATCH, TestStore, on_both_backends, stream};

const KILLS: usize = 3;

on_both_backends!(a_killed_writer_leaves_whole_batches_and_a_valid_chain);

async fn a_killed_writer_leaves_whole_batches_and_a_valid_chain(db: &TestStore) {
    let (backend, location) = db.location();
    let mut next_batch = 0;
    for _ in 0..KILLS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-append"))
            .args([backend, location.as_str(), &next_batch.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("failed to start the child writer");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let first = lines.next().expect("the child acknowledges a first batch").expect("readable");
        assert_eq!(first, format!("acknowledged {next_batch}"));
        std::thread::sleep(Duration::from_millis(rand::random_range(0..400)));
        child.kill().expect("SIGKILL the child");
        child.wait().expect("reap the child");
        db.await_other_sessions().await;
        let acknowledged = std::iter::once(first)
            .chain(lines.map_while(Result::ok))
            .filter_map(|line| line.strip_prefix("acknowledged ").and_then(|n| n.parse::<usize>().ok()))
            .max()
            .expect("at least one acknowledgement");

        let head = db.store().head().await.expect("head");
        let batches = head.position.0 as usize / BATCH;
        assert_eq!(head.position.0 as usize % BATCH, 0, "the log holds whole batches only: {}", head.position);
        assert!(
            batches > acknowledged,
            "every acknowledged batch survived: {batches} batches, last acknowledged {acknowledged}"
        );
        assert!(batches <= acknowledged + 2, "at most the batch in flight was committed unacknowledged");
        for batch in 0..batches {
            let events =
                db.store().read_stream(&stream(&format!("bulk-{batch}")), StreamBound::All).await.expect("read");
            assert_eq!(events.len(), BATCH, "batch {batch} is whole");
        }
        let report = db.store().verify(None).await.expect("verify");
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.verified_head.position, Position(head.position.0));
        next_batch = batches;
    }
}
