//! Opening the event store a configuration names.

use std::sync::Arc;

use kernel::{CheckpointStore, EventStore, IdempotencyStore, SnapshotStore, StoreError, TokenStore};
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;

use crate::DatabaseUrl;

/// The log, and beside it in the same database the snapshots, the access tokens, the answers
/// kept for idempotent requests and the signed checkpoints.
#[derive(Clone)]
pub struct Stores {
    pub events: Arc<dyn EventStore>,
    pub snapshots: Arc<dyn SnapshotStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub checkpoints: Arc<dyn CheckpointStore>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// Opens (creating and migrating if needed) the store at `url`.
pub async fn open_store(url: &DatabaseUrl) -> Result<Stores, StoreError> {
    fn both<S: EventStore + SnapshotStore + TokenStore + IdempotencyStore + CheckpointStore + 'static>(
        store: S,
    ) -> Stores {
        let store = Arc::new(store);
        Stores {
            events: store.clone(),
            snapshots: store.clone(),
            tokens: store.clone(),
            idempotency: store.clone(),
            checkpoints: store,
        }
    }
    Ok(match url {
        DatabaseUrl::Sqlite(path) => both(SqliteStore::open(path).await.map_err(|e| context(url, e))?),
        DatabaseUrl::Postgres(conn) => both(PostgresStore::open(conn).await.map_err(|e| context(url, e))?),
    })
}

fn context(url: &DatabaseUrl, error: StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(detail) => StoreError::Unavailable(format!("failed to open {url}: {detail}")),
        other => other,
    }
}
