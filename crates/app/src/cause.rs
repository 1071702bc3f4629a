//! Correlation and causation: how the events a command records are tied to what caused them, so
//! that everything a resolution set in motion can be traced back to it.
//!
//! The rule, applied to each command:
//! 1. A correlation or causation id the caller gives is used as given.
//! 2. A command that cites a resolution as its authority is caused by that resolution's
//!    recording: its events' causation id is the id of the resolution's `ResolutionRecorded`
//!    event, and their correlation id is that event's correlation id. The commands that cite a
//!    resolution are an instrument's endorsement, adoption, signature, a party's withdrawal, a
//!    refresh and a withdrawal (when they name one), a commitment arising from a resolution, and
//!    the rescission or supersession of a resolution by a later one (caused by the later one).
//! 3. Any other command starts a chain of its own: no causation id, and as correlation id the id
//!    of its own first event, so that the chain is named by the event that began it.
//! 4. Events that a command's events cause, such as the transfers of a succession, have the
//!    command's first event as their cause and share its correlation id.
//!
//! So the delivery trail of a resolution is every event whose causation id is the id of its
//! `ResolutionRecorded` event, and the whole chain it belongs to is every event with that
//! event's correlation id.

use domain::{Command, Key, commitment, instrument, resolution};
use uuid::Uuid;

/// The id and the correlation id of a recorded or decided event: what another event can name
/// as its cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub event_id: Uuid,
    pub correlation_id: Uuid,
}

/// The resolution a command cites as its authority, if any.
pub(crate) fn cited_resolution(command: &Command) -> Option<&Key> {
    match command {
        Command::Instrument(
            instrument::Command::Endorse { resolution, .. }
            | instrument::Command::Adopt { resolution, .. }
            | instrument::Command::Sign { resolution, .. },
        ) => Some(resolution),
        Command::Instrument(
            instrument::Command::WithdrawParty { resolution, .. }
            | instrument::Command::Refresh { resolution, .. }
            | instrument::Command::Withdraw { resolution, .. },
        ) => resolution.as_ref(),
        Command::Commitment(commitment::Command::Make { arising_from, .. }) => arising_from.as_ref(),
        Command::Resolution(
            resolution::Command::Rescind { by_resolution, .. } | resolution::Command::Supersede { by_resolution, .. },
        ) => Some(by_resolution),
        _ => None,
    }
}

/// The correlation and causation ids of a command's events: the caller's own where given, else
/// the cited resolution's recording event (`cited`), else a new chain named by `first_event`.
pub(crate) fn command_ids(
    correlation_id: Option<Uuid>,
    causation_id: Option<Uuid>,
    cited: Option<Origin>,
    first_event: Uuid,
) -> (Uuid, Option<Uuid>) {
    let correlation = correlation_id.or(cited.map(|c| c.correlation_id)).unwrap_or(first_event);
    let causation = causation_id.or(cited.map(|c| c.event_id));
    (correlation, causation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callers_ids_win_then_the_cited_resolution_then_a_new_chain() {
        let cited = Origin { event_id: Uuid::now_v7(), correlation_id: Uuid::now_v7() };
        let first = Uuid::now_v7();
        let mine = Uuid::now_v7();
        assert_eq!(command_ids(None, None, None, first), (first, None));
        assert_eq!(command_ids(None, None, Some(cited), first), (cited.correlation_id, Some(cited.event_id)));
        assert_eq!(command_ids(Some(mine), None, Some(cited), first), (mine, Some(cited.event_id)));
        assert_eq!(command_ids(None, Some(mine), None, first), (first, Some(mine)));
    }

    #[test]
    fn adoptions_and_commitments_cite_their_resolution() {
        let adopt: Command = serde_json::from_str(
            r#"{"aggregate":"instrument","command":"adopt","id":"blueprint","party":"GB-LAE-WLI","resolution":"minute-45","adopted_on":"2021-03-09"}"#,
        )
        .expect("command");
        assert_eq!(cited_resolution(&adopt).map(Key::as_str), Some("minute-45"));
        let publish: Command = serde_json::from_str(
            r#"{"aggregate":"resolution","command":"publish","id":"minute-45","published_on":"2021-03-10"}"#,
        )
        .expect("command");
        assert_eq!(cited_resolution(&publish), None);
    }
}
