//! The soak test's driver (run by `scripts/soak`): mixed traffic against a running `covenant
//! serve` for a set time, as fast as it is answered. Readers fetch every read model as JSON and
//! CSV, writers report progress with a unique `Idempotency-Key` each, and one follower tails the
//! live feed, while the server's memory is sampled. At the end it reads the log and checks that
//! every acknowledged command is in it exactly once, nothing else was added, and the follower saw
//! every new event once and in order. It prints a report and exits non-zero on any error or loss.
//!
//! Configured by the environment: `SOAK_ADDRESS` (the server's URL), `SOAK_PID` (its process id),
//! `SOAK_WRITER`, `SOAK_READER` and `SOAK_AUDITOR` (tokens of those roles), `SOAK_COMMITMENTS`
//! (commitments `place-action-00000` onwards to report on), `DURATION` (such as `10m` or `20s`),
//! `READERS` and `WRITERS` (concurrent clients, default 16 and 8).

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use tokio::sync::Mutex;

/// What the driver was told.
struct Config {
    address: String,
    pid: u32,
    writer: String,
    reader: String,
    auditor: String,
    commitments: usize,
    duration: Duration,
    readers: usize,
    writers: usize,
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set: run the soak test with scripts/soak"))
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text.parse().map_err(|_| format!("{name}={text} is not a whole number: give one, such as 8")),
    }
}

/// `10m`, `20s`, `1h` or a number of seconds.
fn duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let value: u64 =
        digits.parse().map_err(|_| format!("DURATION={text} is not a duration: give one such as 10m or 20s"))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        _ => return Err(format!("DURATION={text} has an unknown unit: use s, m or h")),
    };
    Ok(Duration::from_secs(seconds))
}

impl Config {
    fn from_env() -> Result<Self, String> {
        Ok(Self {
            address: env("SOAK_ADDRESS")?,
            pid: env("SOAK_PID")?.parse().map_err(|_| "SOAK_PID is not a process id".to_owned())?,
            writer: env("SOAK_WRITER")?,
            reader: env("SOAK_READER")?,
            auditor: env("SOAK_AUDITOR")?,
            commitments: number("SOAK_COMMITMENTS", 0)?,
            duration: duration(&std::env::var("DURATION").unwrap_or_else(|_| "10m".to_owned()))?,
            readers: number("READERS", 16)?,
            writers: number("WRITERS", 8)?,
        })
    }
}

/// Requests of one kind: latencies in microseconds, and the failures, described.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    errors: Vec<String>,
}

/// Every tally, by kind of request.
#[derive(Default)]
struct Tallies(Mutex<BTreeMap<String, Tally>>);

impl Tallies {
    async fn merge(&self, kind: &str, local: Tally) {
        let mut all = self.0.lock().await;
        let tally = all.entry(kind.to_owned()).or_default();
        tally.latencies.extend(local.latencies);
        tally.errors.extend(local.errors);
    }
}

/// The reads: every read model, as JSON and as CSV.
const READS: &[&str] = &["status", "resolutions", "actions", "indicators", "audit"];

async fn reader(config: Arc<Config>, client: reqwest::Client, stop: Arc<AtomicBool>, n: usize, tallies: Arc<Tallies>) {
    let mut local: HashMap<String, Tally> = HashMap::new();
    let mut turn = n;
    while !stop.load(Ordering::Relaxed) {
        let report = READS[turn % READS.len()];
        let csv = (turn / READS.len()) % 2 == 1;
        turn += 1;
        let token = if report == "audit" { &config.auditor } else { &config.reader };
        let accept = if csv { "text/csv" } else { "application/json" };
        // An auditor reads one entity's trail: the blueprint the commitments deliver.
        let query: &[(&str, &str)] = if report == "audit" {
            &[("stream", "instrument-lincolnshire-homes-for-independence-blueprint")]
        } else {
            &[]
        };
        let started = Instant::now();
        let answer = client
            .get(format!("{}/api/v1/{report}", config.address))
            .bearer_auth(token)
            .header("accept", accept)
            .query(query)
            .send()
            .await;
        let outcome = match answer {
            Ok(response) if response.status() == 200 => response.bytes().await.map(|_| ()).map_err(|e| e.to_string()),
            Ok(response) => Err(format!("{}: {}", response.status(), response.text().await.unwrap_or_default())),
            Err(error) => Err(error.to_string()),
        };
        let tally = local.entry(format!("GET {report} ({})", if csv { "CSV" } else { "JSON" })).or_default();
        match outcome {
            Ok(()) => tally.latencies.push(started.elapsed().as_micros() as u64),
            Err(error) => tally.errors.push(error),
        }
    }
    for (kind, tally) in local {
        tallies.merge(&kind, tally).await;
    }
}

