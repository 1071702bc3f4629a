//! Council decisions from ModernGov, as its web service (`mgWebService.asmx`) returns them:
//! `GetCommittees` (a council's committees, which become bodies) and `GetMeeting` (one meeting
//! with its agenda items, minute numbers and the minute and decision text as escaped HTML, dates
//! as dd/mm/yyyy). `docs/imports.md` maps each element to the events it becomes.
//!
//! Keys come from ModernGov's own ids, so that a meeting imported again is found again: the
//! meeting of `meetingid` 2562 at West Lindsey District Council is `west-lindsey-meeting-2562`,
//! its resolution on agenda item 24738 `west-lindsey-meeting-2562-item-24738`, and its committee
//! `west-lindsey-prosperous-communities-committee`. A resolution is the item's minute (or
//! decision) text from its "RESOLVED" onwards, with the HTML stripped.
//!
//! Importing a meeting again records only what changed: new agenda items and resolutions, and a
//! resolution whose wording changed as a correction. A changed agenda item title, minute number or
//! meeting date is listed as not recorded: the domain has no command to change them.
//!
//! A meeting recorded by other means (typed in from the minutes, say) is matched, not copied: the
//! same body's meeting on the same date, its agenda item of the same minute number and the
//! resolution on that item are what the file's meeting, item and decision are. Each match is
//! listed, and only what is new is recorded, in the meeting on record; a new resolution there
//! still takes ModernGov's key, so that the next import finds it by that.

use std::collections::BTreeSet;

use domain::ids::{body_stream, meeting_stream, organisation_stream, resolution_stream};
use domain::memory::Ledger;
use domain::resolution::Outcome;
use domain::{Command, Date, Facts, Key, OrgId, body, meeting, resolution};
use kernel::Timestamp;
use projections::ReadModels;
use quick_xml::events::Event;

use super::{ImportError, ImportProblem, Imported, Importer, Matched, Plan, Planned, html, load_ledger};
use crate::{RecordError, Recorder};

/// How to import a council's ModernGov records.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The council whose ModernGov site the file comes from, as a registered organisation.
    pub council: OrgId,
    /// The day of the import: recorded as the day committees were established, and as the day of
    /// corrections.
    pub on: Date,
    /// The file's name, for messages.
    pub file: String,
}

/// An XML element: its local name, the line it starts on, its text and its children.
#[derive(Clone, Debug, Default, PartialEq)]
struct Element {
    name: String,
    line: usize,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of child `name`; empty when there is none.
    fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.trim())
    }

    /// The first element named `name`, this one or below it.
    fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// The line of a byte offset in a text, counted on from the offset asked about before: asked
/// about offsets in order, as a reader moving through the text does, it reads the text once.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), offset: 0, line: 1 }
    }

    /// The 1-based line of `offset`.
    fn at(&mut self, offset: u64) -> usize {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.text.len());
        if offset < self.offset {
            // Only an error's position can lie behind: count from the start, once.
            (self.offset, self.line) = (0, 1);
        }
        self.line += self.text[self.offset..offset].iter().filter(|b| **b == b'\n').count();
        self.offset = offset;
        self.line
    }
}

/// Reads `text` as XML, or says where it is malformed.
fn read_xml(text: &str) -> Result<Element, ImportProblem> {
    let mut lines = LineCounter::new(text);
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Element { name: String::new(), line: 1, ..Element::default() }];
    let malformed = |line: usize, what: String| {
        ImportProblem::new(
            line,
            None,
            format!("{what}: the XML is malformed; save the whole response of the ModernGov web service again"),
        )
    };
    loop {
        let at = lines.at(reader.buffer_position());
        let event = reader.read_event().map_err(|e| malformed(lines.at(reader.error_position()), e.to_string()))?;
        let top = stack.len() - 1;
        match event {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element { name, line: at, ..Element::default() });
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack[top].children.push(Element { name, line: at, ..Element::default() });
            }
            Event::End(_) => {
                if let Some(done) = stack.pop().filter(|_| !stack.is_empty()) {
                    let parent = stack.len() - 1;
                    stack[parent].children.push(done);
                }
            }
            Event::Text(t) => stack[top].text.push_str(&t.decode().map_err(|e| malformed(at, e.to_string()))?),
            Event::CData(t) => stack[top].text.push_str(&t.decode().map_err(|e| malformed(at, e.to_string()))?),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| malformed(at, e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| malformed(at, e.to_string()))?;
                        quick_xml::escape::resolve_xml_entity(&name)
                            .ok_or_else(|| malformed(at, format!("unknown entity &{name};")))?
                            .to_owned()
                    }
                };
                stack[top].text.push_str(&resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if stack.len() > 1 {
        let open = &stack[stack.len() - 1];
        return Err(ImportProblem::new(
            lines.at(text.len() as u64),
            Some(&open.name),
            format!(
                "the file ends inside <{}>, opened on line {}: it is cut short; save the whole response of the ModernGov web service again",
                open.name, open.line
            ),
        ));
    }
    let mut root = stack.pop().unwrap_or_default();
    Ok(root.children.pop().unwrap_or_default())
}

