//! The read models at one position of the log, folded together in one pass: what `covenant
//! report`, `covenant rebuild` and the HTTP service keep up to date, under one snapshot and one
//! checkpoint, so the views they serve always describe the same position. Each event is decoded
//! once and each aggregate's state is kept once: the status board, the action log, the
//! resolution register and the indicators are views over the same organisations, bodies,
//! instruments and commitments. The audit trail is not among them: it is the log itself, folded
//! for each request from the events it selects ([`crate::AuditTrail`]).

use std::collections::BTreeMap;

use domain::{Key, body, commitment, indicator, meeting, organisation, resolution};
use kernel::{RecordedEvent, StreamId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::change::{Change, evolve_in};
use crate::delivery::Portfolio;
use crate::names::Names;
use crate::resolutions::Register;
use crate::{ActionLog, IndicatorBoard, Projection, ResolutionRegister, StatusBoard};

/// The read models, at one position of the log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadModels {
    /// Organisations and bodies, for their names.
    pub(crate) names: Names,
    /// Instruments and the commitments made towards them or arising from resolutions.
    pub(crate) portfolio: Portfolio,
    /// Resolutions, their meetings, and what each caused.
    pub(crate) register: Register,
    pub(crate) indicators: BTreeMap<Key, indicator::State>,
    /// When each stream was first and last written to.
    pub(crate) stamps: BTreeMap<StreamId, Stamp>,
}

/// When Covenant first and last learnt something of one stream (`recorded_at`): the `created`
/// and `modified` times the OParl API gives the objects made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl Projection for ReadModels {
    const NAME: &'static str = "read_models";
    /// Raised whenever the fold or the saved state's shape changes; always above every version
    /// saved before (up to 8, the sum of the parts' versions when each part was saved apart).
    /// 11: bodies keep their membership history. 12: an instrument's party may be the successor
    /// to the organisation whose pending obligation it took over; the register keeps when and by
    /// whom each correction was recorded. 13: a resolution keeps the paragraph of Schedule 12A
    /// that makes it exempt. 14: organisations keep their reminder contact, opt-out and the latest
    /// period reminded. 15: when each stream was first and last written to. 16: saved in
    /// postcard ([`crate::snapshot`]), the register's acts inside it as JSON. 17: organisations,
    /// bodies, meetings, resolutions, instruments and commitments keep their Welsh texts.
    const VERSION: u32 = 18;

    /// Decodes `event` once and folds it into every part that uses it.
    fn apply(&mut self, event: &RecordedEvent) {
        if let Some(change) = Change::of(event) {
            self.names.apply(&change, event);
            self.portfolio.apply(&change);
            self.register.apply(&change, event);
            let at = event.recorded_at;
            match self.stamps.get_mut(&event.stream_id) {
                Some(stamp) => stamp.modified = at,
                None => {
                    self.stamps.insert(event.stream_id.clone(), Stamp { created: at, modified: at });
                }
            }
            if let Change::Indicator(key, e) = &change {
                evolve_in(&mut self.indicators, key, e, indicator::evolve);
            }
        }
    }
}

impl ReadModels {
    /// The instrument status board.
    pub fn status(&self) -> StatusBoard<'_> {
        StatusBoard { models: self }
    }

    /// The resolution register and each resolution's delivery trail.
    pub fn resolutions(&self) -> ResolutionRegister<'_> {
        ResolutionRegister { models: self }
    }

    /// The action log, by organisation or by body.
    pub fn actions(&self) -> ActionLog<'_> {
        ActionLog { models: self }
    }

    /// Indicators against their targets.
    pub fn indicators(&self) -> IndicatorBoard<'_> {
        IndicatorBoard { models: self }
    }

    /// Every organisation on record, by identifier.
    pub fn organisations(&self) -> impl Iterator<Item = &organisation::State> {
        self.names.organisations()
    }

    /// Every body on record, by key.
    pub fn bodies(&self) -> impl Iterator<Item = &body::State> {
        self.names.bodies()
    }

    /// Every resolution on record, by key.
    pub fn resolutions_on_record(&self) -> impl Iterator<Item = &resolution::State> {
        self.register.resolutions()
    }

    /// The body's name as reports print it, or none when no body `key` is on record.
    pub fn body_name(&self, key: &Key) -> Option<String> {
        self.names.body_name(key)
    }

    /// Every meeting on record, by key.
    pub fn meetings_on_record(&self) -> impl Iterator<Item = &meeting::State> {
        self.register.meetings()
    }

    /// The meeting `key`, if it is on record.
    pub fn meeting(&self, key: &Key) -> Option<&meeting::State> {
        self.register.meeting(key)
    }

    /// The commitment `key` (an action), with its milestones, if it is on record.
    pub fn commitment(&self, key: &Key) -> Option<&commitment::State> {
        self.portfolio.commitments.get(key)
    }

    /// The indicator `key`, with its readings, if it is on record.
    pub fn indicator(&self, key: &Key) -> Option<&indicator::State> {
        self.indicators.get(key)
    }
}
