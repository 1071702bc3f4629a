//! `spawn_app`: the real HTTP service on a free port of the loopback interface, over a test's own
//! store, with a client to speak to it.

use std::sync::Arc;

use app::DatabaseUrl;
use http_api::{Service, Settings};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::TestStore;

/// A running service and a client for it. Dropping it stops the server.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    pub client: reqwest::Client,
    pub service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts the service on port 0 over the database of `db`, with the default settings.
pub async fn spawn_app(db: &TestStore) -> TestApp {
    spawn_app_with(db, Settings::default()).await
}

/// Starts the service on port 0 over the database of `db`, with `settings`.
pub async fn spawn_app_with(db: &TestStore, settings: Settings) -> TestApp {
    let (backend, location) = db.location();
    let url = match backend {
        "sqlite" => DatabaseUrl::Sqlite(location.into()),
        _ => DatabaseUrl::Postgres(location),
    };
    let stores = app::open_store(&url).await.expect("failed to open the store for the service");
    let service = Service::new(stores, settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("failed to bind a free port");
    let address = format!("http://{}", listener.local_addr().expect("a local address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(http_api::serve(listener, service.clone(), async move {
        let _ = stopped.await;
    }));
    TestApp { address, client: reqwest::Client::new(), service, stop: Some(stop), server: Some(server) }
}

impl TestApp {
    /// The URL of `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Shuts the server down gracefully and waits until it has finished.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("the server task panicked").expect("the server failed");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