/// A committee, from `GetCommittees`.
#[derive(Clone, Debug, PartialEq)]
pub struct Committee {
    pub line: usize,
    pub id: String,
    pub title: String,
    /// Deleted or expired: no longer meets.
    pub retired: bool,
}

/// An agenda item of a meeting, from `GetMeeting`.
#[derive(Clone, Debug, PartialEq)]
pub struct AgendaItem {
    pub line: usize,
    pub id: String,
    /// The number on the agenda, such as `8a`; the item's id when the agenda gives none.
    pub number: String,
    pub title: String,
    pub minute_number: Option<String>,
    /// The resolution: the minute or decision text from "RESOLVED" on, as plain text.
    pub resolution: Option<String>,
    /// The paragraph of Part 1 of Schedule 12A to the Local Government Act 1972 that makes the
    /// item exempt, as its title, minute or decision names it.
    pub exempt_under: Option<u8>,
}

/// A meeting, from `GetMeeting`.
#[derive(Clone, Debug, PartialEq)]
pub struct Meeting {
    pub line: usize,
    pub id: String,
    pub committee: String,
    pub date: Date,
    pub items: Vec<AgendaItem>,
}

/// Reads a `GetCommittees` response.
pub fn parse_committees(text: &str) -> Result<Vec<Committee>, Vec<ImportProblem>> {
    let root = read_xml(text).map_err(|p| vec![p])?;
    let Some(list) = root.find("committees").or_else(|| root.find("committee").map(|_| &root)) else {
        return Err(vec![ImportProblem::new(
            root.line,
            None,
            "no <committees> element: give the response of GetCommittees",
        )]);
    };
    let mut committees = Vec::new();
    let mut problems = Vec::new();
    for c in list.children.iter().filter(|c| c.name == "committee") {
        let (id, title) = (c.text_of("committeeid"), c.text_of("committeetitle"));
        if id.is_empty() || title.is_empty() {
            problems.push(ImportProblem::new(
                c.line,
                Some("committee"),
                "has no committeeid or committeetitle: give both",
            ));
            continue;
        }
        let flag = |name: &str| c.text_of(name).eq_ignore_ascii_case("true");
        let retired = flag("committeedeleted") || flag("committeeexpired");
        committees.push(Committee { line: c.line, id: id.to_owned(), title: title.to_owned(), retired });
    }
    if problems.is_empty() { Ok(committees) } else { Err(problems) }
}

