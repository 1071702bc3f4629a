//! A file of commands in JSON Lines as an import, as `covenant record --file` and `covenant
//! import commands` take it: every line read first ([`crate::parse_command_lines`]), then every
//! command decided in order against the record as it stands and recorded in one append, all or
//! nothing. [`check`] does all but the append, so a page can show what a file would record
//! before it is confirmed; [`import`] decides the file again as it records it.

use kernel::Timestamp;

use super::{ImportError, ImportProblem};
use crate::{
    CommandLine, InvalidRequest, Provenance, RecordError, Recorded, Recorder, Submission, parse_command_lines,
};

/// A file of commands checked: its commands, each with its line, and how many events recording
/// them would append now.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub lines: Vec<CommandLine>,
    pub events: usize,
}

/// The submissions of `lines`, read from the file `name`: each with `provenance`, and, when that
/// names no source, the file and the line as its source.
pub fn submissions(lines: &[CommandLine], name: &str, provenance: &Provenance) -> Vec<Submission> {
    lines
        .iter()
        .map(|c| Submission {
            command: c.command.clone(),
            provenance: Provenance {
                source: provenance.source.clone().or_else(|| Some(format!("{name}, line {}", c.line))),
                ..provenance.clone()
            },
        })
        .collect()
}

/// Every command of `text`, or every line that is not one.
fn read(text: &str) -> Result<Vec<CommandLine>, ImportError> {
    let lines = parse_command_lines(text).map_err(|errors| {
        ImportError::Invalid(errors.into_iter().map(|e| ImportProblem::new(e.line, None, e.message)).collect())
    })?;
    if lines.is_empty() {
        return Err(ImportError::Invalid(vec![ImportProblem::new(
            1,
            None,
            "the file holds no commands: give one JSON object a line, as docs/commands.md describes",
        )]));
    }
    Ok(lines)
}

/// Why the commands were refused: the rules' refusal at the line of the command refused, or a
/// failure to read or write the store.
fn refused(lines: &[CommandLine], error: RecordError) -> ImportError {
    let item = match &error {
        RecordError::Rejected { item, .. } | RecordError::Invalid(InvalidRequest::ControlCharacter { item, .. }) => {
            *item
        }
        RecordError::Invalid(InvalidRequest::TooManyCommands { .. }) => 0,
        _ => return ImportError::Store(error),
    };
    let line = lines.get(item).map_or(1, |c| c.line);
    ImportError::Invalid(vec![ImportProblem::new(line, None, error.to_string())])
}

/// Reads and checks the commands of `text`, from the file `name`, decided in order against the
/// record as it stands at `now`, recording nothing.
pub async fn check(
    recorder: &Recorder,
    text: &str,
    name: &str,
    provenance: &Provenance,
    now: Timestamp,
) -> Result<Checked, ImportError> {
    let lines = read(text)?;
    let events =
        recorder.check_batch(&submissions(&lines, name, provenance), now).await.map_err(|e| refused(&lines, e))?;
    Ok(Checked { lines, events })
}

/// Records the commands of `text`, from the file `name`, in one append, all or nothing. With an
/// idempotency seed in `provenance`, the same file sent again gets the first answer.
pub async fn import(
    recorder: &Recorder,
    text: &str,
    name: &str,
    provenance: &Provenance,
    now: Timestamp,
) -> Result<Recorded, ImportError> {
    let lines = read(text)?;
    recorder.record_batch(&submissions(&lines, name, provenance), now).await.map_err(|e| refused(&lines, e))
}
