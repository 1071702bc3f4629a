//! The examples in `docs/commands.md` are commands, and recorded in the order shown they are
//! all accepted.

use std::path::Path;

use app::Submission;
use tests::{TestStore, on_both_backends};

use super::{now, recorder, submission};

on_both_backends!(the_documented_examples_are_recorded);

/// Every line of the document's `json` and `jsonl` blocks that holds a command, with its line
/// number in the document.
fn examples() -> Vec<(usize, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/commands.md");
    let text = std::fs::read_to_string(path).expect("docs/commands.md is readable");
    let mut in_block = false;
    let mut lines = Vec::new();
    for (number, line) in (1..).zip(text.lines()) {
        match line {
            "```json" | "```jsonl" => in_block = true,
            "```" => in_block = false,
            _ if in_block && line.starts_with('{') => lines.push((number, line.to_owned())),
            _ => {}
        }
    }
    lines
}

async fn the_documented_examples_are_recorded(db: &TestStore) {
    let examples = examples();
    assert!(examples.len() >= 30, "found {} examples", examples.len());
    let batch: Vec<Submission> = examples
        .iter()
        .map(|(line, json)| {
            let command = app::parse_command(json).unwrap_or_else(|e| panic!("docs/commands.md line {line}: {e}"));
            submission(command)
        })
        .collect();
    let aggregates: std::collections::BTreeSet<_> = batch.iter().map(|s| s.command.aggregate()).collect();
    assert_eq!(aggregates.len(), domain::Aggregate::ALL.len(), "an example for every aggregate");
    let recorded = recorder(db.shared()).record_batch(&batch, now()).await;
    if let Err(app::RecordError::Rejected { item, error, .. }) = &recorded {
        panic!("docs/commands.md line {} is refused: {error}", examples[*item].0);
    }
    let recorded = recorded.expect("recorded");
    assert!(recorded.events.iter().any(|e| e.event_type.as_str() == "CommitmentTransferred"));
}