/// Reads a `GetMeeting` response.
pub fn parse_meeting(text: &str) -> Result<Meeting, Vec<ImportProblem>> {
    let root = read_xml(text).map_err(|p| vec![p])?;
    let Some(m) = root.find("meeting") else {
        return Err(vec![ImportProblem::new(root.line, None, "no <meeting> element: give the response of GetMeeting")]);
    };
    let mut problems = Vec::new();
    let mut required = |element: &Element, name: &str| {
        let text = element.text_of(name);
        if text.is_empty() {
            problems.push(ImportProblem::new(
                element.line,
                Some(name),
                format!("is missing from <{}>: give it", element.name),
            ));
        }
        text.to_owned()
    };
    let id = required(m, "meetingid");
    let committee = required(m, "committeetitle");
    let date_text = required(m, "meetingdate");
    let mut items = Vec::new();
    let mut unknown_exemptions = Vec::new();
    for item in m.child("agendaitems").map(|a| a.children.as_slice()).unwrap_or_default() {
        if item.name != "agendaitem" {
            continue;
        }
        let item_id = required(item, "agendaitemid");
        let title = required(item, "agendaitemtitle");
        let number = match item.text_of("agendaitemnumber") {
            "" => item_id.clone(),
            n => n.to_owned(),
        };
        let minute_number = Some(item.text_of("minutesitemnumber")).filter(|n| !n.is_empty() && *n != "0");
        let texts = [item.text_of("decisionnonemptyhtmlbody"), item.text_of("minutesnonemptyhtmlbody")];
        let body = texts.into_iter().find_map(resolved);
        let exempt_under =
            std::iter::once(title.clone()).chain(texts.map(html::to_text)).find_map(|t| exempt_paragraph(&t));
        let restricted = item.child("linkeddocuments").is_some_and(|docs| {
            docs.children.iter().any(|doc| doc.text_of("isrestricted").eq_ignore_ascii_case("true"))
        });
        if restricted && exempt_under.is_none() && body.is_some() {
            unknown_exemptions.push(ImportProblem::new(
                item.line,
                Some("isrestricted"),
                format!(
                    "agenda item {number}'s papers are restricted in ModernGov, but neither its title nor its minute names the paragraph of Part 1 of Schedule 12A that makes it exempt: name it in the minute (\"exempt information under paragraph 3 of Part 1 of Schedule 12A\") and save the response again, or record the item's resolution by hand with exempt_under"
                ),
            ));
        }
        items.push(AgendaItem {
            line: item.line,
            id: item_id,
            number,
            title,
            minute_number: minute_number.map(str::to_owned),
            resolution: body,
            exempt_under,
        });
    }
    problems.extend(unknown_exemptions);
    let date = match Date::parse_from_str(&date_text, "%d/%m/%Y") {
        Ok(date) => Some(date),
        Err(_) if date_text.is_empty() => None,
        Err(_) => {
            let line = m.child("meetingdate").map_or(m.line, |d| d.line);
            problems.push(ImportProblem::new(
                line,
                Some("meetingdate"),
                format!("'{date_text}' is not a date as ModernGov writes it: give dd/mm/yyyy, such as 09/03/2021"),
            ));
            None
        }
    };
    match date {
        Some(date) if problems.is_empty() => Ok(Meeting { line: m.line, id, committee, date, items }),
        _ => Err(problems),
    }
}

/// The resolution in an item's minute or decision HTML: the text from "RESOLVED" on.
fn resolved(html_text: &str) -> Option<String> {
    let text = html::to_text(html_text);
    let start = text.find("RESOLVED").or_else(|| text.find("Resolved"))?;
    Some(text[start..].to_owned())
}

/// The paragraph (1 to 7) of Part 1 of Schedule 12A a text says makes its item exempt: a text
/// that speaks of exempt information and of Schedule 12A, and names a paragraph ("exempt
/// information as defined in paragraph 3 of Part 1 of Schedule 12A"); the first one named.
fn exempt_paragraph(text: &str) -> Option<u8> {
    let lower = text.to_lowercase();
    if !lower.contains("exempt") || !lower.contains("schedule 12a") {
        return None;
    }
    lower.match_indices("paragraph").find_map(|(at, word)| {
        let rest = lower[at + word.len()..].trim_start_matches('s').trim_start();
        let digit = rest.chars().next()?.to_digit(10)?;
        let alone = !rest.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
        (alone && (1..=7).contains(&digit)).then(|| u8::try_from(digit).ok()).flatten()
    })
}

/// What a resolution's wording says it did: the first of its verbs to appear.
fn outcome(text: &str) -> Outcome {
    let lower = text.to_lowercase();
    let verbs = [
        ("adopt", Outcome::Adopted),
        ("endorse", Outcome::Endorsed),
        ("approve", Outcome::Approved),
        ("confirm", Outcome::Approved),
        ("agree", Outcome::Agreed),
        ("recommend", Outcome::Recommended),
        ("defer", Outcome::Deferred),
        ("reject", Outcome::Rejected),
        ("refuse", Outcome::Rejected),
        ("note", Outcome::Noted),
    ];
    verbs
        .iter()
        .filter_map(|(verb, outcome)| lower.find(verb).map(|at| (at, *outcome)))
        .min_by_key(|(at, _)| *at)
        .map_or(Outcome::Noted, |(_, outcome)| outcome)
}

/// The council's name without "District Council" and the like, as keys begin: `West Lindsey`.
fn short_name(name: &str) -> &str {
    let suffixes = [
        " Metropolitan Borough Council",
        " District Council",
        " Borough Council",
        " County Council",
        " City Council",
        " Council",
    ];
    let name = name.strip_prefix("London Borough of ").unwrap_or(name);
    suffixes.iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name)
}

