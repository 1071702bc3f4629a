//! Group commit: one writer per store takes every append waiting in its queue and commits them
//! together in one transaction. Concurrent writers share one fsync instead of queueing for one
//! each, and positions are assigned by a single writer, so commit order is position order.

use async_trait::async_trait;
use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};

use crate::{AppendError, AppendOutcome, AppendRequest, StoreError};

/// The backend half of a writer: commits one group in one transaction.
#[async_trait]
pub trait GroupBackend: Send + 'static {
    /// Takes the store's write lock, reads the head and the state of the touched streams, plans
    /// the group with [`crate::plan_group`], inserts its rows and commits. Returns one answer per
    /// request, or an error when the transaction as a whole failed and nothing was written.
    async fn commit_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError>;
}

struct Job {
    request: AppendRequest,
    reply: oneshot::Sender<Result<AppendOutcome, AppendError>>,
}

/// The queue in front of a store's single writer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("events", &self.request.event_count()).finish()
    }
}

impl Writer {
    /// Creates the queue and the writer loop; the caller spawns the loop on its runtime. A group
    /// stops growing once it holds `max_group_events` events.
    pub fn new<B: GroupBackend>(mut backend: B, max_group_events: usize) -> (Writer, impl Future<Output = ()> + Send) {
        let (queue, mut jobs) = mpsc::channel::<Job>(1024);
        let run = async move {
            while let Some(first) = jobs.next().await {
                let mut events = first.request.event_count();
                let mut group = vec![first];
                while events < max_group_events {
                    match jobs.try_recv() {
                        Ok(job) => {
                            events += job.request.event_count();
                            group.push(job);
                        }
                        _ => break,
                    }
                }
                let (requests, replies): (Vec<_>, Vec<_>) = group.into_iter().map(|j| (j.request, j.reply)).unzip();
                match backend.commit_group(&requests).await {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            // A caller that stopped waiting no longer needs its answer.
                            let _ = reply.send(outcome);
                        }
                    }
                    Err(error) => {
                        for reply in replies {
                            let _ = reply.send(Err(AppendError::Unavailable(error.clone())));
                        }
                    }
                }
            }
        };
        (Writer { queue }, run)
    }

    /// Queues a validated request and waits for its answer.
    pub async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppendError::Unavailable(StoreError::Unavailable("the store's writer has stopped".into()));
        self.queue.clone().send(Job { request, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
