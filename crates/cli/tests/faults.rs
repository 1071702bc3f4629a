//! The `covenant` binary killed with SIGKILL at random moments, twenty times per scenario on one
//! database that each restart continues: during a CloudEvents import, during `covenant rebuild`
//! and while `covenant serve` records commands from several clients; and two `covenant serve`
//! processes writing to one database at once. After every kill each acknowledged event is
//! present, nothing is half-present, the chain verifies, and the read models caught up equal a
//! rebuild. `covenant publish nats` killed five times part way and restarted leaves the
//! JetStream stream holding the log, each event once, in position order (with a NATS server
//! named by `COVENANT_TEST_NATS_URL`). Also the SQLite file on a full disk and in a read-only directory (a tmpfs, which
//! needs root to mount): a clear error, and the file whole. `docs/reliability.md` lists them.
//!
//! The kill moments come from a seeded random number generator; the seed is printed, and
//! `COVENANT_FAULTS_SEED=<seed>` replays them.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kernel::{EventStore, Position};
use projections::{Projection, ReadModels};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tests::national_log::record_governance_log;
use tests::{TestStore, commitment_id, make_commitment, narratives, on_both_backends, report_progress};

/// Kills per scenario.
const KILLS: usize = 20;
/// Events in the export the import rounds restore, a twentieth more each round.
const IMPORT_EVENTS: usize = 8_000;
/// Events in the log the rebuild folds.
const REBUILD_EVENTS: usize = 12_000;
/// Events a restore writes per transaction (`app::interchange::cloudevents::PAGE`).
const RESTORE_BATCH: u64 = app::interchange::cloudevents::PAGE as u64;
/// How often the killed rebuilds save the read models: several saves per rebuild, so that kills
/// land between two of them.
const SAVE_EVERY: u64 = 2_000;
/// Progress reports per file imported until the disk is full.
const PER_FILE: usize = 500;
/// Clients sending commands to each service at once, each on a commitment of its own.
const WRITERS: usize = 3;
/// Clients sending keyed commands to the service killed in the storm, and its kills.
const KEYED_WRITERS: usize = 8;
const KEYED_KILLS: usize = 10;
/// Rounds of one key sent to two services at once.
const RACES: usize = 20;

