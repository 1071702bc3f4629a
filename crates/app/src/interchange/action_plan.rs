//! Action plans as CSV: one row per action, in the column layout of [`COLUMNS`]
//! (`docs/imports.md`). [`parse`] reads the file and checks each value; [`plan`] checks each row
//! against the rules and the store's current state, by deciding its commands in memory, and
//! leaves out what is already recorded, so that importing the same file twice records nothing
//! the second time.
//!
//! A row whose action is not recorded makes it (`make`), and reports its progress when the row
//! gives a status. A row whose action is recorded records only what changed: a new due date as
//! `reschedule`, a new status, percentage or narrative as `report_progress`. The other values of
//! a commitment cannot change once it is made, so a row that changes them is a problem.

use std::collections::{BTreeSet, HashMap};

use chrono::Datelike;
use domain::commitment::{self, ObjectiveRef, ReportingPeriod};
use domain::ids::{commitment_stream, instrument_stream, organisation_stream};
use domain::memory::Ledger;
use domain::rag::Rag;
use domain::{Command, Date, DomainError, Facts, Key, OrgId};
use kernel::{EventStore, Timestamp};

use super::{ImportError, ImportProblem, Imported, Importer, Plan, Planned, load_ledger};
use crate::RecordError;

/// The columns of an action plan, in the order the template writes them.
pub const COLUMNS: [&str; 12] = [
    "instrument",
    "objective",
    "action_id",
    "action",
    "lead_organisation",
    "lead_officer",
    "due_date",
    "weight",
    "parent",
    "status",
    "percentage",
    "narrative",
];

const INSTRUMENT: usize = 0;
const OBJECTIVE: usize = 1;
const ACTION_ID: usize = 2;
const ACTION: usize = 3;
const LEAD_ORGANISATION: usize = 4;
const LEAD_OFFICER: usize = 5;
const DUE_DATE: usize = 6;
const WEIGHT: usize = 7;
const PARENT: usize = 8;
const STATUS: usize = 9;
const PERCENTAGE: usize = 10;
const NARRATIVE: usize = 11;

/// A template: the header and one example row, from the HHCDG delivery plan. The row is an action
/// the seed stories do not hold (reviewing the shared Disabled Facilities Grant policy, with its
/// first progress report), due on 31 March of the year after `on`, the day it would be imported on
/// (a due date before the day an action is made is refused), so that importing the template as
/// printed into the demo's records records it.
pub fn template(on: Date) -> String {
    let due = Date::from_ymd_opt(on.year() + 1, 3, 31).map_or_else(String::new, |d| d.to_string());
    let example = [
        "lincolnshire-hhcdg-delivery-plan",
        "adaptations",
        "hhcdg-dfg-policy-review",
        "Review the shared Disabled Facilities Grant policy with the seven districts",
        "GB-LAE-WLI",
        "Housing Services Manager",
        due.as_str(),
        "1",
        "",
        "amber",
        "40",
        "Draft review with district housing leads; two districts still to respond.",
    ];
    let line = |values: &[&str]| {
        let quoted: Vec<String> =
            values
                .iter()
                .map(|v| {
                    if v.contains([',', '"', '\n']) {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        (*v).to_owned()
                    }
                })
                .collect();
        quoted.join(",")
    };
    format!("{}\n{}\n", line(&COLUMNS), line(&example))
}

/// The progress a row reports.
#[derive(Clone, Debug, PartialEq)]
pub struct RowProgress {
    pub status: Rag,
    pub percent_complete: u8,
    pub narrative: String,
}

/// One row of an action plan, its values read.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: usize,
    pub instrument: Key,
    pub objective: Key,
    pub action_id: Key,
    pub action: String,
    pub organisation: OrgId,
    pub lead: String,
    pub due_on: Date,
    pub weight: u32,
    pub parent: Option<Key>,
    pub progress: Option<RowProgress>,
}

/// How to read and record an action plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The instrument of rows that leave the instrument column empty.
    pub instrument: Option<Key>,
    /// The day the plan stands at: actions are made, and progress reported, on this day.
    pub on: Date,
    /// The file's name, for the source of each event, such as `hhcdg-delivery-plan-2022.csv`.
    pub file: String,
}

