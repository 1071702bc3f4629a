//! A board pack as a workbook: one sheet per section, each a table with a frozen, filtered header
//! row, dates written as dates and figures as numbers (never as text), and RAG as a word in a
//! cell filled with its colour, so a sort, a filter or a formula works on what the pack says.

use domain::rag::Rag;
use domain::values::in_words as word;
use domain::{Date, Key};
use projections::{ActionRow, INDICATOR_READINGS, kind_in_words, rag_in_words};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::reports::Pack;

/// One cell of a sheet, typed.
enum Cell {
    Text(String),
    Number(f64),
    Date(Date),
    Rag(Option<Rag>),
    Empty,
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn key(value: &Key) -> Cell {
    Cell::Text(value.to_string())
}

fn date(value: Option<Date>) -> Cell {
    value.map_or(Cell::Empty, Cell::Date)
}

fn number(value: Option<f64>) -> Cell {
    value.map_or(Cell::Empty, Cell::Number)
}

fn count(value: usize) -> Cell {
    Cell::Number(value as f64)
}

/// A section: its sheet's name, its header row and its rows.
struct Sheet {
    name: &'static str,
    headers: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

/// The workbook, as the bytes of an `.xlsx` file.
pub fn render(pack: &Pack) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    for sheet in sheets(pack) {
        write(workbook.add_worksheet(), &sheet)?;
    }
    workbook.save_to_buffer()
}

fn write(worksheet: &mut Worksheet, sheet: &Sheet) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let fills = [
        (Rag::Red, Format::new().set_background_color(Color::RGB(0xF4CCCC))),
        (Rag::Amber, Format::new().set_background_color(Color::RGB(0xFCE5B0))),
        (Rag::Green, Format::new().set_background_color(Color::RGB(0xCCE2D8))),
    ];
    worksheet.set_name(sheet.name)?;
    for (col, header) in (0u16..).zip(&sheet.headers) {
        worksheet.write_string_with_format(0, col, *header, &bold)?;
        worksheet.set_column_width(col, header.len().max(12) as f64)?;
    }
    for (row, cells) in (1u32..).zip(&sheet.rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(value) => worksheet.write_string(row, col, value)?,
                Cell::Number(value) => worksheet.write_number(row, col, *value)?,
                Cell::Date(value) => {
                    let excel = ExcelDateTime::parse_from_str(&value.to_string())?;
                    worksheet.write_datetime_with_format(row, col, &excel, &day)?
                }
                Cell::Rag(Some(rag)) => {
                    let fill = fills.iter().find(|(r, _)| r == rag).map(|(_, f)| f);
                    match fill {
                        Some(fill) => worksheet.write_string_with_format(row, col, rag_in_words(Some(*rag)), fill)?,
                        None => worksheet.write_string(row, col, rag_in_words(Some(*rag)))?,
                    }
                }
                Cell::Rag(None) => worksheet.write_string(row, col, rag_in_words(None))?,
                Cell::Empty => worksheet,
            };
        }
    }
    let last_col = (sheet.headers.len().max(1) - 1) as u16;
    let last_row = sheet.rows.len() as u32;
    worksheet.set_freeze_panes(1, 0)?;
    worksheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

