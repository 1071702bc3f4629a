//! `covenant publish`: publish the log to another system and follow it, as a process of its
//! own, until interrupted. `nats` publishes to a NATS JetStream stream (`app::publisher`).

use std::process::ExitCode;

use anyhow::Context as _;
use app::publisher::{DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, NatsPublisher, NatsTarget, Progress, PublisherStatus};
use app::{Config, OpenMode};

/// Publish every event of the log to a message system, and keep publishing as events are
/// recorded (docs/integration.md).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Target {
    Nats(Nats),
}

/// Publish to a NATS JetStream stream, each event once, in position order.
///
/// Each event is a CloudEvent in binary mode: its attributes as `ce-*` headers, its payload as
/// the message, with `Nats-Msg-Id` set to the event id. The subject is
/// `<prefix>.<aggregate>.<event>`, such as `covenant.commitment.progress_reported`. The stream
/// is created, taking every subject under the prefix, when it does not exist.
///
/// The position published up to is kept in the database, per stream, and saved only once
/// JetStream has acknowledged every event up to it: a publisher stopped at any moment
/// (Ctrl-C, a crash) carries on from there when started again.
///
/// On PostgreSQL, several publishers to the same stream may run at once: one publishes, the
/// others wait and take over when it stops. On a SQLite file, run one publisher at a time.
#[derive(Debug, clap::Args)]
struct Nats {
    /// The NATS server, such as nats://127.0.0.1:4222.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The JetStream stream to publish to.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_STREAM)]
    stream: String,
    /// What every subject starts with.
    #[arg(long, value_name = "P", default_value = DEFAULT_SUBJECT_PREFIX)]
    subject_prefix: String,
}

/// Reads a NATS target as the command line gives it.
pub fn target(url: &str, stream: &str, subject_prefix: &str) -> anyhow::Result<NatsTarget> {
    NatsTarget::parse(url, stream, subject_prefix).map_err(anyhow::Error::msg)
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let Target::Nats(nats) = args.target;
    let target = target(&nats.url, &nats.stream, &nats.subject_prefix)?;
    let stores = crate::open(config, OpenMode::Existing).await?;
    let (publisher, created) = NatsPublisher::connect(target.clone()).await?;
    println!(
        "Publishing {} to the JetStream stream {} at {} (subjects {}{}).",
        config.database,
        target.stream(),
        target.url(),
        target.subjects(),
        if created { ", stream created" } else { "" }
    );
    println!("Press Ctrl-C to stop; the position acknowledged is kept.");
    let status = PublisherStatus::default();
    let running = publisher.run(&stores, &status, |progress| match progress {
        Progress::Waiting => {
            println!(
                "Waiting: another process publishes this database to {}; this one takes over when it stops.",
                target.stream()
            )
        }
        Progress::Leading { position } => println!("Publishing the events after position {position}."),
        Progress::Published { from, to, duplicates } => {
            let count = to.0 - from.0;
            let held =
                if duplicates > 0 { format!(", {duplicates} of them already in the stream") } else { String::new() };
            println!("Published positions {} to {to} ({count} events{held}).", from.0 + 1);
        }
        Progress::Retrying { error, after } => {
            eprintln!("error: {error}; trying again in {} ms from the position saved", after.as_millis())
        }
    });
    let outcome = tokio::select! {
        outcome = running => Some(outcome),
        () = crate::serve::shutdown_signal() => None,
    };
    stores.close().await;
    match outcome {
        None => {
            println!("Stopped; published up to position {}.", status.position());
            Ok(ExitCode::SUCCESS)
        }
        Some(Err(error)) => Err(error).context("publishing stopped"),
    }
}
