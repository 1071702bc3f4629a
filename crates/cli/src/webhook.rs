//! `covenant webhook`: register, list and remove webhook subscriptions, deliver to them as a
//! process of its own, and replay their dead letters (`app::webhooks`).

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use app::webhooks::{self, Deliverer, Progress, Subscription, WebhookStatus};
use app::{Config, OpenMode};

/// Webhooks: each event a subscription takes POSTed to its URL, signed, in order, retried, and
/// kept as a dead letter when it cannot be delivered (docs/integration.md).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, clap::Subcommand)]
enum Verb {
    Add(Add),
    List(List),
    Remove(Remove),
    /// Deliver to every subscription as a process of its own, until interrupted; `covenant
    /// serve` delivers too. On PostgreSQL one process delivers to each subscription at a time.
    Deliver,
    Replay(Replay),
}

/// Register a subscription. Its secret is printed once: give it to the receiver, which checks
/// each delivery's signature with it.
///
/// Loopback and private-network addresses are refused unless covenant.toml allows them
/// (`allow_private = true` under `[webhooks]`): the operator decides which hosts Covenant may
/// send to. Delivery starts from the first event of the log.
#[derive(Debug, clap::Args)]
struct Add {
    /// A name for the subscription: lowercase letters, digits, '-' and '_', such as icb-rag-pack.
    name: String,
    /// Where events are POSTed: an http or https address.
    #[arg(long, value_name = "URL")]
    url: String,
    /// An event type to send, such as commitment.progress_reported, or an aggregate, such as
    /// resolution; repeat for more. Without it, every event is sent.
    #[arg(long = "event", value_name = "TYPE")]
    events: Vec<String>,
    /// The signing secret, whsec_ and base64, when the receiver already has one; otherwise one
    /// is made.
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
}

/// List the subscriptions, each with its position, its last delivery attempts and its dead
/// letters.
#[derive(Debug, clap::Args)]
struct List {
    /// How many of each subscription's last attempts to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    attempts: usize,
}

/// Remove a subscription with its delivery log and dead letters.
#[derive(Debug, clap::Args)]
struct Remove {
    name: String,
}

/// Send a subscription's dead letters once more, oldest first; those delivered leave the list.
#[derive(Debug, clap::Args)]
struct Replay {
    name: String,
}

pub async fn run(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::Existing).await?;
    let outcome = verb(config, &stores, args.verb).await;
    stores.close().await;
    outcome
}

async fn verb(config: &Config, stores: &app::Stores, verb: Verb) -> anyhow::Result<ExitCode> {
    let settings = config.webhooks;
    match verb {
        Verb::Add(add) => {
            let subscription = Subscription::parse(&add.name, &add.url, &add.events, add.secret.as_deref())?;
            webhooks::add(stores, &settings, &subscription).await?;
            println!(
                "Added the webhook {} sending {} to {}.",
                subscription.name(),
                taken(&subscription),
                subscription.url()
            );
            if add.secret.is_none() {
                println!("Its signing secret, shown only now: {}", subscription.secret().as_str());
            }
            println!("`{}` delivers while `covenant serve` is not running.", config.command("webhook deliver"));
        }
        Verb::List(list) => {
            let subscriptions = webhooks::list(stores).await?;
            if subscriptions.is_empty() {
                println!("No webhooks: `{}` adds one.", config.command("webhook add NAME --url URL"));
            }
            let head = stores.events.head().await?.position;
            for subscription in subscriptions {
                let name = subscription.name();
                let position = webhooks::position(stores, &subscription).await?;
                println!(
                    "{name}: {} to {}; delivered or given up up to position {position} of {head}; added {}",
                    taken(&subscription),
                    subscription.url(),
                    subscription.created_at()
                );
                for attempt in stores.webhooks.attempts(name, list.attempts).await? {
                    println!(
                        "  {}  position {}  attempt {}  {}  {}",
                        attempt.at,
                        attempt.position,
                        attempt.attempt,
                        attempt.outcome.as_str(),
                        attempt.detail
                    );
                }
                let dead = stores.webhooks.dead_letters(name).await?;
                for letter in &dead {
                    println!(
                        "  dead letter: position {}, given up {}: {}",
                        letter.position, letter.failed_at, letter.detail
                    );
                }
                if !dead.is_empty() {
                    println!("  `{}` sends them again.", config.command(&format!("webhook replay {name}")));
                }
            }
        }
        Verb::Remove(remove) => {
            webhooks::remove(stores, &remove.name).await?;
            println!("Removed the webhook {} with its delivery log and dead letters.", remove.name);
        }
        Verb::Deliver => {
            let deliverer = Deliverer::new(settings)?;
            println!(
                "Delivering webhooks from {}. Press Ctrl-C to stop; each position delivered is kept.",
                config.database
            );
            let status = Arc::new(WebhookStatus::default());
            tokio::select! {
                _ = deliverer.run(stores, &status, print_progress) => {}
                () = crate::serve::shutdown_signal() => {}
            }
            println!(
                "Stopped after {} deliveries, {} retries and {} dead letters.",
                status.deliveries(),
                status.retries(),
                status.dead_letters()
            );
        }
        Verb::Replay(replay) => {
            let (delivered, left) =
                Deliverer::new(settings)?.replay(stores, &replay.name).await.context("replay stopped")?;
            println!("Replayed {delivered} dead letters of {}; {left} failed again and are kept.", replay.name);
            if left > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Which events a subscription takes, in words.
fn taken(subscription: &Subscription) -> String {
    match subscription.event_types() {
        [] => "every event".to_owned(),
        types => types.join(", "),
    }
}

fn print_progress(progress: Progress) {
    match progress {
        Progress::Waiting { name } => println!(
            "{name}: waiting: another process delivers to this subscription from this database; this one takes over when it stops."
        ),
        Progress::Delivering { name, position } => println!("{name}: delivering the events after position {position}."),
        Progress::Retrying { name, position, attempt, detail, after } => eprintln!(
            "{name}: attempt {attempt} at position {position} failed ({detail}); trying again in {} ms",
            after.as_millis()
        ),
        Progress::DeadLetter { name, position, detail } => {
            eprintln!("{name}: gave up on position {position} ({detail}); it is a dead letter")
        }
        Progress::Restarting { name, error } => eprintln!("error: {name}: {error}; starting again"),
    }
}
