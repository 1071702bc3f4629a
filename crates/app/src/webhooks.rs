//! Webhooks (`docs/integration.md`): subscriptions an admin registers, each a URL, the event
//! types it takes and a signing secret, and the worker that POSTs every event a subscription
//! takes, in position order, as the CloudEvent the export writes (structured JSON), signed per
//! the Standard Webhooks convention. A failed delivery is tried again with a backoff that
//! doubles up to a bound; after the last attempt the event becomes a dead letter and delivery
//! moves on. How far each subscription has delivered is kept as a publisher's position
//! (`kernel::PublisherStore`, under `webhook:<name>`), advanced only after the event was
//! delivered or given up on, so a worker stopped at any moment sends the event it was sending
//! again: delivery is at least once.
//!
//! Architecture Invariant: one worker per subscription leads at a time (the publishers' lead),
//! and it sends an event only after every event before it that the subscription takes was
//! delivered or made a dead letter. Loopback and private-network targets are refused, when the
//! subscription is added and again on the addresses each attempt connects to (the host resolved
//! once and the checked addresses pinned), unless the operator allows them.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use hmac::{Hmac, Mac};
use kernel::{
    AttemptOutcome, DeadLetter, EventStore, Position, RecordedEvent, StoreError, Timestamp, WebhookAttempt,
    WebhookRecord,
};
use sha2::Sha256;

use crate::Stores;
use crate::interchange::cloudevents::{self, ExportError};

/// What every signing secret starts with, before the base64 of its key.
pub const SECRET_PREFIX: &str = "whsec_";
/// The media type of a body: one CloudEvent in structured mode.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";
/// The fewest and most bytes a secret's key may have (the Standard Webhooks bounds).
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
/// The most events read from the log at once.
const BATCH: usize = 1_000;
/// How often the worker looks for subscriptions added or removed.
const RESCAN: Duration = Duration::from_secs(2);
/// How long a subscription's worker waits after its store or log fails, before starting again.
const RESTART: Duration = Duration::from_secs(1);

/// Which hosts webhooks may be sent to and how deliveries are retried: the `[webhooks]` table
/// of `covenant.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether loopback and private-network targets are allowed (`allow_private`).
    pub allow_private: bool,
    /// Attempts at one event before it becomes a dead letter (`max_attempts`).
    pub max_attempts: u32,
    /// The wait after the first failed attempt (`retry_first_ms`); it doubles with each
    /// failure, up to `retry_most` (`retry_most_seconds`).
    pub retry_first: Duration,
    pub retry_most: Duration,
    /// How long one attempt waits for the receiver's answer (`timeout_seconds`).
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            max_attempts: 8,
            retry_first: Duration::from_secs(1),
            retry_most: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookSettings {
    /// The wait after failed attempt number `attempt` (1 for the first).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self.retry_first.saturating_mul(1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX));
        doubled.min(self.retry_most)
    }
}

/// Why a subscription was refused, or delivery stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The subscription as given cannot be kept; the message says what to give instead.
    #[error("{0}")]
    Refused(String),
    #[error("there is already a webhook named '{0}': remove it first, or choose another name")]
    Exists(String),
    #[error("there is no webhook named '{0}': `covenant webhook list` shows the names")]
    Unknown(String),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("failed to read the log or the webhooks: {0}")]
    Store(#[from] StoreError),
}

/// A signing secret: `whsec_` and the base64 of its key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    text: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new secret of 32 random bytes.
    pub fn generate() -> Secret {
        let key: [u8; 32] = rand::random();
        Secret { text: format!("{SECRET_PREFIX}{}", STANDARD.encode(key)), key: key.to_vec() }
    }

    /// Reads a secret as given: `whsec_` then the base64 of 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<Secret, String> {
        let wrong = || {
            format!(
                "the secret is not a webhook secret: give whsec_ followed by the base64 of {} to {} random bytes, or leave --secret out for one to be made",
                KEY_BYTES.start(),
                KEY_BYTES.end()
            )
        };
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or_else(wrong)?;
        let key = STANDARD.decode(encoded).map_err(|_| wrong())?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(wrong());
        }
        Ok(Secret { text: text.to_owned(), key })
    }

    /// The secret as the receiver is given it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The `webhook-signature` of a message: `v1,` and the base64 HMAC-SHA256, under the key,
    /// of `id.timestamp.body`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // An HMAC takes a key of any length.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else { unreachable!("HMAC takes any key") };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// A subscription: where events go, which events, and the secret they are signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    name: String,
    url: reqwest::Url,
    /// The types taken, as `aggregate` or `aggregate.event` words; empty for every event.
    event_types: Vec<String>,
    secret: Secret,
    created_at: Timestamp,
}