/// A random number generator seeded from `COVENANT_FAULTS_SEED` or at random, saying its seed.
fn seeded(test: &str) -> StdRng {
    let seed = std::env::var("COVENANT_FAULTS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
    eprintln!("{test}: seed {seed} (COVENANT_FAULTS_SEED={seed} replays these kill moments)");
    StdRng::seed_from_u64(seed)
}

/// `covenant --db DATABASE` in `dir`, with no database named by the environment.
fn covenant_on(database: &str, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_covenant"));
    command.current_dir(dir).env_remove("COVENANT_DATABASE_URL").env("USER", "clerk").args(["--db", database]);
    // On PostgreSQL, the process's connections carry this name, by which `settle` tells them
    // from the test's own.
    command.env("PGAPPNAME", CHILD);
    command
}

/// The `application_name` of the connections of every `covenant` process a test starts.
const CHILD: &str = "covenant-under-test";

/// `covenant` on the database of `db`.
fn covenant(db: &TestStore, dir: &Path) -> Command {
    covenant_on(&db.location().1, dir)
}

/// Runs `covenant --db DATABASE ARGS` to the end, requires success, and gives its standard
/// output.
fn run_on(database: &str, dir: &Path, args: &[&str]) -> String {
    let output: Output = covenant_on(database, dir).args(args).output().expect("the covenant binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "covenant {args:?} failed: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `covenant ARGS` on the database of `db`, as [`run_on`].
fn run(db: &TestStore, dir: &Path, args: &[&str]) -> String {
    run_on(&db.location().1, dir, args)
}

/// Runs `covenant --db DATABASE ARGS` to the end, requires failure, and gives its standard error.
fn refused_on(database: &str, dir: &Path, args: &[&str]) -> String {
    let output: Output = covenant_on(database, dir).args(args).output().expect("the covenant binary runs");
    assert!(!output.status.success(), "covenant {args:?} succeeded: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts `covenant ARGS`, its output thrown away.
fn start(db: &TestStore, dir: &Path, args: &[&str]) -> Child {
    covenant(db, dir).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the covenant binary runs")
}

/// Kills `child` with SIGKILL after `delay`; says whether it was still running.
async fn kill_after(child: &mut Child, delay: Duration) -> bool {
    tokio::time::sleep(delay).await;
    let running = child.try_wait().expect("the child can be waited for").is_none();
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");
    running
}

/// The connections the `covenant` processes a test started have open to the database of `db`
/// (none to count on SQLite).
async fn connections(db: &TestStore) -> i64 {
    match db {
        TestStore::Sqlite { .. } => 0,
        TestStore::Postgres { store, .. } => sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        )
        .bind(CHILD)
        .fetch_one(store.pool())
        .await
        .expect("count the connections"),
    }
}

/// Waits until no connection of a `covenant` process the test started (and then killed) is open
/// to the database of `db`. PostgreSQL finishes the statement a killed client's connection was
/// running (a COMMIT already sent commits) before that connection ends, so what the killed
/// process wrote is only settled then. Counting the children's connections alone, by their
/// application name, keeps the test's own pool, which may open another connection meanwhile, out.
async fn settle(db: &TestStore) {
    let started = Instant::now();
    while connections(db).await > 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the killed process's connections did not end");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A moment drawn uniformly from `window`.
fn moment(rng: &mut StdRng, window: Duration) -> Duration {
    window.mul_f64(rng.random_range(0.0..1.0))
}

/// Every report in JSON, as `covenant report` prints it after catching up from the saved state.
fn reports(db: &TestStore, dir: &Path) -> Vec<String> {
    ["status", "resolutions", "actions", "indicators"]
        .iter()
        .map(|report| run(db, dir, &["report", report, "--format", "json"]))
        .collect()
}

/// Requires the reports caught up from the saved state to equal the reports after a rebuild.
fn assert_caught_up_equals_rebuild(db: &TestStore, dir: &Path) {
    let caught_up = reports(db, dir);
    run(db, dir, &["rebuild"]);
    assert_eq!(caught_up, reports(db, dir), "the read models caught up equal a full rebuild");
}

/// Requires `covenant verify` to pass, and gives the head position it reports.
fn verify(db: &TestStore, dir: &Path) -> u64 {
    verify_on(&db.location().1, dir)
}

/// [`verify`] on the database named `database`.
fn verify_on(database: &str, dir: &Path) -> u64 {
    let out = run_on(database, dir, &["verify"]);
    out.lines()
        .find_map(|l| l.strip_prefix("Head position:"))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no head position in {out}"))
}

async fn a_killed_import_leaves_whole_batches_and_running_it_again_finishes_it(db: &TestStore) {
    let mut rng = seeded("import");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let source = TestStore::sqlite().await;
    record_governance_log(source.store(), IMPORT_EVENTS, 10_000).await.expect("the source log is recorded");
    let file = dir.path().join("covenant-events.jsonl");
    let file = file.to_str().expect("a UTF-8 path");
    run(&source, dir.path(), &["export", "cloudevents", "--output", file]);
    let total = IMPORT_EVENTS as u64;

    // Each round imports a longer start of the export, so that every kill finds more to write;
    // its kill is drawn from one and a half times the share of an uninterrupted import's time
    // (measured on this backend) that the round's file is of the whole.
    let scratch = db.another().await;
    let started = Instant::now();
    run(&scratch, dir.path(), &["import", "cloudevents", file]);
    let whole = started.elapsed();
    scratch.finish().await;
    let lines: Vec<String> =
        std::fs::read_to_string(file).expect("read the export").lines().map(str::to_owned).collect();
    assert_eq!(lines.len() as u64, total);

    let round_file = dir.path().join("round.jsonl");
    let round_file = round_file.to_str().expect("a UTF-8 path");
    let mut stored = 0;
    let mut landed = 0;
    let mut written = 0;
    for kill in 0..KILLS {
        let length = (kill + 1) * lines.len() / KILLS;
        std::fs::write(round_file, lines[..length].join("\n") + "\n").expect("write the round's file");
        let mut child = start(db, dir.path(), &["import", "cloudevents", round_file]);
        let at = moment(&mut rng, whole.mul_f64(1.5 * (kill + 1) as f64 / KILLS as f64));
        landed += usize::from(kill_after(&mut child, at).await);
        settle(db).await;
        let head = db.store().head().await.expect("head");
        let reached = head.position.0;
        assert!(
            reached >= stored
                && reached <= length as u64
                && ((reached - stored) % RESTORE_BATCH == 0 || reached == length as u64),
            "kill {kill} at {at:?}: whole batches only, but the log went from {stored} to {reached} of {length}"
        );
        if reached > 0 {
            let theirs = source.store().read_all(Position(reached - 1), 1).await.expect("read the source");
            assert_eq!(theirs[0].hash, head.hash, "kill {kill}: the log is the file's start, event for event");
        }
        let report = db.store().verify(None).await.expect("verify");
        assert!(report.is_ok() && report.verified_head == head, "kill {kill}: the chain verifies: {report:?}");
        written += usize::from(reached > stored);
        stored = reached;
    }
    eprintln!(
        "import: {landed} of {KILLS} kills landed while it ran; {written} rounds wrote before their kill, the others nothing; {stored} of {total} events stored (an uninterrupted import: {whole:?})"
    );
    assert!(landed > 0, "some kills landed while the import ran");

    let finished = run(db, dir.path(), &["import", "cloudevents", file]);
    assert!(finished.contains(&format!("Head position: {total}")), "{finished}");
    let again = run(db, dir.path(), &["import", "cloudevents", file]);
    assert!(
        again.contains(&format!(
            "{total} events were already in the database, as the file has them, from an earlier run; 0 written now."
        )),
        "running it once more writes nothing: {again}"
    );
    let head = db.store().head().await.expect("head");
    assert_eq!(head, source.store().head().await.expect("the source's head"), "the same log as the file's");
    assert_eq!(verify(db, dir.path()), total);
    assert_caught_up_equals_rebuild(db, dir.path());
    source.finish().await;
}

/// The position the saved read models cover.
async fn saved_position(db: &TestStore) -> u64 {
    let name = format!("{}.v{}", ReadModels::NAME, ReadModels::VERSION);
    db.snapshots().load_snapshot(&name).await.expect("read the snapshot").map_or(0, |s| s.position.0)
}

async fn a_killed_rebuild_is_caught_up_by_the_next_report(db: &TestStore) {
    let mut rng = seeded("rebuild");
    let dir = tempfile::tempdir().expect("a temporary directory");
    record_governance_log(db.store(), REBUILD_EVENTS, 10_000).await.expect("the log is recorded");
    let save_every = SAVE_EVERY.to_string();
    let started = Instant::now();
    run(db, dir.path(), &["rebuild", "--save-every", &save_every]);
    let window = started.elapsed();
    let rebuilt = reports(db, dir.path());

    let mut between = 0;
    for kill in 0..KILLS {
        let mut child = start(db, dir.path(), &["rebuild", "--save-every", &save_every]);
        let at = moment(&mut rng, window);
        kill_after(&mut child, at).await;
        settle(db).await;
        let saved = saved_position(db).await;
        between += usize::from(saved > 0 && saved < REBUILD_EVENTS as u64);
        assert_eq!(
            reports(db, dir.path()),
            rebuilt,
            "kill {kill} at {at:?}, read models saved at position {saved}: caught up, they equal a rebuild"
        );
    }
    eprintln!("rebuild: {between} of {KILLS} kills left the read models saved part-way (window {window:?})");
    assert!(between > 0, "some kills landed after a save part-way through the rebuild");
    assert_eq!(verify(db, dir.path()), REBUILD_EVENTS as u64);
}

/// Records the seed stories and `commitments` commitments to report on, and gives a
/// secretariat token.
fn recorded_demo(db: &TestStore, dir: &Path, commitments: usize) -> String {
    run(db, dir, &["demo"]);
    let lines: Vec<String> = (0..commitments).map(|n| make_commitment(n).to_string()).collect();
    std::fs::write(dir.join("commitments.jsonl"), lines.join("\n")).expect("write the commitments");
    run(db, dir, &["record", "--file", "commitments.jsonl", "--actor", "HHCDG secretariat"]);
    let made = run(db, dir, &["token", "create", "--role", "secretariat", "--name", "faults secretariat"]);
    made.lines().nth(1).expect("the token on the second line").to_owned()
}

/// Starts `covenant serve` on a free port, its output in `NAME.out` and `NAME.log`; gives the
/// process and its address.
async fn serve(db: &TestStore, dir: &Path, name: &str) -> (Child, String) {
    let out = dir.join(format!("{name}.out"));
    let stdout = std::fs::File::create(&out).expect("an output file");
    let stderr = std::fs::File::create(dir.join(format!("{name}.log"))).expect("a log file");
    let mut child = covenant(db, dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("the covenant binary runs");
    match announced_address(&out).await {
        Ok(address) => (child, address),
        Err(said) => {
            child.kill().expect("SIGKILL the service");
            child.wait().expect("reap the service");
            panic!("the service did not start: {said}");
        }
    }
}

/// The address `covenant serve` says it serves at in its output file `out`, once it says it, or
/// what it said instead within 30 seconds.
async fn announced_address(out: &Path) -> Result<String, String> {
    let started = Instant::now();
    loop {
        let said = std::fs::read_to_string(out).unwrap_or_default();
        if let Some(address) = said.lines().next().and_then(|l| l.rsplit_once(" at ")).map(|(_, a)| a.to_owned()) {
            return Ok(address);
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(said);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends progress reports on `commitment` to the service at `address`, one at a time, each with
/// a narrative of its own, until `stop` is set, `count` have been sent, or the service goes
/// away; gives the narratives acknowledged with a 2xx. Any other answer fails the test.
async fn send_reports(
    address: String,
    token: String,
    commitment: String,
    label: String,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for n in 0..count {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let narrative = format!("{label}, return {n}: Disabled Facilities Grant referrals triaged within 10 days.");
        let sent = client
            .post(format!("{address}/api/v1/commitments"))
            .bearer_auth(&token)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&report_progress(&commitment, &narrative))
            .send()
            .await;
        let Ok(response) = sent else { break };
        let status = response.status();
        // A response cut short by the kill is not an acknowledgement.
        let Ok(body) = response.text().await else { break };
        assert!(status.is_success(), "{narrative}: answered {status}: {body}");
        acknowledged.push(narrative);
    }
    acknowledged
}

/// Requires every acknowledged narrative in the log exactly once and no narrative twice.
async fn assert_each_acknowledged_once(store: &dyn EventStore, acknowledged: &[String]) {
    let recorded = narratives(store).await;
    for narrative in acknowledged {
        assert_eq!(recorded.get(narrative).map_or(0, Vec::len), 1, "acknowledged, so recorded once: {narrative}");
    }
    for (narrative, positions) in &recorded {
        assert_eq!(positions.len(), 1, "recorded twice: {narrative} at {positions:?}");
    }
}

async fn a_killed_service_keeps_every_acknowledged_command(db: &TestStore) {
    let mut rng = seeded("serve");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = recorded_demo(db, dir.path(), WRITERS);
    let mut acknowledged = Vec::new();
    for kill in 0..KILLS {
        let (mut child, address) = serve(db, dir.path(), "serve").await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let label = format!("Restart {kill}, client {w}");
                tokio::spawn(send_reports(
                    address.clone(),
                    token.clone(),
                    commitment_id(w),
                    label,
                    usize::MAX,
                    stop.clone(),
                ))
            })
            .collect();
        let at = Duration::from_millis(50) + moment(&mut rng, Duration::from_millis(600));
        assert!(kill_after(&mut child, at).await, "kill {kill}: the service was running");
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            acknowledged.extend(writer.await.expect("a client ran"));
        }
        assert_each_acknowledged_once(db.store(), &acknowledged).await;
        let report = db.store().verify(None).await.expect("verify");
        assert!(report.is_ok(), "kill {kill} at {at:?}: {report:?}");
    }
    eprintln!("serve: {} commands acknowledged over {KILLS} kills", acknowledged.len());
    assert!(!acknowledged.is_empty(), "commands were acknowledged");
    verify(db, dir.path());
    assert_caught_up_equals_rebuild(db, dir.path());
}

/// A progress report sent with an idempotency key, that got no answer.
struct Unanswered {
    key: String,
    commitment: String,
    narrative: String,
}

/// Sends one progress report with `key` to the service at `address`; gives its status and body,
/// or `None` when no whole answer came back.
async fn send_keyed(
    client: &reqwest::Client,
    address: &str,
    token: &str,
    key: &str,
    commitment: &str,
    narrative: &str,
) -> Option<(u16, String)> {
    let sent = client
        .post(format!("{address}/api/v1/commitments"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&report_progress(commitment, narrative))
        .send()
        .await
        .ok()?;
    let status = sent.status().as_u16();
    Some((status, sent.text().await.ok()?))
}

/// Sends keyed progress reports on `commitment`, one at a time, until `stop` is set or the
/// service goes away; gives the narratives acknowledged and the report that got no answer.
async fn send_keyed_reports(
    address: String,
    token: String,
    commitment: String,
    label: String,
    stop: Arc<AtomicBool>,
) -> (Vec<String>, Option<Unanswered>) {
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let narrative = format!("{label}, return {n}: Disabled Facilities Grant referrals triaged within 10 days.");
        let key = uuid::Uuid::new_v4().to_string();
        let Some((status, body)) = send_keyed(&client, &address, &token, &key, &commitment, &narrative).await else {
            return (acknowledged, Some(Unanswered { key, commitment, narrative }));
        };
        assert!((200..300).contains(&status), "{narrative}: answered {status}: {body}");
        acknowledged.push(narrative);
    }
    (acknowledged, None)
}

async fn a_killed_service_records_each_resent_keyed_command_once(db: &TestStore) {
    let mut rng = seeded("keyed");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = recorded_demo(db, dir.path(), KEYED_WRITERS);
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let mut resent = 0;
    for kill in 0..KEYED_KILLS {
        let (mut child, address) = serve(db, dir.path(), "keyed").await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..KEYED_WRITERS)
            .map(|w| {
                let label = format!("Keyed restart {kill}, client {w}");
                tokio::spawn(send_keyed_reports(address.clone(), token.clone(), commitment_id(w), label, stop.clone()))
            })
            .collect();
        let at = Duration::from_millis(50) + moment(&mut rng, Duration::from_millis(600));
        assert!(kill_after(&mut child, at).await, "kill {kill}: the service was running");
        stop.store(true, Ordering::SeqCst);
        let mut unanswered = Vec::new();
        for writer in writers {
            let (sent, lost) = writer.await.expect("a client ran");
            acknowledged.extend(sent);
            unanswered.extend(lost);
        }
        // Every unanswered report is sent again, with its key, to the restarted service.
        let (mut child, address) = serve(db, dir.path(), "keyed").await;
        let resends: Vec<_> = unanswered
            .iter()
            .map(|u| {
                let (client, address, token) = (client.clone(), address.clone(), token.clone());
                let (key, commitment, narrative) = (u.key.clone(), u.commitment.clone(), u.narrative.clone());
                tokio::spawn(async move { send_keyed(&client, &address, &token, &key, &commitment, &narrative).await })
            })
            .collect();
        for (u, resend) in unanswered.iter().zip(resends) {
            let (status, body) = resend.await.expect("a resend ran").expect("the restarted service answers");
            assert!((200..300).contains(&status), "kill {kill}, resent {}: answered {status}: {body}", u.narrative);
            acknowledged.push(u.narrative.clone());
        }
        resent += unanswered.len();
        child.kill().expect("stop the service");
        child.wait().expect("reap the service");
        assert_each_acknowledged_once(db.store(), &acknowledged).await;
    }
    eprintln!("keyed: {} commands acknowledged, {resent} of them resent after a kill", acknowledged.len());
    assert!(resent > 0, "some commands were unanswered at a kill, and resent");
    verify(db, dir.path());
}

async fn one_key_at_two_services_at_once_is_recorded_once(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = recorded_demo(db, dir.path(), 1);
    let services = [serve(db, dir.path(), "first").await, serve(db, dir.path(), "second").await];
    let client = reqwest::Client::new();
    let commitment = commitment_id(0);
    let mut narratives_sent = Vec::new();
    for round in 0..RACES {
        let key = uuid::Uuid::new_v4().to_string();
        let narrative = format!("Race {round}: Disabled Facilities Grant referrals triaged within 10 days.");
        let (first, second) = tokio::join!(
            send_keyed(&client, &services[0].1, &token, &key, &commitment, &narrative),
            send_keyed(&client, &services[1].1, &token, &key, &commitment, &narrative),
        );
        let events = [first, second].map(|answer| {
            let (status, body) = answer.expect("both services answer");
            assert_eq!(status, 201, "round {round}: {body}");
            let body: serde_json::Value = serde_json::from_str(&body).expect("a JSON answer");
            body["events"].clone()
        });
        assert_eq!(events[0], events[1], "round {round}: both answer with the one recording");
        narratives_sent.push(narrative);
    }
    for (mut child, _) in services {
        child.kill().expect("stop the service");
        child.wait().expect("reap the service");
    }
    assert_each_acknowledged_once(db.store(), &narratives_sent).await;
    verify(db, dir.path());
}

async fn two_services_on_one_database_write_one_gapless_chain(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token = recorded_demo(db, dir.path(), 2 * WRITERS);
    let before = db.store().head().await.expect("head").position.0;
    let services = [serve(db, dir.path(), "first").await, serve(db, dir.path(), "second").await];
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2 * WRITERS)
        .map(|w| {
            let address = services[w % 2].1.clone();
            let label = format!("Service {}, client {w}", w % 2);
            tokio::spawn(send_reports(address, token.clone(), commitment_id(w), label, 30, stop.clone()))
        })
        .collect();
    let mut by_service = [Vec::new(), Vec::new()];
    for (w, writer) in writers.into_iter().enumerate() {
        let sent = writer.await.expect("a client ran");
        assert_eq!(sent.len(), 30, "client {w}: every command acknowledged");
        by_service[w % 2].extend(sent);
    }
    for (mut child, _) in services {
        child.kill().expect("stop the service");
        child.wait().expect("reap the service");
    }

    let events = db.store().read_all(Position::ZERO, 1_000_000).await.expect("read the log");
    let positions: Vec<u64> = events.iter().map(|e| e.position.0).collect();
    assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>(), "positions 1..N without a gap");
    assert_eq!(positions.len() as u64, before + 2 * WRITERS as u64 * 30, "every acknowledged command, once");
    assert_each_acknowledged_once(db.store(), &[by_service[0].clone(), by_service[1].clone()].concat()).await;
    let recorded = &narratives(db.store()).await;
    let mut order: Vec<(u64, usize)> = by_service
        .iter()
        .enumerate()
        .flat_map(|(s, sent)| sent.iter().map(move |n| (recorded[n][0], s)).collect::<Vec<_>>())
        .collect();
    order.sort_unstable();
    let switches = order.windows(2).filter(|w| w[0].1 != w[1].1).count();
    eprintln!("two services: {} commands, the log switches service {switches} times", order.len());
    assert!(switches > 1, "the two services' appends interleave in the log");
    assert_eq!(verify(db, dir.path()), positions.len() as u64, "one chain");
}

/// A tmpfs mounted on a directory, to simulate a full disk or a read-only file system; unmounted
/// when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (such as `2m`) on `dir`, or says the test is skipped (mounting
    /// needs root) and gives `None`.
    fn mount(dir: &Path, size: &str, test: &str) -> Option<Self> {
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            tests::skip(test, tests::Needs::Root);
            return None;
        }
        Some(Tmpfs(dir.to_owned()))
    }

    /// Mounts it again with `options`, such as `ro` or `size=64m`.
    fn remount(&self, options: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{options}")]).arg(&self.0).status();
        assert!(status.is_ok_and(|s| s.success()), "failed to remount {} with {options}", self.0.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Writes a file of `count` progress reports on the commitment `make_commitment(0)` makes, each
/// with a narrative of its own, and gives its name.
fn progress_file(dir: &Path, name: &str, count: usize) -> String {
    let lines: Vec<String> = (0..count)
        .map(|n| {
            let narrative = format!("{name}, return {n}: Disabled Facilities Grant referrals triaged within 10 days.");
            report_progress(&commitment_id(0), &narrative).to_string()
        })
        .collect();
    let file = format!("{name}.jsonl");
    std::fs::write(dir.join(&file), lines.join("\n")).expect("write the commands");
    file
}

/// SQLite only: a full disk is a fault of the embedded file (PostgreSQL's own faults are tested by
/// terminating its connections, in the integration tests).
#[test]
fn a_full_disk_is_a_clear_error_and_leaves_the_file_whole() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("a data directory");
    let Some(disk) = Tmpfs::mount(&data, "8m", "a_full_disk_is_a_clear_error_and_leaves_the_file_whole") else {
        return;
    };
    let db = "data/covenant.db";
    run_on(db, dir.path(), &["demo"]);
    std::fs::write(dir.path().join("commitment.jsonl"), make_commitment(0).to_string()).expect("write");
    run_on(db, dir.path(), &["record", "--file", "commitment.jsonl"]);
    let mut head = verify_on(db, dir.path());
    let mut error = None;
    for n in 0..100 {
        let file = progress_file(dir.path(), &format!("Return file {n}"), PER_FILE);
        let output = covenant_on(db, dir.path()).args(["import", "commands", &file]).output().expect("runs");
        if !output.status.success() {
            error = Some((file, String::from_utf8_lossy(&output.stderr).into_owned()));
            break;
        }
        head += PER_FILE as u64;
    }
    let (file, message) = error.expect("the disk filled up");
    eprintln!("full disk: {message}");
    assert!(
        message.contains("the disk holding the SQLite file is full: free space on it, then try again"),
        "{message}"
    );
    assert_eq!(
        verify_on(db, dir.path()),
        head,
        "the file opens and verifies, with every acknowledged file and nothing of the refused one"
    );

    disk.remount("size=64m");
    run_on(db, dir.path(), &["import", "commands", &file]);
    assert_eq!(
        verify_on(db, dir.path()),
        head + PER_FILE as u64,
        "once there is space, the same file is recorded whole"
    );
}

/// SQLite only, as the full disk.
#[test]
fn a_read_only_directory_is_a_clear_error_and_leaves_the_file_whole() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("a data directory");
    let Some(disk) = Tmpfs::mount(&data, "16m", "a_read_only_directory_is_a_clear_error_and_leaves_the_file_whole")
    else {
        return;
    };
    let db = "data/covenant.db";
    run_on(db, dir.path(), &["demo"]);
    std::fs::write(dir.path().join("commitment.jsonl"), make_commitment(0).to_string()).expect("write");
    let head = verify_on(db, dir.path());

    disk.remount("ro");
    let message = refused_on(db, dir.path(), &["record", "--file", "commitment.jsonl"]);
    eprintln!("read-only directory: {message}");
    assert!(message.contains("the SQLite file or its directory cannot be written"), "{message}");
    assert!(message.contains("make the directory writable"), "{message}");

    disk.remount("rw");
    assert_eq!(verify_on(db, dir.path()), head, "the file verifies as it was");
    run_on(db, dir.path(), &["record", "--file", "commitment.jsonl"]);
    assert_eq!(verify_on(db, dir.path()), head + 1, "once writable, the command is recorded");
}

on_both_backends!(
    a_killed_import_leaves_whole_batches_and_running_it_again_finishes_it,
    a_killed_rebuild_is_caught_up_by_the_next_report,
    a_killed_service_keeps_every_acknowledged_command,
    two_services_on_one_database_write_one_gapless_chain,
    a_killed_service_records_each_resent_keyed_command_once,
    one_key_at_two_services_at_once_is_recorded_once,
    a_witness_cosigns_a_growing_log_and_raises_the_alarm_when_it_is_replaced,
    a_killed_publisher_leaves_the_log_in_the_stream_once_in_order,
);

/// The verifier key `covenant keys init` printed.
fn printed_verifier(said: &str) -> String {
    said.lines().find_map(|l| l.strip_prefix("Verifier key: ")).expect("a verifier key").to_owned()
}

/// `covenant witness --once` against the service at `address`, as the witness of this test.
fn witness_once(db: &TestStore, dir: &Path, token: &str, log_key: &str, address: &str) -> Output {
    covenant(db, dir)
        .env("COVENANT_TOKEN", token)
        .args(["witness", "--once", "--log", address, "--log-key", log_key, "--key", "witness.key"])
        .args(["--state", "witness.json", "--metrics", "witness.prom"])
        .output()
        .expect("the covenant binary runs")
}

/// Runs the witness until it cosigns a checkpoint of `size` events (the service signs one within
/// a second of the log growing), and gives what it said.
async fn cosigned_at(db: &TestStore, dir: &Path, token: &str, log_key: &str, address: &str, size: u64) -> String {
    let wanted = format!("Cosigned the checkpoint of {size} events");
    let mut said = String::new();
    for _ in 0..100 {
        let output = witness_once(db, dir, token, log_key, address);
        said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        if output.status.success() && said.contains(&wanted) {
            return said;
        }
        assert_ne!(output.status.code(), Some(3), "no alarm on a log that only grows: {said}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the witness did not cosign a checkpoint of {size} events: {said}");
}

async fn a_witness_cosigns_a_growing_log_and_raises_the_alarm_when_it_is_replaced(db: &TestStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.path();
    let log_key =
        printed_verifier(&run(db, dir, &["keys", "init", "--name", "example.org/covenant", "--out", "log.key"]));
    let witness_key = printed_verifier(&run(
        db,
        dir,
        &["keys", "init", "--witness", "--name", "partner.example.org/witness", "--out", "witness.key"],
    ));
    std::fs::write(
        dir.join("covenant.toml"),
        format!(
            "[transparency]\nkey = \"log.key\"\ncheckpoint_every_events = 1\ncheckpoint_every_seconds = 1\nwitnesses = [\"{witness_key}\"]\n"
        ),
    )
    .expect("the configuration");
    run(db, dir, &["demo"]);
    let made = run(db, dir, &["token", "create", "--role", "reader", "--name", "partner witness"]);
    let token = made.lines().nth(1).expect("the token on the second line").to_owned();
    let head = verify(db, dir);
    let (mut service, address) = serve(db, dir, "witnessed").await;

    let first = cosigned_at(db, dir, &token, &log_key, &address, head).await;
    assert!(first.contains("of example.org/covenant"), "{first}");
    let metrics = std::fs::read_to_string(dir.join("witness.prom")).expect("the witness's metrics");
    let sample = |metrics: &str, name: &str| {
        let prefix = format!("{name}{{log=\"example.org/covenant\"}} ");
        metrics.lines().find_map(|l| l.strip_prefix(&prefix)).map(|v| v.parse::<u64>().expect("a number"))
    };
    assert_eq!(sample(&metrics, "covenant_witness_cosigned_size"), Some(head), "{metrics}");
    assert_eq!(sample(&metrics, "covenant_witness_alarms_total"), Some(0), "{metrics}");
    let succeeded = sample(&metrics, "covenant_witness_last_success_timestamp_seconds").expect("a success");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    assert!(now.abs_diff(succeeded) < 600, "{succeeded} is now, not {now}");
    // The log grows while the service runs: the witness checks the proof and cosigns again.
    let added = r#"{"aggregate":"organisation","command":"register","id":"LOCAL-EXAMPLE","name":"An illustrative partner","kind":"voluntary_community"}"#;
    run(db, dir, &["record", added, "--actor", "HHCDG secretariat"]);
    cosigned_at(db, dir, &token, &log_key, &address, head + 1).await;
    let served = reqwest::Client::new()
        .get(format!("{address}/api/v1/checkpoint"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("the checkpoint");
    assert!(served.contains(&format!("\n{}\n", head + 1)), "{served}");
    assert!(served.lines().any(|l| l.starts_with("\u{2014} partner.example.org/witness ")), "{served}");
    assert!(served.lines().any(|l| l.starts_with("\u{2014} example.org/covenant ")), "{served}");
    // An auditor holding the cosigned checkpoint checks both signatures and the log against it.
    std::fs::write(dir.join("cosigned.note"), &served).expect("the checkpoint kept");
    let checked =
        run(db, dir, &["verify", "--checkpoint", "cosigned.note", "--key", &log_key, "--witness", &witness_key]);
    assert!(checked.contains("cosigned by the witness partner.example.org/witness"), "{checked}");
    assert!(checked.contains(&format!("The log holds, unchanged, the checkpoint of {} events", head + 1)), "{checked}");
    let other = printed_verifier(&run(
        db,
        dir,
        &["keys", "init", "--witness", "--name", "partner.example.org/witness", "--out", "other.key"],
    ));
    let output = covenant(db, dir)
        .args(["verify", "--checkpoint", "cosigned.note", "--key", &log_key, "--witness", &other])
        .output()
        .expect("the covenant binary runs");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success() && said.contains("does NOT verify"), "{said}");
    service.kill().expect("SIGKILL the service");
    service.wait().expect("reap the service");

    // The log's database replaced behind the same key and address: the same stories recorded
    // again, one event fewer than the witness cosigned. The witness refuses it, loudly.
    let replaced = dir.join("replaced.db").display().to_string();
    run_on(&replaced, dir, &["demo"]);
    let made = run_on(&replaced, dir, &["token", "create", "--role", "reader", "--name", "partner witness"]);
    let token = made.lines().nth(1).expect("the token on the second line").to_owned();
    let out = dir.join("replaced.out");
    let mut service = covenant_on(&replaced, dir)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(std::fs::File::create(&out).expect("an output file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("the covenant binary runs");
    let address = announced_address(&out).await.expect("the service starts");
    let mut alarm = None;
    for _ in 0..100 {
        let output = witness_once(db, dir, &token, &log_key, &address);
        if output.status.code() == Some(3) {
            alarm = Some(String::from_utf8_lossy(&output.stderr).into_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    service.kill().expect("SIGKILL the service");
    service.wait().expect("reap the service");
    let alarm = alarm.expect("the witness raises the alarm with exit code 3");
    assert!(alarm.contains("ALARM: the log was rolled back"), "{alarm}");
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("witness.json")).expect("the state")).expect("JSON");
    assert_eq!(kept["size"], head + 1, "the witness still holds the largest tree it cosigned");
    let metrics = std::fs::read_to_string(dir.join("witness.prom")).expect("the witness's metrics");
    assert_eq!(sample(&metrics, "covenant_witness_alarms_total"), Some(1), "the alarm is counted: {metrics}");
    assert_eq!(sample(&metrics, "covenant_witness_cosigned_size"), Some(head + 1), "{metrics}");
}

/// Kills of `covenant publish nats`, and the events in the log before the first.
const PUBLISH_KILLS: usize = 5;
const PUBLISH_EVENTS: usize = 1_500;

/// Appends `count` progress reports to one stream.
async fn append_reports(store: &dyn EventStore, count: usize) {
    let events = (0..count).map(|i| tests::progress_report("hfi-01", i)).collect();
    let request = kernel::AppendRequest::single(tests::stream("commitment-hfi-01"), kernel::Expected::Any, events);
    store.append(request).await.expect("appended");
}

async fn a_killed_publisher_leaves_the_log_in_the_stream_once_in_order(db: &TestStore) {
    let Some(url) = tests::nats_url("faults::a_killed_publisher_leaves_the_log_in_the_stream_once_in_order") else {
        return;
    };
    let mut rng = seeded("publish");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let (stream, prefix) = (format!("FAULTS_{unique}"), format!("covenantfaults.{unique}"));
    let args = ["publish", "nats", "--url", &url, "--stream", &stream, "--subject-prefix", &prefix];
    append_reports(db.store(), PUBLISH_EVENTS).await;
    let mut landed = 0;
    for _ in 0..PUBLISH_KILLS {
        let mut child = start(db, dir.path(), &args);
        landed += usize::from(kill_after(&mut child, moment(&mut rng, Duration::from_millis(1_500))).await);
        settle(db).await;
        append_reports(db.store(), 100).await;
    }
    let head = db.store().head().await.expect("the head").position;
    let stores = db.stores().await;
    let name = format!("nats:{stream}");
    let mut child = start(db, dir.path(), &args);
    let started = Instant::now();
    while stores.publishers.published(&name).await.expect("read") != Some(head) {
        assert!(started.elapsed() < Duration::from_secs(30), "the last publisher reached the head");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");
    eprintln!("publish: {landed} of {PUBLISH_KILLS} kills landed while it ran");

    let js = async_nats::jetstream::new(async_nats::connect(url.as_str()).await.expect("connected to NATS"));
    let held = js.get_stream(&stream).await.expect("the stream exists");
    let state = held.get_info().await.expect("the stream's state").state;
    let log = db.store().read_all(Position::ZERO, 100_000).await.expect("the log");
    assert_eq!(state.messages, log.len() as u64, "one message per event");
    for event in &log {
        let message = held.get_raw_message(event.position.0).await.expect("the message at the event's position");
        let header = |name: &str| message.headers.get(name).map(|v| v.as_str().to_owned());
        assert_eq!(header("ce-id"), Some(event.event_id.0.to_string()), "position {}", event.position);
        assert_eq!(header("ce-hash"), Some(event.hash.to_string()), "position {}", event.position);
    }
    js.delete_stream(&stream).await.expect("the test's stream deleted");
}

tests::skip_summary!();
