//! `spawn_app`: the real HTTP service on a free port of the loopback interface, over a test's own
//! store, with a client to speak to it.

use std::sync::Arc;

use app::seeds::Story;
use app::{Recorder, Role, Stores};
use http_api::{Service, Settings};
use kernel::Timestamp;
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
    /// The stores the service runs on.
    pub stores: Stores,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

/// Starts the service on port 0 over the database of `db`, with the default settings.
pub async fn spawn_app(db: &TestStore) -> TestApp {
    spawn_app_with(db, Settings::default()).await
}

/// Starts the service on port 0 over the database of `db`, with `settings`.
pub async fn spawn_app_with(db: &TestStore, settings: Settings) -> TestApp {
    spawn_app_on(db.stores().await, settings).await
}

/// Starts the service on port 0 over `stores` (a test's store, perhaps wrapped to misbehave),
/// with `settings`.
pub async fn spawn_app_on(stores: Stores, settings: Settings) -> TestApp {
    let service = Service::start(stores.clone(), settings).await.expect("failed to start the service");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("failed to bind a free port");
    let address = format!("http://{}", listener.local_addr().expect("a local address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(http_api::serve(listener, service.clone(), async move {
        let _ = stopped.await;
    }));
    TestApp { address, client: reqwest::Client::new(), service, stores, stop: Some(stop), server: Some(server) }
}

impl TestApp {
    /// The URL of `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A new bearer token with `role`, acting for `organisation` when given.
    pub async fn token(&self, role: Role, organisation: Option<&str>) -> String {
        let organisation = organisation.map(|o| domain::OrgId::parse(o).expect("a valid org id"));
        let name = format!("{role}@test");
        app::create_token(self.stores.tokens.as_ref(), role, organisation, &name, None, Timestamp::now())
            .await
            .expect("failed to create a token")
            .token
    }

    /// The `Cookie` header of a dashboard session begun by signing in with a new token of `role`
    /// (acting for `organisation` when given) through the sign-in form, as a browser does.
    pub async fn session(&self, role: Role, organisation: Option<&str>) -> String {
        let token = self.token(role, organisation).await;
        self.session_of(&token).await
    }

    /// The `Cookie` header of a dashboard session begun by signing in with `token` through the
    /// sign-in form.
    pub async fn session_of(&self, token: &str) -> String {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
        let form = client.get(self.url("/dashboard/sign-in")).send().await.expect("the sign-in form");
        let csrf_cookie = form.headers()["set-cookie"].to_str().expect("ascii").split(';').next().expect("a pair");
        let csrf_cookie = csrf_cookie.to_owned();
        let page = form.text().await.expect("a page");
        let marker = "name=\"csrf\" value=\"";
        let start = page.find(marker).expect("an anti-forgery field") + marker.len();
        let csrf = &page[start..start + 64];
        let signed_in = client
            .post(self.url("/dashboard/sign-in"))
            .header("cookie", csrf_cookie)
            .form(&[("token", token), ("csrf", csrf)])
            .send()
            .await
            .expect("signed in");
        assert_eq!(signed_in.status(), 303, "signing in with the token begins a session");
        let set = signed_in.headers()["set-cookie"].to_str().expect("ascii");
        set.split(';').next().expect("a pair").to_owned()
    }

    /// The hidden fields (name and value) of the form on `page` that posts to `action`.
    pub fn hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
        let start = page.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("no form to {action}: {page}"));
        let form = &page[start..start + page[start..].find("</form>").expect("the form ends")];
        form.split("<input type=\"hidden\" ")
            .skip(1)
            .map(|input| {
                let value = |attribute: &str| {
                    let at = input.find(&format!("{attribute}=\"")).expect("an attribute") + attribute.len() + 2;
                    // As a browser reads it: maud escapes &, <, > and ".
                    input[at..at + input[at..].find('"').expect("the value ends")]
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&amp;", "&")
                };
                (value("name"), value("value"))
            })
            .collect()
    }

    /// Records `story` straight through the application layer, as a secretariat would have.
    pub async fn load(&self, story: &Story) {
        app::load_story(&Recorder::new(self.stores.events.clone()), story, Timestamp::now())
            .await
            .expect("failed to load the story");
    }

    /// The position of the last event in the log.
    pub async fn head(&self) -> u64 {
        self.stores.events.head().await.expect("failed to read the head").position.0
    }

    /// The last event of the log: its position and hash. A request that changed nothing leaves it
    /// as it was.
    pub async fn chain_head(&self) -> kernel::ChainHead {
        self.stores.events.head().await.expect("failed to read the head")
    }

    /// A POST of `json` to `path` with `token`.
    pub fn post(&self, path: &str, token: &str, json: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(token).json(json)
    }

    /// A GET of `path` with `token`.
    pub fn get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
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
