//! `/metrics` in the Prometheus text format: requests and their latencies by method, route and
//! status, commands recorded and events appended, how far the read models kept in memory are
//! behind the head of the log, and, when the service publishes the log (`serve --publish`) or
//! delivers webhooks, how far the publisher and each subscription are.
//!
//! The values are kept by the `metrics` facade in a Prometheus recorder of the service's own (not
//! the process's global one, so that two services in one process count apart) and rendered by
//! `metrics-exporter-prometheus`. Positions and lags are read when `/metrics` is asked for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::publisher::PublisherStatus;
use app::webhooks::WebhookStatus;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, with_local_recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use tokio::sync::watch;

use crate::{ApiError, Service};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// How often latencies observed since the last look are folded into the histogram, so that a
/// service nobody scrapes does not keep every observation.
const UPKEEP: Duration = Duration::from_secs(5);

const REQUESTS: &str = "covenant_http_requests_total";
const DURATION: &str = "covenant_http_request_duration_seconds";
const COMMANDS: &str = "covenant_commands_recorded_total";
const EVENTS: &str = "covenant_events_appended_total";
const HEAD: &str = "covenant_log_head_position";
const FOLDED: &str = "covenant_projection_position";
const FOLD_LAG: &str = "covenant_projection_lag_events";
const PUBLISHER_LEADING: &str = "covenant_publisher_leading";
const PUBLISHER_POSITION: &str = "covenant_publisher_position";
const PUBLISHER_LAG: &str = "covenant_publisher_lag_events";
const DELIVERIES: &str = "covenant_webhook_deliveries_total";
const RETRIES: &str = "covenant_webhook_retries_total";
const DEAD_LETTERS: &str = "covenant_webhook_dead_letters_total";
const WEBHOOK_LAG: &str = "covenant_webhook_lag_events";

/// What the service counts.
#[derive(Debug)]
pub(crate) struct Metrics {
    recorder: PrometheusRecorder,
}

impl Metrics {
    /// A recorder with every metric described, and the counters that are always shown at zero.
    pub fn new() -> Self {
        // Setting buckets fails only for an empty list; BUCKETS is not one, and without buckets
        // the latencies would still be shown, as a summary.
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &BUCKETS)
            .map_or_else(|_| PrometheusBuilder::new().build_recorder(), PrometheusBuilder::build_recorder);
        with_local_recorder(&recorder, || {
            describe_counter!(REQUESTS, "HTTP requests answered, by method, route and status.");
            describe_histogram!(DURATION, "Time to answer HTTP requests, by method and route.");
            describe_counter!(COMMANDS, "Commands recorded through the API.");
            describe_counter!(EVENTS, "Events appended by commands recorded through the API.");
            describe_gauge!(HEAD, "The position of the last event in the log.");
            describe_gauge!(FOLDED, "The position the read models in memory have folded up to.");
            describe_gauge!(FOLD_LAG, "Events in the log not yet folded into the read models in memory.");
            describe_gauge!(
                PUBLISHER_LEADING,
                "1 when the publisher in this process leads (publishes), 0 while it waits for another or retries."
            );
            describe_gauge!(
                PUBLISHER_POSITION,
                "The position the publisher in this process has published up to and had acknowledged."
            );
            describe_gauge!(PUBLISHER_LAG, "Events in the log the publisher in this process has not yet published.");
            describe_counter!(DELIVERIES, "Events delivered to webhooks (answered 2xx).");
            describe_counter!(RETRIES, "Webhook attempts that failed and were tried again.");
            describe_counter!(DEAD_LETTERS, "Events given up on after the last attempt, kept as dead letters.");
            describe_gauge!(
                WEBHOOK_LAG,
                "Events in the log a webhook subscription has not yet delivered or given up on."
            );
            counter!(COMMANDS).absolute(0);
            counter!(EVENTS).absolute(0);
        });
        Self { recorder }
    }

    /// Counts a command that recorded `events` events.
    pub fn recorded(&self, events: usize) {
        with_local_recorder(&self.recorder, || {
            counter!(COMMANDS).increment(1);
            counter!(EVENTS).increment(events as u64);
        });
    }

    fn observe(&self, method: String, route: String, status: u16, seconds: f64) {
        with_local_recorder(&self.recorder, || {
            counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
                .increment(1);
            histogram!(DURATION, "method" => method, "route" => route).record(seconds);
        });
    }

    /// Folds the latencies observed so far into the histogram every few seconds, until `stop`
    /// says the service is stopping or is gone.
    pub fn upkeep(&self, mut stop: watch::Receiver<bool>) -> impl Future<Output = ()> + Send + 'static {
        let handle = self.recorder.handle();
        async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(UPKEEP) => handle.run_upkeep(),
                    changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
                }
            }
        }
    }

    /// Every metric, with the positions and lags as they are now.
    fn render(
        &self,
        head: u64,
        folded: u64,
        publisher: Option<&PublisherStatus>,
        webhooks: Option<&WebhookStatus>,
    ) -> String {
        with_local_recorder(&self.recorder, || {
            gauge!(HEAD).set(head as f64);
            gauge!(FOLDED).set(folded as f64);
            gauge!(FOLD_LAG).set(head.saturating_sub(folded) as f64);
            if let Some(status) = publisher {
                let position = status.position().0;
                gauge!(PUBLISHER_LEADING).set(f64::from(u8::from(status.leading())));
                gauge!(PUBLISHER_POSITION).set(position as f64);
                gauge!(PUBLISHER_LAG).set(head.saturating_sub(position) as f64);
            }
            if let Some(status) = webhooks {
                counter!(DELIVERIES).absolute(status.deliveries());
                counter!(RETRIES).absolute(status.retries());
                counter!(DEAD_LETTERS).absolute(status.dead_letters());
                for (name, position) in status.positions() {
                    gauge!(WEBHOOK_LAG, "subscription" => name).set(head.saturating_sub(position.0) as f64);
                }
            }
        });
        self.recorder.handle().render()
    }
}

/// Counts each routed request and its latency.
pub(crate) async fn track(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    service.metrics.observe(method, route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The metrics, in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"))
)]
pub async fn metrics(State(service): State<Arc<Service>>) -> Result<Response, ApiError> {
    let head = service.stores.events.head().await?.position.0;
    let folded = service.reports.folded().await.unwrap_or_default().0;
    let publisher = service.publisher.get().map(Arc::as_ref);
    let webhooks = service.webhooks.get().map(Arc::as_ref);
    let mut response = service.metrics.render(head, folded, publisher, webhooks).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    Ok(response)
}
