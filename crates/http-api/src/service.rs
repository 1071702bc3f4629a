//! The service's shared state: the stores, the recorder (the write side), the reports (the read
//! side: the read models kept in memory, the answers kept, the permits for reports of the past),
//! the metrics, the limits it enforces, and the signal that tells the live feed the server is
//! shutting down.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use app::publisher::{NatsPublisher, Progress, PublisherStatus};
use app::reminders::{ReminderSettings, Schedule};
use app::webhooks::{Deliverer, Progress as WebhookProgress, WebhookSettings, WebhookStatus};
use app::{CheckpointPolicy, NoteSigner, OpenIdSignIn, Recorder, Reports, Serving, SessionLimits, Stores, Witnessing};
use tokio::sync::watch;

use projections::{ProjectionError, Rules};

use crate::metrics::Metrics;

/// The limits the service enforces on every request, and the rules its reports are made by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a request may take before it is answered with a timeout.
    pub request_timeout: Duration,
    /// The most items one page of a query or of the event feed may hold.
    pub max_page: usize,
    /// The page size when the caller names none.
    pub default_page: usize,
    /// How many reports of a past point (`as_of`, `known_on`) may be worked out at once. Each
    /// folds the whole log in memory, so more at once would take memory without bound; beyond
    /// this, a request is answered 503 `busy` with `Retry-After`.
    pub max_as_of_folds: usize,
    /// How many past points (the `as_of` and `known_on` asked for most recently) keep their read
    /// models in memory and up to date, so that many requests for one date fold the log once and
    /// a later one folds only what was recorded since. Each holds at most what the read models of
    /// now hold.
    pub as_of_points: usize,
    /// Whether the service is reached over HTTPS (directly or behind a proxy that terminates
    /// TLS): the dashboard's cookies then carry `Secure`, so a browser never sends them in clear.
    pub secure_cookies: bool,
    /// How the reports and the dashboard rate and classify what the events record: the
    /// `[rules]` table of `covenant.toml` (`app::Config::rules`).
    pub rules: Rules,
    /// Events the live read models fold between two saves of their snapshot while the service
    /// runs (`projections::SAVE_EVERY` by default), so that a restart folds only what came after
    /// the last save.
    pub save_every: u64,
    /// When the dashboard's sessions lapse: the `[sign_in]` table's limits
    /// (`app::Config::sessions`).
    pub sessions: SessionLimits,
    /// Set by `covenant serve --demo`: the day the demo's latest event happened. The dashboard
    /// opens as of that day after sign-in (with a link to today), and its overview says why the
    /// demo, seen from today, is overdue and red.
    pub demo_day: Option<domain::Date>,
    /// Which hosts webhooks added over the API may be sent to, and how a replay over the API
    /// sends: the `[webhooks]` table (`app::Config::webhooks`).
    pub webhooks: WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_page: 1_000,
            default_page: 100,
            max_as_of_folds: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            as_of_points: 4,
            secure_cookies: false,
            rules: Rules::default(),
            save_every: projections::SAVE_EVERY,
            sessions: SessionLimits::default(),
            demo_day: None,
            webhooks: WebhookSettings::default(),
        }
    }
}

