//! The application layer: commands recorded through the event store by `app::Recorder`, on
//! SQLite and on PostgreSQL.

mod cache;
mod causation;
mod concurrency;
mod dates;
mod documented;
mod keyed;
mod recording;
mod reminders;
mod resending;
mod seeds;
mod sessions;
mod succession;
mod tokens;

use std::sync::Arc;

use app::seeds::Story;
use app::{Provenance, Recorder, Submission};
use domain::{Command, Event, codec};
use kernel::{EventStore, Position, RecordedEvent, Timestamp};

/// The time commands are decided at: after every seed story.
fn now() -> Timestamp {
    domain::testing::default_now()
}

fn recorder(store: Arc<dyn EventStore>) -> Recorder {
    Recorder::new(store)
}

/// A command recorded by a secretariat officer.
fn submission(command: impl Into<Command>) -> Submission {
    Submission { command: command.into(), provenance: Provenance::new("secretariat@lincolnshire.gov.uk") }
}

/// Loads `story` and checks that every step was recorded.
async fn load(recorder: &Recorder, story: &Story) {
    app::load_story(recorder, story, now()).await.expect("the seed story is recorded");
}

/// Every event in the log, in position order.
async fn everything(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut all = Vec::new();
    loop {
        let page = store.read_all(all.last().map_or(Position::ZERO, |e: &RecordedEvent| e.position), 1_000).await;
        let page = page.expect("the log reads");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

fn decoded(event: &RecordedEvent) -> Event {
    codec::decode_recorded(event).expect("a recorded event decodes")
}
