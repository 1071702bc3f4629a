//! Why a command or batch was not recorded, named by what the caller must do about it.

use domain::DomainError;
use kernel::{Expected, StoreError, StreamId};

/// Why nothing was recorded. Each variant is one way of handling the failure:
/// - [`RecordError::Rejected`]: the rules refuse the command; change the command.
/// - [`RecordError::Conflict`]: another change was recorded first; reload and decide again.
/// - [`RecordError::Invalid`]: the request can never be recorded as sent; fix it.
/// - [`RecordError::Unavailable`]: the store could not be used; try again later.
/// - [`RecordError::Unreadable`]: the log holds an event this build cannot read; an operator
///   must look.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The domain rules refused command number `item` (0-based) of the request.
    #[error("the command on {stream} is refused: {error}")]
    Rejected { item: usize, stream: StreamId, error: DomainError },
    /// A stream was not at the version the decision was made against.
    #[error("{}", conflict_message(stream, *expected, *actual, *attempts))]
    Conflict { stream: StreamId, expected: Expected, actual: u64, attempts: u32 },
    #[error(transparent)]
    Invalid(#[from] InvalidRequest),
    /// The store could not be reached or failed. When `outcome_unknown`, an append was sent and
    /// no answer came back, so the command may have been recorded.
    #[error("{error}; {}", if *outcome_unknown {
        "it is not known whether the command was recorded: read the stream (or the head of the log) before sending it again"
    } else if matches!(error, StoreError::Busy { .. }) {
        "nothing was recorded: send the command again when the other process has finished writing"
    } else {
        "nothing was recorded: send the command again when the store is back"
    })]
    Unavailable { error: StoreError, outcome_unknown: bool },
    /// A stored event could not be read back.
    #[error("{0}; nothing was recorded")]
    Unreadable(String),
}

impl RecordError {
    /// A stored event that does not decode.
    pub(crate) fn undecodable(
        position: kernel::Position,
        stream: &kernel::StreamId,
        error: &domain::codec::DecodeError,
    ) -> Self {
        RecordError::Unreadable(format!("the event at position {position} in {stream} cannot be read: {error}"))
    }
}

impl From<StoreError> for RecordError {
    /// A failed read: nothing was sent, so nothing was recorded.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Corrupt { .. } => RecordError::Unreadable(error.to_string()),
            StoreError::Unavailable(_) | StoreError::Busy { .. } => {
                RecordError::Unavailable { error, outcome_unknown: false }
            }
        }
    }
}

fn conflict_message(stream: &StreamId, expected: Expected, actual: u64, attempts: u32) -> String {
    if attempts > 1 {
        format!(
            "stream {stream} kept changing while the command was decided ({attempts} attempts, the last expecting {expected} and finding version {actual}): nothing was recorded; send the command again"
        )
    } else {
        format!(
            "stream {stream} is at version {actual}, not {expected}: it changed since it was read; nothing was recorded; reload it, check the command still applies, and send it again"
        )
    }
}

/// A request that can never be recorded as sent.
#[derive(Debug, thiserror::Error)]
pub enum InvalidRequest {
    #[error("the request holds no commands: give at least one command")]
    Empty,
    #[error(
        "the request holds {count} commands: one append takes at most {limit} events, so at most {limit} commands; split them into several requests"
    )]
    TooManyCommands { count: usize, limit: usize },
    #[error(
        "the request's commands would record {events} events: one append takes at most {limit}; split the commands into several requests"
    )]
    TooManyEvents { events: usize, limit: usize },
    #[error(
        "command {}: the actor is empty, longer than {limit} bytes or holds control characters: name who is recording in 1 to {limit} printable bytes", item + 1
    )]
    BadActor { item: usize, limit: usize },
    #[error("command {}: the source is longer than {limit} bytes: cite the source more briefly", item + 1)]
    SourceTooLong { item: usize, limit: usize },
    /// A text the command would record (a field, the source, the actor) holds a control
    /// character; `found.field` names it.
    #[error("command {}: {found}", item + 1)]
    ControlCharacter { item: usize, found: kernel::ControlCharacter },
    #[error("command {}: {detail}", item + 1)]
    Encode { item: usize, detail: String },
    #[error("the event store refused the append: {0}")]
    Refused(String),
}
