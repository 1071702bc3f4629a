//! The rules a view reads "today" by: how RAG is rated and how progress rolls up (both the
//! domain's own [`RagRule`] and [`RollUp`]), when an open commitment counts as stale, what "due
//! soon" means, and the tolerance for indicators against their targets.

use domain::rag::{RagRule, RollUp};
use serde::{Deserialize, Serialize};

/// How views rate and classify what the events record.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// How a commitment is rated red, amber or green.
    pub rag: RagRule,
    /// How a parent's progress is computed from its children's.
    pub roll_up: RollUp,
    /// An open commitment with no progress for more than this many days is stale.
    pub stale_after_days: u32,
    /// An open commitment due within this many days from today is due soon.
    pub due_soon_days: u32,
    /// An indicator short of its target by no more than this fraction of it is amber, not red.
    pub indicator_tolerance: f64,
    /// A decision subject to call-in takes effect once this many working days (Monday to
    /// Friday) pass after it is published without a call-in.
    #[serde(default = "default_call_in_working_days")]
    pub call_in_working_days: u32,
}

fn default_call_in_working_days() -> u32 {
    5
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            rag: RagRule::default(),
            roll_up: RollUp::default(),
            stale_after_days: 90,
            due_soon_days: 30,
            indicator_tolerance: 0.1,
            call_in_working_days: default_call_in_working_days(),
        }
    }
}

impl Rules {
    /// The RAG rule in words, for a report's notes.
    pub(crate) fn rag_note(&self) -> String {
        let rule = match self.rag {
            RagRule::AsReported => "as the lead reported it".to_owned(),
            RagRule::AgainstTarget { tolerance } => {
                format!("against the target, amber within {}% short of it", tolerance * 100.0)
            }
            RagRule::AgainstExpected { amber_gap, red_gap } => format!(
                "against steady progress from start to due date: amber over {amber_gap} points behind, red over {red_gap}"
            ),
        };
        let roll_up = match self.roll_up {
            RollUp::Mean => "the mean of its parts",
            RollUp::Weighted => "the mean of its parts weighted by each commitment's weight",
        };
        format!("RAG is rated {rule}; a total is {roll_up}, and its RAG the worst of theirs.")
    }

    /// The staleness rule in words.
    pub(crate) fn stale_note(&self) -> String {
        format!("Stale: open with no progress reported for more than {} days.", self.stale_after_days)
    }
}
