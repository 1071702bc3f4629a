//! The seed stories as data: one JSON Lines file per story in `crates/app/seeds/`, embedded in
//! the binary, read into the steps `covenant demo` records. Each line is one step:
//!
//! ```json
//! {"occurred_at":"2018-01-01","command":{"aggregate":"organisation","command":"register","id":"GB-LAE-WLI","name":"West Lindsey District Council","kind":"local_authority"},"source":"…"}
//! ```
//!
//! `command` is a command exactly as `covenant record` reads it (`docs/commands.md`); `source`
//! names the paper and the passage the step comes from, or says that it is illustrative;
//! `occurred_at` (a date, or an RFC 3339 time) is needed only by a command without a date of its
//! own: a command that carries its own date happened on it (`domain::when`). Blank lines and
//! lines starting with `#` are skipped, as in any file of commands.

use domain::memory::Ledger;
use domain::{Command, when};
use kernel::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::command_lines::{LineError, content_lines, parse_command};

/// One command of a story, with its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedStep {
    pub command: Command,
    /// When it happened in the world; also the time to decide it at.
    pub occurred_at: Timestamp,
    /// `seed:` and the story's key.
    pub actor: String,
    /// The paper and the passage the step comes from, or why it is illustrative.
    pub source: String,
}

/// One seed story.
#[derive(Clone, Debug, PartialEq)]
pub struct Story {
    /// A short name, such as `lincolnshire`; also the name of its file.
    pub key: &'static str,
    pub title: &'static str,
    pub steps: Vec<SeedStep>,
}

/// A story's file, as embedded in the binary.
#[derive(Clone, Copy, Debug)]
pub struct StoryFile {
    pub key: &'static str,
    pub title: &'static str,
    pub text: &'static str,
}

/// The five stories, in the order they are loaded.
pub const FILES: [StoryFile; 5] = [
    StoryFile {
        key: "lincolnshire",
        title: "Lincolnshire Homes for Independence: MOU, blueprint, adoption and delivery plan",
        text: include_str!("../seeds/lincolnshire.jsonl"),
    },
    StoryFile {
        key: "bexley",
        title: "Bexley Joint Local Health and Wellbeing Strategy 2023 to 2028 and its joint integrated action plan",
        text: include_str!("../seeds/bexley.jsonl"),
    },
    StoryFile {
        key: "west-northamptonshire",
        title: "West Northamptonshire Joint Health and Wellbeing Strategy: ten ambitions, nine Local Area Partnerships",
        text: include_str!("../seeds/west-northamptonshire.jsonl"),
    },
    StoryFile {
        key: "rotherham",
        title: "Rotherham ward plans and the Health and Wellbeing Board",
        text: include_str!("../seeds/rotherham.jsonl"),
    },
    StoryFile {
        key: "walsall",
        title: "whg and Walsall Together: a housing association in a place-based partnership",
        text: include_str!("../seeds/walsall.jsonl"),
    },
];

/// One line of a story's file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(borrow)]
    command: &'a RawValue,
    source: String,
}

/// Reads a story's file, or says what is wrong with each line that is not a step.
pub fn parse_story(file: &StoryFile) -> Result<Story, Vec<LineError>> {
    let mut steps = Vec::new();
    let mut errors = Vec::new();
    for (line, content) in content_lines(file.text) {
        match parse_step(content, file.key) {
            Ok(step) => steps.push(step),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    if errors.is_empty() { Ok(Story { key: file.key, title: file.title, steps }) } else { Err(errors) }
}

fn parse_step(content: &str, key: &str) -> Result<SeedStep, String> {
    let line: Line<'_> = serde_json::from_str(content).map_err(|error| {
        format!("{error}: write the step as {{\"occurred_at\": ..., \"command\": {{...}}, \"source\": ...}}")
    })?;
    let command = parse_command(line.command.get())?;
    let given = line
        .occurred_at
        .as_deref()
        .map(|text| Timestamp::parse(text).map_err(|error| format!("field `occurred_at`: {error}")))
        .transpose()?;
    let at = match (command.happened_on(), given) {
        (_, Some(given)) => given,
        (Some(happened), None) => when::start_of_day(happened.on),
        (None, None) => {
            return Err(
                "the command has no date of its own: give occurred_at, the day it happened, as YYYY-MM-DD".to_owned()
            );
        }
    };
    let occurred_at = when::occurred_at(&command, given, at).map_err(|error| error.to_string())?;
    if line.source.trim().is_empty() {
        return Err("the step has no source: name the paper and the passage, or say it is illustrative".to_owned());
    }
    Ok(SeedStep { command, occurred_at, actor: format!("seed:{key}"), source: line.source })
}

/// The story in `file`. The files are part of the build and a test reads every line of them, so
/// a line that is not a step is a defect of the build, not of the input.
fn story(file: &StoryFile) -> Story {
    match parse_story(file) {
        Ok(story) => story,
        Err(errors) => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("the {} seed story does not read: {}", file.key, lines.join("; "))
        }
    }
}

/// All five stories, in the order they should be loaded.
pub fn stories() -> Vec<Story> {
    FILES.iter().map(story).collect()
}

fn named(key: &str) -> Story {
    FILES.iter().find(|file| file.key == key).map(story).unwrap_or_else(|| panic!("no seed story {key}"))
}

/// Lincolnshire: the housing, health and care MOU endorsed by West Lindsey's Prosperous
/// Communities Committee on 29 January 2018; the Homes for Independence Blueprint built on it,
/// endorsed by the Health and Wellbeing Board on 1 December 2020 with the recommendation that
/// partners adopt it; West Lindsey's minute 45 adopting it; the HHCDG delivery plan and its
/// actions; the clinical commissioning group succeeded by the integrated care board.
pub fn lincolnshire() -> Story {
    named("lincolnshire")
}

/// Bexley: the Joint Local Health and Wellbeing Strategy 2023–2028, its key priorities, sign-off
/// by the Health and Wellbeing Board, and the joint integrated action plan that delivers it.
pub fn bexley() -> Story {
    named("bexley")
}

/// West Northamptonshire: the draft Joint Health and Wellbeing Strategy to Cabinet and then the
/// Health and Wellbeing Board for sign-off; ten ambitions delivered through nine Local Area
/// Partnerships.
pub fn west_northamptonshire() -> Story {
    named("west-northamptonshire")
}

/// Rotherham: ward plans refreshed and published every June, with priorities by theme, presented
/// to the Health and Wellbeing Board, "Resolved: that the presentation be noted".
pub fn rotherham() -> Story {
    named("rotherham")
}

/// Walsall: whg, a housing association, with health partners in the Walsall Together place-based
/// partnership; the model taken to the Black Country Health and Social Housing Forum.
pub fn walsall() -> Story {
    named("walsall")
}

/// The five stories run in order on streams held in memory, each step decided at its own
/// `occurred_at`, exactly as `covenant demo` records them.
pub fn seeded() -> Ledger {
    let mut ledger = Ledger::new();
    for story in stories() {
        for (i, step) in story.steps.iter().enumerate() {
            if let Err(error) = ledger.execute(&step.command, step.occurred_at) {
                panic!("step {} of the {} seed story is refused: {error}", i + 1, story.key);
            }
        }
    }
    ledger
}
