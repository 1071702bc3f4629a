//! Group commit: one writer per store takes every append waiting in its queue and commits them
//! together in one transaction. Concurrent writers share one fsync instead of queueing for one
//! each, and positions are assigned by a single writer, so commit order is position order. A
//! restore (events recorded elsewhere, written verbatim) and a rebuild of the Merkle tree go
//! through the same queue and are committed alone, each in its own transaction.

use async_trait::async_trait;
use futures::channel::{mpsc, oneshot};
use futures::{SinkExt, StreamExt};

use crate::{AppendError, AppendOutcome, AppendRequest, ChainHead, Limits, RecordedEvent, RestoreError, StoreError};

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

    /// Takes the store's write lock, reads the head, the `recorded_at` there and the state of the
    /// touched streams, checks the batch with [`crate::check_restore`], inserts it as it is and
    /// commits. Returns the new head; on any error nothing was written.
    async fn restore(&mut self, events: &[RecordedEvent]) -> Result<ChainHead, RestoreError>;

    /// Takes the store's write lock, deletes the stored Merkle tree and computes it again from
    /// the chain hashes of the log, in one transaction. Returns the tree size.
    async fn rebuild_tree(&mut self) -> Result<u64, StoreError>;
}

struct Job {
    request: AppendRequest,
    /// The answer, and the request given back: its events are freed by the caller, not by the
    /// writer, whose thread is the one every append waits for.
    reply: oneshot::Sender<(Result<AppendOutcome, AppendError>, AppendRequest)>,
}

struct RestoreJob {
    events: Vec<RecordedEvent>,
    reply: oneshot::Sender<Result<ChainHead, RestoreError>>,
}

/// What the writer is asked to do.
enum Task {
    Append(Job),
    Restore(RestoreJob),
    RebuildTree(oneshot::Sender<Result<u64, StoreError>>),
}

/// The queue in front of a store's single writer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Writer {
    queue: mpsc::Sender<Task>,
    limits: Limits,
}

impl std::fmt::Debug for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Task::Append(job) => f.debug_struct("Append").field("events", &job.request.event_count()).finish(),
            Task::Restore(job) => f.debug_struct("Restore").field("events", &job.events.len()).finish(),
            Task::RebuildTree(_) => f.write_str("RebuildTree"),
        }
    }
}

impl Writer {
    /// Creates the queue and the writer loop; the caller spawns the loop on its runtime. A group
    /// stops growing once it holds `max_group_events` events; a request beyond `limits` is
    /// refused before it is queued.
    pub fn new<B: GroupBackend>(
        mut backend: B,
        max_group_events: usize,
        limits: Limits,
    ) -> (Writer, impl Future<Output = ()> + Send) {
        let (queue, mut tasks) = mpsc::channel::<Task>(1024);
        let run = async move {
            // A restore or rebuild that ended the previous group, to run before anything else.
            let mut waiting: Option<Task> = None;
            loop {
                let Some(task) = waiting.take() else {
                    match tasks.next().await {
                        Some(task) => {
                            waiting = Some(task);
                            continue;
                        }
                        None => break,
                    }
                };
                let first = match task {
                    Task::Restore(job) => {
                        // A caller that stopped waiting no longer needs its answer.
                        let _ = job.reply.send(backend.restore(&job.events).await);
                        continue;
                    }
                    Task::RebuildTree(reply) => {
                        let _ = reply.send(backend.rebuild_tree().await);
                        continue;
                    }
                    Task::Append(job) => job,
                };
                // The callers answered by the last commit are ready to run and queue their next
                // appends; without this, the first of them wakes the writer, which then commits
                // that append alone and the rest in the group after, paying two commits for one.
                yield_once().await;
                let mut events = first.request.event_count();
                let mut group = vec![first];
                while events < max_group_events {
                    match tasks.try_recv() {
                        Ok(Task::Append(job)) => {
                            events += job.request.event_count();
                            group.push(job);
                        }
                        Ok(alone) => {
                            waiting = Some(alone);
                            break;
                        }
                        _ => break,
                    }
                }
                let (requests, replies): (Vec<_>, Vec<_>) = group.into_iter().map(|j| (j.request, j.reply)).unzip();
                let outcomes = match backend.commit_group(&requests).await {
                    Ok(outcomes) => outcomes,
                    Err(error) => requests.iter().map(|_| Err(AppendError::Unavailable(error.clone()))).collect(),
                };
                for ((reply, request), outcome) in replies.into_iter().zip(requests).zip(outcomes) {
                    let _ = reply.send((outcome, request));
                }
            }
        };
        (Writer { queue, limits }, run)
    }

    /// Validates `request` against the store's limits, then queues it and waits for its answer.
    pub async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        request.validate(&self.limits)?;
        let (reply, answer) = oneshot::channel();
        let stopped = || AppendError::Unavailable(StoreError::Unavailable("the store's writer has stopped".into()));
        self.queue.clone().send(Task::Append(Job { request, reply })).await.map_err(|_| stopped())?;
        let (outcome, _request) = answer.await.map_err(|_| stopped())?;
        outcome
    }

    /// Queues a batch of recorded events to be written verbatim after the head, and waits for
    /// the new head.
    pub async fn restore(&self, events: Vec<RecordedEvent>) -> Result<ChainHead, RestoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || RestoreError::Unavailable(StoreError::Unavailable("the store's writer has stopped".into()));
        self.queue.clone().send(Task::Restore(RestoreJob { events, reply })).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Queues a rebuild of the Merkle tree and waits for the tree size.
    pub async fn rebuild_tree(&self) -> Result<u64, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the store's writer has stopped".into());
        self.queue.clone().send(Task::RebuildTree(reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Gives way once to every other task that is ready to run, on any executor: the task wakes
/// itself and returns pending, so it is polled again only after those already queued.
async fn yield_once() {
    let mut yielded = false;
    futures::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await
}
