//! Opening the event store a configuration names.

use std::sync::Arc;

use kernel::{EventStore, SnapshotStore, StoreError};
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;

use crate::DatabaseUrl;

/// The log and the snapshots beside it, in one database.
#[derive(Clone)]
pub struct Stores {
    pub events: Arc<dyn EventStore>,
    pub snapshots: Arc<dyn SnapshotStore>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

/// Opens (creating and migrating if needed) the store at `url`.
pub async fn open_store(url: &DatabaseUrl) -> Result<Stores, StoreError> {
    fn both<S: EventStore + SnapshotStore + 'static>(store: S) -> Stores {
        let store = Arc::new(store);
        Stores { events: store.clone(), snapshots: store }
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
