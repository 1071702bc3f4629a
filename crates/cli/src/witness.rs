//! `covenant witness`: follow another Covenant's signed checkpoints as a partner's witness, and
//! cosign each one only after checking that the log only grew since the last one cosigned
//! (`app::Witness`). A log that was rolled back or rewritten is reported loudly, with exit code 3,
//! and never cosigned.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use app::{KeyKind, NoteSigner, Observed, Witness, WitnessError, WitnessState};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kernel::Hash;
use serde::{Deserialize, Serialize};

use crate::keys::read_verifier;
use crate::witness_metrics::WitnessMetrics;

/// The exit code of a witness that found the log rolled back or rewritten.
const ALARM: u8 = 3;

/// Follow another Covenant's checkpoints as a witness, cosigning each consistent one.
///
/// Each round reads the log's latest checkpoint (GET /api/v1/checkpoint/latest), checks the log's
/// signature with --log-key, asks for a consistency proof from the checkpoint this witness
/// cosigned last (kept in --state), and only if the log only grew cosigns the new checkpoint
/// with --key and sends the cosignature to the log (POST /api/v1/checkpoint/cosignatures), which
/// serves it beside its own signature. A log that shrank, shows another tree for a size already
/// cosigned, or fails the proof is never cosigned: the witness says so on standard error and
/// stops with exit code 3.
///
/// The token (COVENANT_TOKEN) is a token of the followed log with the reader role or above.
///
/// Example: `COVENANT_TOKEN=… covenant witness --log https://covenant.example.org
/// --log-key "example.org/covenant+…" --key covenant-witness.key`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The followed Covenant's address, such as http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    log: String,
    /// The followed log's verifier key, as its `covenant keys init` printed it, or a file
    /// holding it.
    #[arg(long, value_name = "KEY")]
    log_key: String,
    /// This witness's private key (`covenant keys init --witness`).
    #[arg(long, value_name = "FILE", default_value = "covenant-witness.key")]
    key: PathBuf,
    /// Where the witness keeps the last checkpoint it cosigned.
    #[arg(long, value_name = "FILE", default_value = "covenant-witness.state.json")]
    state: PathBuf,
    /// A token of the followed log (reader or above).
    #[arg(long, env = "COVENANT_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    token: String,
    /// Seconds between two rounds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    every: u64,
    /// One round, then stop: exit code 0 when the checkpoint was cosigned or unchanged, 3 when
    /// the log misbehaved, 1 when the round could not be made.
    #[arg(long)]
    once: bool,
    /// After each round, write the witness's metrics to this file in the Prometheus text format
    /// (the size last cosigned, when a round last succeeded, the alarms raised), for a node
    /// exporter's textfile collector or a scraper to alert on.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
}

/// What the state file holds: the last checkpoint cosigned, and its cosignature if the log has
/// not yet accepted it.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    #[serde(flatten)]
    state: WitnessState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    undelivered: Option<String>,
    /// When a round last ended without an error or an alarm, in seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_success: Option<u64>,
    /// Alarms raised since this file was made.
    #[serde(default, skip_serializing_if = "is_zero")]
    alarms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How a round ended, as the state file counts it.
enum Tally {
    Success,
    Alarm,
    Error,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let log_key = read_verifier(&args.log_key)?;
    let text = std::fs::read_to_string(&args.key)
        .with_context(|| format!("failed to read the witness key {}", args.key.display()))?;
    let key = NoteSigner::parse(&text)
        .and_then(|key| key.of_kind(KeyKind::Witness))
        .with_context(|| format!("failed to read the witness key in {}", args.key.display()))?;
    let log_name = log_key.name().to_owned();
    let witness = Witness::new(log_key, key)?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let log = Log { client, base: args.log.trim_end_matches('/').to_owned(), token: args.token.clone() };
    let count = |outcome: Tally| -> anyhow::Result<()> {
        let kept = tally(&args.state, outcome)?;
        match &args.metrics {
            Some(path) => WitnessMetrics {
                log: &log_name,
                cosigned_size: kept.as_ref().map_or(0, |k| k.state.size),
                last_success: kept.as_ref().and_then(|k| k.last_success),
                alarms: kept.as_ref().map_or(0, |k| k.alarms),
            }
            .write(path),
            None => Ok(()),
        }
    };
    loop {
        match round(&witness, &log, &args.state).await {
            Ok(said) => {
                println!("{said}");
                count(Tally::Success)?;
            }
            Err(error) => match error.downcast_ref::<WitnessError>() {
                Some(alarm) if alarm.is_alarm() => {
                    eprintln!("ALARM: {alarm}. This witness did not cosign; keep its state file as evidence.");
                    count(Tally::Alarm)?;
                    return Ok(ExitCode::from(ALARM));
                }
                _ => {
                    count(Tally::Error)?;
                    if args.once {
                        return Err(error);
                    }
                    eprintln!("error: {error:#}; trying again in {} seconds", args.every);
                }
            },
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_secs(args.every)).await;
    }
}

