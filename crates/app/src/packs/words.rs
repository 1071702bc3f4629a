//! The pack's figures in words, as the web page and the PDF both print them: days, readings,
//! the reasons an action is an exception, and an indicator's line summary.

use domain::Date;
use domain::indicator::Reading;
use domain::values::in_words as word;
use projections::{IndicatorStatus, rag_in_words};

use crate::reports::{Cover, Exception};

/// The sections after the cover, in order: each one's anchor and heading.
pub const SECTIONS: [(&str, &str); 5] = [
    ("exceptions", "Exceptions"),
    ("status", "Status of instruments"),
    ("changes", "Changes since the previous meeting"),
    ("indicators", "Indicators"),
    ("last-meeting", "Resolutions of the previous meeting"),
];

/// The pack's title: the body and the day.
pub fn title(cover: &Cover) -> String {
    format!("{}: delivery report, {}", cover.body_name, long_day(cover.as_of))
}

/// A day as the pack writes it in running text ("1 December 2020").
pub fn long_day(d: Date) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A day in a table cell, or a dash when there is none.
pub fn day(d: Option<Date>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

/// A reading with its unit and day, or a dash when there is none.
pub fn reading(r: Option<&Reading>, unit: &str) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{} {unit} ({})", r.value, r.as_of))
}

/// A percentage rounded to a whole number.
pub fn percent(p: f64) -> String {
    format!("{p:.0}%")
}

/// Why an action is an exception, in words.
pub fn reasons(e: &Exception) -> String {
    e.reasons.iter().map(|r| r.words()).collect::<Vec<_>>().join(", ")
}

/// An indicator's latest reading, baseline, target, direction and RAG, in one sentence.
pub fn indicator_summary(i: &IndicatorStatus) -> String {
    format!(
        "Latest: {}; baseline: {}; target: {}; direction: {}; RAG: {}.",
        reading(i.latest.as_ref(), &i.unit),
        reading(i.baseline.as_ref(), &i.unit),
        reading(i.target.as_ref(), &i.unit),
        i.direction.as_ref().map(word).unwrap_or_else(|| "-".to_owned()),
        rag_in_words(i.rag),
    )
}
