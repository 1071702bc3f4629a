//! A given/when/then harness for aggregate tests, in the cqrs-es style: given the events already
//! in a stream (or commands that set up a whole world), when a command, then these events or this
//! error. Public so that other crates' tests can state domain facts the same way.

use kernel::{StreamId, Timestamp};

use crate::memory::Ledger;
use crate::{Command, Context, DomainError, Event, Facts, handle};

/// The time tests decide at unless told otherwise: noon on 1 June 2024.
pub fn default_now() -> Timestamp {
    Timestamp::parse("2024-06-01T12:00:00Z").expect("a valid fixed time")
}

/// The world before the command under test.
#[derive(Clone, Debug)]
pub struct Given {
    history: Vec<Event>,
    ledger: Ledger,
    extra_facts: Vec<(StreamId, Vec<Event>)>,
    now: Timestamp,
}

/// Given these events in the target stream.
pub fn given(history: impl IntoIterator<Item = Event>) -> Given {
    Given { history: history.into_iter().collect(), ledger: Ledger::new(), extra_facts: Vec::new(), now: default_now() }
}

/// Given a world built by running `setup` in order, each at the default time; the target stream's
/// history is whatever the setup left in it.
pub fn given_commands(setup: impl IntoIterator<Item = Command>) -> Given {
    let mut ledger = Ledger::new();
    for command in setup {
        if let Err(e) = ledger.execute(&command, default_now()) {
            panic!("setup command refused: {e}\n{command:?}");
        }
    }
    Given { history: Vec::new(), ledger, extra_facts: Vec::new(), now: default_now() }
}

impl Given {
    /// Adds another stream's events to the facts the command is decided against.
    pub fn and_stream(mut self, stream: StreamId, history: impl IntoIterator<Item = Event>) -> Self {
        self.extra_facts.push((stream, history.into_iter().collect()));
        self
    }

    /// Decides at `now` (RFC 3339 or a plain date) instead of the default time.
    pub fn at(mut self, now: &str) -> Self {
        self.now = Timestamp::parse(now).expect("a valid time");
        self
    }

    /// When this command is decided.
    pub fn when(self, command: impl Into<Command>) -> Then {
        let command = command.into();
        let stream = command.stream_id();
        let result = (|| {
            let mut facts: Facts = self.ledger.facts_for(&command)?;
            for (stream, history) in &self.extra_facts {
                facts.insert(stream, history)?;
            }
            let mut history = self.ledger.history(&stream).to_vec();
            history.extend(self.history.iter().cloned());
            handle(&history, &Context::with_facts(self.now, facts), &command)
        })();
        Then { command, result }
    }
}

/// What the command produced.
#[derive(Debug)]
pub struct Then {
    command: Command,
    result: Result<Vec<Event>, DomainError>,
}

impl Then {
    /// Then exactly these events.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = Event>) {
        let expected: Vec<Event> = expected.into_iter().collect();
        match self.result {
            Ok(events) => assert_eq!(events, expected, "events for {:?}", self.command),
            Err(e) => panic!("expected events, got error: {e}\ncommand: {:?}", self.command),
        }
    }

    /// Then an error satisfying `check`; returns its message for further checks.
    #[track_caller]
    pub fn then_error(self, check: impl FnOnce(&DomainError) -> bool) -> String {
        match self.result {
            Ok(events) => panic!("expected an error, got events: {events:?}\ncommand: {:?}", self.command),
            Err(e) => {
                assert!(check(&e), "unexpected error: {e:?}");
                let message = e.to_string();
                assert!(message.contains(": "), "message should say what to do: {message}");
                assert!(
                    message.chars().next().is_some_and(|c| !c.is_uppercase()),
                    "message should be lowercase: {message}"
                );
                message
            }
        }
    }

    /// The events, for checks of their own.
    #[track_caller]
    pub fn events(self) -> Vec<Event> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("expected events, got error: {e}\ncommand: {:?}", self.command),
        }
    }
}
