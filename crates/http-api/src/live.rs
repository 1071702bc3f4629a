//! The read models kept in memory and up to date: started from their snapshot, and before each
//! answer brought up to the head of the log, so a query made after a command sees that command.
//! Catching up is done by one request at a time; the others wait for it and then read. Every
//! `save_every` events folded, the models are saved as their snapshot, so that a restart folds
//! only what came after.

use app::Stores;
use kernel::Position;
use projections::{Projection, ReadModels, Runner};
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
#[derive(Debug)]
pub(crate) struct Live {
    folded: RwLock<Folded>,
    /// Held while catching up; holds the position of the last snapshot saved.
    catching_up: Mutex<Position>,
    /// Events folded after which the models are saved again.
    save_every: u64,
}

impl Live {
    /// The models at `position`, as their snapshot saved them there; saved again after every
    /// `save_every` events folded.
    pub fn new(models: ReadModels, position: Position, save_every: u64) -> Self {
        Self {
            folded: RwLock::new(Folded { models, position }),
            catching_up: Mutex::new(position),
            save_every: save_every.max(1),
        }
    }

    /// The position the models have folded up to, without catching up.
    pub async fn position(&self) -> Position {
        self.folded.read().await.position
    }

    /// The read models, brought up to the head of the log as it is now.
    pub async fn read(&self, stores: &Stores) -> Result<RwLockReadGuard<'_, Folded>, ApiError> {
        let events = stores.events.as_ref();
        let head = events.head().await?.position;
        if self.folded.read().await.position < head {
            let mut saved = self.catching_up.lock().await;
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
                let folded = folded.downgrade();
                if folded.position.0.saturating_sub(saved.0) >= self.save_every {
                    // A failed save costs only a longer fold at the next start: the answer stands.
                    match Runner::new(events, stores.snapshots.as_ref()).save(&folded.models, folded.position).await {
                        Ok(()) => *saved = folded.position,
                        Err(error) => tracing::warn!(%error, "failed to save the read models' snapshot"),
                    }
                }
            }
        }
        Ok(self.folded.read().await)
    }
}
