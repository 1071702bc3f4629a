//! The governance model of Covenant: organisations, bodies, meetings, resolutions, instruments,
//! commitments and indicators, each an aggregate with its commands, events, state, `decide` and
//! `evolve`; the top-level [`Command`] and [`Event`] that name any of them; [`handle`], the one
//! entry point the application layer calls; the event [`codec`]; the [`rag`] rules; and
//! [`when`], the day a command happened and the `occurred_at` it is recorded with. The
//! given/when/then harness, `testing`, is built with the `testing` feature, for tests.
//!
//! Architecture Invariant: this crate is pure and synchronous. It does no IO, reads no clock and
//! knows no store: the current time and the states of referenced streams arrive in a [`Context`].
//!
//! # Running a command
//! 1. Load the events of [`Command::stream_id`] and of each of [`Command::references`].
//! 2. Build a [`Context`] with the time and [`Facts::insert`] for each referenced stream.
//! 3. Call [`handle`] with the target stream's events; append what it returns, encoded with
//!    [`codec::encode`], expecting the version that was loaded.
//!
//! # JSON shape
//! A command is one JSON object naming its aggregate and command, with the command's fields
//! beside them:
//! ```json
//! {"aggregate": "resolution", "command": "correct", "id": "west-lindsey-pcc-2021-03-09-45",
//!  "text": "RESOLVED that ...", "reason": "typing error in the published minute"}
//! ```
//! Events have the same shape with `"event"` instead of `"command"`, holding the variant's name
//! (`{"aggregate": "resolution", "event": "Corrected", ...}`); stored events use
//! [`codec::encode`] instead, which names them `ResolutionCorrected`.

/// Declares an aggregate's `Event`, internally tagged with `event` as the API and the
/// documentation write it, and `Stored`, serde's remote definition of the same variants,
/// externally tagged, through which [`codec`] reads a stored payload in one pass: the stored
/// type names the variant, so its fields are read straight into it rather than buffered while
/// the tag is looked for, as an internally tagged enum must.
macro_rules! events {
    (pub enum Event { $($variants:tt)* }) => {
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = "event")]
        pub enum Event { $($variants)* }

        /// [`Event`] as the codec reads it: only its `deserialize` is used, never its variants.
        #[derive(serde::Deserialize)]
        #[serde(remote = "Event")]
        #[allow(dead_code)]
        pub(crate) enum Stored { $($variants)* }
    };
}
pub(crate) use events;

