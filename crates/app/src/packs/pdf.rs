//! A board pack as a tagged PDF on A4: a cover with the body, the day and the log's head, a
//! table of contents with page numbers, then the sections of the web page in the same order, as
//! tagged headings, paragraphs, lists and tables, and each indicator's readings as a vector chart
//! (a figure with its description). DejaVu Sans is embedded (subset); every page is numbered;
//! PDF/UA-1 is checked as the file is written, so a pack that would not conform is an error, not
//! a file.
//!
//! The pack is laid out first (`Layout`: what goes where on which page, and the structure tree
//! it belongs to), then drawn, so the contents can name the page each section starts on.

use std::num::NonZeroU16;
use std::sync::Arc;

use domain::rag::Rag;
use domain::values::in_words as word;
use krilla::color::rgb;
use krilla::configure::{Configuration, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::tagging::{
    ArtifactType, ContentTag, Identifier, ListNumbering, Node, SpanTag, TableHeaderScope, Tag, TagGroup, TagKind,
    TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use projections::{ActionRow, IndicatorStatus, ResolutionEntry, kind_in_words, rag_in_words};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::chart::Chart;
use super::words::{SECTIONS, day, indicator_summary, long_day, percent, reasons, title};
use crate::reports::{Changes, Pack, Subject};

static REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
/// Where the text of a page ends: the footer with the page number is below.
const BOTTOM: f32 = PAGE_H - MARGIN - 14.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const BODY: f32 = 10.0;
const SMALL: f32 = 8.0;
/// The space around the text of a table cell.
const PAD: f32 = 3.0;
const CHART_W: f32 = 480.0;
const CHART_H: f32 = 120.0;
const INK: (u8, u8, u8) = (11, 12, 12);
const GREY: (u8, u8, u8) = (177, 180, 182);

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write the PDF: {0}")]
pub struct PdfUnwritable(String);

/// The pack as the bytes of a PDF file.
pub fn render(pack: &Pack) -> Result<Vec<u8>, PdfUnwritable> {
    let layout = lay_out(pack);
    draw(layout, &title(&pack.cover))
}

/// The pack laid out on pages, in reading order.
fn lay_out(pack: &Pack) -> Layout {
    let cover = &pack.cover;
    let mut l = Layout::new();
    l.heading(1, &title(cover));
    l.paragraph(&format!("Body: {}", cover.body_name));
    l.paragraph(&format!("As decided by: {}", long_day(cover.as_of)));
    let previous = cover
        .previous_meeting
        .as_ref()
        .map_or_else(|| "none on record".to_owned(), |m| format!("{}, {}", m.title, long_day(m.held_on)));
    l.paragraph(&format!("Previous meeting: {previous}"));
    l.paragraph(&format!("From the record at: position {}, head hash {}", cover.position.0, cover.head_hash));
    let contents_at = (l.root.len(), l.y);
    l.new_page();
    for (n, (_, heading)) in SECTIONS.iter().enumerate() {
        l.open(Tag::Section);
        l.heading(2, heading);
        match n {
            0 => exceptions(&mut l, pack),
            1 => status(&mut l, pack),
            2 => match &pack.changes {
                None => l.paragraph("No earlier meeting of the body is on record to compare with."),
                Some(changes) => changes_section(&mut l, changes),
            },
            3 => indicators(&mut l, &pack.indicators),
            _ => last_meeting(&mut l, pack),
        }
        l.close();
    }
    contents(&mut l, contents_at);
    l.number_pages();
    l
}

/// The contents, on the cover below its details, naming the page each section starts on.
fn contents(l: &mut Layout, (index, y): (usize, f32)) {
    let rest = std::mem::take(&mut l.root);
    let (before, after) = rest.split_at(index);
    l.root = before.to_vec();
    let (page, end_y) = (l.page, l.y);
    l.page = 0;
    l.y = y;
    l.open(Tag::TOC);
    l.heading(2, "Contents");
    let starts: Vec<(String, usize)> = l.sections.iter().map(|(h, p, _)| (h.clone(), *p)).collect();
    for (n, (heading, page)) in starts.iter().enumerate() {
        l.open(Tag::TOCI);
        l.lines(&format!("{}. {heading}, page {}", n + 1, page + 1), BODY, false, 0.0);
        l.close();
    }
    l.close();
    l.root.extend_from_slice(after);
    (l.page, l.y) = (page, end_y);
}

fn exceptions(l: &mut Layout, pack: &Pack) {
    if pack.exceptions.is_empty() {
        return l.paragraph("No open action is red, overdue or stale.");
    }
    let rows = pack
        .exceptions
        .iter()
        .map(|e| {
            let a = &e.action;
            vec![
                Cell::text(&a.title),
                Cell::text(a.organisation_name.as_deref().unwrap_or("-")),
                Cell::text(&a.lead),
                Cell::text(&day(a.due_on)),
                Cell::text(&percent(a.progress)),
                Cell::rag(a.rag),
                Cell::text(&reasons(e)),
            ]
        })
        .collect();
    l.table(
        Some("Open actions rated red, overdue or stale, most pressing first"),
        &[
            ("Action", 3.0),
            ("Organisation", 2.0),
            ("Lead", 1.6),
            ("Due", 1.4),
            ("Progress", 1.2),
            ("RAG", 1.2),
            ("Why", 1.4),
        ],
        rows,
    );
}

fn status(l: &mut Layout, pack: &Pack) {
    let mix = &pack.rag_mix;
    l.paragraph(&format!(
        "Commitments behind them: {} red, {} amber, {} green, {} not rated.",
        mix.red, mix.amber, mix.green, mix.unrated
    ));
    if pack.instruments.is_empty() {
        return l.paragraph("The body owns or has endorsed no instrument.");
    }
    let rows = pack
        .instruments
        .iter()
        .map(|i| {
            vec![
                Cell::text(&i.title),
                Cell::text(&kind_in_words(i.kind)),
                Cell::text(&word(&i.state)),
                Cell::text(&i.progress.map_or_else(|| "-".to_owned(), percent)),
                Cell::rag(i.rag),
                Cell::text(&i.rag_mix.red.to_string()),
                Cell::text(&i.rag_mix.amber.to_string()),
                Cell::text(&i.rag_mix.green.to_string()),
                Cell::text(&i.rag_mix.unrated.to_string()),
                Cell::text(&i.overdue.len().to_string()),
                Cell::text(&i.stale.len().to_string()),
            ]
        })
        .collect();
    l.table(
        Some("Every instrument the body owns or has endorsed"),
        &[
            ("Instrument", 3.2),
            ("Kind", 1.5),
            ("Stage", 1.4),
            ("Progress", 1.2),
            ("RAG", 1.1),
            ("Red", 0.8),
            ("Amber", 0.9),
            ("Green", 0.9),
            ("Not rated", 0.9),
            ("Overdue", 1.1),
            ("Stale", 0.8),
        ],
        rows,
    );
}

fn changes_section(l: &mut Layout, changes: &Changes) {
    l.paragraph(&format!("Since {}.", long_day(changes.since)));
    l.heading(3, "New decisions");
    let decisions: Vec<String> = changes
        .decisions
        .iter()
        .map(|r| format!("{}: {}", r.heading(), r.outcome.as_ref().map(word).unwrap_or_default()))
        .collect();
    l.list_or_none(&decisions);
    l.heading(3, "RAG moves");
    if changes.rag_moves.is_empty() {
        l.paragraph("None.");
    } else {
        let rows = changes
            .rag_moves
            .iter()
            .map(|m| {
                let what = if m.subject == Subject::Instrument { " (instrument)" } else { "" };
                vec![Cell::text(&format!("{}{what}", m.title)), Cell::rag(m.from), Cell::rag(m.to)]
            })
            .collect();
        l.table(None, &[("Instrument or action", 4.0), ("Was", 1.0), ("Now", 1.0)], rows);
    }
    l.heading(3, "Actions completed");
    l.list_or_none(&action_items(&changes.completed));
    l.heading(3, "Actions newly overdue");
    l.list_or_none(&action_items(&changes.newly_overdue));
}

fn action_items(actions: &[ActionRow]) -> Vec<String> {
    actions
        .iter()
        .map(|a| format!("{} ({}, due {})", a.title, a.organisation_name.as_deref().unwrap_or("-"), day(a.due_on)))
        .collect()
}

fn indicators(l: &mut Layout, indicators: &[IndicatorStatus]) {
    if indicators.is_empty() {
        l.paragraph("No indicator measures an objective of the body's instruments.");
    }
    for i in indicators {
        l.heading(3, &i.title);
        l.paragraph(&indicator_summary(i));
        if let Some(chart) = Chart::of(i, f64::from(CHART_W), f64::from(CHART_H)) {
            l.chart(chart);
        }
    }
}

fn last_meeting(l: &mut Layout, pack: &Pack) {
    let Some(last) = &pack.last_meeting else {
        return l.paragraph("No earlier meeting of the body is on record.");
    };
    l.paragraph(&format!("{}, {}", last.meeting.title, long_day(last.meeting.held_on)));
    if last.resolutions.is_empty() {
        l.paragraph("The meeting made no resolution on record.");
    }
    for r in &last.resolutions {
        resolution(l, r);
    }
}

fn resolution(l: &mut Layout, r: &ResolutionEntry) {
    l.heading(3, &r.heading());
    let outcome = r.outcome.as_ref().map(word).unwrap_or_else(|| "-".to_owned());
    l.paragraph(&format!("Outcome: {outcome}; {}.", r.standing_words()));
    l.open(Tag::BlockQuote);
    l.lines(&r.text, BODY, false, 12.0);
    l.close();
    l.y += 4.0;
    if !r.caused.is_empty() {
        l.paragraph("What it authorised:");
        l.list(&r.caused.iter().map(|c| c.description.clone()).collect::<Vec<_>>());
    }
    if !r.commitments.is_empty() {
        let rows = r
            .commitments
            .iter()
            .map(|c| {
                vec![
                    Cell::text(&c.title),
                    Cell::text(c.organisation_name.as_deref().unwrap_or("-")),
                    Cell::text(&day(c.due_on)),
                    Cell::text(&word(&c.state)),
                    Cell::text(&percent(c.progress)),
                    Cell::rag(c.rag),
                ]
            })
            .collect();
        l.table(
            Some("Commitments that followed it"),
            &[
                ("Commitment", 3.0),
                ("Organisation", 2.0),
                ("Due", 1.4),
                ("State", 1.4),
                ("Progress", 1.2),
                ("RAG", 1.2),
            ],
            rows,
        );
    }
}

/// A cell of a table: its text, and the colour behind it when it is a RAG rating.
struct Cell {
    text: String,
    fill: Option<(u8, u8, u8)>,
}

impl Cell {
    fn text(text: &str) -> Cell {
        Cell { text: text.to_owned(), fill: None }
    }

    /// The rating as a word on its colour, as the web page shows it.
    fn rag(r: Option<Rag>) -> Cell {
        let fill = match r {
            Some(Rag::Red) => Some((244, 204, 204)),
            Some(Rag::Amber) => Some((252, 229, 176)),
            Some(Rag::Green) => Some((204, 226, 216)),
            None => None,
        };
        Cell { text: rag_in_words(r).to_owned(), fill }
    }
}

/// Who a mark on a page belongs to: a leaf of the structure tree, or an artifact (rules, fills,
/// repeated table headers, page numbers) that is not part of the content.
#[derive(Clone, Copy)]
enum Role {
    Content(usize),
    Artifact(ArtifactType),
}

/// Something drawn on a page.
enum Mark {
    Text { role: Role, x: f32, y: f32, size: f32, bold: bool, text: String },
    Fill { x: f32, y: f32, w: f32, h: f32, colour: (u8, u8, u8) },
    Rule { x1: f32, y1: f32, x2: f32, y2: f32, width: f32 },
    Chart { leaf: usize, x: f32, y: f32, chart: Chart },
}

/// A node of the structure tree before the content it points to is drawn.
#[derive(Clone)]
enum Plan {
    Group(TagKind, Vec<Plan>),
    Leaf(usize),
}

/// The pack being laid out: the marks of each page, where the next one goes, and the structure
/// tree being built alongside.
struct Layout {
    pages: Vec<Vec<Mark>>,
    page: usize,
    y: f32,
    leaves: usize,
    root: Vec<Plan>,
    open: Vec<(TagKind, Vec<Plan>)>,
    /// Each section's heading, the page it starts on and how far down.
    sections: Vec<(String, usize, f32)>,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            page: 0,
            y: MARGIN,
            leaves: 0,
            root: Vec::new(),
            open: Vec::new(),
            sections: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.page = self.pages.len() - 1;
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn mark(&mut self, mark: Mark) {
        self.pages[self.page].push(mark);
    }

    fn push(&mut self, plan: Plan) {
        match self.open.last_mut() {
            Some((_, children)) => children.push(plan),
            None => self.root.push(plan),
        }
    }

    fn open(&mut self, tag: impl Into<TagKind>) {
        self.open.push((tag.into(), Vec::new()));
    }

    fn close(&mut self) {
        if let Some((tag, children)) = self.open.pop() {
            self.push(Plan::Group(tag, children));
        }
    }

    /// A new leaf of the group open now.
    fn leaf(&mut self) -> usize {
        self.leaves += 1;
        self.push(Plan::Leaf(self.leaves - 1));
        self.leaves - 1
    }

    /// `text` wrapped to the width, each line a leaf of the group open now.
    fn lines(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let height = size * 1.35;
        for line in wrap(text, size, bold, WIDTH - indent) {
            self.room(height);
            let role = Role::Content(self.leaf());
            self.mark(Mark::Text { role, x: MARGIN + indent, y: self.y + size, size, bold, text: line });
            self.y += height;
        }
    }

    fn paragraph(&mut self, text: &str) {
        self.open(Tag::P);
        self.lines(text, BODY, false, 0.0);
        self.close();
        self.y += 5.0;
    }

    /// A heading, kept on the page of what follows it; a section's heading is ruled above.
    fn heading(&mut self, level: u16, text: &str) {
        let size = match level {
            1 => 20.0,
            2 => 15.0,
            _ => 11.5,
        };
        self.y += if level == 1 { 0.0 } else { size * 0.6 };
        self.room(size * 1.4 + 48.0);
        if level == 2 {
            let y = self.y;
            self.mark(Mark::Rule { x1: MARGIN, y1: y, x2: MARGIN + WIDTH, y2: y, width: 1.5 });
            self.y += 5.0;
            if self.open.iter().any(|(tag, _)| matches!(tag, TagKind::Section(_))) {
                self.sections.push((text.to_owned(), self.page, self.y));
            }
        }
        let level = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
        self.open(Tag::Hn(level, Some(text.to_owned())));
        self.lines(text, size, true, 0.0);
        self.close();
        self.y += 4.0;
    }

    fn list_or_none(&mut self, items: &[String]) {
        if items.is_empty() {
            self.paragraph("None.");
        } else {
            self.list(items);
        }
    }

    /// A bulleted list, each item a label and a body.
    fn list(&mut self, items: &[String]) {
        self.open(Tag::L(ListNumbering::Disc));
        for item in items {
            self.open(Tag::LI);
            self.room(BODY * 1.35);
            self.open(Tag::Lbl);
            let role = Role::Content(self.leaf());
            self.mark(Mark::Text {
                role,
                x: MARGIN + 4.0,
                y: self.y + BODY,
                size: BODY,
                bold: false,
                text: "•".into(),
            });
            self.close();
            self.open(Tag::LBody);
            self.lines(item, BODY, false, 16.0);
            self.close();
            self.close();
        }
        self.close();
        self.y += 5.0;
    }

    /// A table with a header row and a row header in its first column; the header row is drawn
    /// again (as an artifact) on each page the table continues on.
    fn table(&mut self, caption: Option<&str>, columns: &[(&str, f32)], rows: Vec<Vec<Cell>>) {
        // Each column is at least as wide as the longest word of its header and (up to a limit)
        // of its cells, and shares what is left by its weight, so words rarely break.
        let longest = |text: &str, bold: bool| text.split(' ').map(|w| width_of(w, SMALL, bold)).fold(0.0, f32::max);
        let least: Vec<f32> = columns
            .iter()
            .enumerate()
            .map(|(n, (name, _))| {
                let cells = rows.iter().filter_map(|r| r.get(n)).map(|c| longest(&c.text, n == 0)).fold(0.0, f32::max);
                longest(name, true).max(cells.min(WIDTH / 8.0)) + 2.0 * PAD
            })
            .collect();
        let scale = (WIDTH / least.iter().sum::<f32>()).min(1.0);
        let spare = WIDTH - least.iter().sum::<f32>() * scale;
        let total: f32 = columns.iter().map(|(_, w)| w).sum();
        let widths: Vec<f32> =
            columns.iter().zip(&least).map(|((_, w), least)| least * scale + w / total * spare).collect();
        let header: Vec<Cell> = columns.iter().map(|(name, _)| Cell::text(name)).collect();
        let header_h = row_height(&header, &widths, true);
        self.open(Tag::Table);
        if let Some(caption) = caption {
            self.room(BODY * 1.35 + header_h + 30.0);
            self.open(Tag::Caption);
            self.lines(caption, BODY, true, 0.0);
            self.close();
        }
        let first_h = rows.first().map_or(0.0, |r| row_height(r, &widths, false));
        self.room(header_h + first_h);
        self.open(Tag::THead);
        self.row(&header, &widths, true, None);
        self.close();
        self.open(Tag::TBody);
        for cells in &rows {
            let h = row_height(cells, &widths, false);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(&header, &widths, true, Some(ArtifactType::Other));
            }
            self.row(cells, &widths, false, None);
        }
        self.close();
        self.close();
        self.y += 8.0;
    }

    /// One row; its cells are leaves of the structure tree unless the row is `artifact`.
    fn row(&mut self, cells: &[Cell], widths: &[f32], header: bool, artifact: Option<ArtifactType>) {
        let h = row_height(cells, widths, header);
        let top = self.y;
        if header {
            self.mark(Mark::Fill { x: MARGIN, y: top, w: WIDTH, h, colour: (243, 242, 241) });
        }
        if artifact.is_none() {
            self.open(Tag::TR);
        }
        let mut x = MARGIN;
        for (n, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if let Some(colour) = cell.fill {
                self.mark(Mark::Fill { x, y: top, w: *width, h, colour });
            }
            let bold = header || n == 0;
            if artifact.is_none() {
                match (header, n) {
                    (true, _) => self.open(Tag::TH(TableHeaderScope::Column)),
                    (false, 0) => self.open(Tag::TH(TableHeaderScope::Row)),
                    _ => self.open(Tag::TD),
                }
            }
            for (k, line) in wrap(&cell.text, SMALL, bold, width - 2.0 * PAD).into_iter().enumerate() {
                let role = match artifact {
                    Some(kind) => Role::Artifact(kind),
                    None => Role::Content(self.leaf()),
                };
                let y = top + PAD + SMALL + k as f32 * SMALL * 1.35;
                self.mark(Mark::Text { role, x: x + PAD, y, size: SMALL, bold, text: line });
            }
            if artifact.is_none() {
                self.close();
            }
            x += width;
        }
        if artifact.is_none() {
            self.close();
        }
        self.y = top + h;
        let y = self.y;
        self.mark(Mark::Rule { x1: MARGIN, y1: y, x2: MARGIN + WIDTH, y2: y, width: 0.5 });
    }

    /// A chart as a figure described by its label.
    fn chart(&mut self, chart: Chart) {
        self.room(CHART_H + 8.0);
        self.open(Tag::Figure(Some(chart.label.clone())));
        let leaf = self.leaf();
        self.close();
        let y = self.y;
        self.mark(Mark::Chart { leaf, x: MARGIN, y, chart });
        self.y += CHART_H + 8.0;
    }

    /// "Page n of m" at the foot of every page.
    fn number_pages(&mut self) {
        let count = self.pages.len();
        for (n, marks) in self.pages.iter_mut().enumerate() {
            let text = format!("Page {} of {count}", n + 1);
            let x = MARGIN + WIDTH - width_of(&text, SMALL, false);
            marks.push(Mark::Text {
                role: Role::Artifact(ArtifactType::Footer),
                x,
                y: PAGE_H - MARGIN + SMALL,
                size: SMALL,
                bold: false,
                text,
            });
        }
    }
}

fn row_height(cells: &[Cell], widths: &[f32], header: bool) -> f32 {
    let lines = cells
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(n, (c, w))| wrap(&c.text, SMALL, header || n == 0, w - 2.0 * PAD).len())
        .max()
        .unwrap_or(1);
    lines as f32 * SMALL * 1.35 + 2.0 * PAD
}

