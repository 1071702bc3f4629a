//! The progress bars of the long-running verbs (`rebuild`, `export`, `import`), in one style.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps, captioned `message`, counting `{pos}/{len} events` or, with `bytes`,
/// bytes read.
pub fn bar(len: u64, message: &'static str, bytes: bool) -> anyhow::Result<ProgressBar> {
    let counts = if bytes { "{bytes}/{total_bytes}, {bytes_per_sec}" } else { "{pos}/{len} events, {per_sec}" };
    let style = ProgressStyle::with_template(&format!("{{msg}} [{{bar:40}}] {counts}, {{eta}} left"))
        .context("failed to lay out the progress bar")?
        .progress_chars("=> ");
    let bar = ProgressBar::new(len).with_style(style);
    bar.set_message(message);
    Ok(bar)
}
