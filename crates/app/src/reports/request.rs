//! What a report is asked for, with every default applied once: which report, the point of the
//! record it describes, the day it counts overdue and stale items against, its filters, and the
//! page of its rows. The command line, the HTTP API and the dashboard read their own input into
//! [`Asked`] and make a [`ReportRequest`] from it, so each means the same by what it leaves out.

use domain::{Date, Key};
use kernel::{Position, Timestamp};
use projections::{AsOf, Filters, GroupBy, ReportKind, TrailFilters};

/// What an interface read from its caller, before any default: every field may be left out.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    /// The log up to and including this position.
    pub position: Option<Position>,
    /// What Covenant had recorded by this time.
    pub known_on: Option<Timestamp>,
    /// What had been decided by this time, whenever it was recorded.
    pub decided_by: Option<Timestamp>,
    /// The day overdue, due-soon and stale items are counted against.
    pub today: Option<Date>,
    pub filters: Filters,
    /// The action log only: how its rows are grouped.
    pub group_by: Option<GroupBy>,
    /// The audit trail only: one stream, one actor.
    pub trail: TrailFilters,
    /// One instrument (the status board) or one resolution (the register) in full.
    pub subject: Option<Key>,
    /// One page of the rows; all of them when left out.
    pub page: Option<Page>,
}

/// One report asked for, every default applied.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReportRequest {
    pub kind: ReportKind,
    /// The point of the record the report describes; now by default.
    pub as_of: AsOf,
    /// The day overdue, due-soon and stale items are counted against: by default the day of the
    /// "as decided by" or "as known on" point, else today.
    pub today: Date,
    pub filters: Filters,
    /// By organisation by default.
    pub group_by: GroupBy,
    pub trail: TrailFilters,
    pub subject: Option<Key>,
    pub page: Option<Page>,
}

/// Which rows of a report's table to give: `limit` rows after the first `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

/// Where a page stands among all the rows, as a paged answer says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PageInfo {
    pub offset: usize,
    pub limit: usize,
    pub total: usize,
    /// The offset of the next page; none on the last.
    pub next_offset: Option<usize>,
}

impl Page {
    /// Keeps only this page of `rows`, and says where it stands.
    pub fn keep<T>(self, rows: &mut Vec<T>) -> PageInfo {
        let total = rows.len();
        let start = self.offset.min(total);
        let end = start.saturating_add(self.limit).min(total);
        rows.truncate(end);
        rows.drain(..start);
        PageInfo { offset: start, limit: self.limit, total, next_offset: (end < total).then_some(end) }
    }
}

/// An option given to a report it does not apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{option} applies only to the {} report", .only.name())]
pub struct NotApplicable {
    /// The option, by the name the request's fields have: `group_by`, `stream`, `actor`,
    /// `theme` or `subject`.
    pub option: &'static str,
    /// The one report it applies to (for `subject`, the first of the two).
    pub only: ReportKind,
}

/// The options that apply to one report alone, by the name the request's fields have, each with
/// that report: the one list [`ReportRequest::new`] refuses the others by, and an interface reads
/// to say which options each of its reports takes.
pub const ONE_REPORTS_OPTIONS: [(&str, ReportKind); 4] = [
    ("group_by", ReportKind::Actions),
    ("stream", ReportKind::Audit),
    ("actor", ReportKind::Audit),
    ("theme", ReportKind::Status),
];

impl ReportRequest {
    /// Whether the report is made from the read models of its point (of now, or of a past point
    /// folded from the log), as every report is but the audit trail, read from the log, and one
    /// instrument of a past point, folded from only its own streams.
    pub fn folds_the_log(&self) -> bool {
        match self.kind {
            ReportKind::Audit => false,
            ReportKind::Status => self.subject.is_none() || self.as_of.is_now(),
            _ => true,
        }
    }

    /// Whether a report of `kind` takes `option` (by the name the request's fields have).
    pub fn takes(kind: ReportKind, option: &str) -> bool {
        ONE_REPORTS_OPTIONS.iter().all(|&(one, only)| one != option || only == kind)
    }

    /// The request for `kind` that `asked` describes, its defaults worked out against the time
    /// now; refused when an option is given to a report it does not apply to.
    pub fn new(kind: ReportKind, asked: Asked) -> Result<Self, NotApplicable> {
        Self::at(kind, asked, Timestamp::now())
    }

