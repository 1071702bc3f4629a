//! The progress bars of the long-running verbs (`rebuild`, `export`, `import`), in one style:
//! drawn on standard error, and hidden when standard error is not a terminal.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps counted in `unit`s, such as `events` or `rows`, with a message before it.
pub fn bar(len: u64, unit: &str, message: &'static str) -> anyhow::Result<ProgressBar> {
    styled(len, &format!("{{pos}}/{{len}} {unit}, {{per_sec}}"), message)
}

/// A bar of `len` bytes read, with a message before it.
pub fn bytes(len: u64, message: &'static str) -> anyhow::Result<ProgressBar> {
    styled(len, "{bytes}/{total_bytes}, {bytes_per_sec}", message)
}

fn styled(len: u64, counts: &str, message: &'static str) -> anyhow::Result<ProgressBar> {
    let style = ProgressStyle::with_template(&format!("{{msg}} [{{bar:40}}] {counts}, {{eta}} left"))
        .context("failed to lay out the progress bar")?
        .progress_chars("=> ");
    let bar = ProgressBar::new(len).with_style(style);
    bar.set_message(message);
    Ok(bar)
}
