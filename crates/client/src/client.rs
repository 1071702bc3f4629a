//! [`Client`]: the HTTP API's routes as typed calls: reports as JSON, commands with `If-Match`
//! and `Idempotency-Key`, and the event feed by pages or as a live stream.

use futures::{Stream, StreamExt};
use reqwest::header::{ACCEPT, ETAG, IF_MATCH};
use serde::de::DeserializeOwned;

use crate::sse::SseEvents;
use crate::{ClientError, FeedEvent, FeedPage, Problem, Recorded};

/// The header naming a request's idempotency key.
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header the service sets on the first answer given again for a key.
const REPLAYED: &str = "idempotent-replayed";

/// A client of one Covenant service, acting with one bearer token.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// How a command is sent besides its body.
#[derive(Clone, Debug, Default)]
pub struct CommandOptions {
    /// The version of the command's stream it was decided against: answered 412 when the
    /// stream has moved on.
    pub if_match: Option<u64>,
    /// A fresh key per command; sending the same command again with it returns the first
    /// answer instead of recording it twice.
    pub idempotency_key: Option<String>,
    /// Where the fact comes from, such as a minute reference.
    pub source: Option<String>,
    /// When it happened (`YYYY-MM-DD` or RFC 3339), for a command without a date of its own.
    pub occurred_at: Option<String>,
}

impl Client {
    /// A client of the service at `base` (such as `http://127.0.0.1:8080`) using `token`.
    pub fn new(base: &str, token: &str) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder().build()?;
        Ok(Client { http, base: base.trim_end_matches('/').to_owned(), token: token.to_owned() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A report as JSON: `name` is its path under `/api/v1` (`status`, `actions`,
    /// `resolutions/west-lindsey-pcc-2021-03-09-45`), `query` its parameters (`docs/http.md`).
    pub async fn report(&self, name: &str, query: &[(&str, &str)]) -> Result<serde_json::Value, ClientError> {
        let request = self
            .http
            .get(self.url(&format!("/api/v1/{name}")))
            .bearer_auth(&self.token)
            .header(ACCEPT, "application/json")
            .query(query);
        json(request.send().await?).await
    }

    /// Records one command: `family` is its endpoint (`commitments`, `resolutions`), `command`
    /// the JSON `covenant record` takes (`docs/commands.md`).
    pub async fn record(
        &self,
        family: &str,
        command: &serde_json::Value,
        options: &CommandOptions,
    ) -> Result<Recorded, ClientError> {
        let mut query = Vec::new();
        if let Some(source) = &options.source {
            query.push(("source", source.as_str()));
        }
        if let Some(occurred_at) = &options.occurred_at {
            query.push(("occurred_at", occurred_at.as_str()));
        }
        let mut request =
            self.http.post(self.url(&format!("/api/v1/{family}"))).bearer_auth(&self.token).query(&query).json(command);
        if let Some(version) = options.if_match {
            request = request.header(IF_MATCH, format!("\"{version}\""));
        }
        if let Some(key) = &options.idempotency_key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        let response = request.send().await?;
        let version = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_matches('"').parse::<u64>().ok());
        let replayed = response.headers().contains_key(REPLAYED);
        let mut recorded: Recorded = json(response).await?;
        recorded.version = version;
        recorded.replayed = replayed;
        Ok(recorded)
    }

    /// One page of the feed: the events after `after`, at most `limit`.
    pub async fn events(&self, after: u64, limit: usize) -> Result<FeedPage, ClientError> {
        let request = self
            .http
            .get(self.url("/api/v1/events"))
            .bearer_auth(&self.token)
            .query(&[("after", after.to_string()), ("limit", limit.to_string())]);
        json(request.send().await?).await
    }

    /// Every event after `after`, then each new one as it is recorded, as server-sent events
    /// asked for with `Last-Event-ID`. The stream ends when the service closes it (a restart,
    /// a shutdown); ask again from the last position received.
    pub async fn stream(
        &self,
        after: u64,
    ) -> Result<impl Stream<Item = Result<FeedEvent, ClientError>> + Send + use<>, ClientError> {
        let request = self
            .http
            .get(self.url("/api/v1/events/stream"))
            .bearer_auth(&self.token)
            .header(ACCEPT, "text/event-stream")
            .header("last-event-id", after.to_string());
        let response = checked(request.send().await?).await?;
        let is_sse = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_sse {
            return Err(ClientError::Unreadable("the live feed did not answer with server-sent events".to_owned()));
        }
        let events = SseEvents::new(response.bytes_stream()).map(|next| {
            let (id, data) = next?;
            let event: FeedEvent = serde_json::from_str(&data)
                .map_err(|e| ClientError::Unreadable(format!("an event of the live feed: {e}")))?;
            if id.is_some_and(|id| id != event.position.to_string()) {
                return Err(ClientError::Unreadable("an event's id is not its position".to_owned()));
            }
            Ok(event)
        });
        Ok(events)
    }
}

/// The response when it is a success, else its problem.
async fn checked(response: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let text = response.text().await?;
    Err(ClientError::Problem(Box::new(serde_json::from_str(&text).unwrap_or(Problem {
        kind: "about:blank".to_owned(),
        title: "The service refused the request".to_owned(),
        status,
        detail: text,
        instance: None,
        field: None,
    }))))
}

/// The body of a successful response as `T`, else its problem.
async fn json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let text = checked(response).await?.text().await?;
    serde_json::from_str(&text).map_err(|e| ClientError::Unreadable(e.to_string()))
}