/// The body a council's committee is recorded as.
fn body_key(council: &str, committee: &str) -> Result<Key, String> {
    Key::from_words(&format!("{} {committee}", short_name(council)))
}

/// What kind of body a committee's title says it is.
fn kind_of(title: &str) -> body::Kind {
    let lower = title.to_lowercase();
    if lower.contains("cabinet") || lower.contains("executive") {
        body::Kind::Cabinet
    } else if lower.contains("board") {
        body::Kind::Board
    } else if lower.contains("partnership") {
        body::Kind::PartnershipGroup
    } else if lower.contains("forum") {
        body::Kind::Forum
    } else {
        body::Kind::Committee
    }
}

fn midnight(date: Date) -> Timestamp {
    Timestamp::from_datetime(date.and_time(Default::default()).and_utc())
}

/// The council's registered name, or the problem that it is not registered.
fn council_name(ledger: &Ledger, council: &OrgId) -> Result<String, ImportProblem> {
    let stream = organisation_stream(council);
    let mut facts = Facts::default();
    let state = facts.insert(&stream, ledger.history(&stream)).ok().and_then(|()| facts.organisations.remove(council));
    match state {
        Some(state) if state.is_registered() => Ok(state.name),
        _ => Err(ImportProblem::new(
            1,
            None,
            format!("council {council} is not registered: register the council first, or check the org-id given"),
        )),
    }
}

/// Decides `commands` in `ledger` for `line`, and adds them to `plan`; a refusal is a problem.
fn decide(ledger: &mut Ledger, plan: &mut Plan, problems: &mut Vec<ImportProblem>, planned: Planned, now: Timestamp) {
    for command in &planned.commands {
        if let Err(error) = ledger.execute(command, now) {
            problems.push(ImportProblem::new(planned.line, None, error.to_string()));
            return;
        }
    }
    if !planned.commands.is_empty() {
        plan.lines.push(planned);
    }
}

/// Works out the bodies a council's committees need: each committee that still meets and is not
/// yet recorded is established.
pub async fn plan_committees(
    recorder: &Recorder,
    committees: &[Committee],
    options: &Options,
    now: Timestamp,
) -> Result<Result<Plan, Vec<ImportProblem>>, RecordError> {
    let council = organisation_stream(&options.council);
    let mut ledger = load_ledger(recorder.store(), vec![council]).await?;
    let name = match council_name(&ledger, &options.council) {
        Ok(name) => name,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    let keys: Vec<Result<Key, String>> = committees.iter().map(|c| body_key(&name, &c.title)).collect();
    let streams = keys.iter().flatten().map(body_stream).collect();
    let bodies = load_ledger(recorder.store(), streams).await?;
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    for (committee, key) in committees.iter().zip(keys) {
        let key = match key {
            Ok(key) => key,
            Err(message) => {
                problems.push(ImportProblem::new(committee.line, Some("committeetitle"), message));
                continue;
            }
        };
        if committee.retired || !bodies.history(&body_stream(&key)).is_empty() {
            plan.unchanged += 1;
            continue;
        }
        let establish = Command::from(body::Command::Establish {
            id: key,
            name: committee.title.clone(),
            kind: kind_of(&committee.title),
            parents: vec![options.council.clone()],
            members: Vec::new(),
            established_on: options.on,
        });
        let source =
            format!("{name}, committee {} ({}), ModernGov committee {}", committee.title, options.file, committee.id);
        let planned =
            Planned { line: committee.line, source, occurred_at: midnight(options.on), commands: vec![establish] };
        decide(&mut ledger, &mut plan, &mut problems, planned, now);
    }
    Ok(if problems.is_empty() { Ok(plan) } else { Err(problems) })
}

/// The meeting of `body` on the meeting's date recorded by other means than this import (not
/// under ModernGov's key `imported`), if there is one: the one meeting of the body that day, or,
/// among several, the one sharing a minute number with the file. Several that cannot be told
/// apart are a problem.
fn meeting_on_record<'a>(
    on_record: &'a ReadModels,
    body: &Key,
    imported: &Key,
    m: &Meeting,
) -> Result<Option<&'a meeting::State>, ImportProblem> {
    let same_day: Vec<&meeting::State> = on_record
        .meetings_on_record()
        .filter(|r| r.body.as_ref() == Some(body) && r.date == Some(m.date) && r.id.as_ref() != Some(imported))
        .collect();
    let shares_a_minute = |r: &&meeting::State| {
        m.items.iter().any(|i| i.minute_number.is_some() && r.items.iter().any(|k| k.minute_number == i.minute_number))
    };
    let candidates: Vec<&meeting::State> = match same_day.len() {
        0 | 1 => same_day,
        _ => same_day.into_iter().filter(shares_a_minute).collect(),
    };
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        several => {
            let keys: Vec<String> = several.iter().filter_map(|r| r.id.as_ref()).map(ToString::to_string).collect();
            Err(ImportProblem::new(
                m.line,
                Some("meetingdate"),
                format!(
                    "meetings {} of the {} are all on record on {}, and the file's minute numbers do not tell which one ModernGov meeting {} is: record the meeting by hand, or correct the minute numbers on record",
                    keys.join(", "),
                    m.committee,
                    m.date,
                    m.id
                ),
            ))
        }
    }
}

