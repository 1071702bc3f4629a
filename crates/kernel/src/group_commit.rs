//! Group commit: one writer per store takes every append waiting in its queue and commits them
//! together in one transaction. Concurrent writers share one fsync instead of queueing for one
//! each, and positions are assigned by a single writer, so commit order is position order. A
//! restore (events recorded elsewhere, written verbatim) and a rebuild of the Merkle tree go
//! through the same queue and are committed alone, each in its own transaction.
//!
//! A backend whose commits do not block its thread may let an append that finds nobody else
//! writing commit itself, on its caller's task ([`Alone::OnCaller`]): one writer alone then pays
//! neither the hand-over to the writer's task nor the wake-up back. Commits still take turns,
//! whichever task runs them: the backend is behind one lock. While appends arrive together (the
//! last group held more than one), every append goes through the queue, so that the first of
//! the callers a commit answers does not commit its next append alone ahead of the others'.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use futures::channel::{mpsc, oneshot};
use futures::lock::Mutex;
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

/// Where an append commits when no other append is queued or being committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alone {
    /// On the writer's task, as every other append: for a backend whose commits block the
    /// thread they run on (SQLite's), which must not be one of the runtime's.
    Queued,
    /// On the caller's own task. The backend must be safe to stop at any await (a caller that
    /// stops waiting drops its commit part-way), as one that checks what it knew of the log
    /// against the log in every commit is.
    OnCaller,
}

/// The backend, how many appends are queued for the writer's task or being committed by it, and
/// whether the last group it committed held more than one.
struct Shared {
    backend: Mutex<Box<dyn GroupBackend>>,
    queued: AtomicUsize,
    together: AtomicBool,
}

/// The queue in front of a store's single writer. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Task>,
    limits: Limits,
    alone: Alone,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("limits", &self.limits).field("alone", &self.alone).finish_non_exhaustive()
    }
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
    /// refused before it is queued; `alone` says where an append with nobody else writing
    /// commits.
    pub fn new<B: GroupBackend>(
        backend: B,
        max_group_events: usize,
        limits: Limits,
        alone: Alone,
    ) -> (Writer, impl Future<Output = ()> + Send) {
        let (queue, mut tasks) = mpsc::channel::<Task>(1024);
        let shared = Arc::new(Shared {
            backend: Mutex::new(Box::new(backend)),
            queued: AtomicUsize::new(0),
            together: AtomicBool::new(false),
        });
        let writer = Writer { queue, limits, alone, shared: shared.clone() };
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
                        let _ = job.reply.send(shared.backend.lock().await.restore(&job.events).await);
                        continue;
                    }
                    Task::RebuildTree(reply) => {
                        let _ = reply.send(shared.backend.lock().await.rebuild_tree().await);
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
                let outcomes = commit(&mut **shared.backend.lock().await, &requests).await;
                shared.together.store(requests.len() > 1, Ordering::Release);
                // Counted as queued until answered, so that no caller commits alone while this
                // group waits for the backend.
                shared.queued.fetch_sub(requests.len(), Ordering::AcqRel);
                for ((reply, request), outcome) in replies.into_iter().zip(requests).zip(outcomes) {
                    let _ = reply.send((outcome, request));
                }
            }
        };
        (writer, run)
    }

    /// Validates `request` against the store's limits, then commits it: on this task when the
    /// writer allows it ([`Alone::OnCaller`]), the last group was one append alone and no other
    /// append is queued or being committed; else through the queue, waiting for its answer.
    pub async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, AppendError> {
        request.validate(&self.limits)?;
        if self.alone == Alone::OnCaller
            && !self.shared.together.load(Ordering::Acquire)
            && self.shared.queued.load(Ordering::Acquire) == 0
            && let Some(mut backend) = self.shared.backend.try_lock()
        {
            let requests = std::slice::from_ref(&request);
            return commit(&mut **backend, requests).await.pop().unwrap_or_else(|| Err(no_answer()));
        }
        let (reply, answer) = oneshot::channel();
        let stopped = || AppendError::Unavailable(StoreError::Unavailable("the store's writer has stopped".into()));
        let queuing = Queuing::count(&self.shared.queued);
        self.queue.clone().send(Task::Append(Job { request, reply })).await.map_err(|_| stopped())?;
        queuing.queued();
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

/// An append counted as queued while it is being sent to the writer's task: the writer takes
/// the count off once it has answered it; a send that fails or is given up takes it off here.
struct Queuing<'a> {
    queued: &'a AtomicUsize,
    sent: bool,
}

