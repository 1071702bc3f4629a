//! The formats Covenant exchanges with other systems, each in a module of its own that both the
//! command line and the HTTP service use: the log as CloudEvents (`cloudevents`), and the files
//! partnerships already keep, action plans as CSV (`action_plan`) and council decisions as
//! ModernGov web-service XML (`moderngov`), and files of commands as JSON Lines (`commands`,
//! recorded in one append, all or nothing, rather than as a [`Plan`]); and the public record as iCalendar (`icalendar`) and Atom
//! (`atom`), for calendars and feed readers, and as OParl 1.1 objects (`oparl`), for civic-data tools, which only the HTTP service serves. Each import of those files reads and checks
//! the whole file against the rules and the store's current state first, and turns it into a
//! [`Plan`]: the commands each line of the file needs, leaving out what is already recorded. Any
//! problem means nothing is recorded, and every problem is reported with its line, column and
//! what to fix. [`Importer::record`] then records the plan through the [`Recorder`].
//!
//! Atomicity: a plan of up to [`Limits::max_events_per_append`] commands is one append, all or
//! nothing. A larger one is recorded in consecutive appends of whole lines, each all or nothing;
//! if one fails, the appends before it stay recorded. Because a plan leaves out what is already
//! recorded, importing the same file again records only the rest: an interrupted import is
//! finished by running it again.

pub mod action_plan;
pub mod atom;
pub mod cloudevents;
pub mod commands;
mod html;
pub mod icalendar;
pub mod moderngov;
pub mod oparl;
pub mod popolo;

use std::fmt;

use domain::Command;
use kernel::{Limits, Position, Timestamp};
use serde::Serialize;

use crate::{InvalidRequest, Provenance, RecordError, Recorder, Submission};

/// The record's own texts as a calendar or feed in some language shows them: each one's Welsh
/// where that language is Welsh and a translation is recorded, else the English as recorded
/// ([`projections::PublicRecord::said`]).
pub trait Texts {
    /// The text of `own`, `english` as recorded.
    fn said<'a>(&'a self, own: projections::Own, english: &'a str) -> projections::Said<'a>;
}

/// One problem found in an imported file: where it is, and what to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// The line of the file (1-based); for a CSV row, the line it starts on.
    pub line: usize,
    /// The column or element at fault, when the problem is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl ImportProblem {
    pub fn new(line: usize, column: Option<&str>, message: impl Into<String>) -> Self {
        Self { line, column: column.map(str::to_owned), message: message.into() }
    }
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}, {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// A line of an imported file that is on record already under another key (recorded by other
/// means than this import), so records nothing: what it was matched to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// The line of the file (1-based).
    pub line: usize,
    /// What the line is, and what on record it is: `ModernGov meeting 2562 is meeting
    /// west-lindsey-pcc-2021-03-09 on record`.
    pub message: String,
}

impl fmt::Display for Matched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The commands one line of an imported file needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub line: usize,
    /// Where the facts come from, such as `West Lindsey District Council, Prosperous Communities
    /// Committee, 9 March 2021, agenda item 8`.
    pub source: String,
    /// When the commands without a date of their own happened in the world; a command with one
    /// (a resolution's `decided_on`, a progress report's `reported_on`) happened on that date.
    pub occurred_at: Timestamp,
    pub commands: Vec<Command>,
}

/// What an import will record: the lines with something to record, how many lines of the file
/// needed nothing because they are recorded already, the lines matched to what is on record under
/// other keys, and what it cannot record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub lines: Vec<Planned>,
    pub unchanged: usize,
    /// Lines on record already under other keys, which record nothing.
    pub matched: Vec<Matched>,
    /// Changes the file shows that the domain has no command for, so are not recorded.
    pub not_recorded: Vec<ImportProblem>,
}

impl Plan {
    /// How many commands the plan holds.
    pub fn commands(&self) -> usize {
        self.lines.iter().map(|p| p.commands.len()).sum()
    }
}

/// What an import recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// Lines of the file that recorded something.
    pub changed: usize,
    /// Lines of the file already recorded by an earlier import, which recorded nothing (skipped).
    pub unchanged: usize,
    /// Lines of the file matched to what is on record under other keys, which recorded nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<Matched>,
    pub events: usize,
    /// How many appends the events took.
    pub appends: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_position: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_position: Option<Position>,
    /// Changes the file shows that the domain has no command for, so were not recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_recorded: Vec<ImportProblem>,
}

/// Why an import recorded nothing, or not everything.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; nothing was recorded.
    #[error("{} in the file; nothing was recorded:\n{}", count(.0.len()), list(.0))]
    Invalid(Vec<ImportProblem>),
    /// Recording failed at `line`; the lines of `recorded` earlier appends stay recorded.
    #[error("line {line}: {error}{}", after(*recorded))]
    Record {
        line: usize,
        recorded: usize,
        #[source]
        error: RecordError,
    },
    /// The store could not be read to check the file; nothing was recorded.
    #[error(transparent)]
    Store(#[from] RecordError),
}

