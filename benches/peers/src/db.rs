//! Fresh databases for one run, with the durability Covenant's store runs with (SQLite in WAL
//! with `synchronous=FULL`; PostgreSQL with the server's defaults), and their removal.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgConnection, Pool, Postgres, Sqlite};

/// Connections in each pool: the libraries' own default (`default_sqlite_pool`,
/// `default_postgress_pool`).
const CONNECTIONS: u32 = 10;

/// The PostgreSQL server the benchmark makes its databases on.
pub fn postgres_url() -> String {
    std::env::var("COVENANT_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database made for this run.
#[derive(Debug)]
pub enum Fresh {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Fresh {
    /// A SQLite pool like sqlite-es's `default_sqlite_pool`, but with `synchronous=FULL` so that
    /// every commit is durable, as Covenant's are.
    pub async fn sqlite() -> (Self, Pool<Sqlite>) {
        let path = std::env::temp_dir().join(format!("peers-bench-{}.db", uuid::Uuid::new_v4().simple()));
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap_or_else(|e| panic!("failed to name the SQLite file {}: {e}", path.display()))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await
            .unwrap_or_else(|e| panic!("failed to open {}: {e}", path.display()));
        (Fresh::Sqlite(path), pool)
    }

    /// A database `peers_bench_<uuid>` on the server, and a pool of [`CONNECTIONS`] on it.
    pub async fn postgres() -> (Self, Pool<Postgres>) {
        let admin_url = postgres_url();
        let name = format!("peers_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("failed to reach PostgreSQL at {admin_url}: {e}; set COVENANT_BENCH_POSTGRES_URL")
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("failed to create the database {name}: {e}"));
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("failed to connect to {url}: {e}"));
        (Fresh::Postgres { admin_url, name }, pool)
    }

    /// Removes the database; the pools on it must be closed first.
    pub async fn remove(self) {
        match self {
            Fresh::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    let _ = std::fs::remove_file(file);
                }
            }
            Fresh::Postgres { admin_url, name } => {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("failed to reach PostgreSQL at {admin_url}: {e}"));
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .unwrap_or_else(|e| panic!("failed to drop the database {name}: {e}"));
            }
        }
    }
}

/// The database's version and durability settings, for the record.
pub async fn describe_sqlite(pool: &Pool<Sqlite>) -> String {
    let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await.unwrap_or_default();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(pool).await.unwrap_or_default();
    format!("SQLite {version}, synchronous={synchronous} (2 is FULL)")
}

pub async fn describe_postgres(pool: &Pool<Postgres>) -> String {
    let version: String = sqlx::query_scalar("SELECT version()").fetch_one(pool).await.unwrap_or_default();
    let commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(pool).await.unwrap_or_default();
    format!("{version}; synchronous_commit={commit}")
}
