//! Publishing the log to NATS JetStream (`docs/integration.md`): every event, in position
//! order, as a CloudEvent in binary mode (the export's mapping, `interchange::cloudevents`), with
//! `Nats-Msg-Id` set to the event id so that JetStream drops a message sent twice. The position
//! published up to is kept in the database beside the log (`kernel::PublisherStore`) and
//! advanced only once JetStream has acknowledged every event up to it, so a publisher stopped at
//! any moment resumes where the acknowledged events end.
//!
//! Architecture Invariant: one publisher per stream name leads at a time (an advisory lock on
//! PostgreSQL; a SQLite file is used by one publisher process at a time), and it publishes an
//! event only after every event before it was published.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::context::GetStreamErrorKind;
use async_nats::jetstream::{self, ErrorCode, stream};
use futures::StreamExt;
use kernel::{EventId, EventStore, Position, PublisherLead, PublisherStore, RecordedEvent, StoreError};

use crate::Stores;
use crate::interchange::cloudevents::{self, ExportError};

/// The JetStream stream published to when none is named.
pub const DEFAULT_STREAM: &str = "COVENANT";
/// What every subject starts with when no prefix is named: `covenant.<aggregate>.<event>`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "covenant";
/// The most events published before their acknowledgements are awaited and the position saved.
pub const BATCH: usize = 1_000;
/// How long a publisher waits before trying again after a failure, at first and at most; the
/// wait doubles with each failure in a row.
const RETRY_FIRST: Duration = Duration::from_millis(500);
const RETRY_MOST: Duration = Duration::from_secs(30);
/// How long taking the lead may take before the publisher says it is waiting for another.
const WAIT_NOTICE: Duration = Duration::from_millis(500);

/// Takes the lead of the publisher `name`, calling `waiting` once when another process holds
/// it for longer than [`WAIT_NOTICE`], so that the caller can say why nothing happens.
pub(crate) async fn take_lead(
    publishers: &dyn PublisherStore,
    name: &str,
    waiting: impl FnOnce(),
) -> Result<Box<dyn PublisherLead>, StoreError> {
    let taking = publishers.lead(name);
    tokio::pin!(taking);
    match tokio::time::timeout(WAIT_NOTICE, &mut taking).await {
        Ok(lead) => lead,
        Err(_) => {
            waiting();
            taking.await
        }
    }
}

/// Where the log is published: a NATS server, a JetStream stream on it, and the subjects'
/// prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatsTarget {
    url: String,
    stream: String,
    subject_prefix: String,
}

impl NatsTarget {
    /// Reads a target as given on the command line: `url` a `nats://HOST:PORT` (or `tls://`)
    /// address, `stream` a JetStream stream name, `subject_prefix` one or more subject tokens
    /// separated by dots.
    pub fn parse(url: &str, stream: &str, subject_prefix: &str) -> Result<NatsTarget, String> {
        if !(url.starts_with("nats://") || url.starts_with("tls://")) || url.contains(char::is_whitespace) {
            return Err(format!(
                "'{url}' is not a NATS server address: give one such as nats://127.0.0.1:4222 (or tls://… for TLS)"
            ));
        }
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if stream.is_empty() || !stream.chars().all(plain) {
            return Err(format!(
                "'{stream}' is not a JetStream stream name: use letters, digits, '-' and '_' only, such as {DEFAULT_STREAM}"
            ));
        }
        if subject_prefix.split('.').any(|token| token.is_empty() || !token.chars().all(plain)) {
            return Err(format!(
                "'{subject_prefix}' is not a subject prefix: give tokens of letters, digits, '-' and '_' joined by dots, such as {DEFAULT_SUBJECT_PREFIX} or acme.covenant"
            ));
        }
        Ok(NatsTarget { url: url.to_owned(), stream: stream.to_owned(), subject_prefix: subject_prefix.to_owned() })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The subjects the stream is created with: every subject under the prefix.
    pub fn subjects(&self) -> String {
        format!("{}.>", self.subject_prefix)
    }

    /// The name the publisher's position is kept under in the database: one per stream, so that
    /// publishing to a second stream starts that stream from the beginning.
    pub fn publisher_name(&self) -> String {
        format!("nats:{}", self.stream)
    }

    /// The subject of an event: the prefix, then its CloudEvents type's aggregate and event
    /// words without the version, `covenant.commitment.progress_reported`.
    pub fn subject(&self, event: &RecordedEvent) -> Result<String, ExportError> {
        let kind = cloudevents::type_name(&event.event_type, event.schema_version)
            .ok_or_else(|| ExportError::Unnamed { position: event.position, event_type: event.event_type.clone() })?;
        let words = kind.strip_prefix(cloudevents::TYPE_PREFIX).unwrap_or(&kind);
        let words = words.rsplit_once(".v").map_or(words, |(words, _)| words);
        Ok(format!("{}.{words}", self.subject_prefix))
    }
}

/// Why publishing stopped or is being tried again.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("failed to connect to the NATS server at {url}: {detail}; check that it is running and reachable")]
    Connect { url: String, detail: String },
    #[error(
        "failed to find or create the JetStream stream {stream}: {detail}; check that the server runs with JetStream enabled (nats-server -js)"
    )]
    Stream { stream: String, detail: String },
    #[error(
        "JetStream did not acknowledge the event at position {position}: {detail}; check that the stream {stream} takes the subject {subject}"
    )]
    Publish { position: Position, stream: String, subject: String, detail: String },
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("failed to read the log or save the publisher's position: {0}")]
    Store(#[from] StoreError),
}

