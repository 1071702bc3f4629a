//! The `covenant` binary run as a user runs it: `record` with good and bad files, and `demo` on
//! a new SQLite file. The only tests that need the built binary; everything else is tested
//! through the application layer in the `tests` crate.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `covenant --db covenant.db ARGS` in `dir`, with no database named by the environment.
fn covenant(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir)
        .env_remove("COVENANT_DATABASE_URL")
        .env("USER", "clerk")
        .args(["--db", "covenant.db"])
        .args(args)
        .output()
        .expect("the covenant binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The head position `covenant verify` reports.
fn head(dir: &Path) -> String {
    let output = covenant(dir, &["verify"]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).lines().find(|l| l.starts_with("Head position:")).expect("a head line").to_owned()
}

const REGISTER: &str = r#"{"aggregate":"organisation","command":"register","id":"GB-LAE-WLI","name":"West Lindsey District Council","kind":"local_authority"}"#;
const COMMITTEE: &str = r#"{"aggregate":"body","command":"establish","id":"west-lindsey-prosperous-communities-committee","name":"Prosperous Communities Committee","kind":"committee","parents":["GB-LAE-WLI"],"established_on":"2018-01-01"}"#;

#[test]
fn record_takes_a_command_or_a_file_and_refuses_bad_files_whole() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let one = covenant(dir.path(), &["record", "--source", "Register of local authorities", REGISTER]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert!(stdout(&one).contains("Recorded 1 event at position 1"), "{}", stdout(&one));
    assert!(stdout(&one).contains("OrganisationRegistered"), "{}", stdout(&one));

    let good = format!("# West Lindsey\n\n{COMMITTEE}\n");
    std::fs::write(dir.path().join("good.jsonl"), good).expect("write");
    let file = covenant(dir.path(), &["record", "--file", "good.jsonl"]);
    assert!(file.status.success(), "{}", stderr(&file));
    assert!(stdout(&file).contains("body-west-lindsey-prosperous-communities-committee"), "{}", stdout(&file));
    assert_eq!(head(dir.path()), "Head position: 2");

    let bad = [
        r#"{"aggregate":"meeting","command":"schedule","id":"west-lindsey-pcc-2021-03-09","body":"west-lindsey-prosperous-communities-committee","date":"2021-03-09","title":"Prosperous Communities Committee"}"#,
        r#"{"aggregate":"meeting","command":"hold","id":"west-lindsey-pcc-2021-03-09"}"#,
        "# a comment",
        r#"{"aggregate":"meting","command":"hold","id":"west-lindsey-pcc-2021-03-09","held_on":"2021-03-09"}"#,
    ]
    .join("\n");
    std::fs::write(dir.path().join("bad.jsonl"), bad).expect("write");
    let refused = covenant(dir.path(), &["record", "--file", "bad.jsonl"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("2 lines of bad.jsonl are not commands; nothing was recorded"), "{message}");
    assert!(message.contains("line 2: missing field `held_on`"), "{message}");
    assert!(message.contains("line 4: unknown variant `meting`"), "{message}");

    let rules = format!(
        "{}\n{COMMITTEE}\n",
        r#"{"aggregate":"meeting","command":"schedule","id":"west-lindsey-pcc-2021-03-09","body":"west-lindsey-prosperous-communities-committee","date":"2021-03-09","title":"Prosperous Communities Committee"}"#
    );
    std::fs::write(dir.path().join("refused.jsonl"), rules).expect("write");
    let refused = covenant(dir.path(), &["record", "--file", "refused.jsonl"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains(
            "line 2 of refused.jsonl: the command on body-west-lindsey-prosperous-communities-committee is refused"
        ),
        "{message}"
    );
    assert!(message.contains("nothing was recorded"), "{message}");
    assert_eq!(head(dir.path()), "Head position: 2", "a refused file records nothing, not even its good lines");
}

#[test]
fn demo_loads_the_seed_stories_into_an_empty_database_only() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = covenant(dir.path(), &["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let out = stdout(&demo);
    for story in ["lincolnshire", "bexley", "west-northamptonshire", "rotherham", "walsall"] {
        assert!(out.contains(&format!("Loaded {story} ")), "{out}");
    }
    assert!(out.contains("Loaded 5 stories"), "{out}");
    let loaded = head(dir.path());

    let again = covenant(dir.path(), &["demo"]);
    assert!(!again.status.success());
    let message = stderr(&again);
    assert!(message.contains("already holds") && message.contains("delete covenant.db"), "{message}");
    assert_eq!(head(dir.path()), loaded, "nothing more was recorded");
}
