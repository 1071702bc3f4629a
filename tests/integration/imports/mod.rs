//! Imports: action plans as CSV and ModernGov meetings as XML, checked whole before anything is
//! recorded, and idempotent when imported again; on SQLite and on PostgreSQL.

mod action_plan;
mod moderngov;

use std::path::PathBuf;

use app::Recorder;
use kernel::{EventStore, Position};

/// The text of a fixture in `tests/fixtures/imports`.
fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/imports").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()))
}

/// A recorder on a store loaded with every seed story.
async fn seeded(store: std::sync::Arc<dyn EventStore>) -> Recorder {
    let recorder = Recorder::new(store);
    for story in app::seeds::stories() {
        app::load_story(&recorder, &story, domain::testing::default_now()).await.expect("the story is recorded");
    }
    recorder
}

async fn head(store: &dyn EventStore) -> Position {
    store.head().await.expect("the head reads").position
}

/// Ignores progress.
fn quiet() -> impl FnMut(usize, usize) + Send {
    |_, _| {}
}

/// The problems of a refused import, as (line, column, message).
fn listed(error: app::interchange::ImportError) -> Vec<(usize, Option<String>, String)> {
    match error {
        app::interchange::ImportError::Invalid(problems) => {
            problems.into_iter().map(|p| (p.line, p.column, p.message)).collect()
        }
        other => panic!("expected a list of problems, got: {other}"),
    }
}
