//! [`Follower`]: follows the event feed for a reporting job. Each event goes to the
//! [`Handler`] in position order, and the cursor is saved only once the handler has succeeded,
//! so every event is handled at least once and a follower stopped at any moment (killed,
//! dropped, its task aborted) resumes after the last event it saved: the one event it was
//! handling, if any, is handled again, and no other.
//!
//! It follows the live feed (server-sent events, asked for from the cursor with
//! `Last-Event-ID`); when that cannot be had or breaks, it reads the feed a page at a time up
//! to the head, waits, and tries the live feed again.

use std::convert::Infallible;
use std::time::Duration;

use futures::StreamExt;

use crate::{Client, ClientError, FeedEvent, FileCursor};

/// What a follower does with each event.
pub trait Handler: Send {
    /// Handles one event. An error stops the follower with the cursor before this event, so
    /// that the event is handed over again when it runs next.
    fn handle(
        &mut self,
        event: &FeedEvent,
    ) -> impl Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send;
}

/// Follows the feed of one service from a cursor.
#[derive(Clone, Debug)]
pub struct Follower {
    client: Client,
    cursor: FileCursor,
    page: usize,
    wait: Duration,
}

impl Follower {
    /// A follower reading through `client` (whose token must be an admin's or an auditor's,
    /// the roles that read the feed) from the position `cursor` holds.
    pub fn new(client: Client, cursor: FileCursor) -> Follower {
        Follower { client, cursor, page: 500, wait: Duration::from_secs(1) }
    }

    /// How long to wait after the live feed failed before trying it again (1 s by default).
    pub fn waiting(mut self, wait: Duration) -> Follower {
        self.wait = wait;
        self
    }

    /// Follows the feed for ever, returning only on a failure that trying again cannot mend:
    /// the handler's, the cursor file's, or a refusal of the request itself (a revoked token,
    /// a role that may not read the feed). An unreachable service is tried again.
    pub async fn run(&self, handler: &mut impl Handler) -> Result<Infallible, ClientError> {
        let mut position = self.cursor.load()?;
        loop {
            match self.client.stream(position).await {
                Ok(events) => {
                    let mut events = std::pin::pin!(events);
                    while let Some(next) = events.next().await {
                        match next {
                            Ok(event) => position = self.hand(handler, position, &event).await?,
                            Err(error) if fatal(&error) => return Err(error),
                            Err(_) => break,
                        }
                    }
                }
                Err(error) if fatal(&error) => return Err(error),
                Err(_) => {}
            }
            match self.catch_up_from(position, handler).await {
                Ok(reached) => position = reached,
                Err((reached, error)) if !fatal(&error) => position = reached,
                Err((_, error)) => return Err(error),
            }
            tokio::time::sleep(self.wait).await;
        }
    }

    /// Handles every event recorded so far, a page at a time, and returns the position
    /// reached: for a job run now and then rather than kept running.
    pub async fn catch_up(&self, handler: &mut impl Handler) -> Result<u64, ClientError> {
        let position = self.cursor.load()?;
        self.catch_up_from(position, handler).await.map_err(|(_, error)| error)
    }

    /// Pages from `position` to the head; on a failure, the position reached with it.
    async fn catch_up_from(&self, mut position: u64, handler: &mut impl Handler) -> Result<u64, (u64, ClientError)> {
        loop {
            let page = self.client.events(position, self.page).await.map_err(|e| (position, e))?;
            if page.events.is_empty() {
                return Ok(position);
            }
            for event in &page.events {
                position = self.hand(handler, position, event).await.map_err(|e| (position, e))?;
            }
        }
    }

    /// Hands `event` to the handler and saves the cursor after it; an event at or before
    /// `position` was handled already and is passed over.
    async fn hand(&self, handler: &mut impl Handler, position: u64, event: &FeedEvent) -> Result<u64, ClientError> {
        if event.position <= position {
            return Ok(position);
        }
        if event.position != position + 1 {
            return Err(ClientError::Unreadable(format!(
                "the feed went from position {position} to {}: positions have no gaps, so this is not a Covenant feed",
                event.position
            )));
        }
        handler
            .handle(event)
            .await
            .map_err(|e| ClientError::Handler { position: event.position, detail: e.to_string() })?;
        self.cursor.save(event.position)?;
        Ok(event.position)
    }
}

/// Whether trying again cannot mend `error`.
fn fatal(error: &ClientError) -> bool {
    match error {
        ClientError::Problem(problem) => (400..500).contains(&problem.status) && ![408, 429].contains(&problem.status),
        ClientError::Handler { .. } | ClientError::Cursor { .. } => true,
        ClientError::Unreachable(_) | ClientError::Unreadable(_) => false,
    }
}
