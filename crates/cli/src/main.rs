//! `covenant`: the command line of Covenant. Global options choose the database; each verb is
//! a module of its own.

mod backup;
mod checkpoint;
mod demo;
mod export;
mod import;
mod init;
mod keys;
mod logging;
mod pack;
mod progress;
mod proof;
mod publish;
mod rebuild;
mod rebuild_tree;
mod record;
mod remind;
mod report;
mod serve;
mod token;
mod verify;
mod webhook;
mod witness;
mod witness_metrics;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::{Config, OpenMode, Stores, WaitNotice};
use clap::{Parser, Subcommand};

/// Covenant: an event-sourced record of every commitment, endorsement, resolution and progress
/// update of a public-sector partnership, with a hash-chained audit trail.
#[derive(Debug, Parser)]
#[command(name = "covenant", version, propagate_version = true)]
struct Cli {
    /// The database: a SQLite file (`covenant.db`, `sqlite://covenant.db`) or a PostgreSQL URL
    /// (`postgres://user@host/database`). Falls back to COVENANT_DATABASE_URL, then to
    /// `database_url` in covenant.toml, then to the embedded default.
    #[arg(long, global = true, value_name = "URL", help_heading = "Database")]
    db: Option<String>,

    /// A config file to read instead of ./covenant.toml.
    #[arg(long, global = true, value_name = "FILE", help_heading = "Database")]
    config: Option<PathBuf>,

    /// How long a command that records waits, on a SQLite file, for another process that is
    /// writing; after a second it says it is waiting. Commands that only read never wait.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = app::BUSY_TIMEOUT.as_secs(), help_heading = "Database")]
    wait: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Backup(backup::Args),
    Checkpoint(checkpoint::Args),
    Demo(demo::Args),
    Export(export::Args),
    Import(import::Args),
    Init(init::Args),
    Keys(keys::Args),
    Pack(pack::Args),
    Proof(proof::Args),
    Publish(publish::Args),
    Rebuild(rebuild::Args),
    RebuildTree(rebuild_tree::Args),
    Record(record::Args),
    Remind(remind::Args),
    Report(report::Args),
    Serve(serve::Args),
    Token(token::Args),
    Verify(verify::Args),
    Webhook(webhook::Args),
    Witness(witness::Args),
}

/// mimalloc rather than the C library's malloc: the store's writer and the read models' fold free
/// many small strings, which glibc's malloc spent a large share of their time on
/// (`docs/benchmarks.md`, "The allocator"). The benchmarks use the same one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let env = std::env::var(app::DATABASE_URL_VAR).ok();
    let dir = std::env::current_dir().context("failed to read the working directory")?;
    let mut config = Config::resolve(cli.db.as_deref(), env.as_deref(), cli.config.as_deref(), &dir)?;
    config.busy_timeout = Duration::from_secs(cli.wait);
    match cli.command {
        Command::Backup(args) => backup::run(&config, args).await,
        Command::Checkpoint(args) => checkpoint::run(&config, args).await,
        Command::Demo(args) => demo::run(&config, args).await,
        Command::Export(args) => export::run(&config, args).await,
        Command::Import(args) => import::run(&config, args).await,
        Command::Init(args) => init::run(&config, args).await,
        Command::Keys(args) => keys::run(args),
        Command::Pack(args) => pack::run(&config, args).await,
        Command::Proof(args) => proof::run(&config, args).await,
        Command::Publish(args) => publish::run(&config, args).await,
        Command::Rebuild(args) => rebuild::run(&config, args).await,
        Command::RebuildTree(args) => rebuild_tree::run(&config, args).await,
        Command::Record(args) => record::run(&config, args).await,
        Command::Remind(args) => remind::run(&config, args).await,
        Command::Report(args) => report::run(&config, args).await,
        Command::Serve(args) => serve::run(&config, cli.db.is_some(), args).await,
        Command::Token(args) => token::run(&config, args).await,
        Command::Verify(args) => verify::run(&config, args).await,
        Command::Webhook(args) => webhook::run(&config, args).await,
        Command::Witness(args) => witness::run(args).await,
    }
}

/// Opens the database the global options name, in `mode` (only verbs that record may create
/// one; verbs that only read open it read-only). A write that has to wait for another process
/// says so on standard error.
pub async fn open(config: &Config, mode: OpenMode) -> anyhow::Result<Stores> {
    let notice: WaitNotice = Arc::new(|| eprintln!("waiting for the database: another process is writing"));
    Ok(app::open(config, mode, Some(notice)).await?)
}
