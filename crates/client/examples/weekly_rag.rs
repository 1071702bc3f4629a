//! A reporting job: a weekly RAG summary per organisation, written as CSV and kept up to date
//! by following Covenant's event feed.
//!
//! For each organisation and ISO week (of the day a report was made on), how many progress
//! reports were red, amber and green. Commitments are attributed to the organisation that made
//! them, or to the one they were transferred to.
//!
//! ```sh
//! COVENANT_URL=http://127.0.0.1:8080 COVENANT_TOKEN=… \
//!   cargo run -p covenant-client --example weekly_rag -- weekly-rag.csv
//! ```
//!
//! The job keeps three files: the CSV, its state (`weekly-rag.csv.state`, which also says up to
//! which position it has counted) and the follower's cursor (`weekly-rag.csv.cursor`). The
//! state is saved before the cursor, and an event at or before the state's position is not
//! counted again, so an event handed over twice after a stop is counted once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use covenant_client::{Client, FeedEvent, FileCursor, Follower, Handler};
use serde::{Deserialize, Serialize};

/// What the job has counted, up to `position`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Summary {
    position: u64,
    /// Each commitment's organisation, by the commitment's stream.
    holders: BTreeMap<String, String>,
    /// `[red, amber, green]` by organisation and ISO week (`2024-W27`).
    weeks: BTreeMap<(String, String), [u64; 3]>,
}

impl Summary {
    /// Counts `event` into the summary; whether it changed the weeks.
    fn count(&mut self, event: &FeedEvent) -> bool {
        let field = |name: &str| event.payload.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        match event.event_type.as_str() {
            "CommitmentMade" => {
                if let Some(organisation) = field("organisation") {
                    self.holders.insert(event.stream_id.clone(), organisation);
                }
                false
            }
            "CommitmentTransferred" => {
                if let Some(organisation) = field("to") {
                    self.holders.insert(event.stream_id.clone(), organisation);
                }
                false
            }
            "CommitmentProgressReported" => {
                let colour = match field("status").as_deref() {
                    Some("red") => 0,
                    Some("amber") => 1,
                    Some("green") => 2,
                    _ => return false,
                };
                let Some(day) =
                    field("reported_on").and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                else {
                    return false;
                };
                let week = day.iso_week();
                let organisation = self.holders.get(&event.stream_id).cloned().unwrap_or_else(|| "unknown".to_owned());
                let key = (organisation, format!("{}-W{:02}", week.year(), week.week()));
                self.weeks.entry(key).or_default()[colour] += 1;
                true
            }
            _ => false,
        }
    }
}

/// The job: counts each event, then writes the state and, when the weeks changed, the CSV.
struct WeeklyRag {
    csv: PathBuf,
    state: PathBuf,
    summary: Summary,
}

impl WeeklyRag {
    fn open(csv: &Path) -> Result<WeeklyRag, Box<dyn std::error::Error>> {
        let state = with_suffix(csv, ".state");
        let summary = match std::fs::read_to_string(&state) {
            Ok(text) => serde_json::from_str(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Summary::default(),
            Err(e) => return Err(e.into()),
        };
        Ok(WeeklyRag { csv: csv.to_owned(), state, summary })
    }

    fn write_csv(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(["organisation", "week", "red", "amber", "green"])?;
        for ((organisation, week), [red, amber, green]) in &self.summary.weeks {
            writer.write_record([organisation, week, &red.to_string(), &amber.to_string(), &green.to_string()])?;
        }
        replace(&self.csv, &writer.into_inner()?)?;
        Ok(())
    }
}

impl Handler for WeeklyRag {
    async fn handle(&mut self, event: &FeedEvent) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if event.position <= self.summary.position {
            return Ok(());
        }
        let changed = self.summary.count(event);
        self.summary.position = event.position;
        replace(&self.state, &serde_json::to_vec(&self.summary)?)?;
        if changed {
            self.write_csv()?;
        }
        Ok(())
    }
}

/// `path` with `suffix` after its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` whole or not at all: a new file, then renamed over it.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let new = with_suffix(path, ".new");
    std::fs::write(&new, bytes)?;
    std::fs::File::open(&new)?.sync_all()?;
    std::fs::rename(new, path)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let csv = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "weekly-rag.csv".to_owned()));
    let url = std::env::var("COVENANT_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
    let token = std::env::var("COVENANT_TOKEN").map_err(|_| "set COVENANT_TOKEN to an auditor's token")?;
    let mut job = WeeklyRag::open(&csv)?;
    job.write_csv().map_err(|e| e.to_string())?;
    let follower = Follower::new(Client::new(&url, &token)?, FileCursor::new(with_suffix(&csv, ".cursor")));
    println!("Following {url}; {} is kept up to date. Press Ctrl-C to stop.", csv.display());
    tokio::select! {
        stopped = follower.run(&mut job) => {
            let Err(error) = stopped;
            Err(error.into())
        }
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
