//! Reads the result lines of every round of the peer benchmark (JSON, one figure a line, on
//! standard input) and prints the table of `docs/benchmarks.md`: for each workload and database,
//! the median of the rounds for Covenant and each peer, Covenant's ratios to the best peer and to
//! the raw database, and whether they meet issue 23's goal for that workload on that database.

use std::collections::BTreeMap;
use std::io::BufRead;

use workload::{Backend, Figure, Sizes, Workload, arguments, thousands};

const SYSTEMS: [&str; 2] = ["cqrs-es", "esrs"];

fn main() {
    let mut args = match arguments(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => fail(&e),
    };
    let sizes = Sizes::take(&mut args).unwrap_or_else(|e| fail(&e));
    if let Some((name, _)) = args.first() {
        fail(&format!("unknown option --{name}"));
    }
    // (workload, backend, system) -> figures of every round, and the checks they printed.
    let mut figures: BTreeMap<(u8, String, String), Vec<f64>> = BTreeMap::new();
    let mut checks: BTreeMap<(u8, String), Vec<String>> = BTreeMap::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap_or_else(|e| fail(&format!("failed to read the results: {e}")));
        let Ok(figure) = serde_json::from_str::<Figure>(&line) else { continue };
        let workload = figure.workload as u8;
        if matches!(figure.workload, Workload::Replay | Workload::AsOf) && figure.system != "raw sqlx" {
            checks.entry((workload, figure.backend.clone())).or_default().push(figure.check.clone());
        }
        figures.entry((workload, figure.backend, figure.system)).or_default().push(figure.value);
    }
    if figures.is_empty() {
        fail("no result lines on standard input: pipe the output of the benches into this table");
    }

    let median = |workload: u8, backend: &str, system: &str| -> Option<(f64, usize)> {
        let mut values = figures.get(&(workload, backend.to_owned(), system.to_owned()))?.clone();
        values.sort_by(f64::total_cmp);
        Some((values[values.len() / 2], values.len()))
    };
    println!(
        "| # | Workload | Database | Covenant | cqrs-es | esrs | Raw database (plain sqlx) | Covenant ÷ best peer | Covenant ÷ raw | Goal | Met |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|");
    let mut rounds = 0;
    for workload in Workload::ALL {
        let w = workload as u8;
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let name = backend.name();
            let Some((covenant, n)) = median(w, name, "Covenant") else { continue };
            rounds = rounds.max(n);
            let peers: Vec<Option<f64>> = SYSTEMS.iter().map(|s| median(w, name, s).map(|(v, _)| v)).collect();
            let best =
                peers.iter().flatten().copied().fold(None, |best: Option<f64>, v| Some(best.map_or(v, |b| b.max(v))));
            let baseline = median(workload.raw_baseline() as u8, name, "raw sqlx").map(|(v, _)| v);
            // The raw figure the ratio is taken against, named when it is another workload's.
            let raw = match (baseline, workload.raw_baseline()) {
                (Some(v), other) if other != workload => format!("{} (workload {})", thousands(v), other as u8),
                (v, _) => v.map_or("—".to_owned(), thousands),
            };
            let cell = |v: Option<f64>| v.map_or("—".to_owned(), thousands);
            let ratio = |of: Option<f64>| of.map_or("—".to_owned(), |of| format!("{:.2}", covenant / of));
            let goal = workload.goal(backend);
            let met = match goal.met(covenant, best, baseline) {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            println!(
                "| {w} | {} ({}) | {name} | {} | {} | {} | {} | {} | {} | {goal} | {met} |",
                workload.describe(&sizes),
                workload.unit(),
                thousands(covenant),
                cell(peers[0]),
                cell(peers[1]),
                raw,
                ratio(best),
                ratio(baseline),
            );
        }
    }
    println!();
    println!("Median of {rounds} rounds; each figure is operations per second, higher is better.");
    for ((workload, backend), seen) in checks {
        let mut distinct = seen.clone();
        distinct.sort();
        distinct.dedup();
        let verdict = if distinct.len() == 1 { "every system folded the same" } else { "**the systems disagree**" };
        println!("- workload {workload} on {backend}: {verdict}: {}", distinct.join(" / "));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("{message}\nusage: peer-table [--events N --seconds S --loads N --queries N] < results.jsonl");
    std::process::exit(2);
}
