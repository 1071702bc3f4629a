//! A child process for the crash-safety test: appends large batches to a store forever, printing
//! `acknowledged N` after each batch is committed, until it is killed.
//!
//! Usage: `crash-append <sqlite|postgres> <path-or-url> <first-batch-number>`

use std::io::Write;

use kernel::{AppendRequest, EventStore, Expected};
use store_postgres::PostgresStore;
use store_sqlite::SqliteStore;
use tests::{CRASH_BATCH, progress_report, stream};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, backend, location, first] = args.as_slice() else {
        eprintln!("usage: crash-append <sqlite|postgres> <path-or-url> <first-batch-number>");
        std::process::exit(2);
    };
    let store: Box<dyn EventStore> = match backend.as_str() {
        "sqlite" => Box::new(SqliteStore::open(location).await.expect("failed to open the SQLite store")),
        _ => Box::new(PostgresStore::open(location).await.expect("failed to open the PostgreSQL store")),
    };
    let mut batch: usize = first.parse().expect("batch number");
    let mut out = std::io::stdout();
    loop {
        let events = (0..CRASH_BATCH).map(|n| progress_report("bulk", n)).collect();
        let request = AppendRequest::single(stream(&format!("bulk-{batch}")), Expected::NoStream, events);
        store.append(request).await.expect("append");
        writeln!(out, "acknowledged {batch}").and_then(|()| out.flush()).expect("stdout");
        batch += 1;
    }
}