/// Declares an aggregate's `Error`: its own refusals, then the ones every aggregate shares, so
/// that none forgets them: `InFuture`, a day still to come ([`Context::not_future`]), with what
/// the aggregate advises after it (`in_future`, a format string of the refusal `{0}`), and
/// `Translation`, a translation that cannot be recorded, unless the aggregate is `untranslated`.
macro_rules! errors {
    ($(#[$attr:meta])* pub enum Error { $($own:tt)* } in_future: $advice:literal $(,)?) => {
        crate::errors!($(#[$attr])* pub enum Error {
            $($own)*
            // As `transparent` would, but written out: thiserror's `#[error(transparent)]` does
            // not compile inside a macro's expansion. The translation's error has no source.
            #[error("{0}")]
            Translation(crate::translation::Error),
        } in_future: $advice, untranslated);

        impl From<crate::translation::Error> for Error {
            fn from(error: crate::translation::Error) -> Self {
                Error::Translation(error)
            }
        }
    };
    ($(#[$attr:meta])* pub enum Error { $($own:tt)* } in_future: $advice:literal, untranslated $(,)?) => {
        $(#[$attr])*
        pub enum Error {
            $($own)*
            #[error($advice)]
            InFuture(#[from] crate::when::InFuture),
        }
    };
}
pub(crate) use errors;

/// Writes an aggregate's `Command::id`, the key of type `$id` that every variant carries in its
/// field `id`, and `Command::stream_id`, the stream `$stream` names by that key. Every variant
/// is listed, and the match is exhaustive: a variant left out does not compile.
macro_rules! command_ids {
    ($id:ty, $stream:path: $($variant:ident),+ $(,)?) => {
        impl Command {
            /// The key of the aggregate the command is for.
            pub fn id(&self) -> &$id {
                match self {
                    $(Command::$variant { id, .. })|+ => id,
                }
            }

            /// The stream the command's events are appended to.
            pub fn stream_id(&self) -> StreamId {
                $stream(self.id())
            }
        }
    };
}
pub(crate) use command_ids;

/// Declares an aggregate's lifecycle `Status`: `Unknown`, the default, before its first event,
/// then the aggregate's own stages, each written in snake_case.
macro_rules! status {
    ($(#[$doc:meta])* pub enum Status { $($stage:ident,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Status {
            #[default]
            Unknown,
            $($stage,)*
        }
    };
}
pub(crate) use status;

pub mod body;
pub mod codec;
pub mod commitment;
mod context;
pub mod ids;
pub mod indicator;
pub mod instrument;
pub mod meeting;
pub mod memory;
pub mod organisation;
pub mod rag;
pub mod resolution;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod translation;
pub mod values;
pub mod when;

use kernel::StreamId;
use serde::{Deserialize, Serialize};

pub use context::{Context, Facts};
pub use ids::{Aggregate, StreamKey};
pub use values::{
    ContentHash, Date, Key, MAX_KEY_BYTES, NotADate, OrgId, Period, earliest_date, latest_date, parse_date,
};
pub use when::Happened;

/// Declares the top-level command and event enums, the error that wraps each aggregate's error,
/// and the dispatch from one to the other, from a single list of aggregates.
macro_rules! aggregates {
    ($($variant:ident => $module:ident),* $(,)?) => {
        /// A command to any aggregate, tagged with the aggregate's name.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "aggregate", rename_all = "snake_case")]
        pub enum Command {
            $($variant($module::Command),)*
        }

        /// An event of any aggregate, tagged with the aggregate's name.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "aggregate", rename_all = "snake_case")]
        pub enum Event {
            $($variant($module::Event),)*
        }

        /// Why a command was refused.
        #[derive(Clone, Debug, PartialEq, thiserror::Error)]
        pub enum DomainError {
            $(
                #[error(transparent)]
                $variant(#[from] $module::Error),
            )*
            #[error("stream {stream} holds {found} events, not {expected} events: send the command to the stream its id names")]
            WrongAggregate { stream: StreamId, found: Aggregate, expected: Aggregate },
            #[error("{0}")]
            StreamId(String),
            /// The time the command happened cannot be recorded (see [`when`]).
            #[error(transparent)]
            When(#[from] when::Error),
        }

        $(
            impl From<$module::Command> for Command {
                fn from(command: $module::Command) -> Self {
                    Command::$variant(command)
                }
            }

            impl From<$module::Event> for Event {
                fn from(event: $module::Event) -> Self {
                    Event::$variant(event)
                }
            }
        )*

        impl Command {
            pub fn aggregate(&self) -> Aggregate {
                match self {
                    $(Command::$variant(_) => Aggregate::$variant,)*
                }
            }

            /// The stream the command's events are appended to.
            pub fn stream_id(&self) -> StreamId {
                match self {
                    $(Command::$variant(c) => c.stream_id(),)*
                }
            }

            /// The day the command says it happened, and the field that says so; `None` for a
            /// command without a date of its own (see [`when`]).
            pub fn happened_on(&self) -> Option<Happened> {
                match self {
                    $(Command::$variant(c) => c.happened_on(),)*
                }
            }

            /// The other streams whose states `decide` needs, to be loaded into the [`Facts`].
            pub fn references(&self) -> Vec<StreamId> {
                match self {
                    $(Command::$variant(c) => c.references(),)*
                }
            }
        }

        impl Event {
            pub fn aggregate(&self) -> Aggregate {
                match self {
                    $(Event::$variant(_) => Aggregate::$variant,)*
                }
            }

            /// Reads the event `variant` of `aggregate` from `fields`, a deserializer of its fields
            /// alone, without the tags (see [`codec::Variant`]).
            pub(crate) fn deserialize_stored<'de, D: serde::Deserializer<'de>>(
                aggregate: Aggregate,
                variant: &'static str,
                fields: D,
            ) -> Result<Event, D::Error> {
                let fields = codec::Variant { name: variant, fields };
                Ok(match aggregate {
                    $(Aggregate::$variant => Event::$variant($module::Stored::deserialize(fields)?),)*
                })
            }

            $(
                pub fn $module(&self) -> Option<&$module::Event> {
                    match self {
                        Event::$variant(e) => Some(e),
                        _ => None,
                    }
                }
            )*
        }

        /// The state of one stream's aggregate, folded from its events.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Folded {
            $($variant($module::State),)*
        }

        /// Decides `command` against the events already in its stream (`history`) and the facts
        /// in `ctx`. Returns the new events to append, or why the command was refused.
        pub fn handle(history: &[Event], ctx: &Context, command: &Command) -> Result<Vec<Event>, DomainError> {
            handle_folded(None, history, ctx, command).map(|(events, _)| events)
        }

        /// Decides `command` as [`handle`] does, against `folded`, the state `history` folds to,
        /// when the caller kept it (another aggregate's state is not used: `history` is folded
        /// instead). Returns the new events and the state they lead to.
        pub fn handle_folded(
            folded: Option<Folded>,
            history: &[Event],
            ctx: &Context,
            command: &Command,
        ) -> Result<(Vec<Event>, Folded), DomainError> {
            let stream = command.stream_id();
            match command {
                $(
                    Command::$variant(c) => {
                        let state = match folded {
                            Some(Folded::$variant(state)) => state,
                            _ => fold(&stream, history, $module::evolve, Event::$module)?,
                        };
                        let decided = $module::decide(&state, c, ctx)?;
                        let next = decided.iter().fold(state, $module::evolve);
                        Ok((decided.into_iter().map(Event::$variant).collect(), Folded::$variant(next)))
                    }
                )*
            }
        }
    };
}

aggregates! {
    Organisation => organisation,
    Body => body,
    Meeting => meeting,
    Resolution => resolution,
    Instrument => instrument,
    Commitment => commitment,
    Indicator => indicator,
}

/// Folds the events of one stream into its aggregate's state, refusing events of another
/// aggregate.
pub(crate) fn fold<S: Default, E>(
    stream: &StreamId,
    history: &[Event],
    evolve: fn(S, &E) -> S,
    pick: fn(&Event) -> Option<&E>,
) -> Result<S, DomainError> {
    let expected = StreamKey::parse(stream).map_err(DomainError::StreamId)?.aggregate();
    history.iter().try_fold(S::default(), |state, event| match pick(event) {
        Some(e) => Ok(evolve(state, e)),
        None => Err(DomainError::WrongAggregate { stream: stream.clone(), found: event.aggregate(), expected }),
    })
}
