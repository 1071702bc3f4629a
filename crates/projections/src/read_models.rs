//! All five read models folded together in one pass over the log: what `covenant report`,
//! `covenant rebuild` and the HTTP service keep up to date, under one snapshot and one checkpoint,
//! so the views they serve always describe the same position.

use kernel::RecordedEvent;
use serde::{Deserialize, Serialize};

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

    fn apply(&mut self, event: &RecordedEvent) {
        self.status.apply(event);
        self.resolutions.apply(event);
        self.actions.apply(event);
        self.indicators.apply(event);
        self.audit.apply(event);
    }
}
