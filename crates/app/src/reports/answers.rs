//! Answers to report requests, kept while the log does not move: a report is a function of the
//! request (which holds the day and the point) and the log's position alone, so a request
//! repeated at the same position is answered with the same bytes without working the report out
//! again. Every answer kept is for one position; the first answer at a later position
//! drops them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use kernel::Position;
use projections::Format;
use tokio::sync::OnceCell;

use super::ReportRequest;

/// At most this many answers are kept; when full, all are dropped and kept afresh.
const CAPACITY: usize = 1_024;

/// What an answer is kept under: the request and the format it was written in.
pub(crate) type Request = (ReportRequest, Format);

/// One report, written.
pub(crate) type Answer = Bytes;

/// Where one answer is kept: empty until the first request to work it out has done so. Requests
/// that ask for it meanwhile wait for that one instead of working it out again.
pub(crate) type Slot = Arc<OnceCell<Answer>>;

/// The answers kept, all for one position of the log.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    position: Position,
    answers: HashMap<Request, Slot>,
}

impl Answers {
    /// The slot of the answer to `request` at `position`: the one kept, or a new one, kept unless
    /// `position` is earlier than the one kept (the first slot of a later position drops the
    /// others).
    pub fn slot(&self, position: Position, request: &Request) -> Slot {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if position < kept.position {
            return Slot::default();
        }
        if position > kept.position || kept.answers.len() >= CAPACITY {
            kept.answers.clear();
            kept.position = position;
        }
        kept.answers.entry(request.clone()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use domain::Key;
    use projections::{Filters, ReportKind};

    use crate::reports::Asked;

    fn request(body: &str) -> Request {
        let filters = Filters { body: Some(Key::parse(body).expect("a key")), ..Filters::default() };
        let asked = Asked { filters, today: domain::parse_date("2021-03-09").ok(), ..Asked::default() };
        (ReportRequest::new(ReportKind::Status, asked).expect("a request"), Format::Json)
    }

    fn answer(body: &'static str) -> Answer {
        Bytes::from_static(body.as_bytes())
    }

    fn kept(answers: &Answers, position: u64, request: &Request) -> Option<Answer> {
        answers.slot(Position(position), request).get().cloned()
    }

    fn keep(answers: &Answers, position: u64, request: Request, answer: Answer) {
        // A slot that already holds an answer keeps it.
        let _ = answers.slot(Position(position), &request).set(answer);
    }

    #[test]
    fn an_answer_is_given_again_only_at_its_own_position() {
        let answers = Answers::default();
        keep(&answers, 7, request("x"), answer("at 7"));
        assert_eq!(kept(&answers, 7, &request("x")), Some(Bytes::from_static(b"at 7")));
        assert!(kept(&answers, 7, &request("y")).is_none(), "another request has no answer");
        let csv = (request("x").0, Format::Csv);
        assert!(kept(&answers, 7, &csv).is_none(), "another format has no answer");
        assert!(kept(&answers, 8, &request("x")).is_none(), "the log moved on");
    }

    #[test]
    fn a_later_position_drops_what_was_kept_and_an_earlier_one_is_ignored() {
        let answers = Answers::default();
        keep(&answers, 7, request("a"), answer("a at 7"));
        keep(&answers, 8, request("b"), answer("b at 8"));
        assert!(kept(&answers, 7, &request("a")).is_none());
        keep(&answers, 7, request("a"), answer("a at 7, late"));
        assert!(kept(&answers, 8, &request("a")).is_none(), "a late answer is not kept for a later position");
        assert!(kept(&answers, 8, &request("b")).is_some());
    }

    #[tokio::test]
    async fn requests_at_once_for_one_answer_work_it_out_once() {
        let answers = Arc::new(Answers::default());
        let worked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let all = futures::future::join_all((0..20).map(|_| {
            let (answers, worked) = (answers.clone(), worked.clone());
            async move {
                let slot = answers.slot(Position(3), &request("x"));
                let answer = slot
                    .get_or_init(|| async {
                        worked.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                        tokio::task::yield_now().await;
                        answer("at 3")
                    })
                    .await;
                answer.clone()
            }
        }))
        .await;
        assert!(all.iter().all(|a| a == &answer("at 3")));
        assert_eq!(worked.load(std::sync::atomic::Ordering::Acquire), 1, "worked out once for twenty requests");
    }
}
