//! The read models kept in memory and up to date: started from their snapshot, and before each
//! answer brought up to the head of the log, so a query made after a command sees that command.
//! Catching up is done by one request at a time; the others wait for it and then read.

use kernel::{EventStore, Position};
use projections::{Projection, ReadModels};
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::ApiError;

/// Events folded per page while catching up.
const PAGE: usize = 1_000;

/// The read models at one position of the log.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    pub models: ReadModels,
    pub position: Position,
}

/// The read models the service answers from.
#[derive(Debug, Default)]
pub(crate) struct Live {
    folded: RwLock<Folded>,
    catching_up: Mutex<()>,
}

impl Live {
    pub fn new(models: ReadModels, position: Position) -> Self {
        Self { folded: RwLock::new(Folded { models, position }), catching_up: Mutex::new(()) }
    }

    /// The position the models have folded up to, without catching up.
    pub async fn position(&self) -> Position {
        self.folded.read().await.position
    }

    /// The read models, brought up to the head of the log as it is now.
    pub async fn read(&self, events: &dyn EventStore) -> Result<RwLockReadGuard<'_, Folded>, ApiError> {
        let head = events.head().await?.position;
        if self.folded.read().await.position < head {
            let _one_at_a_time = self.catching_up.lock().await;
            loop {
                let after = self.folded.read().await.position;
                if after >= head {
                    break;
                }
                let page = events.read_all(after, PAGE).await?;
                if page.is_empty() {
                    break;
                }
                let mut folded = self.folded.write().await;
                for event in &page {
                    if event.position > folded.position {
                        folded.models.apply(event);
                        folded.position = event.position;
                    }
                }
            }
        }
        Ok(self.folded.read().await)
    }
}
