//! The Indicator aggregate: a measure of delivery with its unit and polarity, a baseline,
//! targets by date, measurements, and revisions of a measurement that keep the earlier value.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::commitment::ObjectiveRef;
use crate::context::Context;
use crate::ids::{indicator_stream, instrument_stream, organisation_stream};
use crate::values::{Date, Key, OrgId, has_text};
use crate::when::Happened;

/// Whether a higher or a lower value is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Define {
        id: Key,
        title: String,
        /// The unit, such as `households` or `%`.
        unit: String,
        polarity: Polarity,
        owner: OrgId,
        towards: Option<ObjectiveRef>,
    },
    SetBaseline {
        id: Key,
        value: f64,
        #[serde(deserialize_with = "crate::values::strict_date")]
        as_of: Date,
        source: String,
    },
    SetTarget {
        id: Key,
        value: f64,
        #[serde(deserialize_with = "crate::values::strict_date")]
        due_on: Date,
    },
    RecordMeasurement {
        id: Key,
        value: f64,
        #[serde(deserialize_with = "crate::values::strict_date")]
        as_of: Date,
        note: Option<String>,
    },
    ReviseMeasurement {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        as_of: Date,
        value: f64,
        reason: String,
    },
}

crate::command_ids!(Key, indicator_stream: Define, SetBaseline, SetTarget, RecordMeasurement, ReviseMeasurement);

