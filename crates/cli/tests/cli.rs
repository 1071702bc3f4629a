//! The `covenant` binary run as a user runs it: `record` with good and bad files, `demo` on a
//! new SQLite file, `report` and `rebuild` over the demo, keys and checkpoints, and `verify`
//! against a checkpoint kept elsewhere on both backends. The only tests that need the built
//! binary; everything else is tested through the application layer in the `tests` crate.

use std::path::Path;
use std::process::{Command, Output};

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

on_both_backends!(verify_against_a_checkpoint_names_a_truncated_or_rewritten_log);

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
        said.contains("minute 45 of west-lindsey-prosperous-communities-committee, decided 9 March 2021, is event ")
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
