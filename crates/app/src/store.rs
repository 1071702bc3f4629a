//! Opening the event store a configuration names, in one of the three modes every interface
//! uses (create, existing, read-only), and closing it so that a SQLite file is whole in its
//! main file.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{
    CheckpointStore, EventStore, IdempotencyStore, OpenError, OpenMode, Position, PublisherStore, Saving, SessionStore,
    SignInStore, Snapshot, SnapshotStore, StoreError, TokenStore, Waypoint, WebhookStore,
};
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;
pub use store_sqlite::{BUSY_TIMEOUT, Opening, WaitNotice};

use crate::{Config, DatabaseUrl};

/// The log, and beside it in the same database the snapshots, the access tokens, the answers
/// kept for idempotent requests, the signed checkpoints, the publishers' positions, the dashboard's
/// sessions, the sign-ins under way and the webhook subscriptions.
#[derive(Clone)]
pub struct Stores {
    pub events: Arc<dyn EventStore>,
    pub snapshots: Arc<dyn SnapshotStore>,
    pub tokens: Arc<dyn TokenStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub checkpoints: Arc<dyn CheckpointStore>,
    /// How far each publisher of the log to another system has published (`crate::publisher`).
    pub publishers: Arc<dyn PublisherStore>,
    /// The dashboard's sessions (`crate::sessions`).
    pub sessions: Arc<dyn SessionStore>,
    /// Sign-ins with an OpenID provider begun and not yet finished (`crate::oidc`).
    pub sign_ins: Arc<dyn SignInStore>,
    /// Webhook subscriptions, their delivery logs and dead letters (`crate::webhooks`).
    pub webhooks: Arc<dyn WebhookStore>,
    backend: Backend,
}

/// The store behind the traits, for what only one backend does (closing a SQLite file whole,
/// copying it).
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores").finish_non_exhaustive()
    }
}

impl Stores {
    fn new(backend: Backend, mode: OpenMode) -> Self {
        fn all<
            S: EventStore
                + SnapshotStore
                + TokenStore
                + IdempotencyStore
                + CheckpointStore
                + PublisherStore
                + SessionStore
                + SignInStore
                + WebhookStore
                + Clone
                + 'static,
        >(
            store: &S,
            backend: Backend,
            mode: OpenMode,
        ) -> Stores {
            let store = Arc::new(store.clone());
            let snapshots: Arc<dyn SnapshotStore> =
                if mode == OpenMode::ReadOnly { Arc::new(Unsaved(store.clone())) } else { store.clone() };
            Stores {
                events: store.clone(),
                snapshots,
                tokens: store.clone(),
                idempotency: store.clone(),
                checkpoints: store.clone(),
                publishers: store.clone(),
                sessions: store.clone(),
                sign_ins: store.clone(),
                webhooks: store,
                backend,
            }
        }
        match &backend {
            Backend::Sqlite(store) => all(&store.clone(), backend, mode),
            Backend::Postgres(store) => all(&store.clone(), backend, mode),
        }
    }

    /// Closes the store. A SQLite file is checkpointed first, so that its main file holds the
    /// whole database (`PRAGMA wal_checkpoint(TRUNCATE)`) and can be copied on its own.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(store) => store.close().await,
            Backend::Postgres(store) => store.close().await,
        }
    }

    /// The same stores reading and writing the log through `events` instead, such as a wrapper
    /// that slows or watches the store in a test.
    pub fn with_events(self, events: Arc<dyn EventStore>) -> Stores {
        Stores { events, ..self }
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }
}

/// Opens (creating and migrating if needed) the store at `url`.
pub async fn open_store(url: &DatabaseUrl) -> Result<Stores, StoreError> {
    open_url(url, Opening::new(OpenMode::Create)).await.map_err(|e| match e {
        OpenError::Store(error) => context(url, error),
        other => StoreError::Unavailable(other.to_string()),
    })
}

/// Opens the store `config` names in `mode`. Only verbs that record open with
/// [`OpenMode::Create`]; a verb that only reads opens with [`OpenMode::ReadOnly`], which never
/// creates, migrates or writes the database, and never waits for a writer. A write to a SQLite
/// file waits up to `config.busy_timeout` for another process's write lock, calling `on_wait`
/// once it has waited a second. Every refusal says what to run, with the global options in
/// force.
pub async fn open(config: &Config, mode: OpenMode, on_wait: Option<WaitNotice>) -> Result<Stores, OpenFailure> {
    let opening = Opening { busy_timeout: config.busy_timeout, on_wait, ..Opening::new(mode) };
    open_url(&config.database, opening).await.map_err(|error| {
        let init = config.command("init");
        let hint = match &error {
            OpenError::Missing { .. } => format!(": check --db, or create one with `{init}`"),
            OpenError::Uninitialised { .. } => format!(": make Covenant's tables in it with `{init}`, or check --db"),
            OpenError::Outdated { .. } => {
                format!(": upgrade it with `{init}` (or any verb that records), then run this again")
            }
            OpenError::Store(StoreError::Unavailable(detail)) => {
                return OpenFailure {
                    error: OpenError::Store(StoreError::Unavailable(format!(
                        "failed to open {}: {detail}",
                        config.database
                    ))),
                    hint: String::new(),
                };
            }
            _ => String::new(),
        };
        OpenFailure { error, hint }
    })
}

async fn open_url(url: &DatabaseUrl, opening: Opening) -> Result<Stores, OpenError> {
    let mode = opening.mode;
    let backend = match url {
        DatabaseUrl::Sqlite(path) => Backend::Sqlite(SqliteStore::open_as(path, opening).await?),
        DatabaseUrl::Postgres(conn) => Backend::Postgres(PostgresStore::open_as(conn, mode).await?),
    };
    Ok(Stores::new(backend, mode))
}

fn context(url: &DatabaseUrl, error: StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(detail) => StoreError::Unavailable(format!("failed to open {url}: {detail}")),
        other => other,
    }
}

/// A database that could not be opened as asked, and what to run about it.
#[derive(Debug, thiserror::Error)]
#[error("{error}{hint}")]
pub struct OpenFailure {
    pub error: OpenError,
    hint: String,
}

/// The snapshots of a store opened read-only: read as saved, never saved. A verb that only
/// reads brings the read models up to date in memory and leaves the saving to the verbs that
/// write (`demo`, `rebuild`, the service), so that it never waits for, or takes, a write lock.
struct Unsaved(Arc<dyn SnapshotStore>);

#[async_trait]
impl SnapshotStore for Unsaved {
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError> {
        self.0.load_snapshot(name).await
    }

    async fn save_snapshot(&self, _snapshot: &Snapshot) -> Result<(), StoreError> {
        Ok(())
    }

    async fn clear_snapshots(&self) -> Result<(), StoreError> {
        Err(read_only())
    }

    async fn waypoints(&self, name: &str) -> Result<Vec<Waypoint>, StoreError> {
        self.0.waypoints(name).await
    }

    async fn waypoint_state(&self, name: &str, position: Position) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.waypoint_state(name, position).await
    }

    fn saves(&self) -> bool {
        false
    }

    async fn save_waypoint(&self, _: &str, _: &str, _: Saving<'_>, _: usize) -> Result<(), StoreError> {
        Ok(())
    }

    async fn clear_waypoints(&self, _name: &str) -> Result<(), StoreError> {
        Err(read_only())
    }
}

fn read_only() -> StoreError {
    StoreError::Unavailable("the database was opened read-only, so its saved read models cannot be cleared".into())
}
