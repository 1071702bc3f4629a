//! Loading the seed stories into a store, step by step through the [`Recorder`], each step with
//! its own `occurred_at`, actor and source, as a secretariat would have recorded it; so the log
//! holds the stories in their order, one append per step.

use kernel::{Position, Timestamp};

use crate::seeds::Story;
use crate::{Provenance, RecordError, Recorder, Submission};

/// What loading one story recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoryLoaded {
    pub commands: usize,
    pub events: usize,
    /// The position of the story's last event.
    pub last_position: Option<Position>,
}

/// A step of a story that was not recorded.
#[derive(Debug, thiserror::Error)]
#[error("step {} of the {story} story was not recorded: {error}", step + 1)]
pub struct SeedError {
    pub story: &'static str,
    /// The step, 0-based.
    pub step: usize,
    /// Not a `#[source]`: the message already ends with it.
    pub error: RecordError,
}

/// Records every step of `story`, deciding each at `now`.
pub async fn load_story(recorder: &Recorder, story: &Story, now: Timestamp) -> Result<StoryLoaded, SeedError> {
    let mut loaded = StoryLoaded::default();
    for (step, seed) in story.steps.iter().enumerate() {
        let submission = Submission {
            command: seed.command.clone(),
            provenance: Provenance {
                source: Some(seed.source.clone()),
                occurred_at: Some(seed.occurred_at),
                ..Provenance::new(seed.actor.clone())
            },
        };
        let recorded =
            recorder.record(&submission, now).await.map_err(|error| SeedError { story: story.key, step, error })?;
        loaded.commands += 1;
        loaded.events += recorded.events.len();
        loaded.last_position = recorded.events.last().map(|e| e.position).or(loaded.last_position);
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step that failed is told once: its message ends with the cause, so the cause is not
    /// also given as its source (which `{:#}` and error reporters would print again).
    #[test]
    fn a_failed_step_names_its_cause_once() {
        let error = SeedError {
            story: "lincolnshire",
            step: 34,
            error: RecordError::Unavailable {
                error: kernel::StoreError::Unavailable("the disk holding the SQLite file is full".into()),
                outcome_unknown: false,
            },
        };
        let mut told = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            told = format!("{told}: {cause}");
            source = cause.source();
        }
        assert_eq!(told.matches("the disk holding the SQLite file is full").count(), 1, "{told}");
        assert!(told.starts_with("step 35 of the lincolnshire story was not recorded: "), "{told}");
    }
}
