//! `covenant import`: data from other systems into the log, one subcommand per kind of file,
//! each in a module of its own.

mod cloudevents;

use std::process::ExitCode;

use app::Config;

/// Import a file into the log.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    Cloudevents(cloudevents::Args),
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    match args.kind {
        Kind::Cloudevents(args) => cloudevents::run(config, args).await,
    }
}
