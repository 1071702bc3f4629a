//! Every parser of outside input under generated and mutated input (property tests standing in
//! for a fuzzer): command JSON and JSON Lines, the action-plan CSV, ModernGov XML (meetings and
//! committees, with the HTML inside them), CloudEvents lines and dates. Whatever the input, a
//! parser returns: it never panics, and every refusal carries a message that says what was wrong.
//!
//! Inputs are arbitrary text, and the seed corpus (`tests/fixtures/corpus` and
//! `tests/fixtures/imports`, real files) with random bytes inserted, replaced, deleted, repeated
//! and cut. `PROPTEST_CASES` sets how many inputs each property tries (default 256); `scripts/fuzz`
//! runs them for longer.

use std::path::PathBuf;

use app::interchange::{ImportProblem, action_plan, cloudevents, moderngov};
use proptest::prelude::*;
use proptest::sample::Index;

/// The files of the corpus named `names`, under `tests/fixtures`.
pub fn corpus(names: &[&str]) -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    names.iter().map(|name| std::fs::read(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))).collect()
}

pub const COMMANDS: &[&str] = &["corpus/commands.jsonl"];
pub const CSV: &[&str] = &[
    "imports/hhcdg-delivery-plan-2023.csv",
    "imports/hhcdg-delivery-plan-missing-lead.csv",
    "imports/hhcdg-delivery-plan-uk-dates.csv",
];
pub const MEETINGS: &[&str] =
    &["imports/west-lindsey-pcc-2021-03-09.xml", "imports/west-lindsey-pcc-2021-03-09-corrected.xml"];
pub const COMMITTEES: &[&str] = &["imports/west-lindsey-committees.xml"];
const CLOUDEVENTS: &[&str] = &["corpus/cloudevents.jsonl"];

/// One edit to a seed's bytes.
#[derive(Clone, Debug)]
enum Edit {
    Insert(Index, u8),
    Replace(Index, u8),
    Delete(Index, Index),
    Repeat(Index, Index),
    Cut(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        (any::<Index>(), prop::sample::select(b"{}[]\",:<>/&;'\\\n\r 0-_".to_vec()))
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, length)| Edit::Delete(at, length)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, length)| Edit::Repeat(at, length)),
        any::<Index>().prop_map(Edit::Cut),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        let at = |index: &Index| if len == 0 { 0 } else { index.index(len + 1) };
        match edit {
            Edit::Insert(index, byte) => bytes.insert(at(index), *byte),
            Edit::Replace(index, byte) if len > 0 => {
                let i = index.index(len);
                bytes[i] = *byte;
            }
            Edit::Delete(index, length) if len > 0 => {
                let start = index.index(len);
                let end = (start + length.index(64) + 1).min(len);
                bytes.drain(start..end);
            }
            Edit::Repeat(index, length) if len > 0 => {
                let start = index.index(len);
                let end = (start + length.index(256) + 1).min(len);
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Edit::Cut(index) => bytes.truncate(at(index)),
            _ => {}
        }
    }
    bytes
}

/// Text from the seeds of `names`, with up to 12 edits, or arbitrary text.
pub fn input(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    let seeds = corpus(names);
    let mutated = (any::<Index>(), prop::collection::vec(edit(), 0..12)).prop_map(move |(seed, edits)| {
        let bytes = apply(seeds[seed.index(seeds.len())].clone(), &edits);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    prop_oneof![3 => mutated, 1 => any::<String>()]
}

/// How many inputs each property tries: `PROPTEST_CASES`, or 256.
pub fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
}

fn explained(problems: &[ImportProblem]) -> bool {
    !problems.is_empty() && problems.iter().all(|p| !p.message.trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn command_json_is_read_or_refused_with_a_reason(text in input(COMMANDS)) {
        for line in text.lines() {
            if let Err(message) = app::parse_command(line) {
                prop_assert!(!message.trim().is_empty(), "{line:?}");
            }
        }
        if let Err(errors) = app::parse_command_lines(&text) {
            prop_assert!(!errors.is_empty());
            prop_assert!(errors.iter().all(|e| e.line >= 1 && !e.message.trim().is_empty()), "{errors:?}");
        }
    }

    #[test]
    fn action_plans_are_read_or_refused_with_a_reason(text in input(CSV)) {
        let options = action_plan::Options {
            instrument: None,
            on: domain::parse_date("2024-04-01").expect("a date"),
            file: "fuzzed.csv".to_owned(),
        };
        let (_, problems) = action_plan::parse(&text, &options);
        prop_assert!(problems.is_empty() || explained(&problems), "{problems:?}");
    }

    #[test]
    fn moderngov_meetings_are_read_or_refused_with_a_reason(text in input(MEETINGS)) {
        if let Err(problems) = moderngov::parse_meeting(&text) {
            prop_assert!(explained(&problems), "{problems:?}");
        }
    }

    #[test]
    fn moderngov_committees_are_read_or_refused_with_a_reason(text in input(COMMITTEES)) {
        if let Err(problems) = moderngov::parse_committees(&text) {
            prop_assert!(explained(&problems), "{problems:?}");
        }
    }

    #[test]
    fn cloudevents_lines_are_read_or_refused_with_a_reason(text in input(CLOUDEVENTS)) {
        for line in text.lines() {
            if let Err(message) = cloudevents::decode(line) {
                prop_assert!(!message.trim().is_empty(), "{line:?}");
            }
        }
    }

    #[test]
    fn dates_are_read_or_refused_with_a_reason(text in "[0-9]{0,5}[-/. ]?[0-9]{0,3}[-/. ]?[0-9]{0,4}|\\PC{0,20}") {
        if let Err(error) = domain::parse_date(&text) {
            prop_assert!(!error.to_string().trim().is_empty(), "{text:?}");
        }
    }
}

#[test]
fn the_corpus_is_read_without_problems() {
    for seed in corpus(COMMANDS) {
        let text = String::from_utf8(seed).expect("UTF-8");
        assert!(app::parse_command_lines(&text).is_ok(), "every seed command is valid");
    }
    for seed in corpus(CLOUDEVENTS) {
        let text = String::from_utf8(seed).expect("UTF-8");
        assert!(text.lines().all(|line| cloudevents::decode(line).is_ok()), "every seed event is valid");
    }
    for seed in corpus(MEETINGS) {
        assert!(moderngov::parse_meeting(&String::from_utf8(seed).expect("UTF-8")).is_ok());
    }
}