impl PublishError {
    /// Whether trying again cannot help: an event that has no CloudEvent form stops the
    /// publisher at it, since no event after it may be published first.
    pub fn is_final(&self) -> bool {
        matches!(self, PublishError::Export(ExportError::Unnamed { .. } | ExportError::ReservedSource { .. }))
    }
}

/// What a running publisher reports, for a progress line.
#[derive(Debug)]
pub enum Progress {
    /// Another process leads this stream's publisher; this one waits to take over.
    Waiting,
    /// This process leads, and publishes the events after `position`.
    Leading { position: Position },
    /// The events after `from` up to `to` were published and acknowledged, and the position
    /// saved; `duplicates` of them JetStream already held (sent before an interruption).
    Published { from: Position, to: Position, duplicates: u64 },
    /// Publishing failed and is tried again after `after`, from the saved position.
    Retrying { error: PublishError, after: Duration },
}

/// How far a publisher running in this process has got, for the service's metrics.
#[derive(Debug, Default)]
pub struct PublisherStatus {
    position: AtomicU64,
    leading: AtomicBool,
}

impl PublisherStatus {
    /// The position published up to and acknowledged, as last saved by this process.
    pub fn position(&self) -> Position {
        Position(self.position.load(Ordering::Relaxed))
    }

    /// Whether this process leads its stream's publisher.
    pub fn leading(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    fn set(&self, position: Position, leading: bool) {
        self.position.store(position.0, Ordering::Relaxed);
        self.leading.store(leading, Ordering::Relaxed);
    }
}

/// A publisher connected to its NATS server, ready to run.
#[derive(Debug)]
pub struct NatsPublisher {
    target: NatsTarget,
    jetstream: jetstream::Context,
}

impl NatsPublisher {
    /// Connects to the target's server and makes sure its stream exists, creating it (with
    /// the subjects under the prefix) when missing. Returns whether it was created.
    pub async fn connect(target: NatsTarget) -> Result<(NatsPublisher, bool), PublishError> {
        let client = async_nats::connect(target.url())
            .await
            .map_err(|e| PublishError::Connect { url: target.url().to_owned(), detail: e.to_string() })?;
        let publisher = NatsPublisher { target, jetstream: jetstream::new(client) };
        let created = publisher.ensure_stream().await?;
        Ok((publisher, created))
    }

    pub fn target(&self) -> &NatsTarget {
        &self.target
    }

    async fn ensure_stream(&self) -> Result<bool, PublishError> {
        let failed = |detail: String| PublishError::Stream { stream: self.target.stream.clone(), detail };
        match self.jetstream.get_stream(&self.target.stream).await {
            Ok(_) => Ok(false),
            Err(error) if matches!(error.kind(), GetStreamErrorKind::JetStream(e) if e.error_code() == ErrorCode::STREAM_NOT_FOUND) =>
            {
                let config = stream::Config {
                    name: self.target.stream.clone(),
                    subjects: vec![self.target.subjects()],
                    ..Default::default()
                };
                self.jetstream.get_or_create_stream(config).await.map_err(|e| failed(e.to_string()))?;
                Ok(true)
            }
            Err(error) => Err(failed(error.to_string())),
        }
    }

    /// Publishes the log from the saved position and follows it, until the task is dropped or
    /// an event cannot be published at all ([`PublishError::is_final`]). Any other failure (the
    /// server or the database out of reach, the lead lost) is reported and tried again from
    /// the saved position.
    pub async fn run(
        &self,
        stores: &Stores,
        status: &PublisherStatus,
        mut report: impl FnMut(Progress) + Send,
    ) -> Result<Infallible, PublishError> {
        let mut wait = RETRY_FIRST;
        loop {
            let mut progressed = false;
            let Err(error) = self.lead_and_publish(stores, status, &mut report, &mut progressed).await;
            if error.is_final() {
                return Err(error);
            }
            status.set(status.position(), false);
            if progressed {
                wait = RETRY_FIRST;
            }
            report(Progress::Retrying { error, after: wait });
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_MOST);
        }
    }