/// Reports progress on this writer's share of the commitments, in turn; returns the event id of
/// each acknowledged report.
async fn writer(
    config: Arc<Config>,
    client: reqwest::Client,
    stop: Arc<AtomicBool>,
    n: usize,
    tallies: Arc<Tallies>,
) -> Vec<String> {
    let mine: Vec<usize> = (n..config.commitments).step_by(config.writers).collect();
    let mut acknowledged = Vec::new();
    let mut tally = Tally::default();
    let statuses = ["green", "green", "amber", "green", "red"];
    let mut sent = 0_usize;
    while !stop.load(Ordering::Relaxed) && !mine.is_empty() {
        let commitment = mine[sent % mine.len()];
        let body = serde_json::json!({
            "command": "report_progress",
            "id": format!("place-action-{commitment:05}"),
            "status": statuses[sent % statuses.len()],
            "percent_complete": sent % 101,
            "narrative": format!("Quarterly return to the Housing, Health and Care Delivery Group: {sent} referrals completed."),
            "period": {"label": "2025/26 Q2", "from": "2025-07-01", "to": "2025-09-30"},
            "reported_on": "2025-10-15",
        });
        sent += 1;
        let started = Instant::now();
        let answer = client
            .post(format!("{}/api/v1/commitments", config.address))
            .bearer_auth(&config.writer)
            .header("idempotency-key", format!("soak-{}-{n}-{sent}", config.pid))
            .json(&body)
            .send()
            .await;
        let outcome = match answer {
            Ok(response) if response.status() == 201 => {
                response.json::<Value>().await.map_err(|e| e.to_string()).and_then(|answer| {
                    let ids: Vec<String> = answer["events"]
                        .as_array()
                        .map(|events| events.iter().filter_map(|e| e["event_id"].as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    if ids.len() == 1 {
                        Ok(ids)
                    } else {
                        Err(format!("201 with {} events, not 1: {answer}", ids.len()))
                    }
                })
            }
            Ok(response) => Err(format!("{}: {}", response.status(), response.text().await.unwrap_or_default())),
            Err(error) => Err(error.to_string()),
        };
        match outcome {
            Ok(ids) => {
                tally.latencies.push(started.elapsed().as_micros() as u64);
                acknowledged.extend(ids);
            }
            Err(error) => tally.errors.push(error),
        }
    }
    tallies.merge("POST commitments (report progress)", tally).await;
    acknowledged
}

/// Follows the live feed from just after `after`; returns the positions received, in order.
async fn follower(
    config: Arc<Config>,
    client: reqwest::Client,
    after: u64,
    until: Arc<AtomicU64>,
) -> Result<Vec<u64>, String> {
    let response = client
        .get(format!("{}/api/v1/events/stream", config.address))
        .bearer_auth(&config.auditor)
        .query(&[("after", after)])
        .send()
        .await
        .map_err(|e| format!("failed to open the feed: {e}"))?;
    if response.status() != 200 {
        return Err(format!("the feed answered {}", response.status()));
    }
    let mut body = response.bytes_stream();
    let mut buffer = String::new();
    let mut positions = Vec::new();
    loop {
        let target = until.load(Ordering::Acquire);
        if target != 0 && positions.last().copied().unwrap_or(after) >= target {
            return Ok(positions);
        }
        let chunk = match tokio::time::timeout(Duration::from_secs(60), body.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(error))) => return Err(format!("the feed broke off: {error}")),
            Ok(None) => return Err("the feed ended before the soak did".to_owned()),
            Err(_) => return Err("the feed was silent for 60 seconds".to_owned()),
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            for line in event.lines() {
                if let Some(id) = line.strip_prefix("id:") {
                    let position =
                        id.trim().parse().map_err(|_| format!("the feed sent an id that is not a position: {id}"))?;
                    positions.push(position);
                }
            }
        }
    }
}

