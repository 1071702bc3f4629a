//! An in-memory ledger of streams that runs commands exactly as the application layer does
//! (load the target and referenced streams, decide, append, then run what the new events cause),
//! for tests, scenarios and the seed stories, and as the application layer's working set. It holds
//! events in memory only; the event store is elsewhere.
//!
//! What an event causes: a succession (`OrganisationSucceeded`) transfers every open or deferred
//! commitment of the predecessor that the ledger holds to the successor, ends its memberships of
//! bodies and begins the successor's, and passes its pending obligations as a party to the
//! successor, in the same execution ([`succession_consequences`]). If any of these is refused, the
//! succession is refused too and the ledger is left unchanged.

use std::collections::BTreeMap;
use std::sync::Arc;

use kernel::{StreamId, Timestamp};

use crate::ids::StreamKey;
use crate::{
    Command, Context, Date, DomainError, Event, Facts, Folded, OrgId, body, commitment, handle_folded, instrument,
    organisation,
};

/// Streams of domain events held in memory. Each stream's events are shared: a clone of the
/// ledger, or a history handed out by [`Ledger::shared_history`], copies none of them until one
/// side appends to that stream. Beside them, the state each stream a command was decided on
/// folds to, so that the next command on it is decided without folding its history again.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    streams: BTreeMap<StreamId, Arc<Vec<Event>>>,
    /// The state of a stream and the number of its events folded into it.
    folded: BTreeMap<StreamId, (usize, Folded)>,
}

/// What one command appended: its own events, to its own stream, and the events they caused
/// in other streams, in the order they were decided.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Executed {
    pub events: Vec<Event>,
    pub caused: Vec<(StreamId, Event)>,
}

/// Two ledgers are equal when they hold the same events; the states kept beside them are folded
/// from those.
impl PartialEq for Ledger {
    fn eq(&self, other: &Self) -> bool {
        self.streams == other.streams
    }
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Holds `history` as the events of `stream`, replacing any held before: how a caller loads
    /// streams it read elsewhere. A history held nowhere else is appended to without a copy.
    pub fn load(&mut self, stream: StreamId, history: impl Into<Arc<Vec<Event>>>) {
        self.folded.remove(&stream);
        self.streams.insert(stream, history.into());
    }

    /// Holds `history` as [`Ledger::load`] does, with `folded`, the state it folds to (as
    /// [`Ledger::folded`] gave it when the history was held before).
    pub fn load_folded(&mut self, stream: StreamId, history: Arc<Vec<Event>>, folded: Folded) {
        self.folded.insert(stream.clone(), (history.len(), folded));
        self.streams.insert(stream, history);
    }

    /// The state `stream`'s history folds to, when a command was decided on it since it was
    /// loaded.
    pub fn folded(&self, stream: &StreamId) -> Option<Folded> {
        self.folded_now(stream).cloned()
    }

    fn folded_now(&self, stream: &StreamId) -> Option<&Folded> {
        let (folded_events, folded) = self.folded.get(stream)?;
        (*folded_events == self.history(stream).len()).then_some(folded)
    }

    /// The events of `stream`, oldest first; empty when it has none.
    pub fn history(&self, stream: &StreamId) -> &[Event] {
        self.streams.get(stream).map_or(&[], |events| events.as_slice())
    }

    /// The events of `stream`, shared with the ledger rather than copied.
    pub fn shared_history(&self, stream: &StreamId) -> Arc<Vec<Event>> {
        self.streams.get(stream).cloned().unwrap_or_default()
    }

    /// Every stream and its events, in stream id order.
    pub fn streams(&self) -> impl Iterator<Item = (&StreamId, &[Event])> {
        self.streams.iter().map(|(id, events)| (id, events.as_slice()))
    }

    /// The facts a command would be decided against: the states of its referenced streams.
    pub fn facts_for(&self, command: &Command) -> Result<Facts, DomainError> {
        let mut facts = Facts::default();
        for stream in command.references() {
            let history = self.history(&stream);
            if !history.is_empty() {
                facts.insert(&stream, history)?;
            }
        }
        Ok(facts)
    }

    /// The states of every stream held.
    pub fn all_facts(&self) -> Result<Facts, DomainError> {
        let mut facts = Facts::default();
        for (stream, history) in &self.streams {
            facts.insert(stream, history)?;
        }
        Ok(facts)
    }

    /// Decides `command` at `now` and appends the events it produces and the events they cause.
    /// Returns the command's own events.
    pub fn execute(&mut self, command: &Command, now: Timestamp) -> Result<Vec<Event>, DomainError> {
        self.execute_traced(command, now).map(|executed| executed.events)
    }

    /// Decides `command` at `now` and appends the events it produces and the events they cause,
    /// all or nothing. Returns both, each caused event with its stream.
    pub fn execute_traced(&mut self, command: &Command, now: Timestamp) -> Result<Executed, DomainError> {
        let ctx = Context::with_facts(now, self.facts_for(command)?);
        let stream = command.stream_id();
        let kept = self.folded_now(&stream).cloned();
        let (events, folded) = handle_folded(kept, self.history(&stream), &ctx, command)?;
        let successions: Vec<_> = events.iter().filter_map(|event| succession(&stream, event)).collect();
        if successions.is_empty() {
            self.append(stream, &events, folded);
            return Ok(Executed { events, caused: Vec::new() });
        }
        let mut next = self.clone();
        next.append(stream, &events, folded);
        let mut caused = Vec::new();
        for (predecessor, successor, effective_on) in successions {
            for transfer in succession_consequences(&predecessor, &successor, effective_on, &next.all_facts()?) {
                let executed = next.execute_traced(&transfer, now)?;
                caused.extend(executed.events.into_iter().map(|event| (transfer.stream_id(), event)));
                caused.extend(executed.caused);
            }
        }
        *self = next;
        Ok(Executed { events, caused })
    }

    /// Appends `events` to `stream`, whose state they lead to is `folded`. A stream is held only
    /// once it has events.
    fn append(&mut self, stream: StreamId, events: &[Event], folded: Folded) {
        if !events.is_empty() {
            Arc::make_mut(self.streams.entry(stream.clone()).or_default()).extend(events.iter().cloned());
        }
        let folded_events = self.history(&stream).len();
        self.folded.insert(stream, (folded_events, folded));
    }
}

/// What a succession causes, in the order it is recorded: each open or deferred commitment of the
/// predecessor passes to the successor, its memberships of bodies end and the successor's begin,
/// and its pending obligations as a party to instruments pass to the successor.
pub fn succession_consequences(predecessor: &OrgId, successor: &OrgId, on: Date, facts: &Facts) -> Vec<Command> {
    let transfers = commitment::succession_transfers(predecessor, successor, on, facts.commitments.values());
    let seats = body::succession_changes(predecessor, successor, on, facts.bodies.values());
    let parties = instrument::succession_changes(predecessor, successor, on, facts.instruments.values());
    transfers
        .into_iter()
        .map(Command::from)
        .chain(seats.into_iter().map(Command::from))
        .chain(parties.into_iter().map(Command::from))
        .collect()
}

/// The predecessor, successor and date of a succession, when `event` in `stream` records one.
fn succession(stream: &StreamId, event: &Event) -> Option<(OrgId, OrgId, Date)> {
    let Event::Organisation(organisation::Event::Succeeded { successor, effective_on }) = event else {
        return None;
    };
    let Ok(StreamKey::Organisation(predecessor)) = StreamKey::parse(stream) else {
        return None;
    };
    Some((predecessor, successor.clone(), *effective_on))
}