    /// One term as leader: takes the lead, publishes from its position, and returns only with
    /// the error that ended it.
    async fn lead_and_publish(
        &self,
        stores: &Stores,
        status: &PublisherStatus,
        report: &mut (impl FnMut(Progress) + Send),
        progressed: &mut bool,
    ) -> Result<Infallible, PublishError> {
        self.ensure_stream().await?;
        let name = self.target.publisher_name();
        let mut lead = take_lead(stores.publishers.as_ref(), &name, || report(Progress::Waiting)).await?;
        self.catch_up_with_stream(stores.events.as_ref(), lead.as_mut()).await?;
        status.set(lead.position(), true);
        report(Progress::Leading { position: lead.position() });
        let mut log: Option<String> = None;
        let mut events = stores.events.subscribe(lead.position()).ready_chunks(BATCH);
        while let Some(batch) = events.next().await {
            let batch: Vec<RecordedEvent> = batch.into_iter().collect::<Result<_, _>>()?;
            let log = match &log {
                Some(log) => log,
                None => log.insert(cloudevents::log_source(stores.events.as_ref()).await?),
            };
            let from = lead.position();
            let duplicates = self.publish_batch(&batch, log).await?;
            let Some(last) = batch.last() else { continue };
            lead.advance(last.position).await?;
            status.set(last.position, true);
            *progressed = true;
            report(Progress::Published { from, to: last.position, duplicates });
        }
        Err(StoreError::Unavailable("the log's subscription ended".to_owned()).into())
    }

    /// Sends every event of `batch` before awaiting any acknowledgement, then awaits them in
    /// order; returns how many JetStream found it already held.
    async fn publish_batch(&self, batch: &[RecordedEvent], log: &str) -> Result<u64, PublishError> {
        let mut pending = Vec::with_capacity(batch.len());
        for event in batch {
            let subject = self.target.subject(event)?;
            let cloudevents::Binary { headers: attributes, data } = cloudevents::encode_binary(event, log)?;
            let mut headers = HeaderMap::new();
            headers.insert(async_nats::header::NATS_MESSAGE_ID, event.event_id.0.to_string().as_str());
            for (name, value) in attributes {
                headers.insert(name.as_str(), value);
            }
            let ack = self
                .jetstream
                .publish_with_headers(subject.clone(), headers, data.to_owned().into())
                .await
                .map_err(|e| self.unpublished(event, &subject, e))?;
            pending.push((event, subject, ack));
        }
        let mut duplicates = 0;
        for (event, subject, ack) in pending {
            let ack = ack.await.map_err(|e| self.unpublished(event, &subject, e))?;
            duplicates += u64::from(ack.duplicate);
        }
        Ok(duplicates)
    }

    fn unpublished(&self, event: &RecordedEvent, subject: &str, error: impl std::fmt::Display) -> PublishError {
        PublishError::Publish {
            position: event.position,
            stream: self.target.stream.clone(),
            subject: subject.to_owned(),
            detail: error.to_string(),
        }
    }

    /// Moves a lead's position up to the last event the stream already holds, when that is
    /// further than the position saved: a publisher stopped after JetStream acknowledged a
    /// batch but before the position was saved would otherwise send the batch again, and
    /// JetStream drops a message sent twice only within its duplicate window (two minutes by
    /// default). The stream's tail counts only when its last messages are, one for one and in
    /// order, the log's events after the saved position (the same `ce-id`s), so that a batch
    /// of which some messages were lost is never taken as published; it is sent again instead.
    async fn catch_up_with_stream(
        &self,
        events: &dyn EventStore,
        lead: &mut dyn PublisherLead,
    ) -> Result<(), PublishError> {
        let failed = |detail: String| PublishError::Stream { stream: self.target.stream.clone(), detail };
        let saved = lead.position();
        let stream = self.jetstream.get_stream(&self.target.stream).await.map_err(|e| failed(e.to_string()))?;
        let state = stream.get_info().await.map_err(|e| failed(e.to_string()))?.state;
        if state.messages == 0 {
            return Ok(());
        }
        let id_at = |message: &jetstream::message::StreamMessage| {
            message.headers.get("ce-id").and_then(|v| v.as_str().parse::<uuid::Uuid>().ok()).map(EventId)
        };
        let last = stream.get_raw_message(state.last_sequence).await.map_err(|e| failed(e.to_string()))?;
        let named = last.headers.get("ce-sequence").and_then(|v| v.as_str().parse::<u64>().ok()).map(Position);
        // A publisher has at most one batch unsaved: a tail further ahead is not its own.
        let Some(reached) = named.filter(|p| *p > saved && p.0 - saved.0 <= BATCH as u64) else { return Ok(()) };
        let unsaved = events.read_all(saved, (reached.0 - saved.0) as usize).await?;
        if unsaved.last().map(|e| e.position) != Some(reached) || id_at(&last) != unsaved.last().map(|e| e.event_id) {
            return Ok(());
        }
        for (back, event) in (1..).zip(unsaved.iter().rev().skip(1)) {
            let Some(sequence) = state.last_sequence.checked_sub(back).filter(|s| *s >= state.first_sequence) else {
                return Ok(());
            };
            let Ok(message) = stream.get_raw_message(sequence).await else { return Ok(()) };
            if id_at(&message) != Some(event.event_id) {
                return Ok(());
            }
        }
        lead.advance(reached).await?;
        Ok(())
    }
}
