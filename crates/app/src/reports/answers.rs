//! Answers to report requests, kept while the log does not move: a report is a function of the
//! request (which holds the day and the point) and the log's position alone, so a request
//! repeated at the same position is answered with the same bytes without working the report out
//! again. Every answer kept is for one position; the first answer at a later position
//! drops them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use kernel::Position;
use projections::Format;

use super::ReportRequest;

/// At most this many answers are kept; when full, all are dropped and kept afresh.
const CAPACITY: usize = 1_024;

/// What an answer is kept under: the request and the format it was written in.
pub(crate) type Request = (ReportRequest, Format);

/// One report, written.
pub(crate) type Answer = Bytes;

/// The answers kept, all for one position of the log.
#[derive(Debug, Default)]
pub(crate) struct Answers {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    position: Position,
    answers: HashMap<Request, Answer>,
}

impl Answers {
    /// The answer kept for `request` at `position`, if there is one.
    pub fn get(&self, position: Position, request: &Request) -> Option<Answer> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.position != position {
            return None;
        }
        kept.answers.get(request).cloned()
    }

    /// Keeps `answer` to `request` at `position`; an answer for an earlier position than the one
    /// kept is not kept.
    pub fn keep(&self, position: Position, request: Request, answer: Answer) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if position < kept.position {
            return;
        }
        if position > kept.position || kept.answers.len() >= CAPACITY {
            kept.answers.clear();
            kept.position = position;
        }
        kept.answers.insert(request, answer);
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

    #[test]
    fn an_answer_is_given_again_only_at_its_own_position() {
        let answers = Answers::default();
        answers.keep(Position(7), request("x"), answer("at 7"));
        assert_eq!(answers.get(Position(7), &request("x")), Some(Bytes::from_static(b"at 7")));
        assert!(answers.get(Position(7), &request("y")).is_none(), "another request has no answer");
        let csv = (request("x").0, Format::Csv);
        assert!(answers.get(Position(7), &csv).is_none(), "another format has no answer");
        assert!(answers.get(Position(8), &request("x")).is_none(), "the log moved on");
    }

    #[test]
    fn a_later_position_drops_what_was_kept_and_an_earlier_one_is_ignored() {
        let answers = Answers::default();
        answers.keep(Position(7), request("a"), answer("a at 7"));
        answers.keep(Position(8), request("b"), answer("b at 8"));
        assert!(answers.get(Position(7), &request("a")).is_none());
        answers.keep(Position(7), request("a"), answer("a at 7, late"));
        assert!(answers.get(Position(8), &request("a")).is_none(), "a late answer is not kept for a later position");
        assert!(answers.get(Position(8), &request("b")).is_some());
    }
}
