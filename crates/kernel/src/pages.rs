//! Reading the log page after page with the next pages already on their way: [`Pages`].

use std::collections::VecDeque;
use std::task::Poll;

use futures::future::BoxFuture;

use crate::{EventStore, Position, RecordedEvent, StoreError};

/// How many pages after the one just handed out a [`Pages`] keeps reading, once a full page
/// says the log goes on.
pub const READ_AHEAD: usize = 2;

type Read<'a> = BoxFuture<'a, Result<Vec<RecordedEvent>, StoreError>>;

/// The whole log after a position, a page at a time in position order, each page asked for with
/// [`Pages::next`]. When a page comes back full the log may go on, so the reads of the next
/// [`READ_AHEAD`] pages are started before that page is handed out: a store whose reads run on a
/// task or thread of their own (both backends) reads them while the caller handles this one, on
/// as many connections, so a fold, a check of the chain or a save no longer leaves the database
/// idle, and neither do the pages' round trips. Every page is read with
/// [`EventStore::read_all_ahead`].
///
/// The reads ahead are planned from the gapless positions (ADR 0001): after a full page ending
/// at position `p`, the next page is the one after `p`, the one after it is after `p + page`, and
/// so on. A read ahead is handed out only if it starts where the page before it ended; when a page
/// comes back short (the head, as the log stood for that read), the reads started after it are
/// dropped and the next page is read again from where that one ended. So what a caller gets is
/// what reading one page after another from the end of the last would give; only the moments of
/// the reads differ.
pub struct Pages<'a> {
    read: Box<dyn Fn(Position, usize) -> Read<'a> + Send + 'a>,
    /// The last position handed out, or the one the pages start after.
    after: Position,
    page: usize,
    /// The reads started, each after the position it names, in position order.
    ahead: VecDeque<(Position, Started<'a>)>,
}

/// A read polled once when it was started: still running, or already answered.
enum Started<'a> {
    Running(Read<'a>),
    Done(Result<Vec<RecordedEvent>, StoreError>),
}

impl std::fmt::Debug for Pages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("after", &self.after)
            .field("page", &self.page)
            .field("ahead", &self.ahead.iter().map(|(after, _)| after).collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> Pages<'a> {
    /// The events of `store` after `after`, in pages of at most `page`.
    pub fn new<S: EventStore + ?Sized>(store: &'a S, after: Position, page: usize) -> Self {
        Self::reading(move |after, limit| store.read_all_ahead(after, limit), after, page)
    }

    /// The same, for a reader that owns its store (a subscription).
    pub fn owned<S: EventStore + Clone + 'static>(store: S, after: Position, page: usize) -> Pages<'static> {
        Pages::reading(
            move |after, limit| {
                let store = store.clone();
                Box::pin(async move { store.read_all_ahead(after, limit).await })
            },
            after,
            page,
        )
    }

    fn reading(read: impl Fn(Position, usize) -> Read<'a> + Send + 'a, after: Position, page: usize) -> Self {
        Self { read: Box::new(read), after, page: page.max(1), ahead: VecDeque::new() }
    }

    /// The last position handed out, or the one the pages started after.
    pub fn after(&self) -> Position {
        self.after
    }

    /// The next page: the events after the last one handed out, at most a page of them; empty
    /// at the end of the log. Asked for again after an empty page, it reads again, and gives
    /// what was appended since.
    pub async fn next(&mut self) -> Result<Vec<RecordedEvent>, StoreError> {
        if self.ahead.front().is_some_and(|(after, _)| *after != self.after) {
            // A page before these came back short: they start past the events it did not hold.
            self.ahead.clear();
        }
        let started = match self.ahead.pop_front() {
            Some((_, started)) => started,
            None => begin((self.read)(self.after, self.page)).await,
        };
        let page = match started {
            Started::Running(read) => read.await,
            Started::Done(read) => read,
        };
        let page = page.inspect_err(|_| self.ahead.clear())?;
        if let Some(last) = page.last() {
            self.after = last.position;
        }
        if page.len() == self.page {
            while self.ahead.len() < READ_AHEAD {
                let from = self.ahead.back().map_or(self.after, |(after, _)| Position(after.0 + self.page as u64));
                let started = begin((self.read)(from, self.page)).await;
                self.ahead.push_back((from, started));
            }
        }
        Ok(page)
    }
}

/// `read`, polled once so that a store whose read runs on a task or thread of its own has begun
/// it.
async fn begin(mut read: Read<'_>) -> Started<'_> {
    match futures::poll!(read.as_mut()) {
        Poll::Ready(page) => Started::Done(page),
        Poll::Pending => Started::Running(read),
    }
}
