//! The filters every view accepts: an instrument, a body, an organisation and a period. Each view
//! applies them where they mean something for its rows, as its documentation says; a filter left
//! empty selects everything, and filters that are given must all match.

use domain::{Date, Key, OrgId};
use serde::{Deserialize, Serialize};

/// What to narrow a view to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    pub instrument: Option<Key>,
    pub body: Option<Key>,
    pub organisation: Option<OrgId>,
    /// The first day of the period, inclusive.
    pub from: Option<Date>,
    /// The last day of the period, inclusive.
    pub to: Option<Date>,
    /// The status board only: instruments with an objective tagged with this theme, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
}

impl Filters {
    /// True when `day` falls in the period (an open end admits everything on that side).
    pub fn in_period(&self, day: Date) -> bool {
        self.from.is_none_or(|from| from <= day) && self.to.is_none_or(|to| day <= to)
    }

    /// True when the span from `start` to `end` (either open) shares a day with the period.
    pub fn overlaps(&self, start: Option<Date>, end: Option<Date>) -> bool {
        let starts_in_time = match (self.to, start) {
            (Some(to), Some(start)) => start <= to,
            _ => true,
        };
        let ends_in_time = match (self.from, end) {
            (Some(from), Some(end)) => from <= end,
            _ => true,
        };
        starts_in_time && ends_in_time
    }

    /// True when `wanted` is unset or equal to `actual`.
    pub(crate) fn matches<T: PartialEq>(wanted: &Option<T>, actual: Option<&T>) -> bool {
        wanted.as_ref().is_none_or(|w| actual == Some(w))
    }

    /// A line for a report saying what the view was narrowed to, when anything.
    pub(crate) fn note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(i) = &self.instrument {
            parts.push(format!("instrument {i}"));
        }
        if let Some(b) = &self.body {
            parts.push(format!("body {b}"));
        }
        if let Some(o) = &self.organisation {
            parts.push(format!("organisation {o}"));
        }
        if let Some(t) = &self.theme {
            parts.push(format!("theme {t}"));
        }
        match (self.from, self.to) {
            (Some(from), Some(to)) => parts.push(format!("period {from} to {to}")),
            (Some(from), None) => parts.push(format!("period from {from}")),
            (None, Some(to)) => parts.push(format!("period to {to}")),
            (None, None) => {}
        }
        (!parts.is_empty()).then(|| format!("Filtered to {}.", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn periods_are_inclusive_and_open_ends_admit_everything() {
        let q1 = Filters { from: Some(d("2024-01-01")), to: Some(d("2024-03-31")), ..Filters::default() };
        assert!(q1.in_period(d("2024-01-01")) && q1.in_period(d("2024-03-31")));
        assert!(!q1.in_period(d("2023-12-31")) && !q1.in_period(d("2024-04-01")));
        assert!(Filters::default().in_period(d("1900-01-01")));
        assert!(q1.overlaps(Some(d("2023-04-01")), Some(d("2024-01-01"))));
        assert!(q1.overlaps(None, None));
        assert!(!q1.overlaps(Some(d("2024-04-01")), None));
        assert!(!q1.overlaps(None, Some(d("2023-12-31"))));
    }

    #[test]
    fn the_note_names_each_filter() {
        assert_eq!(Filters::default().note(), None);
        let f = Filters {
            body: Some(Key::parse("bexley-hwb").expect("key")),
            to: Some(d("2024-03-31")),
            ..Filters::default()
        };
        assert_eq!(f.note().as_deref(), Some("Filtered to body bexley-hwb, period to 2024-03-31."));
    }
}