impl Subscription {
    /// Checks a subscription as an admin gives it. `event_types` are CloudEvents types with or
    /// without the `uk.covenant.` prefix and the version, or aggregates alone
    /// (`commitment.progress_reported`, `resolution`); none takes every event.
    pub fn parse(name: &str, url: &str, event_types: &[String], secret: Option<&str>) -> Result<Self, WebhookError> {
        let refuse = |m: String| WebhookError::Refused(m);
        if name.is_empty()
            || name.len() > 64
            || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(refuse(format!(
                "'{name}' is not a webhook name: use 1 to 64 lowercase letters, digits, '-' and '_', such as icb-rag-pack"
            )));
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| {
            refuse(format!("'{url}' is not a web address ({e}): give one such as https://reports.example.org/covenant"))
        })?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(refuse(format!(
                "'{url}' is not an http or https address: webhooks are sent only to such addresses, such as https://reports.example.org/covenant"
            )));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse(format!(
                "'{url}' carries a user name or password: leave them out; the receiver checks the signature instead"
            )));
        }
        let known = known_types();
        let mut types = Vec::new();
        for given in event_types {
            let words = type_words(given.trim());
            if !known.iter().any(|k| k == &words || k.starts_with(&format!("{words}."))) {
                return Err(refuse(format!(
                    "'{given}' is not a Covenant event type: give one such as commitment.progress_reported, or an aggregate such as resolution (docs/interchange.md lists them)"
                )));
            }
            if !types.contains(&words) {
                types.push(words);
            }
        }
        let secret = match secret {
            Some(text) => Secret::parse(text).map_err(refuse)?,
            None => Secret::generate(),
        };
        Ok(Subscription {
            name: name.to_owned(),
            url: parsed,
            event_types: types,
            secret,
            created_at: Timestamp::now(),
        })
    }

    fn from_record(record: WebhookRecord) -> Result<Self, WebhookError> {
        let broken = |detail: String| {
            StoreError::Unavailable(format!("the webhook '{}' is stored unreadably ({detail})", record.name))
        };
        Ok(Subscription {
            url: reqwest::Url::parse(&record.url).map_err(|e| broken(e.to_string()))?,
            event_types: record.event_types.split_whitespace().map(str::to_owned).collect(),
            secret: Secret::parse(&record.secret).map_err(broken)?,
            created_at: record.created_at,
            name: record.name,
        })
    }

    fn record(&self) -> WebhookRecord {
        WebhookRecord {
            name: self.name.clone(),
            url: self.url.to_string(),
            event_types: self.event_types.join(" "),
            secret: self.secret.as_str().to_owned(),
            created_at: self.created_at,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The types taken; empty for every event.
    pub fn event_types(&self) -> &[String] {
        &self.event_types
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// The name its position is kept under among the publishers'.
    fn publisher_name(&self) -> String {
        format!("webhook:{}", self.name)
    }

    /// Whether the subscription takes `event`.
    pub fn takes(&self, event: &RecordedEvent) -> bool {
        if self.event_types.is_empty() {
            return true;
        }
        let Some(kind) = cloudevents::type_name(&event.event_type, event.schema_version) else { return false };
        let words = type_words(&kind);
        self.event_types.iter().any(|t| *t == words || words.starts_with(&format!("{t}.")))
    }
}

/// A type's words without the `uk.covenant.` prefix and the version: `commitment.progress_reported`.
fn type_words(kind: &str) -> String {
    let words = kind.strip_prefix(cloudevents::TYPE_PREFIX).unwrap_or(kind);
    let words = match words.rsplit_once(".v") {
        Some((rest, digits)) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => words,
    };
    words.to_ascii_lowercase()
}

/// The words of every catalogued event type.
fn known_types() -> Vec<String> {
    domain::codec::CATALOGUE
        .iter()
        .filter_map(|spec| {
            let kind = kernel::EventType::parse(spec.name()).ok()?;
            cloudevents::type_name(&kind, spec.version).map(|name| type_words(&name))
        })
        .collect()
}

/// Whether `ip` is loopback, private, link-local or otherwise not on the public internet.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// The address a URL names as an IP literal, if it does.
fn literal(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Refuses `addresses`, where `target` points, when one is loopback or private and the
/// settings do not allow them.
fn refuse_private(
    target: &str,
    addresses: impl IntoIterator<Item = IpAddr>,
    allow_private: bool,
) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    match addresses.into_iter().find(|ip| is_private(*ip)) {
        Some(ip) => Err(format!(
            "{target} points at {ip}, a loopback or private-network address: webhooks go only to public hosts unless the operator sets allow_private = true under [webhooks] in covenant.toml"
        )),
        None => Ok(()),
    }
}

/// Refuses a target whose host is, or resolves to, a loopback or private-network address,
/// unless the settings allow them: the check on adding a subscription. Delivery checks again,
/// on the addresses it connects to ([`PinnedResolver`]).
async fn check_target(url: &reqwest::Url, settings: &WebhookSettings) -> Result<(), String> {
    if settings.allow_private {
        return Ok(());
    }
    let addresses: Vec<IpAddr> = match literal(url) {
        Some(ip) => vec![ip],
        None => resolve(url.host_str().unwrap_or_default()).await?.into_iter().map(|a| a.ip()).collect(),
    };
    refuse_private(url.as_str(), addresses, false)
}

/// The addresses of `host`, the port left for the connection to fill in.
async fn resolve(host: &str) -> Result<Vec<SocketAddr>, String> {
    Ok(tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| format!("failed to find the host {host}: {e}; check the address"))?
        .collect())
}

/// How the webhook client finds a host: resolved once for each connection, the addresses
/// checked, and only those connected to, so a name that resolves to a public address when
/// checked and a private one when connecting (DNS rebinding) cannot pass the check.
#[derive(Debug)]
struct PinnedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PinnedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str();
            let addresses = resolve(host).await?;
            refuse_private(host, addresses.iter().map(SocketAddr::ip), allow_private)?;
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// Adds a subscription, checked ([`Subscription::parse`]) and its target refused when private
/// and not allowed. Delivery starts from the first event of the log.
pub async fn add(stores: &Stores, settings: &WebhookSettings, subscription: &Subscription) -> Result<(), WebhookError> {
    check_target(&subscription.url, settings).await.map_err(WebhookError::Refused)?;
    if stores.webhooks.add_webhook(&subscription.record()).await? {
        Ok(())
    } else {
        Err(WebhookError::Exists(subscription.name.clone()))
    }
}

/// Every subscription, by name.
pub async fn list(stores: &Stores) -> Result<Vec<Subscription>, WebhookError> {
    stores.webhooks.webhooks().await?.into_iter().map(Subscription::from_record).collect()
}

/// The subscription named `name`; an unknown name is refused.
pub async fn find(stores: &Stores, name: &str) -> Result<Subscription, WebhookError> {
    list(stores).await?.into_iter().find(|s| s.name == name).ok_or_else(|| WebhookError::Unknown(name.to_owned()))
}

/// How far `subscription` has got: every event up to this position delivered or given up on.
pub async fn position(stores: &Stores, subscription: &Subscription) -> Result<Position, WebhookError> {
    Ok(stores.publishers.published(&subscription.publisher_name()).await?.unwrap_or_default())
}

/// The dead letters of the subscription `name`, by position; an unknown name is refused.
pub async fn dead_letters(stores: &Stores, name: &str) -> Result<Vec<DeadLetter>, WebhookError> {
    let subscription = find(stores, name).await?;
    Ok(stores.webhooks.dead_letters(&subscription.name).await?)
}

/// Removes a subscription, its delivery log, dead letters and position.
pub async fn remove(stores: &Stores, name: &str) -> Result<(), WebhookError> {
    if stores.webhooks.remove_webhook(name).await? { Ok(()) } else { Err(WebhookError::Unknown(name.to_owned())) }
}

/// What the delivery worker in this process has done, for the service's metrics.
#[derive(Debug, Default)]
pub struct WebhookStatus {
    deliveries: AtomicU64,
    retries: AtomicU64,
    dead_letters: AtomicU64,
    positions: Mutex<BTreeMap<String, Position>>,
}

impl WebhookStatus {
    /// Events delivered (the receiver answered 2xx).
    pub fn deliveries(&self) -> u64 {
        self.deliveries.load(Ordering::Relaxed)
    }

    /// Attempts that failed and were tried again.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Events given up on after the last attempt.
    pub fn dead_letters(&self) -> u64 {
        self.dead_letters.load(Ordering::Relaxed)
    }

    /// Each subscription's position: every event up to it delivered or given up on.
    pub fn positions(&self) -> BTreeMap<String, Position> {
        self.positions.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn reached(&self, name: &str, position: Position) {
        if let Ok(mut positions) = self.positions.lock() {
            positions.insert(name.to_owned(), position);
        }
    }

    fn forget(&self, name: &str) {
        if let Ok(mut positions) = self.positions.lock() {
            positions.remove(name);
        }
    }
}

/// What the worker reports, for a progress line or the service's log.
#[derive(Debug)]
pub enum Progress {
    /// Another process delivers to this subscription from the same database; this one waits
    /// and takes over when it stops.
    Waiting { name: String },
    /// A subscription's worker leads it and delivers the events after `position`.
    Delivering { name: String, position: Position },
    /// An attempt failed; the event is tried again after `after`.
    Retrying { name: String, position: Position, attempt: u32, detail: String, after: Duration },
    /// The last attempt failed; the event is a dead letter and delivery moves on.
    DeadLetter { name: String, position: Position, detail: String },
    /// A subscription's worker stopped on a failure of the log or the database, and starts
    /// again.
    Restarting { name: String, error: WebhookError },
}

/// The task delivering to each subscription, by name; stopped when the worker is dropped.
#[derive(Debug, Default)]
struct Running(HashMap<String, (Subscription, tokio::task::JoinHandle<()>)>);

impl Drop for Running {
    fn drop(&mut self) {
        for (_, task) in self.0.values() {
            task.abort();
        }
    }
}

/// Sends events to subscriptions.
#[derive(Clone, Debug)]
pub struct Deliverer {
    client: reqwest::Client,
    settings: WebhookSettings,
}

impl Deliverer {
    pub fn new(settings: WebhookSettings) -> Result<Deliverer, WebhookError> {
        // Sent directly, never through a proxy from the environment, so that the addresses
        // checked are the ones connected to.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(PinnedResolver { allow_private: settings.allow_private }))
            .timeout(settings.timeout)
            .build()
            .map_err(|e| WebhookError::Refused(format!("failed to start the webhook client: {e}")))?;
        Ok(Deliverer { client, settings })
    }

    /// Delivers to every subscription, each in its own task, and follows subscriptions added
    /// and removed, until the future is dropped.
    pub async fn run(
        &self,
        stores: &Stores,
        status: &std::sync::Arc<WebhookStatus>,
        report: impl Fn(Progress) + Send + Sync + Clone + 'static,
    ) -> Infallible {
        let mut running = Running::default();
        loop {
            match list(stores).await {
                Ok(subscriptions) => {
                    running.0.retain(|name, (held, task)| {
                        let kept = subscriptions.iter().any(|s| s == held);
                        if !kept {
                            task.abort();
                            status.forget(name);
                        }
                        kept
                    });
                    for subscription in subscriptions {
                        if running.0.contains_key(&subscription.name) {
                            continue;
                        }
                        let (me, stores, status, report) =
                            (self.clone(), stores.clone(), status.clone(), report.clone());
                        let held = subscription.clone();
                        let task = tokio::spawn(async move {
                            loop {
                                let Err(error) = me.follow(&stores, &subscription, &status, &report).await;
                                report(Progress::Restarting { name: subscription.name.clone(), error });
                                tokio::time::sleep(RESTART).await;
                            }
                        });
                        running.0.insert(held.name.clone(), (held, task));
                    }
                }
                Err(error) => report(Progress::Restarting { name: String::new(), error }),
            }
            tokio::time::sleep(RESCAN).await;
        }
    }

    /// One term as a subscription's worker: takes its lead, delivers from its position, and
    /// returns only with the error that ended it.
    async fn follow(
        &self,
        stores: &Stores,
        subscription: &Subscription,
        status: &WebhookStatus,
        report: &impl Fn(Progress),
    ) -> Result<Infallible, WebhookError> {
        let waiting = || report(Progress::Waiting { name: subscription.name.clone() });
        let mut lead =
            crate::publisher::take_lead(stores.publishers.as_ref(), &subscription.publisher_name(), waiting).await?;
        status.reached(&subscription.name, lead.position());
        report(Progress::Delivering { name: subscription.name.clone(), position: lead.position() });
        let mut log: Option<String> = None;
        let mut events = stores.events.subscribe(lead.position()).ready_chunks(BATCH);
        while let Some(batch) = events.next().await {
            let batch: Vec<RecordedEvent> = batch.into_iter().collect::<Result<_, _>>()?;
            for event in batch.iter().filter(|e| subscription.takes(e)) {
                let log = match &log {
                    Some(log) => log,
                    None => log.insert(cloudevents::log_source(stores.events.as_ref()).await?),
                };
                self.deliver(stores, subscription, event, log, status, report).await?;
                lead.advance(event.position).await?;
                status.reached(&subscription.name, event.position);
            }
            if let Some(last) = batch.last().filter(|e| e.position > lead.position()) {
                lead.advance(last.position).await?;
                status.reached(&subscription.name, last.position);
            }
        }
        Err(StoreError::Unavailable("the log's subscription ended".to_owned()).into())
    }

    /// Sends one event until it is delivered or the last attempt fails, logging each attempt.
    async fn deliver(
        &self,
        stores: &Stores,
        subscription: &Subscription,
        event: &RecordedEvent,
        log: &str,
        status: &WebhookStatus,
        report: &impl Fn(Progress),
    ) -> Result<(), WebhookError> {
        let body = cloudevents::encode(event, log)?;
        let mut attempt = 1;
        loop {
            let outcome = self.send(subscription, event, &body).await;
            let (name, position) = (subscription.name.clone(), event.position);
            let logged = |outcome: AttemptOutcome, detail: &str| WebhookAttempt {
                position,
                attempt,
                outcome,
                detail: detail.to_owned(),
                at: Timestamp::now(),
            };
            match outcome {
                Ok(detail) => {
                    stores.webhooks.log_attempt(&name, &logged(AttemptOutcome::Delivered, &detail)).await?;
                    status.deliveries.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(detail) if attempt >= self.settings.max_attempts => {
                    stores.webhooks.log_attempt(&name, &logged(AttemptOutcome::Dead, &detail)).await?;
                    status.dead_letters.fetch_add(1, Ordering::Relaxed);
                    report(Progress::DeadLetter { name, position, detail });
                    return Ok(());
                }
                Err(detail) => {
                    stores.webhooks.log_attempt(&name, &logged(AttemptOutcome::Failed, &detail)).await?;
                    status.retries.fetch_add(1, Ordering::Relaxed);
                    let after = self.settings.backoff(attempt);
                    report(Progress::Retrying { name, position, attempt, detail, after });
                    tokio::time::sleep(after).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One attempt: the receiver's status when it answered 2xx, else what went wrong.
    async fn send(&self, subscription: &Subscription, event: &RecordedEvent, body: &str) -> Result<String, String> {
        // A host name is resolved and checked as the connection is made (`PinnedResolver`).
        if let Some(ip) = literal(&subscription.url) {
            refuse_private(subscription.url.as_str(), [ip], self.settings.allow_private)?;
        }
        let id = event.event_id.0.to_string();
        let timestamp = Timestamp::now().as_datetime().timestamp();
        let response = self
            .client
            .post(subscription.url.clone())
            .header("content-type", CONTENT_TYPE)
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", subscription.secret.sign(&id, timestamp, body))
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    return format!("no answer within {} s", self.settings.timeout.as_secs_f64());
                }
                // The causes say what went wrong (refused, reset, not found); the URL is known.
                let mut text = String::from("no answer");
                let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
                while let Some(error) = cause {
                    text.push_str(": ");
                    text.push_str(&error.to_string());
                    cause = error.source();
                }
                text
            })?;
        let code = response.status();
        if code.is_success() { Ok(format!("answered {code}")) } else { Err(format!("answered {code}")) }
    }

    /// Sends each dead letter of the subscription `name` once more, oldest first; one
    /// delivered leaves the dead letters, one that fails again stays. Returns how many were
    /// delivered and how many are left.
    pub async fn replay(&self, stores: &Stores, name: &str) -> Result<(usize, usize), WebhookError> {
        let subscription = find(stores, name).await?;
        let log = cloudevents::log_source(stores.events.as_ref()).await?;
        let (mut delivered, mut left) = (0, 0);
        for letter in stores.webhooks.dead_letters(name).await? {
            let event = read_at(stores.events.as_ref(), letter.position).await?;
            let body = cloudevents::encode(&event, &log)?;
            let (outcome, detail) = match self.send(&subscription, &event, &body).await {
                Ok(detail) => {
                    delivered += 1;
                    (AttemptOutcome::Replayed, detail)
                }
                Err(detail) => {
                    left += 1;
                    (AttemptOutcome::Dead, detail)
                }
            };
            let attempt =
                WebhookAttempt { position: letter.position, attempt: 0, outcome, detail, at: Timestamp::now() };
            stores.webhooks.log_attempt(name, &attempt).await?;
        }
        Ok((delivered, left))
    }
}

/// The event at `position`.
async fn read_at(events: &dyn EventStore, position: Position) -> Result<RecordedEvent, WebhookError> {
    let before = Position(position.0.saturating_sub(1));
    events.read_all(before, 1).await?.into_iter().next().filter(|e| e.position == position).ok_or_else(|| {
        StoreError::Corrupt {
            position,
            detail: "a webhook's dead letter names an event the log does not hold".to_owned(),
        }
        .into()
    })
}