/// Reads every row of an action plan whose values are good, and lists every problem with the
/// others.
pub fn parse(text: &str, options: &Options) -> (Vec<Row>, Vec<ImportProblem>) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let columns = match reader.headers().map_err(|e| vec![csv_problem(&e)]).and_then(header_columns) {
        Ok(columns) => columns,
        Err(problems) => return (Vec::new(), problems),
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(csv_problem(&error));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != columns.len() {
            problems.push(ImportProblem::new(
                line,
                None,
                format!(
                    "the row has {} values and the header {}: put a value holding a comma in double quotes, and leave an empty value for each column with nothing in it",
                    record.len(),
                    columns.len()
                ),
            ));
            continue;
        }
        let mut values = [""; 12];
        for (column, value) in columns.iter().zip(record.iter()) {
            values[*column] = value;
        }
        match read_row(line, &values, options) {
            Ok(row) => rows.push(row),
            Err(mut found) => problems.append(&mut found),
        }
    }
    (rows, problems)
}

/// The column each field of the header names, or the problems with the header.
fn header_columns(header: &csv::StringRecord) -> Result<Vec<usize>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut columns = Vec::new();
    for name in header {
        let normal = name.trim().to_lowercase().replace([' ', '-'], "_");
        match COLUMNS.iter().position(|c| *c == normal) {
            Some(column) if columns.contains(&column) => {
                problems.push(ImportProblem::new(1, Some(name), "the column is named twice: keep one"));
            }
            Some(column) => columns.push(column),
            None => problems.push(ImportProblem::new(
                1,
                Some(name),
                format!("unknown column: the columns are {}", COLUMNS.join(", ")),
            )),
        }
    }
    for (column, name) in COLUMNS.iter().enumerate() {
        if !columns.contains(&column) {
            problems.push(ImportProblem::new(
                1,
                Some(name),
                "the header has no such column: add it, even if its values are empty (covenant import action-plan --template writes the header)",
            ));
        }
    }
    if problems.is_empty() { Ok(columns) } else { Err(problems) }
}

fn csv_problem(error: &csv::Error) -> ImportProblem {
    let line = error.position().map_or(1, |p| p.line() as usize);
    ImportProblem::new(line, None, format!("{error}: save the file as CSV in UTF-8"))
}

/// Reads one row's values, or every problem with them.
fn read_row(line: usize, values: &[&str; 12], options: &Options) -> Result<Row, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut problem =
        |column: usize, message: String| problems.push(ImportProblem::new(line, Some(COLUMNS[column]), message));

    let instrument = match (values[INSTRUMENT], &options.instrument) {
        ("", Some(default)) => Some(default.clone()),
        ("", None) => {
            problem(INSTRUMENT, "is empty: give the instrument's id, or pass --instrument for the whole file".into());
            None
        }
        (given, Some(default)) if given != default.as_str() => {
            problem(
                INSTRUMENT,
                format!(
                    "'{given}' is not {default}, the instrument the import was given: leave the column empty, or import the row on its own"
                ),
            );
            None
        }
        (given, _) => key(given).map_err(|m| problem(INSTRUMENT, m)).ok(),
    };
    let mut required_key = |column: usize, what: &str| match values[column] {
        "" => {
            problem(column, format!("is empty: give the {what}"));
            None
        }
        given => key(given).map_err(|m| problem(column, m)).ok(),
    };
    let objective = required_key(OBJECTIVE, "objective's id, as the instrument lists it");
    let action_id =
        required_key(ACTION_ID, "action a stable id, such as hhcdg-dfg-fast-track, so that a later import finds it");
    let mut text = |column: usize, what: &str| match values[column] {
        "" => {
            problem(column, format!("is empty: give the {what}"));
            None
        }
        given => Some(given.to_owned()),
    };
    let action = text(ACTION, "action as the plan words it");
    let lead = text(LEAD_OFFICER, "named lead, such as the officer's role");
    let organisation = match values[LEAD_ORGANISATION] {
        "" => {
            problem(
                LEAD_ORGANISATION,
                "is empty: give the org-id of the organisation that leads the action, such as GB-LAE-WLI".into(),
            );
            None
        }
        given => OrgId::parse(given).map_err(|m| problem(LEAD_ORGANISATION, m)).ok(),
    };
    let due_on = match values[DUE_DATE] {
        "" => {
            problem(DUE_DATE, "is empty: give the date the action is due, as YYYY-MM-DD".into());
            None
        }
        given => date(given).map_err(|m| problem(DUE_DATE, m)).ok(),
    };
    let weight = match values[WEIGHT] {
        "" => Some(1),
        given => match given.parse::<u32>() {
            Ok(w) if w >= 1 => Some(w),
            _ => {
                problem(
                    WEIGHT,
                    format!(
                        "'{given}' is not a whole number of 1 or more: give the action's relative weight within its parent, or leave it empty for 1"
                    ),
                );
                None
            }
        },
    };
    let parent = match values[PARENT] {
        "" => Some(None),
        given => key(given).map(Some).map_err(|m| problem(PARENT, m)).ok(),
    };
    let progress = read_progress(values, &mut problem);
    match (instrument, objective, action_id, action, organisation, lead, due_on, weight, parent, progress) {
        (
            Some(instrument),
            Some(objective),
            Some(action_id),
            Some(action),
            Some(organisation),
            Some(lead),
            Some(due_on),
            Some(weight),
            Some(parent),
            Some(progress),
        ) if problems.is_empty() => Ok(Row {
            line,
            instrument,
            objective,
            action_id,
            action,
            organisation,
            lead,
            due_on,
            weight,
            parent,
            progress,
        }),
        _ => Err(problems),
    }
}

