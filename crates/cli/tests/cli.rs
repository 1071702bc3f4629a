//! The `covenant` binary run as a user runs it: `record` with good and bad files, `demo` on a
//! new SQLite file, `report` and `rebuild` over the demo, keys and checkpoints, and `verify`
//! against a checkpoint kept elsewhere on both backends. The only tests that need the built
//! binary; everything else is tested through the application layer in the `tests` crate.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tests::{TestStore, on_both_backends};

/// Runs `covenant --db covenant.db ARGS` in `dir`, with no database named by the environment.
fn covenant(dir: &Path, args: &[&str]) -> Output {
    covenant_on("covenant.db", dir, args)
}

/// Runs `covenant --db DATABASE ARGS` in `dir`, with no database named by the environment.
fn covenant_on(database: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir)
        .env_remove("COVENANT_DATABASE_URL")
        .env("USER", "clerk")
        .args(["--db", database])
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
const LINCOLNSHIRE: &str = r#"{"aggregate":"organisation","command":"register","id":"GB-LAE-LIN","name":"Lincolnshire County Council","kind":"local_authority"}"#;
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
fn dates_in_commands_are_checked_and_a_command_happened_on_its_own_date() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for command in [REGISTER, COMMITTEE, LINCOLNSHIRE] {
        let output = covenant(dir.path(), &["record", command]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let join = |joined_on: &str| {
        format!(
            r#"{{"aggregate":"body","command":"add_member","id":"west-lindsey-prosperous-communities-committee","organisation":"GB-LAE-LIN","joined_on":"{joined_on}"}}"#
        )
    };
    for bad in ["10/03/2021", "2021-02-30", "2021-3-10", "0000-03-10"] {
        let refused = covenant(dir.path(), &["record", &join(bad)]);
        assert!(!refused.status.success(), "{bad} was accepted");
        let message = stderr(&refused);
        assert!(
            message.contains(&format!("field `joined_on`: '{bad}'"))
                || message.contains("field `joined_on`: 0000-03-10"),
            "{message}"
        );
        assert!(message.contains("YYYY-MM-DD"), "{message}");
    }

    let disagreeing = covenant(dir.path(), &["record", "--occurred-at", "2021-03-11", &join("2021-03-10")]);
    assert!(!disagreeing.status.success());
    let message = stderr(&disagreeing);
    assert!(
        message.contains(
            "the command says it happened on 2021-03-10 (joined_on) but occurred_at says 2021-03-11: leave out occurred_at, or give the same date"
        ),
        "{message}"
    );
    assert_eq!(head(dir.path()), "Head position: 3", "nothing refused was recorded");

    let joined = covenant(dir.path(), &["record", &join("2021-03-10")]);
    assert!(joined.status.success(), "{}", stderr(&joined));
    let audit = covenant(dir.path(), &["report", "audit", "--format", "csv"]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let line = stdout(&audit).lines().find(|l| l.contains("BodyMemberJoined")).map(str::to_owned);
    assert!(line.as_deref().is_some_and(|l| l.contains("2021-03-10T00:00:00Z")), "{}", stdout(&audit));
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
        detail.contains(
            "| West Lindsey District Council | adopted | 2021-03-09 | Prosperous Communities Committee, minute 45 |"
        ),
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
    let minute = covenant(dir.path(), &["report", "resolutions", "--resolution", "west-lindsey-pcc-2021-03-09-45"]);
    assert!(minute.status.success(), "{}", stderr(&minute));
    let minute = stdout(&minute);
    for expected in [
        "Prosperous Communities Committee, minute 45",
        "RESOLVED that West Lindsey District Council adopt",
        "West Lindsey District Council adopted Lincolnshire Homes for Independence Blueprint",
        "Fast-track Disabled Facilities Grant adaptations across the districts",
    ] {
        assert!(minute.contains(expected), "{expected} is missing from {minute}");
    }
    let elsewhere = covenant(dir.path(), &["report", "status", "--resolution", "west-lindsey-pcc-2021-03-09-45"]);
    assert!(!elsewhere.status.success());
    assert!(
        stderr(&elsewhere).contains("--resolution applies only to `covenant report resolutions`"),
        "{}",
        stderr(&elsewhere)
    );
    let unknown = covenant(dir.path(), &["report", "status", "--instrument", "no-such-plan"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("`covenant --db covenant.db report status` lists every instrument"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn report_and_export_offer_exactly_the_reports_report_kind_lists() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let names: Vec<&str> = projections::ReportKind::ALL.iter().map(|kind| kind.name()).collect();

    let help = covenant(dir.path(), &["report", "--help"]);
    assert!(help.status.success(), "{}", stderr(&help));
    let help = stdout(&help);
    let values = help.split("Possible values:").nth(1).expect("the reports are listed");
    let offered: Vec<&str> = values
        .lines()
        .skip(1)
        .map(str::trim)
        .take_while(|line| line.starts_with("- "))
        .filter_map(|line| line.trim_start_matches("- ").split(':').next())
        .collect();
    assert_eq!(offered, names, "{help}");
    for kind in projections::ReportKind::ALL {
        assert!(help.contains(kind.description()), "{} is not described in\n{help}", kind.name());
    }

    let export = stdout(&covenant(dir.path(), &["export", "--help"]));
    for kind in projections::ReportKind::ALL {
        let line = format!("{} as CSV: `covenant report {} --format csv`", kind.title(), kind.name());
        assert!(
            export.lines().any(|l| l.trim_start().starts_with(kind.name()) && l.contains(&line)),
            "{line} is not in\n{export}"
        );
    }
    let unknown = covenant(dir.path(), &["report", "minutes"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("[possible values: status, resolutions, actions, indicators, audit]"),
        "{}",
        stderr(&unknown)
    );
}

/// The number of stale commitments on the status board of 1 June 2024, instrument by instrument,
/// as `covenant report status` prints it as JSON in `dir`.
fn stale_on_the_board(dir: &Path) -> Vec<(String, usize)> {
    let output = covenant(dir, &["report", "status", "--today", "2024-06-01", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let board: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the status board as JSON");
    let instruments = board["instruments"].as_array().expect("instruments");
    instruments
        .iter()
        .map(|i| (i["instrument"].as_str().unwrap_or_default().to_owned(), i["stale"].as_array().map_or(0, Vec::len)))
        .collect()
}

#[test]
fn the_stale_window_in_covenant_toml_changes_what_report_status_counts_as_stale() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let by_default = stale_on_the_board(dir.path());
    let stale: usize = by_default.iter().map(|(_, n)| n).sum();
    assert!(stale > 0, "by the default 90 days some demo commitments are stale on 1 June 2024: {by_default:?}");
    let text = stdout(&covenant(dir.path(), &["report", "status", "--today", "2024-06-01"]));
    assert!(text.contains("Stale: open with no progress reported for more than 90 days."), "{text}");

    std::fs::write(dir.path().join("covenant.toml"), "[rules]\nstale_after_days = 36500\n").expect("the config");
    let by_the_file = stale_on_the_board(dir.path());
    assert_eq!(by_the_file.len(), by_default.len(), "the same instruments");
    assert!(by_the_file.iter().all(|(_, n)| *n == 0), "nothing is a century without progress: {by_the_file:?}");
    let text = stdout(&covenant(dir.path(), &["report", "status", "--today", "2024-06-01"]));
    assert!(text.contains("Stale: open with no progress reported for more than 36500 days."), "{text}");

    std::fs::write(dir.path().join("covenant.toml"), "[rules]\nstale_after_days = \"ninety\"\n").expect("the config");
    let refused = covenant(dir.path(), &["report", "status"]);
    assert!(!refused.status.success(), "a bad rule is refused, not replaced by the default");
    assert!(stderr(&refused).contains("stale_after_days"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("covenant.toml"), "{}", stderr(&refused));
}

/// Runs `covenant ARGS` in `dir` with only the global options given in `args`.
fn covenant_bare(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir)
        .env_remove("COVENANT_DATABASE_URL")
        .env("USER", "clerk")
        .args(args)
        .output()
        .expect("the covenant binary runs")
}

/// The head position and hash lines that `verify` and `backup` print.
fn head_lines(out: &str) -> Vec<String> {
    out.lines().filter(|l| l.starts_with("Head position:") || l.starts_with("Head hash:")).map(str::to_owned).collect()
}

const TYPO: &str = "no database at demo_typo.db: check --db, or create one with `covenant --db demo_typo.db init`";

#[test]
fn only_verbs_that_record_make_a_database_and_the_others_name_the_file_they_looked_for() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for verb in [
        &["verify"][..],
        &["report", "status"],
        &["export", "cloudevents"],
        &["export", "popolo"],
        &["rebuild"],
        &["token", "list"],
        &["backup", "copy.db"],
        &["serve", "--bind", "127.0.0.1:0"],
        &["publish", "nats", "--url", "nats://127.0.0.1:9"],
        &["webhook", "list"],
    ] {
        let args: Vec<&str> = ["--db", "demo_typo.db"].iter().chain(verb).copied().collect();
        let out = covenant_bare(dir.path(), &args);
        assert!(!out.status.success(), "{verb:?} refuses a missing database");
        assert!(stderr(&out).contains(TYPO), "{verb:?}: {}", stderr(&out));
    }
    let default = covenant_bare(dir.path(), &["report", "status"]);
    assert!(stderr(&default).contains("no database at covenant.db: check --db, or create one with `covenant init`"));
    let made: Vec<_> = std::fs::read_dir(dir.path()).expect("read the directory").collect();
    assert!(made.is_empty(), "no verb made a file: {made:?}");

    let init = covenant_bare(dir.path(), &["--db", "demo_typo.db", "init"]);
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(stdout(&init).contains("holds no events yet"), "{}", stdout(&init));
    let empty = covenant_bare(dir.path(), &["--db", "demo_typo.db", "verify"]);
    assert!(!empty.status.success(), "verifying an empty log is no clean result");
    assert!(stderr(&empty).contains("no events: nothing was verified"), "{}", stderr(&empty));
    assert!(!stdout(&empty).contains("The chain verifies"), "{}", stdout(&empty));

    let missing = covenant_bare(dir.path(), &["--db", "no-such-dir/covenant.db", "record", REGISTER]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains(
            "the directory no-such-dir does not exist, so no database can be made at no-such-dir/covenant.db"
        ),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn publish_refuses_a_target_it_cannot_use_and_says_what_to_give() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant_bare(dir.path(), &["--db", "p.db", "init"]).status.success());
    for (target, expected) in [
        (
            &["--url", "http://127.0.0.1:4222"][..],
            "'http://127.0.0.1:4222' is not a NATS server address: give one such as nats://127.0.0.1:4222",
        ),
        (&["--url", "nats://127.0.0.1:4222", "--stream", "A.B"], "'A.B' is not a JetStream stream name"),
        (&["--url", "nats://127.0.0.1:4222", "--subject-prefix", "a..b"], "'a..b' is not a subject prefix"),
        // Nothing listens on the discard port: the server is named, and no progress is claimed.
        (&["--url", "nats://127.0.0.1:9"], "failed to connect to the NATS server at nats://127.0.0.1:9"),
    ] {
        let args: Vec<&str> = ["--db", "p.db", "publish", "nats"].iter().chain(target).copied().collect();
        let out = covenant_bare(dir.path(), &args);
        assert!(!out.status.success(), "{target:?} refused");
        assert!(stderr(&out).contains(expected), "{target:?}: {}", stderr(&out));
        assert!(!stdout(&out).contains("Published"), "{target:?}: {}", stdout(&out));
    }
}

#[test]
fn an_unrelated_sqlite_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("shop.db");
    let tables = || {
        let conn = rusqlite::Connection::open(&path).expect("open the shop's database");
        let mut statement = conn.prepare("SELECT name FROM sqlite_master ORDER BY name").expect("prepare");
        statement.query_map([], |row| row.get::<_, String>(0)).expect("query").collect::<Result<Vec<_>, _>>()
    };
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"))
        .expect("make the shop's database");
    let before = std::fs::read(&path).expect("read the file");
    for verb in [&["verify"][..], &["report", "status"], &["record", REGISTER], &["demo"], &["init"]] {
        let args: Vec<&str> = ["--db", "shop.db"].iter().chain(verb).copied().collect();
        let out = covenant_bare(dir.path(), &args);
        assert!(!out.status.success(), "{verb:?} refuses another application's database");
        assert!(
            stderr(&out).contains("shop.db is not a Covenant database (it holds other tables: customers)"),
            "{verb:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(tables().expect("the tables"), ["customers"], "no table was added");
    assert_eq!(std::fs::read(&path).expect("read the file"), before, "the file is byte for byte as it was");
}

#[test]
fn every_hint_repeats_the_global_options_in_force_and_works_as_printed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let demo = covenant_bare(dir.path(), &["--db", "demo.db", "demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let out = stdout(&demo);
    assert!(out.contains("`covenant --db demo.db verify` checks the hash chain"), "{out}");
    assert!(out.contains("`covenant --db demo.db report status --instrument KEY`"), "{out}");
    let followed = covenant_bare(dir.path(), &["--db", "demo.db", "verify"]);
    assert!(followed.status.success(), "the hint works as printed: {}", stderr(&followed));

    std::fs::write(dir.path().join("other.toml"), "database_url = \"demo.db\"\n").expect("write the config");
    let unknown = covenant_bare(dir.path(), &["--config", "other.toml", "report", "status", "--instrument", "nope"]);
    assert!(
        stderr(&unknown).contains("`covenant --config other.toml report status` lists every instrument"),
        "{}",
        stderr(&unknown)
    );
}

/// Holds SQLite's write lock on `path` (`BEGIN IMMEDIATE`, as a writer in another process
/// does) for `hold`, on a thread of its own; gives the thread to join.
fn hold_write_lock(path: &Path, hold: Duration) -> std::thread::JoinHandle<()> {
    let conn = rusqlite::Connection::open(path).expect("open the database");
    conn.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    std::thread::spawn(move || {
        std::thread::sleep(hold);
        conn.execute_batch("ROLLBACK").expect("release the write lock");
    })
}

/// The command registering a local authority `id` that the demo does not hold.
fn organisation(id: &str) -> String {
    format!(
        r#"{{"aggregate":"organisation","command":"register","id":"{id}","name":"{id} Council","kind":"local_authority"}}"#
    )
}

#[test]
fn a_read_never_waits_for_a_writer_and_a_writer_waits_a_bounded_time_and_says_so() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let path = dir.path().join("covenant.db");
    let before = head(dir.path());

    let holder = hold_write_lock(&path, Duration::from_millis(2_500));
    let started = Instant::now();
    let read = covenant(dir.path(), &["report", "status"]);
    assert!(read.status.success(), "{}", stderr(&read));
    assert!(started.elapsed() < Duration::from_secs(1), "a read did not wait: {:?}", started.elapsed());
    assert!(!stderr(&read).contains("waiting"), "{}", stderr(&read));

    let write = covenant(dir.path(), &["record", &organisation("GB-LAE-AAA")]);
    holder.join().expect("the lock holder");
    assert!(write.status.success(), "{}", stderr(&write));
    assert!(stderr(&write).contains("waiting for the database: another process is writing"), "{}", stderr(&write));
    assert!(started.elapsed() >= Duration::from_secs(2), "the write waited for the lock");

    let holder = hold_write_lock(&path, Duration::from_secs(4));
    let given_up = covenant(dir.path(), &["--wait", "2", "record", &organisation("GB-LAE-BBB")]);
    holder.join().expect("the lock holder");
    assert!(!given_up.status.success());
    let message = stderr(&given_up);
    assert!(message.contains("waiting for the database: another process is writing"), "{message}");
    assert!(message.contains("another process kept the database locked for 2 s"), "{message}");
    assert!(message.contains("nothing was recorded"), "{message}");
    assert!(!message.contains("not known whether"), "{message}");
    let after = head(dir.path());
    assert_ne!(after, before, "the first command was recorded");
    let recorded = covenant(dir.path(), &["record", &organisation("GB-LAE-BBB")]);
    assert!(
        recorded.status.success(),
        "the refused command was not recorded, so it records now: {}",
        stderr(&recorded)
    );
    assert!(stdout(&recorded).contains("Recorded 1 event"), "{}", stdout(&recorded));
}

#[test]
fn a_postgresql_server_that_refuses_connections_is_named_at_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let started = Instant::now();
    let out = covenant_bare(dir.path(), &["--db", "postgres://covenant@127.0.0.1:1/covenant", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("connection refused at 127.0.0.1:1"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(5), "at once, not after a pool's time limit");
}

/// Copies only the main file of the SQLite database at `from` (no -wal, no -shm) to `to`.
fn copy_main_file(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy the main file");
}

#[test]
fn demo_and_serve_leave_the_database_whole_in_its_main_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let demo_head = head_lines(&stdout(&covenant(dir.path(), &["verify"])));
    copy_main_file(&dir.path().join("covenant.db"), &dir.path().join("main-only.db"));
    let copy = covenant_bare(dir.path(), &["--db", "main-only.db", "verify"]);
    assert!(copy.status.success(), "{}", stderr(&copy));
    assert_eq!(head_lines(&stdout(&copy)), demo_head, "the main file alone holds the demo");

    let mut serve = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir.path())
        .env_remove("COVENANT_DATABASE_URL")
        .args(["--db", "served.db", "serve", "--demo", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the service starts");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(serve.stdout.take().expect("stdout")));
    assert!(
        lines.by_ref().map_while(Result::ok).any(|l| l.starts_with("Press Ctrl-C to stop")),
        "the service says it is ready"
    );
    let stopped = Command::new("kill").args(["-TERM", &serve.id().to_string()]).status().expect("kill runs");
    assert!(stopped.success());
    assert!(serve.wait().expect("the service stops").success(), "the service stops cleanly on SIGTERM");
    let served = covenant_bare(dir.path(), &["--db", "served.db", "verify"]);
    copy_main_file(&dir.path().join("served.db"), &dir.path().join("served-main-only.db"));
    let main_only = covenant_bare(dir.path(), &["--db", "served-main-only.db", "verify"]);
    assert!(main_only.status.success(), "{}", stderr(&main_only));
    assert_eq!(head_lines(&stdout(&main_only)), head_lines(&stdout(&served)), "the main file alone holds it all");
}

#[test]
fn a_backup_of_a_live_sqlite_database_verifies_with_the_head_it_had() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let lines: Vec<String> = (0..200).map(|n| organisation(&format!("GB-LAE-T{n:03}"))).collect();
    for (n, chunk) in lines.chunks(10).enumerate() {
        std::fs::write(dir.path().join(format!("batch-{n}.jsonl")), chunk.join("\n")).expect("write a batch");
    }
    let writer_dir = dir.path().to_owned();
    let writer = std::thread::spawn(move || {
        (0..20).all(|n| covenant(&writer_dir, &["record", "--file", &format!("batch-{n}.jsonl")]).status.success())
    });
    let mut copies = Vec::new();
    for n in 0..3 {
        let file = format!("backup-{n}.db");
        let out = covenant(dir.path(), &["backup", &file]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("the copy verifies"), "{}", stdout(&out));
        copies.push((file, head_lines(&stdout(&out))));
    }
    assert!(writer.join().expect("the writer"), "every write went through while the backups were taken");
    for (file, printed) in copies {
        let verified = covenant_bare(dir.path(), &["--db", &file, "verify"]);
        assert!(verified.status.success(), "{}", stderr(&verified));
        assert_eq!(head_lines(&stdout(&verified)), printed, "{file} verifies with the head backup printed");
        let field = |n: usize| printed[n].split(':').nth(1).unwrap_or_default().trim().to_owned();
        let (position, hash) = (field(0), field(1));
        let original = covenant(dir.path(), &["verify", "--from-position", &position, "--from-hash", &hash]);
        assert!(original.status.success(), "the live chain continues from the copy's head: {}", stdout(&original));
    }
    let refused = covenant(dir.path(), &["backup", "backup-0.db"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("backup-0.db already exists"), "{}", stderr(&refused));
}

/// PostgreSQL's route: `covenant backup` prints the pg_dump command rather than pretending to
/// copy; that command, then pg_restore into a new, empty database, gives a database that
/// verifies with the same head.
#[tokio::test]
async fn a_postgresql_backup_is_pg_dump_and_pg_restore_and_verifies_with_the_same_head() {
    let Some(db) = tests::TestStore::postgres("cli::a_postgresql_backup_is_pg_dump_and_pg_restore").await else {
        return;
    };
    let (_, url) = db.location();
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant_bare(dir.path(), &["--db", &url, "demo"]).status.success());
    let original = covenant_bare(dir.path(), &["--db", &url, "verify"]);
    assert!(original.status.success(), "{}", stderr(&original));

    let asked = covenant_bare(dir.path(), &["--db", &url, "backup", "covenant.dump"]);
    assert!(!asked.status.success(), "no backup was made, and the exit status says so");
    let message = stderr(&asked);
    assert!(message.contains("nothing was backed up"), "{message}");
    let command = message
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("pg_dump "))
        .unwrap_or_else(|| panic!("the pg_dump command: {message}"))
        .to_owned();
    assert!(!dir.path().join("covenant.dump").exists(), "Covenant made no file of its own");
    let dumped = Command::new("sh").current_dir(dir.path()).args(["-c", &command]).output().expect("sh runs");
    assert!(dumped.status.success(), "{command}: {}", stderr(&dumped));

    let admin_url = std::env::var(tests::POSTGRES_URL_VAR).expect("the PostgreSQL URL");
    let restored = format!("covenant_restored_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {restored}")).execute(&mut admin).await.expect("create the new database");
    let restored_url = format!("{}/{restored}", url.rsplit_once('/').expect("a database in the URL").0);
    let restore = Command::new("pg_restore")
        .current_dir(dir.path())
        .args(["--no-owner", "--dbname", &restored_url, "covenant.dump"])
        .output()
        .expect("pg_restore runs");
    assert!(restore.status.success(), "{}", stderr(&restore));
    let verified = covenant_bare(dir.path(), &["--db", &restored_url, "verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert_eq!(head_lines(&stdout(&verified)), head_lines(&stdout(&original)), "the same head after the round trip");

    sqlx::query(&format!("DROP DATABASE IF EXISTS {restored} WITH (FORCE)")).execute(&mut admin).await.ok();
    db.finish().await;
}

#[test]
fn verify_checks_the_merkle_tree_and_rebuild_tree_recomputes_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for command in [REGISTER, COMMITTEE] {
        let recorded = covenant(dir.path(), &["record", command]);
        assert!(recorded.status.success(), "{}", stderr(&recorded));
    }
    let verified = covenant(dir.path(), &["verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let text = stdout(&verified);
    assert!(text.contains("The Merkle tree agrees with the events: 2 leaves."), "{text}");
    let root = text.lines().find(|l| l.starts_with("Tree root:")).expect("a root line").replace("Tree root:", "");

    let rebuilt = covenant(dir.path(), &["rebuild-tree"]);
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    let text = stdout(&rebuilt);
    assert!(text.contains("Tree size: 2"), "{text}");
    assert!(text.contains(&format!("Root hash: {}", root.trim())), "{text}");
}

#[test]
fn keys_init_writes_a_private_key_and_checkpoint_signs_the_head_with_the_key_given_or_configured() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let recorded = covenant(dir.path(), &["record", REGISTER]);
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    let init = covenant(dir.path(), &["keys", "init", "--name", "example.org/covenant", "--out", "log.key"]);
    assert!(init.status.success(), "{}", stderr(&init));
    let verifier = stdout(&init).lines().find_map(|l| l.strip_prefix("Verifier key: ")).expect("a verifier").to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("log.key")).expect("key file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = covenant(dir.path(), &["keys", "init", "--name", "example.org/covenant", "--out", "log.key"]);
    assert!(!again.status.success(), "an existing key file is never overwritten");

    let signed = covenant(dir.path(), &["checkpoint", "--key", "log.key"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let note = stdout(&signed);
    let verifier = app::NoteVerifier::parse(&verifier).expect("verifier key");
    let checkpoint = app::Checkpoint::open(&note, &verifier).expect("the note verifies");
    assert_eq!(checkpoint.size, 1);
    assert_eq!(checkpoint.origin, "example.org/covenant");

    let unnamed = covenant(dir.path(), &["checkpoint"]);
    assert!(!unnamed.status.success(), "no key, no checkpoint");
    assert!(stderr(&unnamed).contains("[transparency] key = \"FILE\""), "{}", stderr(&unnamed));
    std::fs::write(dir.path().join("covenant.toml"), "[transparency]\nkey = \"log.key\"\n").expect("config");
    let recorded = covenant(dir.path(), &["record", COMMITTEE]);
    assert!(recorded.status.success(), "{}", stderr(&recorded));
    let configured = covenant(dir.path(), &["checkpoint"]);
    assert!(configured.status.success(), "{}", stderr(&configured));
    let checkpoint = app::Checkpoint::open(&stdout(&configured), &verifier).expect("signed with the configured key");
    assert_eq!(checkpoint.size, 2);
}

/// Runs `covenant ARGS` on the database of `db` and requires success.
fn succeeds(db: &TestStore, dir: &Path, args: &[&str]) -> String {
    let output = covenant_on(&db.location().1, dir, args);
    assert!(output.status.success(), "covenant {args:?}: {}{}", stdout(&output), stderr(&output));
    stdout(&output)
}

/// Runs `covenant ARGS` on the database of `db`, requires failure, and gives what it printed.
fn fails(db: &TestStore, dir: &Path, args: &[&str]) -> String {
    let output = covenant_on(&db.location().1, dir, args);
    assert!(!output.status.success(), "covenant {args:?} succeeded: {}", stdout(&output));
    format!("{}{}", stdout(&output), stderr(&output))
}

async fn verify_against_a_checkpoint_names_a_truncated_or_rewritten_log(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let init = succeeds(db, d, &["keys", "init", "--name", "lincolnshire.example/covenant", "--out", "log.key"]);
    let verifier = init.lines().find_map(|l| l.strip_prefix("Verifier key: ")).expect("a verifier key").to_owned();
    std::fs::write(d.join("log.pub"), format!("{verifier}\n")).expect("write the verifier key");
    let note = succeeds(db, d, &["checkpoint", "--key", "log.key"]);
    std::fs::write(d.join("board-papers.checkpoint"), &note).expect("keep the checkpoint");
    let size = app::Checkpoint::open(&note, &app::NoteVerifier::parse(&verifier).expect("key")).expect("opens").size;

    for key in [verifier.as_str(), "log.pub"] {
        let checked = succeeds(db, d, &["verify", "--checkpoint", "board-papers.checkpoint", "--key", key]);
        let holds = format!(
            "The log holds, unchanged, the checkpoint of {size} events signed by lincolnshire.example/covenant."
        );
        assert!(checked.contains(&holds), "{checked}");
    }

    // A checkpoint signed with another key, and one altered after signing, are refused first.
    let other = app::NoteSigner::generate("lincolnshire.example/covenant").expect("a key");
    let forged = app::Checkpoint { origin: other.name().to_owned(), size, root: kernel::Hash([1; 32]) }.sign(&other);
    std::fs::write(d.join("forged.checkpoint"), forged).expect("write");
    let refused = fails(db, d, &["verify", "--checkpoint", "forged.checkpoint", "--key", &verifier]);
    assert!(refused.contains("does NOT verify") && refused.contains("signed with another key"), "{refused}");
    let altered = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
    std::fs::write(d.join("altered.checkpoint"), altered).expect("write");
    let refused = fails(db, d, &["verify", "--checkpoint", "altered.checkpoint", "--key", &verifier]);
    assert!(refused.contains("altered after it was signed"), "{refused}");

    // A whole other log, with its own consistent chain and tree, of at least the same length.
    let rewritten = db.another().await;
    succeeds(&rewritten, d, &["demo"]);
    let found = fails(&rewritten, d, &["verify", "--checkpoint", "board-papers.checkpoint", "--key", &verifier]);
    assert!(found.contains("The chain verifies"), "the rewritten chain is consistent: {found}");
    assert!(found.contains("The log does NOT match the checkpoint"), "{found}");
    assert!(found.contains("the log was rewritten"), "{found}");
    rewritten.finish().await;

    // The last ten events dropped, and the tree recomputed to cover the tracks.
    db.execute_raw(&format!("DELETE FROM events WHERE position > {}", size - 10)).await;
    succeeds(db, d, &["rebuild-tree"]);
    let found = fails(db, d, &["verify", "--checkpoint", "board-papers.checkpoint", "--key", &verifier]);
    assert!(found.contains("The chain verifies"), "the chain alone cannot see a cut tail: {found}");
    let truncated =
        format!("the log was truncated: a checkpoint covers {size} events, but the log now holds only {}", size - 10);
    assert!(found.contains(&truncated), "{found}");
}

/// `covenant record --document FILE` records the file's SHA-256 as the content hash of a version
/// published without one; a command giving another hash is refused naming both, and so is
/// `--document` with a command that carries no document.
async fn record_document_gives_a_versions_content_hash_and_refuses_another(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let document = b"HHCDG Delivery Plan 2024/25\n";
    std::fs::write(d.join("hhcdg-delivery-plan-2024.pdf"), document).expect("write the document");
    let hash = domain::ContentHash::of(document).to_string();
    let publish = r#"{"aggregate":"instrument","command":"publish_version","id":"lincolnshire-hhcdg-delivery-plan","label":"2024/25","document":"HHCDG Delivery Plan 2024/25","published_on":"2024-04-01"}"#;

    let other = publish.replace(
        r#""published_on""#,
        r#""content_hash":"sha256:41822d9d70433e3d4efb3636398d6d38018bdd05147c415e2336454da7e7e1aa","published_on""#,
    );
    let refused = fails(db, d, &["record", "--document", "hhcdg-delivery-plan-2024.pdf", &other]);
    assert!(
        refused.contains(&format!(
            "the command's content_hash \"sha256:41822d9d70433e3d4efb3636398d6d38018bdd05147c415e2336454da7e7e1aa\" is not the hash of hhcdg-delivery-plan-2024.pdf, {hash}"
        )),
        "{refused}"
    );
    assert!(refused.contains("nothing was recorded"), "{refused}");
    let wrong_command = fails(db, d, &["record", "--document", "hhcdg-delivery-plan-2024.pdf", REGISTER]);
    assert!(
        wrong_command.contains("use --document only with an instrument's publish_version or refresh"),
        "{wrong_command}"
    );

    let recorded = succeeds(db, d, &["record", "--document", "hhcdg-delivery-plan-2024.pdf", publish]);
    assert!(recorded.contains("InstrumentVersionPublished"), "{recorded}");
    let status =
        succeeds(db, d, &["report", "status", "--instrument", "lincolnshire-hhcdg-delivery-plan", "--format", "json"]);
    assert!(status.contains(&format!("\"content_hash\": \"{hash}\"")), "{status}");
    assert!(status.contains("\"label\": \"2024/25\""), "{status}");

    // The same hash given and named by the document is the same command.
    let same = publish
        .replace(r#""label":"2024/25""#, r#""label":"2024/25 (reissued)""#)
        .replace(r#""published_on""#, &format!(r#""content_hash":"{hash}","published_on""#));
    succeeds(db, d, &["record", "--document", "hhcdg-delivery-plan-2024.pdf", &same]);
}

/// `import action-plan --template` prints a row the demo does not hold: imported as printed into
/// a fresh demo, it records the action and its progress; imported again, it is skipped.
async fn the_action_plan_template_records_something_new_on_the_demo(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let template = succeeds(db, d, &["import", "action-plan", "--template"]);
    std::fs::write(d.join("plan.csv"), &template).expect("write the template");
    let first = succeeds(db, d, &["import", "action-plan", "plan.csv"]);
    assert!(first.contains("Imported plan.csv: recorded 1 line as 2 events in 1 append"), "{first}");
    let report = succeeds(db, d, &["report", "actions", "--format", "csv"]);
    let row = report
        .lines()
        .find(|l| l.contains("Review the shared Disabled Facilities Grant policy with the seven districts"))
        .unwrap_or_else(|| panic!("the action is on record: {report}"));
    assert!(row.contains("Housing Services Manager") && row.contains(",40"), "with its lead and progress: {row}");
    let again = succeeds(db, d, &["import", "action-plan", "plan.csv"]);
    assert!(
        again.contains("Imported plan.csv: recorded nothing; matched 0 lines to what is on record; skipped 1 line already recorded."),
        "{again}"
    );
}

/// The demo's minute 45 as ModernGov publishes it: nothing recorded, and the summary says what
/// was recorded, matched and skipped, in those words, with each match.
async fn a_moderngov_meeting_the_demo_holds_is_matched_and_the_summary_says_so(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/imports/west-lindsey-pcc-2021-03-09-minute-45.xml");
    std::fs::copy(fixture, d.join("meeting.xml")).expect("copy the fixture");
    let out = succeeds(db, d, &["import", "moderngov", "meeting.xml", "--council", "GB-LAE-WLI"]);
    assert!(
        out.contains("Imported meeting.xml: recorded nothing; matched 2 lines to what is on record; skipped 0 lines already recorded."),
        "{out}"
    );
    assert!(
        out.contains("line 13: the resolution of agenda item 8a, minute 45 (ModernGov agenda item 24738) is resolution west-lindsey-pcc-2021-03-09-45 on record"),
        "{out}"
    );
}

/// An organisation recorded after the demo, past the read models the demo saved.
const TESTSHIRE: &str = r#"{"aggregate":"organisation","command":"register","id":"GB-LAE-TST","name":"Testshire District Council","kind":"local_authority"}"#;

async fn report_and_rebuild_refuse_an_altered_log_naming_the_position(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    succeeds(db, d, &["record", TESTSHIRE]);
    let position = db.store().head().await.expect("the head reads").position.0;
    assert!(succeeds(db, d, &["report", "audit"]).contains("registered Testshire District Council"));

    db.execute_raw(&format!(
        "UPDATE events SET payload = replace(payload, 'Testshire', 'Fakeshire') WHERE position = {position}"
    ))
    .await;
    let broken = format!("the log is broken at position {position}");
    for report in [&["report", "actions"][..], &["report", "audit"], &["report", "status", "--as-of", "2030-01-01"]] {
        let refused = fails(db, d, report);
        assert!(refused.contains(&broken), "{report:?}: {refused}");
        assert!(refused.contains("pass --allow-unverified"), "{report:?}: {refused}");
        assert!(!refused.contains("Fakeshire"), "{report:?} printed the altered text: {refused}");
    }
    let mut args = vec!["report", "actions", "--allow-unverified", "--format", "csv"];
    let output = covenant_on(&db.location().1, d, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let warning = format!("warning: {broken}, so this report may show records that were altered");
    assert!(stderr(&output).contains(&warning), "{}", stderr(&output));
    assert!(!stdout(&output).contains("warning"), "the CSV stays whole: {}", stdout(&output));
    args[1] = "audit";
    let output = covenant_on(&db.location().1, d, &args);
    assert!(output.status.success() && stderr(&output).contains(&warning), "{}", stderr(&output));
    assert!(stdout(&output).contains("registered Fakeshire District Council"), "printed as asked, with the warning");

    let refused = fails(db, d, &["rebuild"]);
    assert!(refused.contains("failed to rebuild the read models") && refused.contains(&broken), "{refused}");
    // The rebuild saved nothing past the break: a report still refuses.
    assert!(fails(db, d, &["report", "status"]).contains(&broken));
}

async fn a_report_refuses_read_models_saved_ahead_of_a_log_cut_short(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let head = db.store().head().await.expect("the head reads").position.0;
    db.execute_raw(&format!("DELETE FROM events WHERE position > {}", head - 10)).await;

    let cut = format!("the log ends at position {}, but it held position {head}", head - 10);
    let refused = fails(db, d, &["report", "status"]);
    assert!(refused.contains(&format!("the log is broken at position {}", head - 9)), "{refused}");
    assert!(refused.contains(&cut), "{refused}");
    let output = covenant_on(&db.location().1, d, &["report", "status", "--allow-unverified"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("warning: the log is broken") && stderr(&output).contains(&cut));
}

async fn verify_from_a_trusted_position_recomputes_the_event_there(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let head = db.store().head().await.expect("the head reads").position.0;
    let events = db.store().read_all(kernel::Position::ZERO, 10_000).await.expect("the log reads");
    let trusted = events.iter().find(|e| e.payload.as_str().contains("Lincolnshire")).expect("an event to trust");
    let at = trusted.position.0;
    let (position, hash) = (at.to_string(), trusted.hash.to_hex());
    let args = ["verify", "--from-position", position.as_str(), "--from-hash", hash.as_str()];
    let checked = succeeds(db, d, &args);
    assert!(checked.contains(&format!("The chain verifies: {} events checked.", head - at + 1)), "{checked}");

    // The content of the event at the trusted position altered, its stored hash left as it was.
    db.execute_raw(&format!(
        "UPDATE events SET payload = replace(payload, 'Lincolnshire', 'Lincolnshyre') WHERE position = {at}"
    ))
    .await;
    let found = fails(db, d, &args);
    assert!(found.contains(&format!("First problem at position {at}")), "{found}");
    assert!(found.contains(&format!("the event at position {at} was altered")), "{found}");
}

async fn nothing_is_recorded_below_the_latest_signed_checkpoint(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    succeeds(db, d, &["keys", "init", "--name", "lincolnshire.example/covenant", "--out", "log.key"]);
    succeeds(db, d, &["checkpoint", "--key", "log.key"]);
    let size = db.store().head().await.expect("the head reads").position.0;
    db.execute_raw(&format!("DELETE FROM events WHERE position > {}", size - 10)).await;

    let refused = fails(db, d, &["record", TESTSHIRE]);
    let below =
        format!("the log ends at position {}, but its latest signed checkpoint covers {size} events", size - 10);
    assert!(refused.contains(&below), "{refused}");
    assert_eq!(db.store().head().await.expect("the head reads").position.0, size - 10, "nothing was recorded");
}

/// Runs `covenant --db covenant.db ARGS` in `dir` as on a terminal `columns` wide.
fn covenant_in_columns(dir: &Path, columns: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir)
        .env_remove("COVENANT_DATABASE_URL")
        .env("COLUMNS", columns)
        .args(["--db", "covenant.db"])
        .args(args)
        .output()
        .expect("the covenant binary runs");
    assert!(output.status.success(), "covenant {args:?}: {}", stderr(&output));
    stdout(&output)
}

/// The widest line of `text`, in characters.
fn widest(text: &str) -> usize {
    text.lines().map(|line| line.chars().count()).max().unwrap_or(0)
}

#[test]
fn text_reports_fit_the_terminal_and_say_what_they_left_out_and_one_instrument_says_when() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    assert!(covenant(d, &["demo"]).status.success());
    for report in ["status", "resolutions", "actions", "indicators", "audit"] {
        let fitted = covenant_in_columns(d, "100", &["report", report]);
        let table: Vec<&str> = fitted.lines().filter(|line| !line.is_empty() && !line.ends_with('.')).collect();
        assert!(table.iter().all(|line| line.chars().count() <= 100), "{report} fits 100 columns:\n{fitted}");
        let wide = covenant_in_columns(d, "100", &["report", report, "--wide"]);
        assert!(widest(&wide) > 100, "{report} --wide prints every column:\n{wide}");
        assert!(!wide.contains("Left out to fit"), "{wide}");
        let markdown = covenant_in_columns(d, "100", &["report", report, "--format", "markdown"]);
        assert!(!markdown.contains("Left out to fit"), "markdown keeps every column:\n{markdown}");
    }
    let status = covenant_in_columns(d, "100", &["report", "status"]);
    assert!(
        status.contains("Left out to fit 100 columns: Kind, State, Version, Owner, Endorsed, Parties, Stale. `covenant report` with --wide prints every column, as do markdown, CSV and JSON."),
        "{status}"
    );
    assert!(status.lines().any(|line| line.starts_with("Instrument") && line.contains("Progress  RAG")), "{status}");

    let mou = covenant_in_columns(
        d,
        "100",
        &["report", "status", "--instrument", "lincolnshire-housing-health-care-mou", "--format", "markdown"],
    );
    assert!(mou.contains("Showing the record as it stands now, up to position "), "{mou}");
    assert!(mou.contains("Overdue and stale items counted on 20"), "{mou}");
    assert!(
        mou.contains("### Needs attention\n\nNothing needs attention: no commitment is overdue or stale.\n"),
        "an empty section says so, not a table of headers:\n{mou}"
    );
    assert!(mou.contains("### Objectives\n\nNo objectives are recorded.\n"), "{mou}");
    let past = covenant_in_columns(
        d,
        "100",
        &[
            "report",
            "status",
            "--instrument",
            "lincolnshire-homes-for-independence-blueprint",
            "--as-of",
            "2021-03-31",
            "--format",
            "markdown",
        ],
    );
    assert!(
        past.contains("Showing the record as decided by 2021-03-31. Overdue and stale items counted on 2021-03-31."),
        "{past}"
    );
    assert_eq!(past.matches("Showing the record").count(), 1, "said once, under the first table:\n{past}");
}

#[test]
fn a_report_piped_to_a_reader_that_stops_early_ends_quietly() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(covenant(dir.path(), &["demo"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir.path())
        .env_remove("COVENANT_DATABASE_URL")
        .args(["--db", "covenant.db", "report", "audit"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the covenant binary runs");
    // As `| head -1` does: read a little, then stop reading.
    let mut first = [0_u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().expect("its output"), &mut first).expect("the report begins");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("it ends");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(&first, b"Audit trail\n\nPos");
}

/// Every report, and the action log by body, as CSV from `covenant report` and from the API
/// over the same demo: the same bytes, one table of rows, numbers as numbers and nothing as an
/// empty cell; the action log's counts are their own report, `--summary`.
async fn the_command_lines_csv_is_the_apis_byte_for_byte(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    succeeds(db, d, &["demo"]);
    let app = tests::spawn_app(db).await;
    let token = app.token(app::Role::Auditor, None).await;
    let mut asked: Vec<(Vec<&str>, String)> =
        projections::ReportKind::ALL.iter().map(|kind| (vec![kind.name()], kind.name().to_owned())).collect();
    asked.push((vec!["actions", "--by", "body"], "actions?by=body".to_owned()));
    for (report, path) in asked {
        let args: Vec<&str> = ["report"].into_iter().chain(report.iter().copied()).chain(["--format", "csv"]).collect();
        let cli = succeeds(db, d, &args);
        let separator = if path.contains('?') { '&' } else { '?' };
        let response = app
            .get(&format!("/api/v1/{path}{separator}limit=1000"), &token)
            .header("Accept", "text/csv")
            .send()
            .await
            .expect("the API answers");
        assert_eq!(response.status(), 200, "{path}");
        let api = response.text().await.expect("a body");
        assert_eq!(cli, api, "covenant {args:?} and GET {path}");
        let lines: Vec<&str> = cli.lines().collect();
        assert!(lines.len() > 1, "{path} has rows: {cli}");
        assert!(!lines.iter().any(|line| line.is_empty()), "{path} is one table: {cli}");
        let columns = |line: &str| line.split(',').count();
        assert!(lines[0].split(',').all(|name| !name.is_empty()), "{path} opens with its header: {}", lines[0]);
        if report[0] == "status" {
            assert!(
                lines[1..].iter().all(|row| !row.contains('%') && !row.contains(",'-") && !row.contains(",-,")),
                "{cli}"
            );
            assert!(cli.contains(",72,RED,"), "the HHCDG plan's progress is a number: {cli}");
        }
        if report[0] == "indicators" {
            assert!(
                lines[0] == "Indicator,Owner,Unit,Baseline,Baseline on,Latest,Latest on,Target,Target by,Direction,RAG"
                    && cli.contains(",households,96,2021-03-31,137,2023-03-31,140,2023-03-31,improving,"),
                "each reading a number and a date of its own: {cli}"
            );
        }
        if report[0] == "actions" {
            assert!(
                columns(lines[0]) >= 8 && lines[0].contains("Action,Lead,Due"),
                "the rows, not the counts: {}",
                lines[0]
            );
            assert!(lines[0].ends_with(",Due,State,Last progress,Period,Progress,RAG"), "{}", lines[0]);
            assert!(
                cli.contains(",2022-03-31,\"overdue, stale\",2022-04-20,2021/22 Q4,60,RED"),
                "a date, its period and a number, each in its own cell: {cli}"
            );
        }
    }
    let summary = succeeds(db, d, &["report", "actions", "--by", "body", "--summary", "--format", "csv"]);
    assert!(
        summary.starts_with(
            "Body,Open,Overdue,Due soon,Stale,Deferred,Done,Cancelled\nBexley Health and Wellbeing Board,"
        ),
        "{summary}"
    );
    assert!(!summary.lines().any(str::is_empty), "{summary}");
    let refused = fails(db, d, &["report", "status", "--summary"]);
    assert!(refused.contains("--summary applies only to `covenant report actions`"), "{refused}");
    let whole = fails(
        db,
        d,
        &["report", "status", "--instrument", "lincolnshire-homes-for-independence-blueprint", "--format", "csv"],
    );
    assert!(whole.contains("one instrument in full is several tables, and CSV holds one"), "{whole}");
    app.stop().await;
}

on_both_backends!(
    the_command_lines_csv_is_the_apis_byte_for_byte,
    verify_against_a_checkpoint_names_a_truncated_or_rewritten_log,
    the_action_plan_template_records_something_new_on_the_demo,
    a_moderngov_meeting_the_demo_holds_is_matched_and_the_summary_says_so,
    record_document_gives_a_versions_content_hash_and_refuses_another,
    nothing_is_recorded_below_the_latest_signed_checkpoint,
    verify_from_a_trusted_position_recomputes_the_event_there,
    report_and_rebuild_refuse_an_altered_log_naming_the_position,
    a_report_refuses_read_models_saved_ahead_of_a_log_cut_short,
);

#[test]
fn proof_export_writes_a_resolutions_proof_that_proof_verify_checks_offline() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let d = dir.path();
    for args in [&["demo"][..], &["keys", "init", "--name", "lincolnshire.example/covenant", "--out", "log.key"]] {
        let output = covenant(d, args);
        assert!(output.status.success(), "{}", stderr(&output));
        if let Some(key) = stdout(&output).lines().find_map(|l| l.strip_prefix("Verifier key: ")) {
            std::fs::write(d.join("log.pub"), key).expect("write the verifier key");
        }
    }
    let early = covenant(d, &["proof", "export", "--resolution", "west-lindsey-pcc-2021-03-09-45"]);
    assert!(!early.status.success(), "no checkpoint yet");
    assert!(stderr(&early).contains("sign one with `covenant checkpoint`"), "{}", stderr(&early));
    assert!(covenant(d, &["checkpoint", "--key", "log.key"]).status.success());

    let exported = covenant(d, &["proof", "export", "--resolution", "west-lindsey-pcc-2021-03-09-45"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let file = "resolution-west-lindsey-pcc-2021-03-09-45.proof.json";
    assert!(stdout(&exported).contains(file), "{}", stdout(&exported));
    // Offline: the database is gone.
    std::fs::remove_file(d.join("covenant.db")).expect("remove the database");
    let verified = covenant(d, &["proof", "verify", file, "--key", "log.pub"]);
    assert!(verified.status.success(), "{}{}", stdout(&verified), stderr(&verified));
    let said = stdout(&verified);
    assert!(
        said.contains(
            "minute 45 of West Lindsey District Council's Prosperous Communities Committee, decided 9 March 2021, is event "
        )
            && said.contains("(the last recorded on ")
            && said.contains("was signed by lincolnshire.example/covenant."),
        "{said}"
    );

    let text = std::fs::read_to_string(d.join(file)).expect("the proof");
    std::fs::write(d.join("altered.json"), text.replacen("adopt and agree", "adopt and agreE", 1)).expect("write");
    let refused = covenant(d, &["proof", "verify", "altered.json", "--key", "log.pub"]);
    assert!(!refused.status.success(), "an altered proof is refused");
    assert!(
        stdout(&refused).contains("does NOT prove anything") && stdout(&refused).contains("its content was altered"),
        "{}",
        stdout(&refused)
    );
}

tests::skip_summary!();

/// Sends `GET PATH` with `x-request-id: ID` to the service at `address` and gives the whole
/// answer, head and body.
fn get_with_id(address: &str, path: &str, id: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("the service accepts a connection");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nx-request-id: {id}\r\nConnection: close\r\n\r\n")
        .expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    answer
}

/// `covenant serve --log-format json` on a new database in `dir`, with `RUST_LOG` set to
/// `filter` or unset: the process, the address it serves and its log lines as they come.
fn serve_json(dir: &Path, filter: Option<&str>) -> (std::process::Child, String, std::sync::mpsc::Receiver<String>) {
    assert!(covenant(dir, &["init"]).status.success());
    let mut command = Command::new(env!("CARGO_BIN_EXE_covenant"));
    command.current_dir(dir).env_remove("COVENANT_DATABASE_URL").env_remove("RUST_LOG");
    if let Some(filter) = filter {
        command.env("RUST_LOG", filter);
    }
    let mut serve = command
        .args(["--db", "covenant.db", "serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the service starts");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(serve.stdout.take().expect("stdout")));
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.split(" at http://").nth(1).map(str::to_owned))
        .expect("the service says where it serves");
    // What it prints after is read and dropped, so that its standard output stays open.
    std::thread::spawn(move || lines.for_each(drop));
    let (sender, log) = std::sync::mpsc::channel();
    let stderr = serve.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    (serve, address, log)
}

/// Stops the service with SIGTERM and checks that it stopped cleanly.
fn stop(mut serve: std::process::Child) {
    let stopped = Command::new("kill").args(["-TERM", &serve.id().to_string()]).status().expect("kill runs");
    assert!(stopped.success());
    assert!(serve.wait().expect("the service stops").success(), "the service stops cleanly on SIGTERM");
}

#[test]
fn serve_logs_each_request_as_json_with_its_request_id() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (serve, address, log) = serve_json(dir.path(), None);

    let answer = get_with_id(&address, "/api/v1/nothing", "minute-45-check");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-request-id: minute-45-check\r\n"), "{answer}");
    assert!(answer.contains(r#""instance":"urn:covenant:request:minute-45-check""#), "{answer}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = log.recv_timeout(left) else { panic!("no log line of the request in:\n{}", seen.join("\n")) };
        let parsed: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        if parsed["span"]["request_id"] == "minute-45-check" && parsed["fields"]["message"] == "answered" {
            break parsed;
        }
        seen.push(line);
    };
    assert_eq!(line["level"], "INFO", "{line}");
    assert_eq!(line["fields"]["status"], 404, "{line}");
    assert_eq!(line["span"]["method"], "GET", "{line}");
    assert_eq!(line["span"]["path"], "/api/v1/nothing", "{line}");
    stop(serve);
}

#[test]
fn serve_honours_rust_log() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (serve, address, log) = serve_json(dir.path(), Some("warn"));
    let answer = get_with_id(&address, "/api/v1/nothing", "quiet-check");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // A request that follows it is answered after the first's log line would have been written.
    assert!(get_with_id(&address, "/healthz", "second").starts_with("HTTP/1.1 200"));
    stop(serve);
    // The reader ends when the process's standard error closes.
    let lines: Vec<String> = log.iter().collect();
    assert!(
        lines.iter().all(|line| !line.contains("quiet-check")),
        "RUST_LOG=warn leaves out the info line of each request: {lines:?}"
    );

    let refused = Command::new(env!("CARGO_BIN_EXE_covenant"))
        .current_dir(dir.path())
        .env_remove("COVENANT_DATABASE_URL")
        .env("RUST_LOG", "http_api=loud")
        .args(["--db", "covenant.db", "serve", "--bind", "127.0.0.1:0"])
        .output()
        .expect("the covenant binary runs");
    assert!(!refused.status.success(), "a RUST_LOG that is not a filter stops the service before it starts");
    assert!(stderr(&refused).contains("RUST_LOG=http_api=loud is not a log filter"), "{}", stderr(&refused));
}
