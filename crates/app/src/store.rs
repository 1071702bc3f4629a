//! Opening the event store a configuration names.

use std::sync::Arc;

use kernel::{EventStore, StoreError};
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;

use crate::DatabaseUrl;

/// Opens (creating and migrating if needed) the store at `url`.
pub async fn open_store(url: &DatabaseUrl) -> Result<Arc<dyn EventStore>, StoreError> {
    let store: Arc<dyn EventStore> = match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path).await.map_err(|e| context(url, e))?),
        DatabaseUrl::Postgres(conn) => Arc::new(PostgresStore::open(conn).await.map_err(|e| context(url, e))?),
    };
    Ok(store)
}

fn context(url: &DatabaseUrl, error: StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(detail) => StoreError::Unavailable(format!("failed to open {url}: {detail}")),
        other => other,
    }
}
