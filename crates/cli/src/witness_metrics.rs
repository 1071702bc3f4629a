//! The witness's metrics file (`covenant witness --metrics FILE`): the Prometheus text format a
//! node exporter's textfile collector, or any scraper that reads a file, can alert on: the size
//! of the last checkpoint cosigned, when the last round succeeded, and the alarms raised.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// What the metrics say, for the log named `log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessMetrics<'a> {
    /// The followed log's name (its verifier key's name), the `log` label.
    pub log: &'a str,
    /// The tree size of the last checkpoint cosigned; 0 before the first.
    pub cosigned_size: u64,
    /// When a round last ended without an error or an alarm, in seconds since the epoch.
    pub last_success: Option<u64>,
    /// Alarms raised since the state file was made: checkpoints rolled back, forked or rewritten.
    pub alarms: u64,
}

impl WitnessMetrics<'_> {
    /// The Prometheus text exposition of the metrics.
    pub fn render(&self) -> String {
        let log = self.log.replace('\\', "\\\\").replace('"', "\\\"");
        let mut text = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = writeln!(text, "# HELP {name} {help}");
            let _ = writeln!(text, "# TYPE {name} {kind}");
            let _ = writeln!(text, "{name}{{log=\"{log}\"}} {value}");
        };
        metric(
            "covenant_witness_cosigned_size",
            "gauge",
            "Tree size of the last checkpoint of the log this witness cosigned (0 before the first).",
            self.cosigned_size,
        );
        if let Some(seconds) = self.last_success {
            metric(
                "covenant_witness_last_success_timestamp_seconds",
                "gauge",
                "When a round of this witness last ended without an error or an alarm, in seconds since the epoch.",
                seconds,
            );
        }
        metric(
            "covenant_witness_alarms_total",
            "counter",
            "Alarms raised: checkpoints of the log found rolled back, forked or rewritten, never cosigned.",
            self.alarms,
        );
        text
    }

    /// Writes the metrics to a new file beside `path`, then renames it over `path`, so that a
    /// scraper never reads half a file.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let temporary = path.with_extension("prom.tmp");
        std::fs::write(&temporary, self.render())
            .with_context(|| format!("failed to write {}", temporary.display()))?;
        std::fs::rename(&temporary, path).with_context(|| format!("failed to write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_are_prometheus_text_with_the_log_as_a_label() {
        let metrics = WitnessMetrics {
            log: "example.org/covenant",
            cosigned_size: 203,
            last_success: Some(1_700_000_000),
            alarms: 2,
        };
        let text = metrics.render();
        assert!(text.contains("# TYPE covenant_witness_alarms_total counter\n"), "{text}");
        assert!(text.contains("covenant_witness_alarms_total{log=\"example.org/covenant\"} 2\n"), "{text}");
        assert!(text.contains("covenant_witness_cosigned_size{log=\"example.org/covenant\"} 203\n"), "{text}");
        assert!(
            text.contains("covenant_witness_last_success_timestamp_seconds{log=\"example.org/covenant\"} 1700000000\n")
        );
        let never = WitnessMetrics { last_success: None, ..metrics };
        assert!(!never.render().contains("last_success"), "no success is no sample, not a zero time");
        let quoted = WitnessMetrics { log: "a\"b\\c", ..never };
        assert!(quoted.render().contains("{log=\"a\\\"b\\\\c\"}"), "{}", quoted.render());
    }
}