/// The progress a row reports: `Some(None)` when it reports none, `None` when it has problems.
fn read_progress(values: &[&str; 12], problem: &mut impl FnMut(usize, String)) -> Option<Option<RowProgress>> {
    let (status, percentage, narrative) = (values[STATUS], values[PERCENTAGE], values[NARRATIVE]);
    if status.is_empty() && percentage.is_empty() && narrative.is_empty() {
        return Some(None);
    }
    let status = match status.to_lowercase().as_str() {
        "red" | "r" => Some(Rag::Red),
        "amber" | "a" => Some(Rag::Amber),
        "green" | "g" => Some(Rag::Green),
        "" => {
            problem(STATUS, "is empty but the row reports progress: give red, amber or green".into());
            None
        }
        _ => {
            problem(STATUS, format!("'{status}' is not a RAG status: give red, amber or green"));
            None
        }
    };
    let percent_complete = match percentage.trim_end_matches('%').trim().parse::<u8>() {
        Ok(p) if p <= 100 => Some(p),
        _ if percentage.is_empty() => {
            problem(
                PERCENTAGE,
                "is empty but the row reports progress: give the percentage complete, from 0 to 100".into(),
            );
            None
        }
        _ => {
            problem(
                PERCENTAGE,
                format!("'{percentage}' is not a whole number from 0 to 100: give the percentage complete"),
            );
            None
        }
    };
    let narrative = if narrative.is_empty() {
        problem(NARRATIVE, "is empty but the row reports progress: say in a sentence where the action stands".into());
        None
    } else {
        Some(narrative.to_owned())
    };
    Some(Some(RowProgress { status: status?, percent_complete: percent_complete?, narrative: narrative? }))
}

fn key(text: &str) -> Result<Key, String> {
    Key::parse(text).map_err(|m| {
        format!("'{text}' is not an id: {}", m.trim_start_matches(&format!("key '{text}' is not valid: ")))
    })
}

/// Reads a date written as YYYY-MM-DD; for a date written as dd/mm/yyyy, says how to write it.
fn date(text: &str) -> Result<Date, String> {
    domain::parse_date(text).map_err(|not_a_date| match Date::parse_from_str(text, "%d/%m/%Y") {
        Ok(date) => format!("'{text}' is not written as YYYY-MM-DD: write {date}"),
        Err(_) => format!("{not_a_date}, such as 2023-03-31"),
    })
}

/// Imports the action plan `text` with `importer`: reads and checks every row, then records what is
/// not yet recorded (see [`Importer::record`] for the atomicity), telling its progress as rows are
/// recorded.
pub async fn import(importer: Importer<'_>, text: &str, options: &Options) -> Result<Imported, ImportError> {
    let now = Timestamp::now();
    let plan = check(importer.recorder.store(), text, options, now).await?;
    importer.record(&plan, now).await
}

/// Reads and checks the action plan `text` against the rules and the store's current state,
/// recording nothing: the plan of what importing it would record, or every problem with its
/// line ([`ImportError::Invalid`]). [`import`] records what this finds.
pub async fn check(store: &dyn EventStore, text: &str, options: &Options, now: Timestamp) -> Result<Plan, ImportError> {
    let (rows, mut problems) = parse(text, options);
    match plan(store, &rows, options, now).await? {
        Ok(plan) if problems.is_empty() => Ok(plan),
        Ok(_) => Err(ImportError::Invalid(problems)),
        Err(mut found) => {
            problems.append(&mut found);
            problems.sort_by_key(|p| p.line);
            Err(ImportError::Invalid(problems))
        }
    }
}