/// What every handler shares.
pub struct Service {
    pub(crate) stores: Stores,
    pub(crate) recorder: Recorder,
    pub(crate) settings: Settings,
    pub(crate) reports: Reports,
    pub(crate) metrics: Metrics,
    /// The witnesses whose cosignatures of the log's checkpoints are kept and served
    /// ([`Service::accept_cosignatures`]); none until told.
    pub(crate) witnesses: std::sync::OnceLock<Witnessing>,
    /// How far the publisher running in this process has got, when one runs ([`Service::publish`]).
    pub(crate) publisher: OnceLock<Arc<PublisherStatus>>,
    /// The OpenID providers people may sign in with and how they are given roles
    /// ([`Service::sign_in_with`]); none until told.
    pub(crate) sign_in: OnceLock<Arc<OpenIdSignIn>>,
    /// What the webhook worker running in this process has done, when one runs
    /// ([`Service::deliver_webhooks`]).
    pub(crate) webhooks: OnceLock<Arc<WebhookStatus>>,
    shutdown: watch::Sender<bool>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Service {
    /// A service over `stores` with `settings`, its read models brought up to date from their
    /// snapshot. A log whose hash chain is broken is served, with the break said on `/readyz`
    /// and on every dashboard page, so that the operator sees it.
    pub async fn start(stores: Stores, settings: Settings) -> Result<Arc<Self>, ProjectionError> {
        let serving = Serving {
            save_every: settings.save_every,
            max_as_of_folds: settings.max_as_of_folds,
            as_of_points: settings.as_of_points,
            waypoint_every: projections::WAYPOINT_EVERY,
        };
        let reports = Reports::serve(stores.clone(), settings.rules, serving).await?;
        let recorder = Recorder::new(stores.events.clone());
        let (shutdown, _) = watch::channel(false);
        let metrics = Metrics::new();
        tokio::spawn(metrics.upkeep(shutdown.subscribe()));
        Ok(Arc::new(Self {
            stores,
            recorder,
            settings,
            reports,
            metrics,
            witnesses: std::sync::OnceLock::new(),
            publisher: OnceLock::new(),
            sign_in: OnceLock::new(),
            webhooks: OnceLock::new(),
            shutdown,
        }))
    }

    /// Lets people sign in with the providers of `sign_in`, given roles by its mapping (the
    /// `[sign_in]` table), which the administrators' sign-ins page also shows. Told once; later
    /// calls change nothing.
    pub fn sign_in_with(&self, sign_in: OpenIdSignIn) {
        let _ = self.sign_in.set(Arc::new(sign_in));
    }

    /// The sign-in with providers in force, if the service was told one.
    pub(crate) fn open_id(&self) -> Option<&Arc<OpenIdSignIn>> {
        self.sign_in.get()
    }

    /// Keeps and serves the cosignatures of these witnesses (`[transparency] witnesses`), sent
    /// to `POST /api/v1/checkpoint/cosignatures`, and serves as the log's checkpoint the latest
    /// that their quorum cosigned (`[transparency] quorum`). Told once; later calls change nothing.
    pub fn accept_cosignatures(&self, witnessing: Witnessing) {
        let _ = self.witnesses.set(witnessing);
    }

    /// Signs checkpoints of the log with `signer` as `policy` says, until the server shuts down:
    /// one at once if the log holds events no checkpoint covers, then whenever one is due
    /// (`app::due`). A failure is logged, once until it changes, and tried again.
    pub fn sign_checkpoints(&self, signer: NoteSigner, policy: CheckpointPolicy) {
        let stores = self.stores.clone();
        let stopping = self.shutting_down();
        let work = async move {
            let mut tick = tokio::time::interval(policy.every.min(Duration::from_secs(1)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = None;
            loop {
                tick.tick().await;
                match app::sign_if_due(&stores, &signer, &policy).await {
                    Ok(signed) => {
                        if let Some(signed) = signed {
                            tracing::info!(size = signed.size, "signed a checkpoint");
                        }
                        failing = None;
                    }
                    Err(error) => {
                        let message = error.to_string();
                        if failing.as_ref() != Some(&message) {
                            tracing::error!(error = %message, "failed to sign a checkpoint");
                            failing = Some(message);
                        }
                    }
                }
            }
        };
        tokio::spawn(async move {
            tokio::select! {
                () = stopping => {}
                () = work => {}
            }
        });
    }

    /// Prunes, every `period` until the server shuts down (at once first), the sessions ended or
    /// lapsed more than [`app::KEEP_ENDED_FOR`] ago and the sign-ins under way begun more than
    /// [`app::PENDING_FOR`] ago, logging how many. A failure is logged and tried again next time.
    pub fn prune_every(&self, period: Duration) {
        let stores = self.stores.clone();
        let limits = self.settings.sessions;
        let stopping = self.shutting_down();
        let work = async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = kernel::Timestamp::now();
                match app::prune_sessions(stores.sessions.as_ref(), limits, now).await {
                    Ok(0) => {}
                    Ok(sessions) => tracing::info!(sessions, "pruned ended and lapsed sessions"),
                    Err(error) => tracing::warn!(%error, "failed to prune sessions; trying again later"),
                }
                match app::prune_pending(stores.sign_ins.as_ref(), now).await {
                    Ok(0) => {}
                    Ok(sign_ins) => tracing::info!(sign_ins, "pruned sign-ins never finished"),
                    Err(error) => tracing::warn!(%error, "failed to prune sign-ins under way; trying again later"),
                }
            }
        };
        tokio::spawn(async move {
            tokio::select! {
                () = stopping => {}
                () = work => {}
            }
        });
    }

    /// Runs `publisher` in this process until the server shuts down, logging its progress and
    /// failures, and counts its position and lag in the metrics. Only the first publisher given
    /// is run.
    pub fn publish(&self, publisher: NatsPublisher) {
        let status = Arc::new(PublisherStatus::default());
        if self.publisher.set(status.clone()).is_err() {
            return;
        }
        let stores = self.stores.clone();
        let stopping = self.shutting_down();
        let work = async move {
            let stream = publisher.target().stream().to_owned();
            let outcome = publisher
                .run(&stores, &status, |progress| match progress {
                    Progress::Waiting => tracing::info!(stream, "another process publishes to this stream: waiting"),
                    Progress::Leading { position } => tracing::info!(stream, %position, "publishing"),
                    Progress::Published { to, .. } => tracing::debug!(stream, position = %to, "published"),
                    Progress::Retrying { error, after } => {
                        tracing::warn!(stream, %error, retry_in = ?after, "publishing failed; trying again")
                    }
                })
                .await;
            let Err(error) = outcome;
            tracing::error!(stream, %error, "publishing stopped");
        };
        tokio::spawn(async move {
            tokio::select! {
                () = stopping => {}
                () = work => {}
            }
        });
    }

    /// Delivers webhooks in this process until the server shuts down, logging retries and dead
    /// letters, and counts deliveries, retries, dead letters and each subscription's lag in the
    /// metrics. Only the first worker given is run.
    pub fn deliver_webhooks(&self, deliverer: Deliverer) {
        let status = Arc::new(WebhookStatus::default());
        if self.webhooks.set(status.clone()).is_err() {
            return;
        }
        let stores = self.stores.clone();
        let stopping = self.shutting_down();
        tokio::spawn(async move {
            let work = deliverer.run(&stores, &status, |progress| match progress {
                WebhookProgress::Waiting { name } => {
                    tracing::info!(name, "another process delivers to this webhook: waiting")
                }
                WebhookProgress::Delivering { name, position } => tracing::info!(name, %position, "delivering webhooks"),
                WebhookProgress::Retrying { name, position, attempt, detail, after } => {
                    tracing::warn!(name, %position, attempt, detail, retry_in = ?after, "webhook delivery failed; trying again")
                }
                WebhookProgress::DeadLetter { name, position, detail } => {
                    tracing::error!(name, %position, detail, "webhook delivery given up: a dead letter")
                }
                WebhookProgress::Restarting { name, error } => {
                    tracing::warn!(name, %error, "webhook worker failed; starting again")
                }
            });
            tokio::select! {
                () = stopping => {}
                _ = work => {}
            }
        });
    }

    /// Sends reminders on `settings.schedule` until the server shuts down: at once if this
    /// week's time has come (a week already reminded is not reminded again), then at each time
    /// of the schedule, logging what was sent; after a failure, tried again in ten minutes.
    /// Nothing runs when the schedule is off.
    pub fn send_reminders(self: &Arc<Self>, settings: ReminderSettings) {
        if settings.schedule == Schedule::Off {
            return;
        }
        let service = self.clone();
        let stopping = self.shutting_down();
        let work = async move {
            loop {
                let now = chrono::Utc::now();
                let retry = match app::reminders::send_scheduled(&service.reports, &service.recorder, &settings, now)
                    .await
                {
                    Ok(sent) => {
                        for s in &sent {
                            let r = &s.reminder;
                            tracing::info!(organisation = %r.organisation, to = r.contact.email, period = r.period, "sent a reminder");
                        }
                        None
                    }
                    Err(error) => {
                        tracing::error!(%error, "failed to send the reminders");
                        Some(now + chrono::Duration::minutes(10))
                    }
                };
                let Some(next) = settings.schedule.next(now) else { return };
                let wake = retry.map_or(next, |retry| retry.min(next));
                tokio::time::sleep((wake - chrono::Utc::now()).to_std().unwrap_or_default()).await;
            }
        };
        tokio::spawn(async move {
            tokio::select! {
                () = stopping => {}
                () = work => {}
            }
        });
    }

    /// Tells long-lived responses (the live feed) to end, so that a graceful shutdown can finish.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once the server has begun shutting down.
    pub(crate) fn shutting_down(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut receiver = self.shutdown.subscribe();
        async move {
            let _ = receiver.wait_for(|down| *down).await;
        }
    }
}