/// One round: read, check, cosign, deliver, keep.
async fn round(witness: &Witness, log: &Log, path: &Path) -> anyhow::Result<String> {
    let kept = read_state(path)?;
    let note = log.checkpoint().await?;
    let state = kept.as_ref().map(|k| &k.state);
    let proof = match witness.proof_needed(state, &note)? {
        Some((from, to)) => log.consistency(from, to).await?,
        None => Vec::new(),
    };
    match witness.observe(state, &note, proof)? {
        Observed::Unchanged => {
            let size = state.map_or(0, |s| s.size);
            match kept.and_then(|k| k.undelivered.map(|note| (k.state, note))) {
                Some((state, undelivered)) => deliver(log, path, state, undelivered).await,
                None => Ok(format!("No new checkpoint: still {size} events.")),
            }
        }
        Observed::Cosigned { state, note, .. } => {
            // Kept before it is sent: the witness remembers the largest tree it found consistent
            // even if the log does not take the cosignature.
            let counts = kept.map(|k| (k.last_success, k.alarms)).unwrap_or_default();
            write_state(
                path,
                &Kept {
                    state: state.clone(),
                    undelivered: Some(note.clone()),
                    last_success: counts.0,
                    alarms: counts.1,
                },
            )?;
            deliver(log, path, state, note).await
        }
    }
}

async fn deliver(log: &Log, path: &Path, state: WitnessState, note: String) -> anyhow::Result<String> {
    log.cosign(&note).await?;
    let said = format!("Cosigned the checkpoint of {} events of {} (root {}).", state.size, state.origin, state.root);
    let counts = read_state(path)?.map(|k| (k.last_success, k.alarms)).unwrap_or_default();
    write_state(path, &Kept { state, undelivered: None, last_success: counts.0, alarms: counts.1 })?;
    Ok(said)
}

/// Counts how a round ended in the state file, and gives the state as kept; nothing is counted
/// before the first checkpoint is cosigned, as there is no state file to count in. The checkpoint
/// kept is never changed here: after an alarm it stays the evidence of what was cosigned.
fn tally(path: &Path, outcome: Tally) -> anyhow::Result<Option<Kept>> {
    let Some(mut kept) = read_state(path)? else { return Ok(None) };
    match outcome {
        Tally::Success => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            kept.last_success = Some(now.map_or(0, |since| since.as_secs()));
        }
        Tally::Alarm => kept.alarms += 1,
        Tally::Error => return Ok(Some(kept)),
    }
    write_state(path, &kept)?;
    Ok(Some(kept))
}

fn read_state(path: &Path) -> anyhow::Result<Option<Kept>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text)
                .with_context(|| format!("the witness's state file {} is not readable", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("failed to read the witness's state file {}", path.display())),
    }
}

/// Writes the state to a new file beside `path`, then renames it over `path`, so that a crash
/// leaves the old state or the new, never half of one.
fn write_state(path: &Path, kept: &Kept) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, serde_json::to_string_pretty(kept)? + "\n")
        .with_context(|| format!("failed to write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("failed to write {}", path.display()))
}

/// The followed log over HTTP.
struct Log {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Log {
    async fn checkpoint(&self) -> anyhow::Result<String> {
        let response =
            self.client.get(format!("{}/api/v1/checkpoint/latest", self.base)).bearer_auth(&self.token).send().await;
        text(response, "read the log's checkpoint").await
    }

    async fn consistency(&self, from: u64, to: u64) -> anyhow::Result<Vec<Hash>> {
        #[derive(Deserialize)]
        struct Proof {
            hashes: Vec<String>,
        }
        let url = format!("{}/api/v1/proofs/consistency?from={from}&to={to}", self.base);
        let response = self.client.get(url).bearer_auth(&self.token).send().await;
        let body = text(response, "read the consistency proof").await?;
        let proof: Proof = serde_json::from_str(&body).context("the consistency proof is not the expected JSON")?;
        proof
            .hashes
            .iter()
            .map(|h| BASE64.decode(h).ok().and_then(|b| Hash::from_slice(&b)))
            .collect::<Option<_>>()
            .context("a hash of the consistency proof is not 32 bytes in base64")
    }

    async fn cosign(&self, note: &str) -> anyhow::Result<()> {
        let url = format!("{}/api/v1/checkpoint/cosignatures", self.base);
        let response = self
            .client
            .post(url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(note.to_owned())
            .send()
            .await;
        text(response, "send the cosignature").await.map(drop)
    }
}

/// The body of a successful answer, or the log's problem in words.
async fn text(response: reqwest::Result<reqwest::Response>, what: &str) -> anyhow::Result<String> {
    let response = response.with_context(|| format!("failed to {what}"))?;
    let status = response.status();
    let body = response.text().await.with_context(|| format!("failed to {what}"))?;
    if !status.is_success() {
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|p| p["detail"].as_str().map(str::to_owned))
            .unwrap_or(body);
        bail!("failed to {what}: the log answered {status}: {detail}");
    }
    Ok(body)
}