/// Works out what each row needs recorded, checking it against the rules and the store's current
/// state (the instruments, organisations and actions it names); lists every row that cannot be
/// recorded, or gives the plan.
pub async fn plan(
    store: &dyn EventStore,
    rows: &[Row],
    options: &Options,
    now: Timestamp,
) -> Result<Result<Plan, Vec<ImportProblem>>, RecordError> {
    let mut streams = BTreeSet::new();
    for row in rows {
        streams.insert(instrument_stream(&row.instrument));
        streams.insert(organisation_stream(&row.organisation));
        streams.insert(commitment_stream(&row.action_id));
        streams.extend(row.parent.iter().map(commitment_stream));
    }
    let mut ledger = load_ledger(store, streams.into_iter().collect()).await?;
    let occurred_at = Timestamp::from_datetime(options.on.and_time(Default::default()).and_utc());
    let mut planned = Plan::default();
    let mut problems = Vec::new();
    let mut seen: HashMap<&Key, usize> = HashMap::new();
    for row in rows {
        if let Some(first) = seen.insert(&row.action_id, row.line) {
            problems.push(ImportProblem::new(
                row.line,
                Some(COLUMNS[ACTION_ID]),
                format!("action {} is already on line {first}: give each action its own id", row.action_id),
            ));
            continue;
        }
        if ledger.history(&instrument_stream(&row.instrument)).is_empty() {
            problems.push(ImportProblem::new(
                row.line,
                Some(COLUMNS[INSTRUMENT]),
                format!(
                    "instrument {} is not recorded: check the id against `covenant report status`, or draft the instrument first",
                    row.instrument
                ),
            ));
            continue;
        }
        match row_commands(&ledger, row, options) {
            Ok(commands) => {
                let mut failed = false;
                for command in &commands {
                    if let Err(error) = ledger.execute(command, now) {
                        problems.push(ImportProblem::new(row.line, column_of(&error), error.to_string()));
                        failed = true;
                        break;
                    }
                }
                if failed {
                    continue;
                }
                if commands.is_empty() {
                    planned.unchanged += 1;
                } else {
                    planned.lines.push(Planned {
                        line: row.line,
                        source: format!("{}, line {}", options.file, row.line),
                        occurred_at,
                        commands,
                    });
                }
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    Ok(if problems.is_empty() { Ok(planned) } else { Err(problems) })
}

/// The commands `row` needs, given what `ledger` holds of its action; or the values that differ
/// from the recorded action where a commitment cannot change.
fn row_commands(ledger: &Ledger, row: &Row, options: &Options) -> Result<Vec<Command>, Vec<ImportProblem>> {
    let stream = commitment_stream(&row.action_id);
    let history = ledger.history(&stream);
    let towards = ObjectiveRef { instrument: row.instrument.clone(), objective: row.objective.clone() };
    let progress = |row: &Row| {
        row.progress.as_ref().map(|p| {
            Command::from(commitment::Command::ReportProgress {
                id: row.action_id.clone(),
                status: p.status,
                percent_complete: p.percent_complete,
                narrative: p.narrative.clone(),
                evidence_refs: Vec::new(),
                period: ReportingPeriod { label: format!("as at {}", options.on), from: None, to: Some(options.on) },
                reported_on: options.on,
            })
        })
    };
    if history.is_empty() {
        let make = Command::from(commitment::Command::Make {
            id: row.action_id.clone(),
            title: row.action.clone(),
            organisation: row.organisation.clone(),
            lead: row.lead.clone(),
            towards: Some(towards),
            arising_from: None,
            due_on: row.due_on,
            weight: row.weight,
            parent: row.parent.clone(),
            made_on: options.on,
        });
        return Ok(std::iter::once(make).chain(progress(row)).collect());
    }
    let mut facts = Facts::default();
    let recorded = match facts.insert(&stream, history) {
        Ok(()) => facts.commitments.remove(&row.action_id).unwrap_or_default(),
        Err(error) => return Err(vec![ImportProblem::new(row.line, Some(COLUMNS[ACTION_ID]), error.to_string())]),
    };
    let mut problems = Vec::new();
    let mut differs = |column: usize, recorded: String, given: String| {
        problems.push(ImportProblem::new(
            row.line,
            Some(COLUMNS[column]),
            format!(
                "action {} is recorded with {} '{recorded}', not '{given}', and that cannot change once an action is made: restore '{recorded}', or cancel the action and give the new one its own id",
                row.action_id,
                COLUMNS[column].replace('_', " ")
            ),
        ));
    };
    if recorded.title != row.action {
        differs(ACTION, recorded.title.clone(), row.action.clone());
    }
    let holder = recorded.organisation.as_ref();
    if holder != Some(&row.organisation) && !recorded.previous_organisations.contains(&row.organisation) {
        differs(LEAD_ORGANISATION, holder.map(ToString::to_string).unwrap_or_default(), row.organisation.to_string());
    }
    if recorded.lead != row.lead {
        differs(LEAD_OFFICER, recorded.lead.clone(), row.lead.clone());
    }
    match &recorded.towards {
        Some(t) if t.instrument != towards.instrument => {
            differs(INSTRUMENT, t.instrument.to_string(), towards.instrument.to_string());
        }
        Some(t) if t.objective != towards.objective => {
            differs(OBJECTIVE, t.objective.to_string(), towards.objective.to_string());
        }
        Some(_) => {}
        None => differs(OBJECTIVE, "none".into(), towards.objective.to_string()),
    }
    if recorded.weight != row.weight {
        differs(WEIGHT, recorded.weight.to_string(), row.weight.to_string());
    }
    if recorded.parent != row.parent {
        let name = |p: &Option<Key>| p.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string);
        differs(PARENT, name(&recorded.parent), name(&row.parent));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut commands = Vec::new();
    if recorded.due_on != Some(row.due_on) {
        commands.push(Command::from(commitment::Command::Reschedule {
            id: row.action_id.clone(),
            due_on: row.due_on,
            reason: format!("due date changed in {}", options.file),
        }));
    }
    let latest = recorded.latest.as_ref().map(|p| (p.status, p.percent_complete, p.narrative.as_str()));
    if let Some(given) = &row.progress {
        if latest != Some((given.status, given.percent_complete, given.narrative.as_str())) {
            commands.extend(progress(row));
        }
    }
    Ok(commands)
}

/// The column a refusal by the rules is about, when it is about one.
fn column_of(error: &DomainError) -> Option<&'static str> {
    use commitment::Error as E;
    let DomainError::Commitment(error) = error else { return None };
    let column = match error {
        E::UnknownOrganisation(_) | E::NotHeldBy { .. } => LEAD_ORGANISATION,
        E::UnknownObjective { .. } => OBJECTIVE,
        E::InstrumentClosed(_) => INSTRUMENT,
        E::UnknownParent(_) => PARENT,
        E::ZeroWeight => WEIGHT,
        E::PercentOutOfRange(_) => PERCENTAGE,
        E::NotOpen(_) => STATUS,
        E::Empty("commitment title") => ACTION,
        E::Empty("lead") => LEAD_OFFICER,
        E::Empty("progress narrative") => NARRATIVE,
        E::OutOfOrder { .. } | E::SameDueDate(_) => DUE_DATE,
        _ => return None,
    };
    Some(COLUMNS[column])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options { instrument: None, on: Date::from_ymd_opt(2022, 4, 20).expect("a date"), file: "plan.csv".into() }
    }

    #[test]
    fn the_template_reads_back_as_one_row() {
        let (rows, problems) = parse(&template(options().on), &options());
        assert_eq!(problems, []);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].action_id.as_str(), "hhcdg-dfg-policy-review");
        assert_eq!(rows[0].due_on, Date::from_ymd_opt(2023, 3, 31).expect("a date"));
        assert_eq!(rows[0].progress.as_ref().map(|p| p.percent_complete), Some(40));
    }

    #[test]
    fn every_bad_value_of_a_row_is_named_with_its_column() {
        let text = format!(
            "{}\nlincolnshire-hhcdg-delivery-plan,adaptations,Bad Id,Adapt homes,,Housing Services Manager,31/03/2023,0,,purple,120,\n",
            COLUMNS.join(",")
        );
        let (rows, problems) = parse(&text, &options());
        assert_eq!(rows, []);
        let columns: Vec<_> = problems.iter().map(|p| (p.line, p.column.clone().unwrap_or_default())).collect();
        assert_eq!(
            columns,
            [
                (2, "action_id".to_owned()),
                (2, "lead_organisation".to_owned()),
                (2, "due_date".to_owned()),
                (2, "weight".to_owned()),
                (2, "status".to_owned()),
                (2, "percentage".to_owned()),
                (2, "narrative".to_owned()),
            ]
        );
        assert!(problems[2].message.contains("write 2023-03-31"), "{}", problems[2]);
    }

    #[test]
    fn a_missing_column_is_named_on_the_header_line() {
        let header: Vec<_> = COLUMNS.iter().filter(|c| **c != "weight").copied().collect();
        let (_, problems) = parse(&header.join(","), &options());
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column.as_deref()), (1, Some("weight")));
    }
}