/// `text` broken into lines no wider than `width`, at spaces, or within a word too long for a
/// line (a hash).
fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if width_of(&candidate, size, bold) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if width_of(&line, size, bold) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How wide `text` is set in the pack's font at `size`.
fn width_of(text: &str, size: f32, bold: bool) -> f32 {
    let fallback = size * 0.6;
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return text.chars().count() as f32 * fallback;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or(fallback)).sum()
}

fn font(bytes: &'static [u8]) -> Result<Font, PdfUnwritable> {
    let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
    Font::new(data.into(), 0).ok_or_else(|| PdfUnwritable("the embedded font could not be read".into()))
}

fn colour((r, g, b): (u8, u8, u8)) -> Fill {
    Fill { paint: rgb::Color::new(r, g, b).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

/// The laid-out pack drawn into a PDF/UA-1 document titled `title`.
fn draw(layout: Layout, title: &str) -> Result<Vec<u8>, PdfUnwritable> {
    let (regular, bold) = (font(REGULAR)?, font(BOLD)?);
    let settings = SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::UA1),
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let mut ids: Vec<Option<Identifier>> = (0..layout.leaves).map(|_| None).collect();
    let size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfUnwritable("A4 is not a page size".into()))?;
    for marks in &layout.pages {
        let mut page = document.start_page_with(size.clone());
        let mut surface = page.surface();
        for mark in marks {
            match mark {
                Mark::Text { role, x, y, size, bold: b, text } => {
                    let tag = match role {
                        Role::Content(_) => ContentTag::Span(SpanTag::empty()),
                        Role::Artifact(kind) => ContentTag::Artifact(*kind),
                    };
                    let id = surface.start_tagged(tag);
                    surface.set_fill(Some(colour(INK)));
                    let face = if *b { bold.clone() } else { regular.clone() };
                    surface.draw_text(Point::from_xy(*x, *y), face, *size, text, false, TextDirection::Auto);
                    surface.end_tagged();
                    if let Role::Content(leaf) = role {
                        ids[*leaf] = Some(id);
                    }
                }
                Mark::Fill { x, y, w, h, colour: c } => {
                    let mut path = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        path.push_rect(rect);
                    }
                    if let Some(path) = path.finish() {
                        surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
                        surface.set_fill(Some(colour(*c)));
                        surface.draw_path(&path);
                        surface.end_tagged();
                    }
                }
                Mark::Rule { x1, y1, x2, y2, width } => {
                    surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
                    stroke(&mut surface, &[(*x1, *y1), (*x2, *y2)], *width, GREY, false);
                    surface.end_tagged();
                }
                Mark::Chart { leaf, x, y, chart } => {
                    let id = surface.start_tagged(ContentTag::Other);
                    let at = |(px, py): (f64, f64)| (*x + px as f32, *y + py as f32);
                    if let Some(t) = chart.target {
                        let (x1, x2) = Chart::target_span(f64::from(CHART_W));
                        stroke(&mut surface, &[at((x1, t)), at((x2, t))], 1.0, (80, 90, 95), true);
                    }
                    let points: Vec<(f32, f32)> = chart.points.iter().copied().map(at).collect();
                    stroke(&mut surface, &points, 2.0, (29, 112, 184), false);
                    surface.end_tagged();
                    ids[*leaf] = Some(id);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    let mut tree = TagTree::new();
    for plan in layout.root {
        if let Some(node) = node(plan, &mut ids) {
            tree.push(node);
        }
    }
    document.set_tag_tree(tree);
    let mut outline = Outline::new();
    for (heading, page, y) in &layout.sections {
        outline.push_child(OutlineNode::new(heading.clone(), XyzDestination::new(*page, Point::from_xy(MARGIN, *y))));
    }
    document.set_outline(outline);
    document.set_metadata(Metadata::new().title(title.to_owned()).language("en-GB".to_owned()));
    document.finish().map_err(|e| PdfUnwritable(format!("{e:?}")))
}

/// A line through `points`, dashed or solid.
fn stroke(
    surface: &mut krilla::surface::Surface<'_>,
    points: &[(f32, f32)],
    width: f32,
    c: (u8, u8, u8),
    dashed: bool,
) {
    let mut path = PathBuilder::new();
    for (n, (x, y)) in points.iter().enumerate() {
        if n == 0 { path.move_to(*x, *y) } else { path.line_to(*x, *y) }
    }
    let Some(path) = path.finish() else { return };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        width,
        dash: dashed.then(|| StrokeDash { array: vec![4.0, 4.0], offset: 0.0 }),
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

/// The structure tree's node for `plan`, with the content drawn for each leaf.
fn node(plan: Plan, ids: &mut [Option<Identifier>]) -> Option<Node> {
    match plan {
        Plan::Leaf(leaf) => ids.get_mut(leaf).and_then(Option::take).map(Node::from),
        Plan::Group(tag, children) => {
            let children: Vec<Node> = children.into_iter().filter_map(|c| node(c, ids)).collect();
            (!children.is_empty()).then(|| Node::from(TagGroup::with_children(tag, children)))
        }
    }
}
