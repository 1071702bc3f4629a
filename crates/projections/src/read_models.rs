//! All five read models folded together in one pass over the log: what `covenant report`,
//! `covenant rebuild` and the HTTP service keep up to date, under one snapshot and one checkpoint,
//! so the views they serve always describe the same position. Each event is decoded once for all
//! five.

use domain::codec;
use kernel::RecordedEvent;
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::{ActionLog, AuditTrail, IndicatorBoard, Projection, ResolutionRegister, StatusBoard};

/// Every read model, at one position of the log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadModels {
    pub status: StatusBoard,
    pub resolutions: ResolutionRegister,
    pub actions: ActionLog,
    pub indicators: IndicatorBoard,
    pub audit: AuditTrail,
}

impl Projection for ReadModels {
    const NAME: &'static str = "read_models";
    /// The sum of the parts' versions: each only ever grows, so any part's change changes it.
    const VERSION: u32 = StatusBoard::VERSION
        + ResolutionRegister::VERSION
        + ActionLog::VERSION
        + IndicatorBoard::VERSION
        + AuditTrail::VERSION;

    /// Decodes `event` once and folds it into every part.
    fn apply(&mut self, event: &RecordedEvent) {
        let decoded = codec::decode_recorded(event);
        self.audit.record(event, decoded.as_ref());
        if let Some(change) = decoded.ok().and_then(|e| Change::of(event, e)) {
            self.status.fold(&change);
            self.resolutions.fold(&change);
            self.actions.fold(&change);
            self.indicators.fold(&change);
        }
    }
}
