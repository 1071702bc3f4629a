//! The router and the server: every route, the layers every request passes through (the request
//! id and the request's log line, the request time limit, the body size limit, panics caught as 500s, unknown routes and methods as
//! problems), the connections (a request's head must arrive within the time limit too), and a
//! graceful shutdown that stops accepting, ends live feeds, and finishes the requests in flight.

use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::{ApiError, Service, dashboard, metrics, openapi, public, public_feeds, request_id};

/// Every route of the service, with its layers.
pub fn router(service: Arc<Service>) -> Router {
    let (described, _) = openapi::described().split_for_parts();
    described
        .merge(dashboard::routes().merge(public::routes()).layer(axum::middleware::from_fn(dashboard::picked)))
        .merge(public_feeds::routes())
        .route_layer(middleware::from_fn_with_state(service.clone(), metrics::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(service.clone(), time_limit))
        .layer(DefaultBodyLimit::max(service.settings.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("a handler panicked".into()).into_response()))
        .layer(middleware::from_fn(request_id::scope))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_id::span).on_response(request_id::answered))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(service)
}

/// Serves `service` on `listener` until `shutdown` resolves, then stops accepting connections,
/// ends live feeds, and waits for the requests in flight to finish.
///
/// Each connection is HTTP/1.1 with a timer, so a client that sends a request's head too slowly
/// (a byte at a time, holding the connection open) is cut off after the request time limit; the
/// time limit layer cannot see a request before its head has arrived.
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service.clone());
    let signal = service.clone();
    tokio::spawn(async move {
        shutdown.await;
        signal.begin_shutdown();
    });
    let mut connections = JoinSet::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = service.shutting_down() => break,
        };
        let connection = TowerToHyperService::new(app.clone());
        let stopping = service.shutting_down();
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(service.settings.request_timeout);
        connections.spawn(async move {
            let mut served = pin!(builder.serve_connection(TokioIo::new(stream), connection));
            tokio::select! {
                _ = served.as_mut() => return,
                () = stopping => served.as_mut().graceful_shutdown(),
            }
            let _ = served.await;
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Waits after a failure to accept a connection that is not the client's doing (too many open
/// files, say), so that the loop does not spin while it lasts.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(error.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        tracing::error!(%error, "failed to accept a connection; trying again in a second");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Answers with a timeout problem when the request takes longer than the settings allow: 408
/// when the client had not finished sending the body (a slow or stalled client), 503 when the
/// service was slow to answer. Only the time to the response's head counts: a live feed streams
/// its body for as long as it runs.
async fn time_limit(State(service): State<Arc<Service>>, request: Request, next: Next) -> Response {
    let limit = service.settings.request_timeout;
    let (parts, body) = request.into_parts();
    let body = Watched::new(body);
    let received = body.received.clone();
    match tokio::time::timeout(limit, next.run(Request::from_parts(parts, Body::new(body)))).await {
        Ok(response) => response,
        Err(_) if !received.load(Ordering::Acquire) => ApiError::SlowBody(limit.as_secs()).into_response(),
        Err(_) => ApiError::Timeout(limit.as_secs()).into_response(),
    }
}

/// A request body that notes when the client has sent all of it.
struct Watched {
    inner: Body,
    received: Arc<AtomicBool>,
}

impl Watched {
    fn new(inner: Body) -> Self {
        let received = Arc::new(AtomicBool::new(inner.is_end_stream()));
        Self { inner, received }
    }
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.received.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!(
        "there is no resource at {}: the API lives under /api/v1, and /api/openapi.json lists every route",
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{} is not allowed on {}: /api/openapi.json lists the methods of every route",
        request.method(),
        request.uri().path()
    ))
}
