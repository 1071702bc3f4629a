//! The command examples of `README.md` and `docs/*.md`, run as written against the demo database.
//!
//! Every line of a fenced `sh` block is a command a reader may paste, so the test reads them the
//! way a reader would: a line ending in `\` continues on the next, and a line starting with `#`
//! is a comment. Each document is run on its own, in a new temporary directory holding a fresh
//! demo database as `covenant.db` (the default database, which the examples without `--db` use;
//! an example that names `--db demo.db` makes that one with `covenant --db demo.db demo` first,
//! as the documents do) and the sample files of `docs/examples/` under the same path. Its
//! commands run in document order through `bash -o pipefail`, with the `covenant` binary first
//! on `PATH`; `cargo run [--release] --bin covenant --` is the same binary. Each must succeed,
//! unless it is an example of a refusal: a comment `# fails: WHY` on the line before the command
//! marks it, and then it must fail (exit non-zero) and say why on standard error. The test takes
//! a few seconds in a debug build.
//!
//! Skipped, because a test cannot or should not do them, and only these:
//! - `covenant serve`, `covenant witness` and `curl` (they start, or need, a running server; the
//!   HTTP examples are tested through the server in the `tests` crate, the witness in the `cli`
//!   crate's fault tests);
//! - `covenant publish` (it runs until stopped and needs a NATS server; the publisher is tested
//!   against one in the `tests` crate);
//! - any command naming a `postgres://` URL (it needs a PostgreSQL server of the example's
//!   name);
//! - `cargo` other than `cargo run … --bin covenant`, and `scripts/` (they build, test or
//!   benchmark the project itself).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The workspace root: the documents and `docs/examples/` are read from there.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One command of an `sh` block, with where it is written.
#[derive(Debug)]
struct Example {
    document: String,
    line: usize,
    command: String,
    /// `Some(why)` when a `# fails: WHY` comment marks it as an example of a refusal.
    fails: Option<String>,
}

/// Every command line of the fenced `sh` blocks of `text`, in order, continuations joined.
fn examples(document: &str, text: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut in_sh = false;
    let mut in_other = false;
    let mut pending: Option<(usize, String)> = None;
    let mut fails: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_sh || in_other {
                assert!(pending.is_none(), "{document}:{}: a block ends inside a continued command", index + 1);
                in_sh = false;
                in_other = false;
            } else if info.trim() == "sh" {
                in_sh = true;
            } else {
                in_other = true;
            }
            fails = None;
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some((start, mut command)) = pending.take() {
            command.push('\n');
            command.push_str(line);
            if line.ends_with('\\') {
                pending = Some((start, command));
            } else {
                found.push(Example { document: document.to_owned(), line: start, command, fails: fails.take() });
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            if let Some(why) = comment.trim_start().strip_prefix("fails:") {
                fails = Some(why.trim().to_owned());
            }
            continue;
        }
        if line.ends_with('\\') {
            pending = Some((index + 1, line.to_owned()));
        } else {
            found.push(Example {
                document: document.to_owned(),
                line: index + 1,
                command: line.to_owned(),
                fails: fails.take(),
            });
        }
    }
    found
}

/// The command's words before any comment: enough to decide whether it is skipped.
fn program(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .take_while(|word| !word.starts_with('#'))
        .skip_while(|word| word.contains('=') && !word.starts_with('-'))
        .collect()
}

/// Why the test does not run `command`, if it does not (the rules of the module's doc).
fn skipped(command: &str) -> Option<&'static str> {
    let words = program(command);
    let first = words.first().copied().unwrap_or_default();
    if command.contains("postgres://") {
        return Some("needs a PostgreSQL server");
    }
    if first == "curl" || (is_covenant(&words) && (words.contains(&"serve") || words.contains(&"witness"))) {
        return Some("starts or needs a running server");
    }
    if is_covenant(&words) && words.contains(&"publish") {
        return Some("runs until stopped and needs a NATS server");
    }
    if (first == "cargo" && !is_covenant(&words)) || first.starts_with("scripts/") {
        return Some("builds, tests or benchmarks the project");
    }
    None
}

/// Whether the words run the `covenant` binary.
fn is_covenant(words: &[&str]) -> bool {
    match words {
        ["covenant", ..] => true,
        ["cargo", "run", rest @ ..] => rest.windows(2).any(|pair| pair == ["--bin", "covenant"]),
        _ => false,
    }
}