fn sheets(pack: &Pack) -> Vec<Sheet> {
    let cover = &pack.cover;
    let previous = cover.previous_meeting.as_ref();
    let action = |a: &ActionRow| {
        vec![
            text(&a.title),
            key(&a.commitment),
            text(a.organisation_name.clone().unwrap_or_default()),
            text(&a.lead),
            date(a.due_on),
            Cell::Number(a.progress),
            Cell::Rag(a.rag),
        ]
    };
    let mut changes = Vec::new();
    if let Some(c) = &pack.changes {
        for r in &c.decisions {
            changes.push(vec![
                text("new decision"),
                key(&r.resolution),
                text(r.heading()),
                date(r.decided_on),
                text(r.outcome.as_ref().map(word).unwrap_or_default()),
                Cell::Empty,
            ]);
        }
        for m in &c.rag_moves {
            changes.push(vec![
                text(format!("RAG move ({})", word(&m.subject))),
                key(&m.key),
                text(&m.title),
                date(Some(pack.cover.as_of)),
                Cell::Rag(m.from),
                Cell::Rag(m.to),
            ]);
        }
        let listed = [("completed", &c.completed), ("newly overdue", &c.newly_overdue)];
        for (what, actions) in listed {
            for a in actions {
                changes.push(vec![
                    text(what),
                    key(&a.commitment),
                    text(&a.title),
                    date(a.due_on),
                    text(word(&a.state)),
                    Cell::Rag(a.rag),
                ]);
            }
        }
    }
    let mut last_meeting = Vec::new();
    for r in pack.last_meeting.iter().flat_map(|m| &m.resolutions) {
        let resolution = || {
            vec![
                text(r.heading()),
                key(&r.resolution),
                date(r.decided_on),
                text(r.outcome.as_ref().map(word).unwrap_or_default()),
                text(r.standing_words()),
            ]
        };
        if r.commitments.is_empty() {
            last_meeting.push(resolution());
        }
        for c in &r.commitments {
            let mut row = resolution();
            row.extend([
                text(&c.title),
                text(c.organisation_name.clone().unwrap_or_default()),
                date(c.due_on),
                text(word(&c.state)),
                Cell::Number(c.progress),
                Cell::Rag(c.rag),
            ]);
            last_meeting.push(row);
        }
    }
    vec![
        Sheet {
            name: "Cover",
            headers: vec!["Body", "Body key", "As decided by", "Previous meeting", "Held on", "Position", "Head hash"],
            rows: vec![vec![
                text(&cover.body_name),
                key(&cover.body),
                Cell::Date(cover.as_of),
                text(previous.map(|m| m.title.clone()).unwrap_or_default()),
                date(previous.map(|m| m.held_on)),
                Cell::Number(cover.position.0 as f64),
                text(&cover.head_hash),
            ]],
        },
        Sheet {
            name: "Exceptions",
            headers: vec!["Action", "Key", "Organisation", "Lead", "Due", "Progress (%)", "RAG", "Why"],
            rows: pack
                .exceptions
                .iter()
                .map(|e| {
                    let mut row = action(&e.action);
                    row.push(text(e.reasons.iter().map(|r| r.words()).collect::<Vec<_>>().join(", ")));
                    row
                })
                .collect(),
        },
        Sheet {
            name: "Status",
            headers: vec![
                "Instrument",
                "Key",
                "Kind",
                "Stage",
                "Progress (%)",
                "RAG",
                "Red",
                "Amber",
                "Green",
                "Not rated",
                "Overdue",
                "Stale",
            ],
            rows: pack
                .instruments
                .iter()
                .map(|i| {
                    vec![
                        text(&i.title),
                        key(&i.instrument),
                        text(kind_in_words(i.kind)),
                        text(word(&i.state)),
                        number(i.progress),
                        Cell::Rag(i.rag),
                        count(i.rag_mix.red),
                        count(i.rag_mix.amber),
                        count(i.rag_mix.green),
                        count(i.rag_mix.unrated),
                        count(i.overdue.len()),
                        count(i.stale.len()),
                    ]
                })
                .collect(),
        },
        Sheet { name: "Changes", headers: vec!["Change", "Key", "Title", "Date", "Was", "Now"], rows: changes },
        Sheet {
            name: "Indicators",
            headers: [["Indicator", "Key"].as_slice(), &INDICATOR_READINGS].concat(),
            rows: pack
                .indicators
                .iter()
                .map(|i| {
                    vec![
                        text(&i.title),
                        key(&i.indicator),
                        text(&i.unit),
                        number(i.baseline.as_ref().map(|r| r.value)),
                        date(i.baseline.as_ref().map(|r| r.as_of)),
                        number(i.latest.as_ref().map(|r| r.value)),
                        date(i.latest.as_ref().map(|r| r.as_of)),
                        number(i.target.as_ref().map(|r| r.value)),
                        date(i.target.as_ref().map(|r| r.as_of)),
                        text(i.direction.as_ref().map(word).unwrap_or_default()),
                        Cell::Rag(i.rag),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: "Readings",
            headers: vec!["Indicator", "Key", "On", "Value"],
            rows: pack
                .indicators
                .iter()
                .flat_map(|i| {
                    i.readings
                        .iter()
                        .map(|r| vec![text(&i.title), key(&i.indicator), Cell::Date(r.as_of), Cell::Number(r.value)])
                })
                .collect(),
        },
        Sheet {
            name: "Previous meeting",
            headers: vec![
                "Resolution",
                "Key",
                "Decided on",
                "Outcome",
                "Standing",
                "Commitment",
                "Organisation",
                "Due",
                "State",
                "Progress (%)",
                "RAG",
            ],
            rows: last_meeting,
        },
    ]
}