impl<'a> Queuing<'a> {
    fn count(queued: &'a AtomicUsize) -> Self {
        queued.fetch_add(1, Ordering::AcqRel);
        Queuing { queued, sent: false }
    }

    fn queued(mut self) {
        self.sent = true;
    }
}

impl Drop for Queuing<'_> {
    fn drop(&mut self) {
        if !self.sent {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Commits `requests` as one group on `backend`: one answer each; when the transaction as a
/// whole failed, that failure for each.
async fn commit(backend: &mut dyn GroupBackend, requests: &[AppendRequest]) -> Vec<Result<AppendOutcome, AppendError>> {
    match backend.commit_group(requests).await {
        Ok(outcomes) => outcomes,
        Err(error) => requests.iter().map(|_| Err(AppendError::Unavailable(error.clone()))).collect(),
    }
}

/// A backend that gave no answer for an append it was given.
fn no_answer() -> AppendError {
    AppendError::Unavailable(StoreError::Unavailable("the store's writer gave no answer for the append".into()))
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex as Recorded;
    use std::task::Poll;

    use futures::channel::oneshot;
    use futures::executor::block_on;
    use futures::future::{Either, FutureExt, Shared as Gate, join, join_all, select};

    use super::*;
    use crate::{EventId, EventType, Expected, Metadata, NewEvent, Payload, StreamId, Timestamp};

    /// A backend that answers every append as written and records the size of each group it
    /// was given; its first commit waits at `gate`, when there is one.
    struct Fake {
        groups: Arc<Recorded<Vec<usize>>>,
        gate: Option<Gate<oneshot::Receiver<()>>>,
    }

    #[async_trait]
    impl GroupBackend for Fake {
        async fn commit_group(
            &mut self,
            requests: &[AppendRequest],
        ) -> Result<Vec<Result<AppendOutcome, AppendError>>, StoreError> {
            if let Some(gate) = self.gate.take() {
                let _ = gate.await;
            }
            self.groups.lock().expect("not poisoned").push(requests.len());
            let written = AppendOutcome { positions: Vec::new(), stream_versions: Vec::new(), replayed: false };
            Ok(requests.iter().map(|_| Ok(written.clone())).collect())
        }

        async fn restore(&mut self, _: &[RecordedEvent]) -> Result<ChainHead, RestoreError> {
            Err(RestoreError::Unavailable(StoreError::Unavailable("not a store".into())))
        }

        async fn rebuild_tree(&mut self) -> Result<u64, StoreError> {
            Ok(0)
        }
    }

    /// A writer over a [`Fake`], the sizes of the groups it commits, and the sender that opens
    /// its gate.
    fn gated(
        alone: Alone,
    ) -> (Writer, impl Future<Output = ()> + Send, Arc<Recorded<Vec<usize>>>, oneshot::Sender<()>) {
        let groups = Arc::new(Recorded::new(Vec::new()));
        let (open, gate) = oneshot::channel();
        let fake = Fake { groups: groups.clone(), gate: Some(gate.shared()) };
        let (writer, run) = Writer::new(fake, 100, Limits::default(), alone);
        (writer, run, groups, open)
    }

    fn report(n: usize) -> AppendRequest {
        let event = NewEvent {
            event_id: EventId::new(),
            event_type: EventType::parse("CommitmentProgressReported").expect("valid"),
            schema_version: 1,
            payload: Payload::parse(&format!(r#"{{"percent_complete":{n}}}"#)).expect("valid"),
            metadata: Metadata::new("officer@west-lindsey.gov.uk", Timestamp::parse("2021-07-01").expect("valid")),
        };
        let stream = StreamId::parse(format!("commitment-wl-{n}")).expect("valid");
        AppendRequest::single(stream, Expected::NoStream, vec![event])
    }

    fn polled_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
        block_on(futures::future::poll_fn(|cx| Poll::Ready(future.poll_unpin(cx))))
    }

    /// Asserts that `writer` commits `request` on the caller's task: answered at the first poll,
    /// with the writer's loop not run.
    fn committed_on_the_callers_task(writer: &Writer, request: AppendRequest) {
        match polled_once(&mut Box::pin(writer.append(request))) {
            Poll::Ready(outcome) => assert!(outcome.is_ok()),
            Poll::Pending => panic!("the append waits for the writer's loop"),
        }
    }

    /// Lets every other future of the test run, `times` times over.
    async fn give_way(times: usize) {
        for _ in 0..times {
            yield_once().await;
        }
    }

    #[test]
    fn an_append_alone_commits_on_its_callers_task_only_where_the_backend_allows_it() {
        let (writer, _run, groups, open) = gated(Alone::OnCaller);
        drop(open);
        committed_on_the_callers_task(&writer, report(1));
        assert_eq!(*groups.lock().expect("not poisoned"), [1]);

        let (writer, run, groups, open) = gated(Alone::Queued);
        drop(open);
        let mut queued = Box::pin(writer.append(report(2)));
        assert!(polled_once(&mut queued).is_pending(), "an append waits for the writer's loop");
        assert!(groups.lock().expect("not poisoned").is_empty());
        match block_on(select(queued, Box::pin(run))) {
            Either::Left((outcome, _)) => assert!(outcome.is_ok()),
            Either::Right(_) => panic!("the writer's loop ended before answering"),
        }
        assert_eq!(*groups.lock().expect("not poisoned"), [1]);
    }

    #[test]
    fn once_appends_arrive_together_a_lone_append_takes_its_turn_in_the_queue() {
        let (writer, run, groups, open) = gated(Alone::OnCaller);
        let mut run = Box::pin(run);
        // The first append commits on its caller's task and waits at the gate; the seven sent
        // beside it find the backend taken and queue, and the loop gathers them into one group
        // that waits for the backend. Once the gate opens, the first is answered, then the seven.
        let appends = join(join_all((0..8).map(|n| writer.append(report(n)))), async {
            give_way(20).await;
            open.send(()).expect("the gate is waited at");
        });
        let outcomes = match block_on(select(Box::pin(appends), run.as_mut())) {
            Either::Left(((outcomes, ()), _)) => outcomes,
            Either::Right(_) => panic!("the writer's loop ended before answering"),
        };
        assert!(outcomes.iter().all(Result::is_ok));
        assert_eq!(*groups.lock().expect("not poisoned"), [1, 7]);

        // The last group held more than one append: the next goes through the queue, though
        // nobody else is writing, and waits for the loop.
        let mut lone = Box::pin(writer.append(report(9)));
        assert!(polled_once(&mut lone).is_pending());
        match block_on(select(lone, run.as_mut())) {
            Either::Left((outcome, _)) => assert!(outcome.is_ok()),
            Either::Right(_) => panic!("the writer's loop ended before answering"),
        }
        assert_eq!(*groups.lock().expect("not poisoned"), [1, 7, 1]);

        // That group was one append alone: the next commits on its caller's task again.
        committed_on_the_callers_task(&writer, report(10));
        assert_eq!(*groups.lock().expect("not poisoned"), [1, 7, 1, 1]);
    }

    #[test]
    fn a_caller_that_stops_waiting_part_way_through_its_commit_leaves_the_backend_to_the_next() {
        let (writer, _run, groups, _open) = gated(Alone::OnCaller);
        let mut first = Box::pin(writer.append(report(1)));
        assert!(polled_once(&mut first).is_pending(), "the first commit waits at the gate");
        drop(first);
        // The backend is free again, and nothing is counted as queued: the next append commits
        // alone on its caller's task.
        committed_on_the_callers_task(&writer, report(2));
        assert_eq!(*groups.lock().expect("not poisoned"), [1]);
    }
}
