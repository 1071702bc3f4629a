//! The reports Covenant makes, listed once: each one's name (the word `covenant report` and
//! `covenant export` take, and the path under `/api/v1`), its title and what it shows. Every
//! interface lists and parses reports from [`ReportKind::ALL`].

use std::fmt;

/// One of the reports every interface offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportKind {
    Status,
    Resolutions,
    Actions,
    Indicators,
    Audit,
}

impl ReportKind {
    /// Every report, in the order interfaces list them.
    pub const ALL: [ReportKind; 5] =
        [ReportKind::Status, ReportKind::Resolutions, ReportKind::Actions, ReportKind::Indicators, ReportKind::Audit];

    /// The report's name: the word the command line takes and the path under `/api/v1`.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Status => "status",
            ReportKind::Resolutions => "resolutions",
            ReportKind::Actions => "actions",
            ReportKind::Indicators => "indicators",
            ReportKind::Audit => "audit",
        }
    }

    /// The report's title, as its table and the dashboard head it.
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Status => "Instrument status board",
            ReportKind::Resolutions => "Resolution register",
            ReportKind::Actions => "Action log",
            ReportKind::Indicators => "Indicators",
            ReportKind::Audit => "Audit trail",
        }
    }

    /// What the report shows, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            ReportKind::Status => {
                "Every instrument: lifecycle, endorsements, adoption by each party, progress and RAG."
            }
            ReportKind::Resolutions => "Every resolution with its outcome and delivery trail.",
            ReportKind::Actions => {
                "Commitments and actions, by organisation or by body: open, overdue, due soon, done."
            }
            ReportKind::Indicators => "Indicators against their targets, with direction of travel.",
            ReportKind::Audit => "Every event: who, what, when it happened, when it was recorded, and its source.",
        }
    }

    /// What one row of the report is, in one word: what [`ReportKind::name`] counts.
    pub fn row(self) -> &'static str {
        match self {
            ReportKind::Status => "instrument",
            ReportKind::Resolutions => "resolution",
            ReportKind::Actions => "action",
            ReportKind::Indicators => "indicator",
            ReportKind::Audit => "event",
        }
    }

    /// The report named `name`, or what the names are.
    pub fn parse(name: &str) -> Result<ReportKind, String> {
        ReportKind::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| {
            let names: Vec<&str> = ReportKind::ALL.iter().map(|kind| kind.name()).collect();
            format!("'{name}' is not a report: choose one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_report_is_parsed_from_its_own_name_and_nothing_else() {
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.name()), Ok(kind));
        }
        let unknown = ReportKind::parse("minutes").expect_err("not a report");
        assert_eq!(unknown, "'minutes' is not a report: choose one of status, resolutions, actions, indicators, audit");
    }
}