/// `command` with `cargo run … --bin covenant --` written as the binary it builds.
fn as_run(command: &str) -> String {
    for prefix in ["cargo run --release --bin covenant --", "cargo run --bin covenant --"] {
        if let Some(rest) = command.strip_prefix(prefix) {
            return format!("covenant{rest}");
        }
    }
    command.to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("make a directory");
    for entry in std::fs::read_dir(from).expect("read a directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Runs `command` through `bash -o pipefail` in `dir` with the binary first on `PATH`, so that a
/// `covenant` that fails inside a pipeline fails the example.
fn sh(dir: &Path, command: &str) -> std::process::Output {
    let binary = Path::new(env!("CARGO_BIN_EXE_covenant"));
    let bin_dir = binary.parent().expect("the binary's directory");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    Command::new("bash")
        .args(["-o", "pipefail", "-c"])
        .arg(command)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).expect("a PATH"))
        .env_remove("COVENANT_DATABASE_URL")
        .env("USER", "clerk")
        .output()
        .expect("bash runs")
}

/// The documents in the order a reader meets them: the README, then `docs/` by name.
fn documents() -> Vec<(String, String)> {
    let root = workspace();
    let mut names: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("read docs/")
        .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    names.sort();
    names.insert(0, "README.md".to_owned());
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).expect("read a document");
            (name, text)
        })
        .collect()
}

#[test]
fn the_extractor_joins_continuations_and_reads_the_fails_marker() {
    let text = "text\n```sh\ncovenant a \\\n  b\n# fails: no such file\ncovenant c\ncovenant d   # note\n```\n\
                ```json\ncovenant e\n```\n";
    let found = examples("x.md", text);
    let commands: Vec<&str> = found.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(commands, ["covenant a \\\n  b", "covenant c", "covenant d   # note"]);
    assert_eq!(found[0].line, 3);
    assert_eq!(found[1].fails.as_deref(), Some("no such file"));
    assert_eq!(found[2].fails, None);
    assert_eq!(skipped("covenant serve --demo"), Some("starts or needs a running server"));
    assert_eq!(
        skipped("covenant publish nats --url nats://127.0.0.1:4222"),
        Some("runs until stopped and needs a NATS server")
    );
    assert_eq!(skipped("COVENANT_DATABASE_URL=sqlite://x.db covenant verify"), None);
    assert_eq!(skipped("cargo run --release --bin covenant -- --db demo.db demo"), None);
    assert_eq!(skipped("cargo test --workspace"), Some("builds, tests or benchmarks the project"));
    assert_eq!(as_run("cargo run --release --bin covenant -- --db demo.db demo"), "covenant --db demo.db demo");
}

#[test]
fn every_command_example_in_the_docs_runs_as_written_on_the_demo_database() {
    let started = Instant::now();
    let template = tempfile::tempdir().expect("a temporary directory");
    let demo = sh(template.path(), "covenant demo");
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    copy_dir(&workspace().join("docs/examples"), &template.path().join("docs/examples"));

    let mut failures = Vec::new();
    let mut ran = 0;
    for (document, text) in documents() {
        let found = examples(&document, &text);
        if found.iter().all(|example| skipped(&example.command).is_some()) {
            continue;
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(template.path(), dir.path());
        for example in found {
            if skipped(&example.command).is_some() {
                continue;
            }
            ran += 1;
            let output = sh(dir.path(), &as_run(&example.command));
            let stderr = String::from_utf8_lossy(&output.stderr);
            let place = format!("{}:{}: {}", example.document, example.line, example.command);
            match (&example.fails, output.status.success()) {
                (None, false) => failures.push(format!("{place}\n  failed: {stderr}")),
                (Some(why), true) => failures.push(format!("{place}\n  succeeded, but is marked `# fails: {why}`")),
                (Some(why), false) if stderr.trim().is_empty() => {
                    failures.push(format!("{place}\n  failed ({why}) without saying why on standard error"))
                }
                _ => {}
            }
        }
    }
    assert!(ran > 40, "only {ran} examples ran: the extractor has lost some");
    assert!(
        failures.is_empty(),
        "{} of {ran} examples do not run as written:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{ran} examples ran in {:?}", started.elapsed());
}
