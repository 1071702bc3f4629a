//! The read models kept in memory and up to date: started from their snapshot, and before each
//! answer brought up to the head of the log, so a query made after a command sees that command.
//! Catching up is done by one request at a time; the others wait for it and then read. Every
//! `save_every` events folded, the models are saved as their snapshot, so that a restart folds
//! only what came after. Every event folded is checked against the hash chain, folding on past a
//! break (the service serves a broken log only with the break said beside it), and models folded
//! across a break are never saved.

use kernel::{Position, VerifyFailure};
use projections::{ChainCheck, Projection, ProjectionError, ReadModels, Runner};
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::Stores;

/// Events folded per page while catching up.
const PAGE: usize = 1_000;

/// The read models at one position of the log.
#[derive(Debug)]
pub struct Folded {
    pub models: ReadModels,
    pub position: Position,
    chain: ChainCheck,
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
    /// Live read models from a fold that allowed a broken log ([`projections::Unverified::Allow`]),
    /// as their snapshot saved them at its position; saved again after every `save_every` events
    /// folded.
    pub fn new(folded: projections::Folded<ReadModels>, save_every: u64) -> Self {
        let position = folded.position;
        let folded = Folded { models: folded.state, position, chain: folded.chain };
        Self { folded: RwLock::new(folded), catching_up: Mutex::new(position), save_every: save_every.max(1) }
    }

    /// The first break in the hash chain the live models were folded across, if any.
    pub async fn broken(&self) -> Option<VerifyFailure> {
        self.folded.read().await.chain.broken().cloned()
    }

    /// The position the models have folded up to, without catching up.
    pub async fn position(&self) -> Position {
        self.folded.read().await.position
    }

    /// The read models, brought up to the head of the log as it is now.
    pub async fn read(&self, stores: &Stores) -> Result<RwLockReadGuard<'_, Folded>, ProjectionError> {
        let events = stores.events.as_ref();
        let head = events.head().await?.position;
        if self.folded.read().await.position > head {
            // The log was cut short under the service: the models are ahead of it.
            let mut folded = self.folded.write().await;
            let reached = folded.position;
            folded.chain.reached(reached, head)?;
        }
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
                        // Allowed to fold on, so the check keeps the break rather than failing.
                        folded.chain.check(event)?;
                        folded.models.apply(event);
                        folded.position = event.position;
                    }
                }
                let folded = folded.downgrade();
                let due = folded.position.0.saturating_sub(saved.0) >= self.save_every;
                let hash = page.iter().rfind(|e| e.position == folded.position).map(|e| e.hash);
                if due && hash.is_some() && folded.chain.broken().is_none() {
                    // A failed save costs only a longer fold at the next start: the answer stands.
                    let runner = Runner::new(events, stores.snapshots.as_ref());
                    match runner.save(&folded.models, folded.position, hash).await {
                        Ok(()) => *saved = folded.position,
                        Err(error) => tracing::warn!(%error, "failed to save the read models' snapshot"),
                    }
                }
            }
        }
        Ok(self.folded.read().await)
    }
}
