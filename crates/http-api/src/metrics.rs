//! `/metrics` in the Prometheus text format: requests and their latencies by method, route and
//! status, commands recorded and events appended, how far the read models kept in memory are
//! behind the head of the log, and, when the service publishes the log (`serve --publish`), how
//! far the publisher is.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use app::publisher::PublisherStatus;
use app::webhooks::WebhookStatus;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{ApiError, Service};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default)]
struct Latency {
    /// Requests at or under each bucket's bound.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the service counts.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Requests by method, route and status.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Latencies by method and route.
    latencies: Mutex<BTreeMap<(String, String), Latency>>,
    commands: AtomicU64,
    events: AtomicU64,
}

impl Metrics {
    /// Counts a command that recorded `events` events.
    pub fn recorded(&self, events: usize) {
        self.commands.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(events as u64, Ordering::Relaxed);
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut latencies) = self.latencies.lock() {
            let latency = latencies.entry((method.to_owned(), route.to_owned())).or_default();
            for (count, bound) in latency.buckets.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *count += 1;
                }
            }
            latency.count += 1;
            latency.sum += seconds;
        }
    }

    fn render(
        &self,
        head: u64,
        folded: u64,
        publisher: Option<&PublisherStatus>,
        webhooks: Option<&WebhookStatus>,
    ) -> String {
        let mut out = String::new();
        out.push_str("# HELP covenant_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE covenant_http_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((method, route, status), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "covenant_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        out.push_str(
            "# HELP covenant_http_request_duration_seconds Time to answer HTTP requests, by method and route.\n",
        );
        out.push_str("# TYPE covenant_http_request_duration_seconds histogram\n");
        if let Ok(latencies) = self.latencies.lock() {
            for ((method, route), latency) in latencies.iter() {
                let labels = format!("method=\"{method}\",route=\"{route}\"");
                for (count, bound) in latency.buckets.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "covenant_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "covenant_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    latency.count
                );
                let _ = writeln!(out, "covenant_http_request_duration_seconds_sum{{{labels}}} {}", latency.sum);
                let _ = writeln!(out, "covenant_http_request_duration_seconds_count{{{labels}}} {}", latency.count);
            }
        }
        let gauges = [
            (
                "covenant_commands_recorded_total",
                "counter",
                "Commands recorded through the API.",
                self.commands.load(Ordering::Relaxed),
            ),
            (
                "covenant_events_appended_total",
                "counter",
                "Events appended by commands recorded through the API.",
                self.events.load(Ordering::Relaxed),
            ),
            ("covenant_log_head_position", "gauge", "The position of the last event in the log.", head),
            (
                "covenant_projection_position",
                "gauge",
                "The position the read models in memory have folded up to.",
                folded,
            ),
            (
                "covenant_projection_lag_events",
                "gauge",
                "Events in the log not yet folded into the read models in memory.",
                head.saturating_sub(folded),
            ),
        ];
        let published = publisher.map(|status| {
            let position = status.position().0;
            [
                (
                    "covenant_publisher_leading",
                    "gauge",
                    "1 when the publisher in this process leads (publishes), 0 while it waits for another or retries.",
                    u64::from(status.leading()),
                ),
                (
                    "covenant_publisher_position",
                    "gauge",
                    "The position the publisher in this process has published up to and had acknowledged.",
                    position,
                ),
                (
                    "covenant_publisher_lag_events",
                    "gauge",
                    "Events in the log the publisher in this process has not yet published.",
                    head.saturating_sub(position),
                ),
            ]
        });
        for (name, kind, help, value) in gauges.into_iter().chain(published.into_iter().flatten()) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        if let Some(status) = webhooks {
            let counters = [
                (
                    "covenant_webhook_deliveries_total",
                    "Events delivered to webhooks (answered 2xx).",
                    status.deliveries(),
                ),
                (
                    "covenant_webhook_retries_total",
                    "Webhook attempts that failed and were tried again.",
                    status.retries(),
                ),
                (
                    "covenant_webhook_dead_letters_total",
                    "Events given up on after the last attempt, kept as dead letters.",
                    status.dead_letters(),
                ),
            ];
            for (name, help, value) in counters {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
            }
            out.push_str("# HELP covenant_webhook_lag_events Events in the log a webhook subscription has not yet delivered or given up on.\n");
            out.push_str("# TYPE covenant_webhook_lag_events gauge\n");
            for (name, position) in status.positions() {
                let _ = writeln!(
                    out,
                    "covenant_webhook_lag_events{{subscription=\"{name}\"}} {}",
                    head.saturating_sub(position.0)
                );
            }
        }
        out
    }
}

/// Counts each routed request and its latency.
pub(crate) async fn track(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    service.metrics.observe(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
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