/// The server's resident memory in KiB, from /proc.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn head(client: &reqwest::Client, config: &Config) -> Result<u64, String> {
    let verified: Value = client
        .get(format!("{}/api/v1/verify", config.address))
        .bearer_auth(&config.auditor)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("failed to verify the log: {e}"))?
        .json()
        .await
        .map_err(|e| format!("failed to read the verification: {e}"))?;
    if verified["verified"] != true {
        return Err(format!("the log does not verify: {verified}"));
    }
    verified["head_position"].as_u64().ok_or_else(|| format!("the verification has no head position: {verified}"))
}

/// Every event id in the log after `after`, in order, read page by page from the feed.
async fn events_after(client: &reqwest::Client, config: &Config, mut after: u64) -> Result<Vec<(u64, String)>, String> {
    let mut events = Vec::new();
    loop {
        let page: Value = client
            .get(format!("{}/api/v1/events", config.address))
            .bearer_auth(&config.auditor)
            .query(&[("after", after), ("limit", 1000)])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("failed to read the log: {e}"))?
            .json()
            .await
            .map_err(|e| format!("failed to read a page of the log: {e}"))?;
        let items = page["events"].as_array().ok_or_else(|| format!("a page of the log has no events: {page}"))?;
        if items.is_empty() {
            return Ok(events);
        }
        for item in items {
            let position = item["position"].as_u64().ok_or("an event has no position")?;
            let id = item["event_id"].as_str().ok_or("an event has no id")?.to_owned();
            events.push((position, id));
            after = position;
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<bool, String> {
    let config = Arc::new(Config::from_env()?);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("failed to make an HTTP client: {e}"))?;
    let feed_client = reqwest::Client::new();
    let start = head(&client, &config).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let until = Arc::new(AtomicU64::new(0));
    let tallies = Arc::new(Tallies::default());
    let follow = tokio::spawn(follower(config.clone(), feed_client, start, until.clone()));

    let mut readers = Vec::new();
    for n in 0..config.readers {
        readers.push(tokio::spawn(reader(config.clone(), client.clone(), stop.clone(), n, tallies.clone())));
    }
    let mut writers = Vec::new();
    for n in 0..config.writers {
        writers.push(tokio::spawn(writer(config.clone(), client.clone(), stop.clone(), n, tallies.clone())));
    }

    let began = Instant::now();
    let mut memory = vec![(0_u64, rss_kib(config.pid).ok_or("the server's memory cannot be read from /proc")?)];
    while began.elapsed() < config.duration {
        tokio::time::sleep(Duration::from_secs(5).min(config.duration.saturating_sub(began.elapsed()))).await;
        if let Some(kib) = rss_kib(config.pid) {
            memory.push((began.elapsed().as_secs(), kib));
        }
    }
    stop.store(true, Ordering::Relaxed);
    for task in readers {
        task.await.map_err(|e| format!("a reader failed: {e}"))?;
    }
    let mut acknowledged = Vec::new();
    for task in writers {
        acknowledged.extend(task.await.map_err(|e| format!("a writer failed: {e}"))?);
    }
    let elapsed = began.elapsed().as_secs_f64();
    let end = head(&client, &config).await?;
    until.store(end, Ordering::Release);
    let seen = tokio::time::timeout(Duration::from_secs(120), follow)
        .await
        .map_err(|_| "the feed follower did not reach the head within 2 minutes".to_owned())?
        .map_err(|e| format!("the feed follower failed: {e}"))?;

    // The report.
    let tallies = std::mem::take(&mut *tallies.0.lock().await);
    let mut ok = true;
    println!(
        "Soak: {elapsed:.0} s, {} readers, {} writers reporting on {} commitments, 1 feed follower",
        config.readers, config.writers, config.commitments
    );
    println!();
    println!("| Requests | Served | Per second | Errors | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let (mut served, mut errors) = (0, 0);
    for (kind, mut tally) in tallies {
        tally.latencies.sort_unstable();
        let count = tally.latencies.len();
        served += count;
        errors += tally.errors.len();
        println!(
            "| {kind} | {count} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            count as f64 / elapsed,
            tally.errors.len(),
            percentile(&tally.latencies, 50.0),
            percentile(&tally.latencies, 90.0),
            percentile(&tally.latencies, 99.0),
            percentile(&tally.latencies, 100.0),
        );
        for error in tally.errors.iter().take(5) {
            eprintln!("error: {kind}: {error}");
        }
    }
    println!("| all | {served} | {:.0} | {errors} | | | | |", served as f64 / elapsed);
    ok &= errors == 0;

    println!();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let minute: Vec<String> = memory
        .iter()
        .filter(|(at, _)| at % 60 < 5)
        .map(|(at, kib)| format!("{}:{:02} {:.1}", at / 60, at % 60, mib(*kib)))
        .collect();
    let (low, high) = memory.iter().fold((u64::MAX, 0), |(l, h), (_, k)| (l.min(*k), h.max(*k)));
    let last_half: Vec<u64> = memory.iter().skip(memory.len() / 2).map(|(_, k)| *k).collect();
    println!(
        "Server memory (RSS, MiB), {} samples every 5 s: first {:.1}, lowest {:.1}, highest {:.1}, last {:.1}; highest in the second half {:.1}",
        memory.len(),
        mib(memory[0].1),
        mib(low),
        mib(high),
        mib(memory[memory.len() - 1].1),
        mib(last_half.iter().copied().max().unwrap_or(0)),
    );
    println!("By minute: {}", minute.join(", "));

    // Every acknowledged command in the log exactly once, and nothing else added.
    println!();
    let logged = events_after(&client, &config, start).await?;
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, id) in &logged {
        *count.entry(id.as_str()).or_default() += 1;
    }
    let missing = acknowledged.iter().filter(|id| !count.contains_key(id.as_str())).count();
    let repeated = count.values().filter(|n| **n > 1).count();
    let unacknowledged = logged.len().saturating_sub(acknowledged.len() - missing);
    println!(
        "- {} commands acknowledged; the log grew from position {start} to {end} ({} events); missing from the log: {missing}; in it more than once: {repeated}; in it but never acknowledged: {unacknowledged}",
        acknowledged.len(),
        logged.len(),
    );
    ok &= missing == 0 && repeated == 0 && unacknowledged == 0 && end - start == logged.len() as u64;

    // The follower saw every new event once, in order.
    match seen {
        Ok(positions) => {
            let expected: Vec<u64> = (start + 1..=end).collect();
            let in_order = positions == expected;
            println!(
                "- the feed follower received {} events from position {} to {}: every new event once and in order: {}",
                positions.len(),
                positions.first().copied().unwrap_or(0),
                positions.last().copied().unwrap_or(0),
                if in_order { "yes" } else { "NO" }
            );
            ok &= in_order;
        }
        Err(error) => {
            println!("- the feed follower failed: {error}");
            ok = false;
        }
    }
    println!("- the chain verifies at position {end}");
    if !ok {
        eprintln!("error: a request failed, or the log or the feed lost or repeated an event");
    }
    Ok(ok)
}
