//! The service's log: lines on standard error, as text or as JSON objects (`--log-format`),
//! filtered by `RUST_LOG` (tracing's env-filter syntax) or, without it, everything of Covenant's
//! own crates at `info` and above and only warnings and errors from the libraries beneath.

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// What the log shows when `RUST_LOG` is not set.
const DEFAULT: &str = "warn,covenant=info,app=info,domain=info,http_api=info,kernel=info,projections=info,store_sqlite=info,store_postgres=info";

/// How each log line is written.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event, for people.
    #[default]
    Text,
    /// One JSON object per line, with the span's fields (the request id) as members, for log
    /// collectors.
    Json,
}

/// Starts the log for this process.
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) => EnvFilter::try_new(&directives).with_context(|| {
            format!("RUST_LOG={directives} is not a log filter: give levels such as info or http_api=debug,warn")
        })?,
        Err(_) => EnvFilter::new(DEFAULT),
    };
    let log = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().init(),
    }
    Ok(())
}