impl Command {
    /// The day the command says this happened, and the field that says so: the day a measurement
    /// is as of. A baseline is set, and a measurement revised, when the performance framework
    /// says so, after the reading it takes; its `as_of` is that reading's day, not its own
    /// ([`crate::when::occurred_at`] checks that it does not happen before that day).
    pub fn happened_on(&self) -> Option<Happened> {
        match self {
            Command::RecordMeasurement { as_of, .. } => Some(Happened::new("as_of", *as_of)),
            Command::SetBaseline { .. } => None,
            Command::Define { .. } | Command::SetTarget { .. } | Command::ReviseMeasurement { .. } => None,
        }
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Define { owner, towards, .. } => std::iter::once(organisation_stream(owner))
                .chain(towards.iter().map(|t| instrument_stream(&t.instrument)))
                .collect(),
            Command::SetBaseline { .. }
            | Command::SetTarget { .. }
            | Command::RecordMeasurement { .. }
            | Command::ReviseMeasurement { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Defined { id: Key, title: String, unit: String, polarity: Polarity, owner: OrgId, towards: Option<ObjectiveRef> },
        BaselineSet { value: f64, as_of: Date, source: String },
        TargetSet { value: f64, due_on: Date },
        Measured { value: f64, as_of: Date, note: Option<String> },
        MeasurementRevised { as_of: Date, previous_value: f64, value: f64, reason: String },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub as_of: Date,
    pub value: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub title: String,
    pub unit: String,
    pub polarity: Option<Polarity>,
    pub owner: Option<OrgId>,
    pub towards: Option<ObjectiveRef>,
    pub baseline: Option<Reading>,
    /// Targets by due date, earliest first.
    pub targets: Vec<Reading>,
    /// Measurements by date, earliest first, each at its latest revised value.
    pub measurements: Vec<Reading>,
    pub revisions: u32,
}

impl State {
    pub fn latest(&self) -> Option<Reading> {
        self.measurements.last().copied()
    }

    /// The first target due on or after `day`, or the last target when all are past.
    pub fn target_for(&self, day: Date) -> Option<Reading> {
        self.targets.iter().find(|t| t.as_of >= day).or(self.targets.last()).copied()
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("indicator {0} is already defined: choose another key for a new indicator")]
        AlreadyDefined(Key),
        #[error("indicator {0} is not defined: define it first")]
        NotDefined(Key),
        #[error("{0} is empty: give it as the performance framework words it")]
        Empty(&'static str),
        #[error("organisation {0} is not registered or no longer active: register it, or name its successor")]
        UnknownOrganisation(OrgId),
        #[error("objective {objective} is not an objective of instrument {instrument}: add the objective first")]
        UnknownObjective { instrument: Key, objective: Key },
        #[error("value is not a finite number: give the reading as a number")]
        NotFinite,
        #[error("a measurement as of {0} is already recorded: revise it with a reason instead")]
        AlreadyMeasured(Date),
        #[error("no measurement as of {0} is recorded: record it before revising it")]
        NoMeasurement(Date),
        #[error("the revised value equals the recorded value: give the corrected figure")]
        SameValue,
    }
    in_future: "{0}: record a reading only once it is known",
    untranslated,
}

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    let finite = |v: f64| if v.is_finite() { Ok(v) } else { Err(Error::NotFinite) };
    if let Command::Define { id, title, unit, polarity, owner, towards } = command {
        if state.id.is_some() {
            return Err(Error::AlreadyDefined(id.clone()));
        }
        if !has_text(title) {
            return Err(Error::Empty("indicator title"));
        }
        if !has_text(unit) {
            return Err(Error::Empty("unit"));
        }
        if !ctx.facts.organisations.get(owner).is_some_and(|o| o.is_active()) {
            return Err(Error::UnknownOrganisation(owner.clone()));
        }
        if let Some(t) = towards {
            if ctx.facts.instruments.get(&t.instrument).is_none_or(|i| i.objective(&t.objective).is_none()) {
                return Err(Error::UnknownObjective {
                    instrument: t.instrument.clone(),
                    objective: t.objective.clone(),
                });
            }
        }
        return Ok(vec![Event::Defined {
            id: id.clone(),
            title: title.clone(),
            unit: unit.clone(),
            polarity: *polarity,
            owner: owner.clone(),
            towards: towards.clone(),
        }]);
    }
    if state.id.is_none() {
        return Err(Error::NotDefined(command.id().clone()));
    }
    match command {
        Command::Define { .. } => Ok(Vec::new()),
        Command::SetBaseline { value, as_of, source, .. } => {
            if !has_text(source) {
                return Err(Error::Empty("baseline source"));
            }
            ctx.not_future("baseline", *as_of)?;
            Ok(vec![Event::BaselineSet { value: finite(*value)?, as_of: *as_of, source: source.clone() }])
        }
        Command::SetTarget { value, due_on, .. } => {
            Ok(vec![Event::TargetSet { value: finite(*value)?, due_on: *due_on }])
        }
        Command::RecordMeasurement { value, as_of, note, .. } => {
            if state.measurements.iter().any(|m| m.as_of == *as_of) {
                return Err(Error::AlreadyMeasured(*as_of));
            }
            ctx.not_future("measurement", *as_of)?;
            Ok(vec![Event::Measured { value: finite(*value)?, as_of: *as_of, note: note.clone() }])
        }
        Command::ReviseMeasurement { as_of, value, reason, .. } => {
            let existing = state.measurements.iter().find(|m| m.as_of == *as_of).ok_or(Error::NoMeasurement(*as_of))?;
            let value = finite(*value)?;
            if !has_text(reason) {
                return Err(Error::Empty("revision reason"));
            }
            if existing.value == value {
                return Err(Error::SameValue);
            }
            Ok(vec![Event::MeasurementRevised {
                as_of: *as_of,
                previous_value: existing.value,
                value,
                reason: reason.clone(),
            }])
        }
    }
}

fn insert_sorted(readings: &mut Vec<Reading>, reading: Reading) {
    readings.retain(|r| r.as_of != reading.as_of);
    let at = readings.partition_point(|r| r.as_of < reading.as_of);
    readings.insert(at, reading);
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Defined { id, title, unit, polarity, owner, towards } => {
            state.id = Some(id.clone());
            state.title = title.clone();
            state.unit = unit.clone();
            state.polarity = Some(*polarity);
            state.owner = Some(owner.clone());
            state.towards = towards.clone();
        }
        Event::BaselineSet { value, as_of, .. } => state.baseline = Some(Reading { as_of: *as_of, value: *value }),
        Event::TargetSet { value, due_on } => {
            insert_sorted(&mut state.targets, Reading { as_of: *due_on, value: *value })
        }
        Event::Measured { value, as_of, .. } => {
            insert_sorted(&mut state.measurements, Reading { as_of: *as_of, value: *value })
        }
        Event::MeasurementRevised { as_of, value, .. } => {
            insert_sorted(&mut state.measurements, Reading { as_of: *as_of, value: *value });
            state.revisions += 1;
        }
    }
    state
}