fn count(n: usize) -> String {
    if n == 1 { "1 problem".to_owned() } else { format!("{n} problems") }
}

fn list(problems: &[ImportProblem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

fn after(recorded: usize) -> String {
    match recorded {
        0 => String::new(),
        n => format!(
            "; the {n} lines before it were recorded in earlier appends: fix the problem and import the file again, which records only what is still missing"
        ),
    }
}

/// What every import takes beside its file and its options: the recorder, the actor it records
/// as, and `progress`, called with the number of lines recorded so far and the number to record.
pub struct Importer<'a> {
    pub recorder: &'a Recorder,
    pub actor: &'a str,
    pub progress: &'a mut (dyn FnMut(usize, usize) + Send),
}

impl std::fmt::Debug for Importer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer").field("actor", &self.actor).finish_non_exhaustive()
    }
}

impl Importer<'_> {
    /// Records `plan`: in one append when it fits, otherwise in consecutive appends of whole
    /// lines of at most [`Limits::max_events_per_append`] commands (each command of an import
    /// decides exactly one event), calling `progress` after each.
    pub async fn record(self, plan: &Plan, now: Timestamp) -> Result<Imported, ImportError> {
        let Importer { recorder, actor, progress } = self;
        let refused = control_characters(plan);
        if !refused.is_empty() {
            return Err(ImportError::Invalid(refused));
        }
        let limit = Limits::default().max_events_per_append;
        let mut imported = Imported {
            unchanged: plan.unchanged,
            matched: plan.matched.clone(),
            not_recorded: plan.not_recorded.clone(),
            ..Imported::default()
        };
        let mut start = 0;
        while start < plan.lines.len() {
            let mut end = start;
            let mut commands = 0;
            while end < plan.lines.len() && (end == start || commands + plan.lines[end].commands.len() <= limit) {
                commands += plan.lines[end].commands.len();
                end += 1;
            }
            let chunk = &plan.lines[start..end];
            let mut submissions = Vec::with_capacity(commands);
            let mut lines = Vec::with_capacity(commands);
            for planned in chunk {
                for command in &planned.commands {
                    submissions.push(Submission {
                        command: command.clone(),
                        provenance: Provenance {
                            source: Some(planned.source.clone()),
                            // A command with a date of its own happened on that date (`domain::when`); the
                            // line's time is when the others happened.
                            occurred_at: command.happened_on().is_none().then_some(planned.occurred_at),
                            ..Provenance::new(actor)
                        },
                    });
                    lines.push(planned.line);
                }
            }
            let recorded = recorder.record_batch(&submissions, now).await.map_err(|error| {
                let item = match &error {
                    RecordError::Rejected { item, .. }
                    | RecordError::Invalid(InvalidRequest::ControlCharacter { item, .. }) => *item,
                    _ => 0,
                };
                ImportError::Record { line: lines.get(item).copied().unwrap_or(chunk[0].line), recorded: start, error }
            })?;
            imported.changed += chunk.len();
            imported.events += recorded.events.len();
            imported.appends += 1;
            imported.first_position = imported.first_position.or(recorded.events.first().map(|e| e.position));
            imported.last_position = recorded.events.last().map(|e| e.position).or(imported.last_position);
            progress(end, plan.lines.len());
            start = end;
        }
        Ok(imported)
    }
}

/// Every line of `plan` whose source or commands hold a text the store would refuse for a
/// control character: found before anything is recorded, so that such a file records nothing.
fn control_characters(plan: &Plan) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    for planned in &plan.lines {
        let found = kernel::ControlCharacter::find("source", &planned.source).or_else(|| {
            planned
                .commands
                .iter()
                .find_map(|c| serde_json::to_value(c).ok().and_then(|v| kernel::ControlCharacter::in_json(&v)))
        });
        if let Some(found) = found {
            let column = (!found.field.is_empty()).then_some(found.field.as_str());
            problems.push(ImportProblem::new(planned.line, column, found.to_string()));
        }
    }
    problems
}

/// The streams `streams` as recorded now, in a ledger to decide an import's commands against.
async fn load_ledger(
    store: &dyn kernel::EventStore,
    streams: Vec<kernel::StreamId>,
) -> Result<domain::memory::Ledger, RecordError> {
    let mut histories: std::collections::HashMap<kernel::StreamId, Vec<domain::Event>> =
        std::collections::HashMap::new();
    for recorded in store.read_streams(&streams, kernel::StreamBound::All).await? {
        let event = domain::codec::decode_recorded(&recorded)
            .map_err(|e| RecordError::undecodable(recorded.position, &recorded.stream_id, &e))?;
        histories.entry(recorded.stream_id).or_default().push(event);
    }
    let mut ledger = domain::memory::Ledger::new();
    for (stream, history) in histories {
        ledger.load(stream, history);
    }
    Ok(ledger)
}
