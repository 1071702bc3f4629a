//! Why a request or a follower failed, named by what the caller must do.

use crate::Problem;

/// A failure of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with a problem: its status and what it says to do (boxed: a problem
    /// document is larger than every other failure together).
    #[error("the service answered {}: {}", .0.status, .0.detail)]
    Problem(Box<Problem>),
    /// The service could not be reached, or the connection broke; try again.
    #[error("failed to reach the service: {0}")]
    Unreachable(#[from] reqwest::Error),
    /// The service answered something the client cannot read: a client of another version?
    #[error("failed to read the service's answer: {0}")]
    Unreadable(String),
    /// The cursor file could not be read or written.
    #[error("failed to keep the cursor in {path}: {detail}")]
    Cursor { path: String, detail: String },
    /// The handler refused an event; the cursor stays before it.
    #[error("the handler failed at position {position}: {detail}")]
    Handler { position: u64, detail: String },
}

impl ClientError {
    /// The HTTP status of a problem answer, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Problem(problem) => Some(problem.status),
            _ => None,
        }
    }
}
