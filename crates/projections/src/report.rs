//! Reports: a read model laid out as a titled table, rendered as aligned text for a terminal,
//! markdown for a board paper, CSV for a spreadsheet, or JSON for a program. Every read model
//! that can be printed turns itself into a [`Report`]; the formats live here once.

use std::fmt::Write as _;
use std::str::FromStr;

use serde_json::{Map, Value};

/// How a report is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Markdown,
    Csv,
    Json,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("'{other}' is not a report format: use text, markdown, csv or json")),
        }
    }
}

/// A titled table of text cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    /// Lines printed under the title in text and markdown (what the report shows, as of when).
    pub notes: Vec<String>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// What text and markdown say instead of a table with no rows.
    pub empty: &'static str,
    /// The columns [`Report::fit`] leaves out last.
    pub essential: Vec<&'static str>,
}

impl Report {
    pub fn new(title: impl Into<String>, columns: Vec<&'static str>) -> Self {
        Self {
            title: title.into(),
            notes: Vec::new(),
            columns,
            rows: Vec::new(),
            empty: "Nothing to show.",
            essential: Vec::new(),
        }
    }

    /// Says `sentence` in text and markdown when the table has no rows, instead of a table of
    /// headers alone.
    pub fn when_empty(mut self, sentence: &'static str) -> Self {
        self.empty = sentence;
        self
    }