    /// As [`ReportRequest::new`], with `now` as the time now.
    pub fn at(kind: ReportKind, asked: Asked, now: Timestamp) -> Result<Self, NotApplicable> {
        let given = [
            ("group_by", asked.group_by.is_some()),
            ("stream", asked.trail.stream.is_some()),
            ("actor", asked.trail.actor.is_some()),
            ("theme", asked.filters.theme.is_some()),
        ];
        for (option, only) in ONE_REPORTS_OPTIONS {
            if only != kind && given.contains(&(option, true)) {
                return Err(NotApplicable { option, only });
            }
        }
        if asked.subject.is_some() && !matches!(kind, ReportKind::Status | ReportKind::Resolutions) {
            return Err(NotApplicable { option: "subject", only: ReportKind::Status });
        }
        let as_of = AsOf { position: asked.position, known_on: asked.known_on, decided_by: asked.decided_by };
        let point = as_of.decided_by.or(as_of.known_on).unwrap_or(now);
        Ok(Self {
            kind,
            as_of,
            today: asked.today.unwrap_or_else(|| point.as_datetime().date_naive()),
            filters: asked.filters,
            group_by: asked.group_by.unwrap_or_default(),
            trail: asked.trail,
            subject: asked.subject,
            page: asked.page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        domain::parse_date(text).expect("a date")
    }

    fn end_of(text: &str) -> Timestamp {
        Timestamp::parse_end_of(text).expect("a day")
    }

    #[test]
    fn today_is_the_day_of_the_point_asked_for_else_today() {
        let now = Timestamp::parse_end_of("2026-12-03T14:00:00Z").expect("a time");
        let request = |asked: Asked| ReportRequest::at(ReportKind::Status, asked, now).expect("a request");
        assert_eq!(request(Asked::default()).today, day("2026-12-03"));
        assert!(request(Asked::default()).as_of.is_now());
        let decided = request(Asked { decided_by: Some(end_of("2021-03-09")), ..Asked::default() });
        assert_eq!(decided.today, day("2021-03-09"));
        let known = request(Asked { known_on: Some(end_of("2022-01-01")), ..Asked::default() });
        assert_eq!(known.today, day("2022-01-01"));
        let both = request(Asked {
            decided_by: Some(end_of("2021-03-09")),
            known_on: Some(end_of("2022-01-01")),
            ..Asked::default()
        });
        assert_eq!(both.today, day("2021-03-09"), "the decided-by day comes first");
        let given = request(Asked {
            decided_by: Some(end_of("2021-03-09")),
            today: Some(day("2024-06-01")),
            ..Asked::default()
        });
        assert_eq!(given.today, day("2024-06-01"));
        let position = request(Asked { position: Some(Position(7)), ..Asked::default() });
        assert_eq!((position.today, position.as_of.position), (day("2026-12-03"), Some(Position(7))));
        assert_eq!(request(Asked::default()).group_by, GroupBy::Organisation);
    }

    #[test]
    fn an_option_of_another_report_is_refused_with_the_report_it_belongs_to() {
        let asked = |kind, asked| ReportRequest::new(kind, asked).map(|_| ());
        let by = Asked { group_by: Some(GroupBy::Body), ..Asked::default() };
        assert_eq!(asked(ReportKind::Actions, by.clone()), Ok(()));
        assert_eq!(asked(ReportKind::Status, by), Err(NotApplicable { option: "group_by", only: ReportKind::Actions }));
        let theme =
            Asked { filters: Filters { theme: Some("housing".into()), ..Filters::default() }, ..Asked::default() };
        assert_eq!(
            asked(ReportKind::Indicators, theme),
            Err(NotApplicable { option: "theme", only: ReportKind::Status })
        );
        let actor = Asked {
            trail: TrailFilters { actor: Some("clerk".into()), ..TrailFilters::default() },
            ..Asked::default()
        };
        assert_eq!(
            asked(ReportKind::Resolutions, actor),
            Err(NotApplicable { option: "actor", only: ReportKind::Audit })
        );
        let subject = Asked { subject: Some(Key::parse("x").expect("a key")), ..Asked::default() };
        assert!(asked(ReportKind::Resolutions, subject.clone()).is_ok());
        assert!(asked(ReportKind::Actions, subject).is_err());
    }

    #[test]
    fn a_page_keeps_its_rows_and_says_where_the_next_begins() {
        let mut rows: Vec<u32> = (0..10).collect();
        let info = Page { offset: 3, limit: 4 }.keep(&mut rows);
        assert_eq!(rows, [3, 4, 5, 6]);
        assert_eq!(info, PageInfo { offset: 3, limit: 4, total: 10, next_offset: Some(7) });
        let mut rows: Vec<u32> = (0..10).collect();
        let last = Page { offset: 8, limit: 4 }.keep(&mut rows);
        assert_eq!((rows, last.next_offset, last.total), (vec![8, 9], None, 10));
        let mut rows: Vec<u32> = (0..3).collect();
        let beyond = Page { offset: 5, limit: 4 }.keep(&mut rows);
        assert!(rows.is_empty());
        assert_eq!(beyond, PageInfo { offset: 3, limit: 4, total: 3, next_offset: None });
    }
}
