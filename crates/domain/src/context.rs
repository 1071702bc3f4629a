//! What a decision may know besides its own stream: the current time, and the states of the
//! other streams a command references, looked up by the caller beforehand. Keeping these in a
//! value passed in is what keeps `decide` pure.

use std::collections::BTreeMap;

use kernel::{StreamId, Timestamp};

use crate::ids::StreamKey;
use crate::values::{Date, Key, OrgId};
use crate::when::InFuture;
use crate::{DomainError, Event, body, commitment, indicator, instrument, meeting, organisation, resolution};

/// The states of referenced streams, by aggregate and key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub organisations: BTreeMap<OrgId, organisation::State>,
    pub bodies: BTreeMap<Key, body::State>,
    pub meetings: BTreeMap<Key, meeting::State>,
    pub resolutions: BTreeMap<Key, resolution::State>,
    pub instruments: BTreeMap<Key, instrument::State>,
    pub commitments: BTreeMap<Key, commitment::State>,
    pub indicators: BTreeMap<Key, indicator::State>,
}

impl Facts {
    /// Folds `history`, the events of `stream`, into the state kept for that stream, replacing any
    /// state already held for it. Fails when the stream id does not follow the convention or an
    /// event belongs to another aggregate.
    pub fn insert(&mut self, stream: &StreamId, history: &[Event]) -> Result<(), DomainError> {
        let key = StreamKey::parse(stream).map_err(DomainError::StreamId)?;
        match key {
            StreamKey::Organisation(id) => {
                self.organisations.insert(id, crate::fold(stream, history, organisation::evolve, Event::organisation)?);
            }
            StreamKey::Body(k) => {
                self.bodies.insert(k, crate::fold(stream, history, body::evolve, Event::body)?);
            }
            StreamKey::Meeting(k) => {
                self.meetings.insert(k, crate::fold(stream, history, meeting::evolve, Event::meeting)?);
            }
            StreamKey::Resolution(k) => {
                self.resolutions.insert(k, crate::fold(stream, history, resolution::evolve, Event::resolution)?);
            }
            StreamKey::Instrument(k) => {
                self.instruments.insert(k, crate::fold(stream, history, instrument::evolve, Event::instrument)?);
            }
            StreamKey::Commitment(k) => {
                self.commitments.insert(k, crate::fold(stream, history, commitment::evolve, Event::commitment)?);
            }
            StreamKey::Indicator(k) => {
                self.indicators.insert(k, crate::fold(stream, history, indicator::evolve, Event::indicator)?);
            }
        }
        Ok(())
    }
}

/// Everything a decision may know besides its own stream's history.
#[derive(Clone, Debug, PartialEq)]
pub struct Context {
    /// The time the command is decided: dates after this day are in the future.
    pub now: Timestamp,
    pub facts: Facts,
}

impl Context {
    pub fn new(now: Timestamp) -> Self {
        Self { now, facts: Facts::default() }
    }

    pub fn with_facts(now: Timestamp, facts: Facts) -> Self {
        Self { now, facts }
    }

    /// The calendar day of `now`, in UTC.
    pub fn today(&self) -> Date {
        self.now.as_datetime().date_naive()
    }

    /// `Ok` when `date`, the day `what` happened, is today or earlier; otherwise the refusal
    /// every aggregate gives for a day still to come.
    pub fn not_future(&self, what: &'static str, date: Date) -> Result<(), InFuture> {
        let today = self.today();
        if date > today { Err(InFuture { what, date, today }) } else { Ok(()) }
    }
}
