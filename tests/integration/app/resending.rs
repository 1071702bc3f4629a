//! An append whose answer is lost is sent again unchanged and recognised by the store, so the
//! command is recorded once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::Recorder;
use async_trait::async_trait;
use domain::organisation;
use domain::testing::org;
use kernel::{
    AppendError, AppendOutcome, AppendRequest, ChainHead, EventStore, EventStream, Position, RecordedEvent,
    RestoreError, StoreError, StreamBound, StreamId,
};
use tests::{TestStore, on_both_backends};

use super::{everything, now, submission};

on_both_backends!(an_append_whose_answer_is_lost_is_recorded_once);

/// A store whose first `lose` appends are written but answered with an error, as when the
/// connection drops after the commit.
struct LostAnswers {
    inner: Arc<dyn EventStore>,
    lose: AtomicUsize,
}

#[async_trait]
impl EventStore for LostAnswers {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        let outcome = self.inner.append(request).await?;
        if self.lose.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(StoreError::Unavailable("the connection was reset".into()).into());
        }
        Ok(outcome)
    }

    async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError> {
        self.inner.restore(events).await
    }

    async fn read_stream(&self, stream: &StreamId, bound: StreamBound) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, bound).await
    }

    async fn read_all(&self, after: Position, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, limit).await
    }

    async fn head(&self) -> Result<ChainHead, StoreError> {
        self.inner.head().await
    }

    fn subscribe(&self, after: Position) -> EventStream {
        self.inner.subscribe(after)
    }
}

fn register() -> organisation::Command {
    organisation::Command::Register {
        id: org("GB-LAE-WLI"),
        name: "West Lindsey District Council".into(),
        kind: organisation::Kind::LocalAuthority,
        identifiers: vec![],
    }
}

async fn an_append_whose_answer_is_lost_is_recorded_once(db: &TestStore) {
    let recorder = Recorder::new(Arc::new(LostAnswers { inner: db.shared(), lose: AtomicUsize::new(1) }));
    let recorded = recorder.record(&submission(register()), now()).await.expect("recorded after a resend");
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].position, Position(1));
    assert_eq!(everything(db.store()).await.len(), 1, "recorded once");

    let silent = Recorder::new(Arc::new(LostAnswers { inner: db.shared(), lose: AtomicUsize::new(usize::MAX) }));
    let rename = organisation::Command::Rename {
        id: org("GB-LAE-WLI"),
        name: "West Lindsey Council".into(),
        effective_on: domain::testing::date("2024-04-01"),
    };
    let message = silent.record(&submission(rename), now()).await.expect_err("never answered").to_string();
    assert!(message.contains("it is not known whether the command was recorded"), "{message}");
    assert_eq!(everything(db.store()).await.len(), 2, "the rename was written once, though never acknowledged");
}