/// Works out what a meeting needs recorded, given what is recorded of it already: under
/// ModernGov's keys by an earlier import, or by other means (`on_record`, the read models), as the
/// same body's meeting on the same date, its agenda item of the same minute number and the
/// resolution on that item. What is matched is listed and not recorded again.
pub async fn plan_meeting(
    recorder: &Recorder,
    on_record: &ReadModels,
    m: &Meeting,
    options: &Options,
    now: Timestamp,
) -> Result<Result<Plan, Vec<ImportProblem>>, RecordError> {
    let council_ledger = load_ledger(recorder.store(), vec![organisation_stream(&options.council)]).await?;
    let name = match council_name(&council_ledger, &options.council) {
        Ok(name) => name,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    let keys = body_key(&name, &m.committee)
        .and_then(|body| Ok((body, Key::from_words(&format!("{} meeting {}", short_name(&name), m.id))?)));
    let (body_id, imported_id) = match keys {
        Ok(keys) => keys,
        Err(message) => return Ok(Err(vec![ImportProblem::new(m.line, Some("meetingid"), message)])),
    };
    let resolution_key = |item: &AgendaItem| Key::from_words(&format!("{imported_id} item {}", item.id));
    let mut streams: BTreeSet<_> = [body_stream(&body_id), meeting_stream(&imported_id)].into_iter().collect();
    streams.extend(m.items.iter().filter_map(|i| resolution_key(i).ok()).map(|k| resolution_stream(&k)));
    let mut ledger = load_ledger(recorder.store(), streams.into_iter().collect()).await?;
    if ledger.history(&body_stream(&body_id)).is_empty() {
        return Ok(Err(vec![ImportProblem::new(
            m.line,
            Some("committeetitle"),
            format!(
                "the {} is not recorded as a body ({body_id}): import the council's committees first (covenant import moderngov-committees)",
                m.committee
            ),
        )]));
    }
    let day = m.date.format("%-d %B %Y");
    let mut plan = Plan::default();
    // A meeting imported before is found by ModernGov's key; else the same body's meeting that day.
    let matched = if ledger.history(&meeting_stream(&imported_id)).is_empty() {
        match meeting_on_record(on_record, &body_id, &imported_id, m) {
            Ok(matched) => matched.and_then(|r| r.id.clone()),
            Err(problem) => return Ok(Err(vec![problem])),
        }
    } else {
        None
    };
    let meeting_id = match matched {
        Some(key) => {
            let stream = meeting_stream(&key);
            let history = load_ledger(recorder.store(), vec![stream.clone()]).await?.history(&stream).to_vec();
            ledger.load(stream, history);
            plan.matched.push(Matched {
                line: m.line,
                message: format!(
                    "ModernGov meeting {} ({}, {day}) is meeting {key} on record, of the same body on the same date",
                    m.id, m.committee
                ),
            });
            key
        }
        None => imported_id.clone(),
    };
    let is_matched = meeting_id != imported_id;
    let mut facts = Facts::default();
    let meeting_stream_id = meeting_stream(&meeting_id);
    let recorded = match facts.insert(&meeting_stream_id, ledger.history(&meeting_stream_id)) {
        Ok(()) => facts.meetings.remove(&meeting_id).unwrap_or_default(),
        Err(error) => return Ok(Err(vec![ImportProblem::new(m.line, None, error.to_string())])),
    };
    // The agenda item on record each item of the file is: by its number, or, in a meeting
    // recorded by other means, by its minute number.
    let item_on_record = |item: &AgendaItem| -> Option<meeting::AgendaItem> {
        let by_minute =
            || recorded.items.iter().find(|k| item.minute_number.is_some() && k.minute_number == item.minute_number);
        if is_matched { by_minute().or_else(|| recorded.item(&item.number)) } else { recorded.item(&item.number) }
            .cloned()
    };

    let meeting_source = format!("{name}, {}, {day} (ModernGov meeting {})", m.committee, m.id);
    let item_source = |item: &AgendaItem| {
        let minute = item.minute_number.as_ref().map(|n| format!(", minute {n}")).unwrap_or_default();
        format!(
            "{name}, {}, {day}, agenda item {}{minute} (ModernGov meeting {}, agenda item {})",
            m.committee, item.number, m.id, item.id
        )
    };
    let item_named = |item: &AgendaItem| {
        let minute = item.minute_number.as_ref().map(|n| format!(", minute {n}")).unwrap_or_default();
        format!("agenda item {}{minute} (ModernGov agenda item {})", item.number, item.id)
    };
    let at = |line: usize, source: String, commands: Vec<Command>| Planned {
        line,
        source,
        occurred_at: midnight(m.date),
        commands,
    };
    let mut problems = Vec::new();

    if recorded.id.is_none() {
        let schedule = meeting::Command::Schedule {
            id: meeting_id.clone(),
            body: body_id.clone(),
            date: m.date,
            title: m.committee.clone(),
        };
        decide(&mut ledger, &mut plan, &mut problems, at(m.line, meeting_source.clone(), vec![schedule.into()]), now);
    } else if recorded.date != Some(m.date) {
        plan.not_recorded.push(ImportProblem::new(
            m.line,
            Some("meetingdate"),
            format!(
                "the meeting is now dated {}, not {}: Covenant has no command to move a meeting",
                m.date,
                recorded.date.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    }
    for item in &m.items {
        match item_on_record(item) {
            None => {
                let add = meeting::Command::AddAgendaItem {
                    id: meeting_id.clone(),
                    item: item.number.clone(),
                    title: item.title.clone(),
                    minute_number: item.minute_number.clone(),
                };
                decide(&mut ledger, &mut plan, &mut problems, at(item.line, item_source(item), vec![add.into()]), now);
            }
            Some(known) if known.title != item.title || known.minute_number != item.minute_number => {
                plan.not_recorded.push(ImportProblem::new(
                    item.line,
                    Some("agendaitemtitle"),
                    format!(
                        "agenda item {} is now '{}', minute {}: Covenant has no command to change an agenda item",
                        item.number,
                        item.title,
                        item.minute_number.as_deref().unwrap_or("none")
                    ),
                ));
            }
            Some(known) if is_matched && known.item != item.number => plan.matched.push(Matched {
                line: item.line,
                message: format!(
                    "{} is agenda item {} of meeting {meeting_id} on record",
                    item_named(item),
                    known.item
                ),
            }),
            Some(_) => {}
        }
    }
    let decides = m.items.iter().any(|i| i.resolution.is_some());
    if decides && recorded.held_on.is_none() {
        let hold = meeting::Command::Hold { id: meeting_id.clone(), held_on: m.date };
        decide(&mut ledger, &mut plan, &mut problems, at(m.line, meeting_source, vec![hold.into()]), now);
    }
    for item in &m.items {
        let Some(text) = &item.resolution else { continue };
        let key = match resolution_key(item) {
            Ok(key) => key,
            Err(message) => {
                problems.push(ImportProblem::new(item.line, Some("agendaitemid"), message));
                continue;
            }
        };
        let agenda_item = item_on_record(item).map_or_else(|| item.number.clone(), |k| k.item);
        let stream = resolution_stream(&key);
        let mut facts = Facts::default();
        let known = facts.insert(&stream, ledger.history(&stream)).ok().and_then(|()| facts.resolutions.remove(&key));
        // A resolution imported before is found by ModernGov's key; else, in a meeting recorded
        // by other means, the resolution on record on the same agenda item.
        let known = known.filter(|r| r.id.is_some());
        if known.is_none() && is_matched {
            let on_item = on_record
                .resolutions_on_record()
                .find(|r| r.meeting.as_ref() == Some(&meeting_id) && r.agenda_item == agenda_item);
            if let Some(r) = on_item {
                let key = r.id.as_ref().map_or_else(String::new, ToString::to_string);
                plan.matched.push(Matched {
                    line: item.line,
                    message: format!("the resolution of {} is resolution {key} on record", item_named(item)),
                });
                if r.text != *text {
                    plan.not_recorded.push(ImportProblem::new(
                        item.line,
                        Some("minutesnonemptyhtmlbody"),
                        format!(
                            "the resolution's wording differs from resolution {key} on record: if the file's is the right one, record a correction (resolution correct) with the reason"
                        ),
                    ));
                }
                continue;
            }
        }
        let command = match known {
            None => resolution::Command::Record {
                id: key,
                body: body_id.clone(),
                meeting: meeting_id.clone(),
                agenda_item,
                text: text.clone(),
                outcome: outcome(text),
                decided_on: m.date,
                published_on: None,
                effective_on: None,
                subject_to_call_in: false,
                exempt_under: item.exempt_under,
            },
            Some(r) if r.text != *text => resolution::Command::Correct {
                id: key,
                text: text.clone(),
                reason: format!(
                    "the minute as published by {name} in ModernGov changed, as imported from {} on {}",
                    options.file, options.on
                ),
            },
            Some(_) => {
                plan.unchanged += 1;
                continue;
            }
        };
        let corrected = matches!(command, resolution::Command::Correct { .. });
        let mut planned = at(item.line, item_source(item), vec![command.into()]);
        if corrected {
            planned.occurred_at = midnight(options.on);
        }
        decide(&mut ledger, &mut plan, &mut problems, planned, now);
    }
    Ok(if problems.is_empty() { Ok(plan) } else { Err(problems) })
}

/// Imports a `GetCommittees` response: establishes each committee not yet recorded as a body.
pub async fn import_committees(importer: Importer<'_>, text: &str, options: &Options) -> Result<Imported, ImportError> {
    let now = Timestamp::now();
    let plan = check_committees(importer.recorder, text, options, now).await?;
    importer.record(&plan, now).await
}

/// Reads and checks a `GetCommittees` response against the rules and the record as it stands,
/// recording nothing: the plan of the bodies importing it would establish, or every problem with
/// its line. [`import_committees`] records what this finds.
pub async fn check_committees(
    recorder: &Recorder,
    text: &str,
    options: &Options,
    now: Timestamp,
) -> Result<Plan, ImportError> {
    let committees = parse_committees(text).map_err(ImportError::Invalid)?;
    plan_committees(recorder, &committees, options, now).await?.map_err(ImportError::Invalid)
}

/// Records the committees [`parse_committees`] read, as [`import_committees`] does.
pub async fn record_committees(
    importer: Importer<'_>,
    committees: &[Committee],
    options: &Options,
) -> Result<Imported, ImportError> {
    let now = Timestamp::now();
    let plan = plan_committees(importer.recorder, committees, options, now).await?.map_err(ImportError::Invalid)?;
    importer.record(&plan, now).await
}

/// Imports a `GetMeeting` response: the meeting, its agenda items and resolutions, recording
/// only what is not yet recorded, neither by an earlier import nor by other means (`on_record`,
/// the read models caught up to now).
pub async fn import_meeting(
    importer: Importer<'_>,
    on_record: &ReadModels,
    text: &str,
    options: &Options,
) -> Result<Imported, ImportError> {
    let now = Timestamp::now();
    let plan = check_meeting(importer.recorder, on_record, text, options, now).await?;
    importer.record(&plan, now).await
}

/// Reads and checks a `GetMeeting` response against the rules and the record as it stands,
/// recording nothing: the plan of what importing it would record, or every problem with its line
/// ([`ImportError::Invalid`]). [`import_meeting`] records what this finds.
pub async fn check_meeting(
    recorder: &Recorder,
    on_record: &ReadModels,
    text: &str,
    options: &Options,
    now: Timestamp,
) -> Result<Plan, ImportError> {
    let meeting = parse_meeting(text).map_err(ImportError::Invalid)?;
    plan_meeting(recorder, on_record, &meeting, options, now).await?.map_err(ImportError::Invalid)
}

/// Records the meeting [`parse_meeting`] read, as [`import_meeting`] does.
pub async fn record_meeting(
    importer: Importer<'_>,
    on_record: &ReadModels,
    meeting: &Meeting,
    options: &Options,
) -> Result<Imported, ImportError> {
    let now = Timestamp::now();
    let plan =
        plan_meeting(importer.recorder, on_record, meeting, options, now).await?.map_err(ImportError::Invalid)?;
    importer.record(&plan, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resolution_is_the_text_from_resolved_on() {
        let html = "<p>Members gave consideration to the Committee&rsquo;s workplan.</p><p><strong>RESOLVED</strong> that the workplan be noted.</p>";
        assert_eq!(resolved(html).as_deref(), Some("RESOLVED that the workplan be noted."));
        assert_eq!(resolved("<p>There were no apologies for absence.</p>"), None);
    }

    #[test]
    fn an_item_is_exempt_under_the_paragraph_of_schedule_12a_its_text_names() {
        let minute = "RESOLVED that, the item involving exempt information as defined in paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972, the terms be approved.";
        assert_eq!(exempt_paragraph(minute), Some(3));
        assert_eq!(exempt_paragraph("Exempt: Paragraphs 1 and 2 of Schedule 12A"), Some(1));
        assert_eq!(exempt_paragraph("paragraph 3 of Part 1 of Schedule 12A"), None, "not said to be exempt");
        assert_eq!(exempt_paragraph("exempt under paragraph 12 of Schedule 12A"), None, "no such paragraph");
        assert_eq!(exempt_paragraph("exempt under paragraph 9 of Schedule 12A"), None, "no such paragraph");
        assert_eq!(exempt_paragraph("RESOLVED that the workplan be noted."), None);
    }

    #[test]
    fn the_outcome_is_the_first_verb_of_the_wording() {
        let adopted =
            "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives";
        assert_eq!(outcome(adopted), Outcome::Adopted);
        assert_eq!(outcome("Resolved: that the presentation be noted."), Outcome::Noted);
        assert_eq!(
            outcome("RESOLVED that the Minutes be confirmed and signed as a correct record."),
            Outcome::Approved
        );
    }

    #[test]
    fn keys_follow_the_council_and_committee() {
        let key = body_key("West Lindsey District Council", "Prosperous Communities Committee").expect("a key");
        assert_eq!(key.as_str(), "west-lindsey-prosperous-communities-committee");
        let key = body_key("London Borough of Bexley", "Health and Wellbeing Board").expect("a key");
        assert_eq!(key.as_str(), "bexley-health-and-wellbeing-board");
    }

    #[test]
    fn a_truncated_file_names_the_element_left_open() {
        let problem = read_xml("<meeting>\n  <agendaitems>\n    <agendaitem>\n      <agendaitemtitle>Workpl")
            .expect_err("cut short");
        assert_eq!(problem.line, 4);
        assert_eq!(problem.column.as_deref(), Some("agendaitemtitle"));
    }

    #[test]
    fn line_numbers_are_counted_on_and_an_error_behind_is_counted_again() {
        let mut lines = LineCounter::new("one\ntwo\nthree\n");
        assert_eq!([lines.at(0), lines.at(3), lines.at(4), lines.at(9), lines.at(99)], [1, 1, 2, 3, 4]);
        assert_eq!(lines.at(5), 2, "an offset behind the last one asked about");
        let problem = read_xml("<meeting>\n<a>\n<b>\n</a>\n</meeting>").expect_err("mismatched");
        assert_eq!(problem.line, 4, "{problem:?}");
    }

    /// The shortest of three readings of `text`.
    fn reading_time(text: &str) -> std::time::Duration {
        (0..3)
            .map(|_| {
                let started = std::time::Instant::now();
                let meeting = parse_meeting(text).expect_err("empty elements are no meeting");
                assert_eq!(meeting.len(), 1, "{meeting:?}");
                started.elapsed()
            })
            .min()
            .unwrap_or_default()
    }

    /// 250,000 empty elements (1 MB, under the HTTP body limit) once took 85 seconds to read,
    /// because each element's line was counted from the start of the file. Reading is linear now:
    /// four times the elements take about four times as long. The bound is 8, not 4, because the
    /// test shares the machine with the rest of the suite and a debug build's allocator and caches
    /// do not scale perfectly; a quadratic reading takes 16 times as long, so 8 still tells them
    /// apart. A ratio, not a time, so that a slow or busy machine does not fail it.
    #[test]
    fn reading_grows_in_proportion_to_the_file() {
        let file = |n: usize| format!("<GetMeeting><meetings>{}</meetings></GetMeeting>", "<a/>".repeat(n));
        let small = reading_time(&file(62_500));
        let large = reading_time(&file(250_000));
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
        assert!(ratio < 8.0, "62,500 elements took {small:?}, 250,000 took {large:?}: {ratio:.1} times as long");
    }
}
