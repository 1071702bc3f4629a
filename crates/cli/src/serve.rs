//! `covenant serve`: run the HTTP API until interrupted (SIGINT or SIGTERM), finishing the
//! requests in flight before exiting.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use app::publisher::{DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, NatsPublisher};
use app::{Config, DatabaseUrl, OpenMode, Role};
use http_api::{Service, Settings};
use kernel::Timestamp;
use tokio::net::TcpListener;

use crate::demo;
use crate::logging::{self, LogFormat};

/// Serve the HTTP API (docs/http.md).
///
/// The database is the one the global options name: the embedded SQLite file by default, or a
/// PostgreSQL database given as a postgres:// URL. With --demo, the service starts on a new
/// temporary SQLite file (deleted when it stops) loaded with the five seed stories, unless --db
/// names another empty database, and prints a one-time admin token.
///
/// With a signing key (--key, or `[transparency] key` in covenant.toml), the service signs a
/// checkpoint of the log when it starts and whenever the log has grown by
/// `checkpoint_every_events` events (1,000 by default) or has grown at all and
/// `checkpoint_every_seconds` (60 by default) have passed, and serves the latest at
/// /api/v1/checkpoint (docs/audit.md).
///
/// Every ten minutes, the service deletes the dashboard's sessions that ended or lapsed more than
/// thirty days ago and the sign-ins with a provider begun more than ten minutes ago and never
/// finished (docs/sign-in.md).
///
/// With --publish nats://HOST:PORT, the service also publishes the log to a NATS JetStream
/// stream, as `covenant publish nats` does, and counts its position and lag in /metrics.
///
/// The service delivers webhooks to the subscriptions `covenant webhook add` registered, as
/// `covenant webhook deliver` does, and counts deliveries, retries, dead letters and lag in
/// /metrics.
///
/// The log goes to standard error: one line per request answered, with its x-request-id, and
/// whatever went wrong. RUST_LOG filters it (by default, info and above from Covenant itself);
/// --log-format json writes each line as a JSON object.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address and port to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDRESS")]
    bind: SocketAddr,
    /// Start on a fresh database loaded with the seed stories.
    #[arg(long)]
    demo: bool,
    /// The service is reached over HTTPS (behind a proxy that terminates TLS): mark the
    /// dashboard's cookies Secure, so browsers send them only over HTTPS.
    #[arg(long)]
    secure_cookies: bool,
    /// The key that signs checkpoints, written by `covenant keys init`; by default the file
    /// named by `[transparency] key` in covenant.toml, and none when neither names one.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// How many reports of a past point (as_of, known_on) are worked out at once; more are
    /// answered 503 with Retry-After. The number of cores when left out.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    max_as_of_folds: Option<u16>,
    /// How many past points (the dates asked for most recently) keep their reports' read
    /// models in memory, each up to the size of today's; 0 folds each request of the past
    /// afresh. 4 when left out.
    #[arg(long, value_name = "N")]
    as_of_points: Option<u16>,
    /// Publish the log to this NATS server's JetStream while serving, as `covenant publish
    /// nats` does, with its position and lag in /metrics (docs/integration.md).
    #[arg(long, value_name = "URL")]
    publish: Option<String>,
    /// The JetStream stream --publish publishes to.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_STREAM, requires = "publish")]
    publish_stream: String,
    /// What the subjects --publish publishes to start with.
    #[arg(long, value_name = "P", default_value = DEFAULT_SUBJECT_PREFIX, requires = "publish")]
    publish_subject_prefix: String,
    /// How the log on standard error is written: text for people, or json (one object per line)
    /// for a log collector.
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// Runs the service. `db_given` says whether `--db` was given, which --demo respects.
pub async fn run(config: &Config, db_given: bool, args: Args) -> anyhow::Result<ExitCode> {
    logging::init(args.log_format)?;
    let key = args.key.as_deref().or(config.transparency.key.as_deref());
    let signer = key.map(|key| app::read_signer(Some(key))).transpose()?;
    let target = args
        .publish
        .as_deref()
        .map(|url| crate::publish::target(url, &args.publish_stream, &args.publish_subject_prefix))
        .transpose()?;
    let scratch = if args.demo && !db_given {
        Some(tempfile::tempdir().context("failed to create a temporary directory for the demo database")?)
    } else {
        None
    };
    let config = match &scratch {
        Some(dir) => config.with_database(DatabaseUrl::Sqlite(dir.path().join("demo.db"))),
        None => config.clone(),
    };
    let database = config.database.clone();
    // Only --demo may make a database; otherwise the service serves one that exists.
    let stores = crate::open(&config, if args.demo { OpenMode::Create } else { OpenMode::Existing }).await?;
    let mut demo_day = None;
    let admin = if args.demo {
        demo::load(&database, &stores).await?;
        demo_day = app::views::latest_day(&stores).await?;
        let token =
            app::create_token(stores.tokens.as_ref(), Role::Admin, None, "demo admin", None, Timestamp::now()).await?;
        Some(token.token)
    } else {
        None
    };
    // A server that cannot be reached is said before the service starts, not only in its log.
    let publisher = match target {
        Some(target) => Some(NatsPublisher::connect(target).await?),
        None => None,
    };
    let listener = TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("failed to listen on {}: choose another address with --bind", args.bind))?;
    let address = listener.local_addr().context("failed to read the address listened on")?;
    let stop = shutdown_signal();
    println!("Covenant is serving {database} at http://{address}");
    if let Some(token) = admin {
        println!("Admin token (shown once): {token}");
        println!("Try: curl -H 'Authorization: Bearer {token}' http://{address}/api/v1/status");
    }
    match demo_day {
        Some(day) => println!(
            "Dashboard: http://{address}/dashboard (sign in with a token); it opens as of {day}, the day of the demo's latest event, with a link to today"
        ),
        None => println!("Dashboard: http://{address}/dashboard (sign in with a token)"),
    }
    match &signer {
        Some(signer) => {
            println!("Checkpoints: signed as {} and served at http://{address}/api/v1/checkpoint", signer.name())
        }
        None => println!(
            "Checkpoints: none signed (no key: give --key FILE or [transparency] key = \"FILE\" in covenant.toml)"
        ),
    }
    if let Some((publisher, created)) = &publisher {
        let target = publisher.target();
        println!(
            "Publishing: to the JetStream stream {}{} at {}; position and lag at http://{address}/metrics",
            target.stream(),
            if *created { " (created)" } else { "" },
            target.url()
        );
    }
    println!(
        "Webhooks: delivered to the subscriptions `covenant webhook list` shows; counts at http://{address}/metrics"
    );
    match config.reminders.as_ref().map(|r| r.schedule) {
        Some(app::reminders::Schedule::Weekly { weekday, hour }) => {
            println!("Reminders: sent every {weekday} at {hour:02}:00 UTC through the [reminders] SMTP server")
        }
        Some(app::reminders::Schedule::Off) => println!("Reminders: none sent ([reminders] schedule = \"off\")"),
        None => println!("Reminders: none sent (no [reminders] table in covenant.toml; docs/packs.md)"),
    }
    println!("Press Ctrl-C to stop; requests in flight are finished first.");
    let defaults = Settings::default();
    let settings = Settings {
        secure_cookies: args.secure_cookies,
        rules: config.rules,
        sessions: config.sessions,
        max_as_of_folds: args.max_as_of_folds.map_or(defaults.max_as_of_folds, usize::from),
        as_of_points: args.as_of_points.map_or(defaults.as_of_points, usize::from),
        demo_day,
        webhooks: config.webhooks,
        ..defaults
    };
    let service =
        Service::start(stores.clone(), settings).await.context("failed to bring the read models up to date")?;
    if let Some(signer) = signer {
        service.sign_checkpoints(signer, config.transparency.policy);
    }
    service.accept_cosignatures(config.transparency.witnessing.clone());
    let sign_in = app::OpenIdSignIn::new(config.providers.clone(), config.roles.clone(), config.public_url.as_deref())
        .context("failed to set up signing in with the [sign_in] providers")?;
    service.sign_in_with(sign_in);
    service.prune_every(app::PRUNE_EVERY);
    if let Some((publisher, _)) = publisher {
        service.publish(publisher);
    }
    service.deliver_webhooks(app::webhooks::Deliverer::new(config.webhooks)?);
    if let Some(reminders) = config.reminders.clone() {
        service.send_reminders(reminders);
    }
    http_api::serve(listener, service, stop).await.context("the server stopped with an error")?;
    // Leave a SQLite file whole in its main file, ready to be copied.
    stores.close().await;
    println!("Stopped.");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled, so that a signal sent as soon as the service
/// says it is ready stops it cleanly.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            let wait = |installed: std::io::Result<tokio::signal::unix::Signal>| async move {
                match installed {
                    Ok(mut signal) => {
                        signal.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
