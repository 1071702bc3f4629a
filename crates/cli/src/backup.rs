//! `covenant backup`: a consistent copy of a live SQLite database, verified; for PostgreSQL,
//! the `pg_dump` command that makes one.

use std::path::PathBuf;
use std::process::ExitCode;

use app::{Config, OpenMode};

/// Copy the database to a new file, consistently, while others go on recording.
///
/// On SQLite the copy is taken with `VACUUM INTO`, a consistent snapshot of the database that
/// other processes may write to meanwhile; the copy is then verified, and its head position and
/// hash printed: `covenant --db FILE verify` prints the same. To restore, stop the service and
/// put the copy in place of the database file (docs/operations.md).
///
/// A PostgreSQL database is backed up with PostgreSQL's own pg_dump: this prints the command
/// for the configured database and exits with status 1, having copied nothing.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The new file to write the copy to; it must not exist yet.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::ReadOnly).await?;
    let report = app::backup(&stores, &config.database, &args.file).await?;
    let head = report.verified_head;
    println!(
        "Backed up {} to {}: {} events, and the copy verifies.",
        config.database,
        args.file.display(),
        report.checked
    );
    println!("Head position: {}", head.position);
    println!("Head hash:     {}", head.hash);
    let copy = config.with_database(app::DatabaseUrl::Sqlite(args.file.clone()));
    println!("`{}` checks the copy again at any time.", copy.command("verify"));
    Ok(ExitCode::SUCCESS)
}
