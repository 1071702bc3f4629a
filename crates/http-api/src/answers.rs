//! Answers to report requests about now, kept while the log does not move: a report of the live
//! read models is a function of their position, the request and the day alone, so a request
//! repeated at the same position is answered with the same bytes without working the report out
//! again. Every answer kept is for one position; the first answer at a later position drops them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::Date;
use kernel::Position;

/// At most this many answers are kept; when full, all are dropped and kept afresh.
const CAPACITY: usize = 1_024;

/// What an answer is kept under: the route, its query string as sent, the representation and the
/// day the report counts overdue and stale items against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Request {
    pub path_and_query: String,
    pub content_type: &'static str,
    pub today: Date,
}

/// One report, written.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub content_type: &'static str,
    pub body: Bytes,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type))], self.body).into_response()
    }
}

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

    fn request(query: &str) -> Request {
        Request {
            path_and_query: format!("/api/v1/status?{query}"),
            content_type: "application/json",
            today: Date::from_ymd_opt(2021, 3, 9).expect("a date"),
        }
    }

    fn answer(body: &'static str) -> Answer {
        Answer { content_type: "application/json", body: Bytes::from_static(body.as_bytes()) }
    }

    #[test]
    fn an_answer_is_given_again_only_at_its_own_position() {
        let answers = Answers::default();
        answers.keep(Position(7), request("body=x"), answer("at 7"));
        assert_eq!(answers.get(Position(7), &request("body=x")).map(|a| a.body), Some(Bytes::from_static(b"at 7")));
        assert!(answers.get(Position(7), &request("body=y")).is_none(), "another request has no answer");
        assert!(answers.get(Position(8), &request("body=x")).is_none(), "the log moved on");
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