    /// Marks `columns` as the ones a reader needs most, which [`Report::fit`] leaves out last.
    pub fn essential(mut self, columns: &[&'static str]) -> Self {
        self.essential = columns.to_vec();
        self
    }

    /// Leaves out columns, the widest of those not essential first, and never the first, until the table as text is at
    /// most `width` characters wide or two columns are left; gives the names of those left out,
    /// in the table's order. Markdown, CSV and JSON are for programs and papers, and keep every
    /// column: fit only a table for a terminal.
    pub fn fit(&mut self, width: usize) -> Vec<&'static str> {
        let mut left_out: Vec<(usize, &'static str)> = Vec::new();
        let mut original: Vec<usize> = (0..self.columns.len()).collect();
        loop {
            let widths = self.widths();
            let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            if total <= width || widths.len() <= 2 {
                break;
            }
            let spare = |i: usize| !self.essential.contains(&self.columns[i]);
            let Some((widest, _)) = widths.iter().enumerate().skip(1).max_by_key(|&(i, w)| (spare(i), *w, i)) else {
                break;
            };
            left_out.push((original.remove(widest), self.columns.remove(widest)));
            for row in &mut self.rows {
                row.remove(widest);
            }
        }
        left_out.sort_unstable();
        left_out.into_iter().map(|(_, name)| name).collect()
    }

    /// Each column's width as text: its widest cell or its name.
    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        widths
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len(), "a row of {}", self.title);
        self.rows.push(row);
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.text(),
            Format::Markdown => self.markdown(),
            Format::Csv => self.csv(),
            Format::Json => self.json(),
        }
    }

    fn text(&self) -> String {
        let widths = self.widths();
        let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
            let mut out = String::new();
            for (i, (cell, w)) in cells.zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str("  ");
                }
                let _ = write!(out, "{cell:<w$}");
            }
            out.trim_end().to_owned()
        };
        let mut out = format!("{}\n", self.title);
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        out.push('\n');
        if self.rows.is_empty() {
            let _ = writeln!(out, "{}", self.empty);
            return out;
        }
        let _ = writeln!(out, "{}", line(&mut self.columns.iter().copied()));
        let _ = writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(&mut row.iter().map(String::as_str)));
        }
        out
    }

    fn markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|").replace('\n', " ");
        let mut out = format!("### {}\n\n", self.title);
        for note in &self.notes {
            let _ = writeln!(out, "{note}  ");
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        if self.rows.is_empty() {
            let _ = writeln!(out, "{}", self.empty);
            return out;
        }
        let _ = writeln!(out, "| {} |", self.columns.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(self.columns.len()));
        for row in &self.rows {
            let _ = writeln!(out, "| {} |", row.iter().map(|c| escape(c)).collect::<Vec<_>>().join(" | "));
        }
        out
    }

    /// CSV, every cell read as a datum ([`datum`]) and made inert ([`inert`]). Every CSV
    /// Covenant writes comes from here.
    fn csv(&self) -> String {
        let field = |cell: &str| {
            let cell = inert(datum(cell));
            if cell.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.into_owned()
            }
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.columns.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        for row in &self.rows {
            let _ = writeln!(out, "{}", row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        }
        out
    }

    fn json(&self) -> String {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> =
                    self.columns.iter().zip(row).map(|(c, v)| (json_key(c), Value::String(v.clone()))).collect();
                Value::Object(object)
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&rows).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// `Due date` → `due_date`.
fn json_key(column: &str) -> String {
    column.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("_")
}

/// A cell as a program loading the CSV should read it: the dash that stands for nothing in a
/// table for people is an empty cell, and a percentage (`72%`) is its number (`72`), so that
/// a spreadsheet or a reporting job reads numbers as numbers. The column's name says what the
/// number counts.
fn datum(cell: &str) -> &str {
    if cell == "-" {
        return "";
    }
    match cell.strip_suffix('%') {
        Some(number) if number.parse::<f64>().is_ok() => number,
        _ => cell,
    }
}

/// A cell as a spreadsheet should take it: text beginning with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'`, so that a spreadsheet shows it instead of running it as
/// a formula (CSV formula injection). A number, negative or not, stays a number.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut report = Report::new("Actions", vec!["Action", "Lead", "RAG"]).note("As of 2021-07-15");
        report.push(vec!["Adapt homes, faster".into(), "West Lindsey DC".into(), "GREEN".into()]);
        report.push(vec!["Review \"trusted assessor\", pilot".into(), "LCC | ASC".into(), "AMBER".into()]);
        report
    }

    #[test]
    fn text_aligns_columns() {
        let text = sample().render(Format::Text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Actions");
        assert_eq!(lines[3], "Action                            Lead             RAG");
        assert_eq!(lines[5], "Adapt homes, faster               West Lindsey DC  GREEN");
    }

    #[test]
    fn markdown_escapes_pipes() {
        let md = sample().render(Format::Markdown);
        assert!(
            md.starts_with("### Actions\n\nAs of 2021-07-15  \n\n| Action | Lead | RAG |\n|---|---|---|\n"),
            "{md}"
        );
        assert!(md.contains("LCC \\| ASC"), "{md}");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_made_text_and_numbers_stay_numbers() {
        let mut report = Report::new("Cells", vec!["title", "change"]);
        report.push(vec!["=HYPERLINK(\"http://evil.example\",\"Open\")".into(), "-3".into()]);
        report.push(vec!["@SUM(A1:A9)".into(), "+4.5".into()]);
        report.push(vec!["-2+3+cmd|' /C calc'!A0".into(), "\tTab".into()]);
        report.push(vec!["Plain title".into(), "12".into()]);
        let csv = report.render(Format::Csv);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Open\"\")\",-3");
        assert_eq!(lines[2], "'@SUM(A1:A9),+4.5");
        assert_eq!(lines[3], "'-2+3+cmd|' /C calc'!A0,'\tTab");
        assert_eq!(lines[4], "Plain title,12");
    }

    #[test]
    fn csv_gives_numbers_as_numbers_and_nothing_as_an_empty_cell() {
        let mut report = Report::new("Progress", vec!["Instrument", "Progress", "Overdue"]);
        report.push(vec!["HHCDG Delivery Plan".into(), "72%".into(), "2".into()]);
        report.push(vec!["Lincolnshire Housing, Health and Care MOU".into(), "-".into(), "0".into()]);
        report.push(vec!["Ward plans - 25 wards".into(), "12.5%".into(), "not yet%".into()]);
        let csv = report.render(Format::Csv);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[1], "HHCDG Delivery Plan,72,2");
        assert_eq!(lines[2], "\"Lincolnshire Housing, Health and Care MOU\",,0");
        assert_eq!(lines[3], "Ward plans - 25 wards,12.5,not yet%");
        assert!(report.render(Format::Text).contains("72%"), "people still read a percentage");
    }

    #[test]
    fn a_table_is_fitted_to_a_width_by_leaving_out_its_widest_columns_but_the_first() {
        let mut report = sample();
        report.columns.push("Owner");
        for row in &mut report.rows {
            row.push("Housing, Health and Care Delivery Group (HHCDG)".into());
        }
        let mut fitted = report.clone();
        assert_eq!(fitted.fit(40), ["Lead", "Owner"]);
        assert_eq!(fitted.columns, ["Action", "RAG"]);
        assert_eq!(fitted.rows[0], ["Adapt homes, faster", "GREEN"], "the rows lose the same cells");
        assert!(fitted.render(Format::Text).lines().all(|line| line.chars().count() <= 40));
        let mut wide = report.clone();
        assert!(wide.fit(500).is_empty(), "a table that fits keeps every column");
        assert_eq!(wide, report);
        let mut kept = report.clone().essential(&["Owner"]);
        assert_eq!(kept.fit(40), ["Lead", "RAG"], "an essential column is left out last");
        let mut narrow = report.clone();
        assert_eq!(narrow.fit(1).len(), 2, "two columns are always kept");
    }

    #[test]
    fn an_empty_table_says_so_in_words_for_people_and_keeps_its_header_for_programs() {
        let report = Report::new("Needs attention", vec!["Commitment", "Why"]).when_empty("Nothing needs attention.");
        assert_eq!(report.render(Format::Markdown), "### Needs attention\n\nNothing needs attention.\n");
        assert_eq!(report.render(Format::Text), "Needs attention\n\nNothing needs attention.\n");
        assert_eq!(report.render(Format::Csv), "Commitment,Why\n");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let csv = sample().render(Format::Csv);
        assert_eq!(csv.lines().nth(2), Some("\"Review \"\"trusted assessor\"\", pilot\",LCC | ASC,AMBER"));
    }

    #[test]
    fn json_keys_are_snake_case() {
        let mut report = Report::new("t", vec!["Due date"]);
        report.push(vec!["2021-03-31".into()]);
        let value: Value = serde_json::from_str(&report.render(Format::Json)).expect("json");
        assert_eq!(value, serde_json::json!([{"due_date": "2021-03-31"}]));
    }

    #[test]
    fn formats_parse_with_a_helpful_error() {
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert!("pdf".parse::<Format>().expect_err("unknown").contains("text, markdown, csv or json"));
    }
}
