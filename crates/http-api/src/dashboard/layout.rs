//! The page every dashboard page is laid out in: the header with the navigation and sign-out,
//! the "as of" picker, the banner saying the log is broken when it is, the main content, and the one stylesheet (with its print rules); and the
//! small pieces pages share: RAG as a word beside its colour, percentages, dates and links that
//! keep the page's "as of" date. Every value goes through maud, which escapes it.

use app::Action;
use domain::Date;
use domain::rag::Rag;
use kernel::{Timestamp, VerifyFailure};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use projections::{Basis, CommitmentTrail, ReportKind};

use super::Point;
use super::session::Viewer;
use crate::Lang;

/// The stylesheet: one for screen and print. Colours meet WCAG AA contrast against their
/// backgrounds, and RAG is always written out beside its colour.
const STYLE: &str = r#"
:root { --ink: #1b1b1b; --muted: #4a4a4a; --line: #b1b4b6; --link: #1d4f91; --panel: #f3f2f1; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--link); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #fd0; outline-offset: 0; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fd0; color: #000; padding: 4px 8px; }
header.site { background: #0b0c0c; color: #fff; padding: 8px 24px; display: flex; flex-wrap: wrap; gap: 16px; align-items: center; justify-content: space-between; }
header.site a { color: #fff; }
header.site .name { font-weight: 700; font-size: 1.2em; text-decoration: none; }
header.site nav ul { list-style: none; display: flex; gap: 16px; margin: 0; padding: 0; }
header.site form { display: inline; }
header.site button { background: none; color: #fff; border: 1px solid #fff; padding: 2px 8px; cursor: pointer; }
.as-of { background: var(--panel); padding: 8px 24px; border-bottom: 1px solid var(--line); }
.as-of p { margin: 0; }
.banner { border: 5px solid #1d70b8; background: #1d70b8; margin: 0 0 24px; }
.banner .banner-header { padding: 2px 15px 5px; color: #fff; }
.banner .banner-title { font-size: 1em; font-weight: 700; margin: 0; border: 0; }
.banner .banner-content { background: #fff; padding: 15px; }
.banner .banner-heading { font-size: 1.2em; font-weight: 700; margin: 0 0 8px; }
.banner .banner-content p { margin: 0 0 8px; }
main { padding: 16px 24px 48px; max-width: 1280px; }
h1 { font-size: 1.8em; margin: 8px 0 16px; }
h2 { font-size: 1.35em; margin: 32px 0 8px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.1em; margin: 20px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
caption { text-align: left; font-weight: 700; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th[scope=col] { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 16px; }
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; }
.rag { display: inline-block; min-width: 5.5em; padding: 0 6px; border-radius: 3px; font-weight: 700; text-align: center; border: 1px solid transparent; }
.rag-red { background: #a4262c; color: #fff; }
.rag-amber { background: #f6c342; color: #1b1b1b; }
.rag-green { background: #1e6b34; color: #fff; }
.rag-none { background: #fff; color: #4a4a4a; border-color: #6f777b; }
.mix { white-space: nowrap; }
time, td.date, span.date { white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; margin: 8px 0 16px; }
.scroll table { margin: 0; }
.scroll:focus { outline: 3px solid #fd0; }
ul.pages { list-style: none; display: flex; gap: 24px; padding: 0; margin: 8px 0 16px; }
.bar { display: inline-block; width: 80px; height: 10px; border: 1px solid var(--muted); vertical-align: middle; margin-right: 6px; }
.bar span { display: block; height: 100%; background: #1d4f91; }
form.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: var(--panel); padding: 12px; margin: 0 0 16px; }
form.filters label, .as-of label { display: block; font-weight: 700; font-size: 0.9em; }
input, select, button { font: inherit; }
input, select { border: 2px solid #0b0c0c; padding: 2px 4px; }
form button { background: #00703c; color: #fff; border: 0; padding: 4px 12px; cursor: pointer; }
a.button { display: inline-block; background: #00703c; color: #fff; padding: 4px 12px; text-decoration: none; }
.note { color: var(--muted); }
.alert { border-left: 6px solid #a4262c; padding: 8px 12px; background: #fbeaea; }
.ok { border-left: 6px solid #1e6b34; padding: 8px 12px; background: #e8f3ec; }
footer.site { border-top: 1px solid var(--line); padding: 16px 24px; color: var(--muted); }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: 0; padding: 0; overflow: hidden; clip: rect(0 0 0 0); border: 0; white-space: nowrap; }
.error-summary { border: 5px solid #d4351c; padding: 16px; margin: 0 0 24px; }
.error-summary:focus { outline: 3px solid #fd0; }
.error-summary h2 { border: 0; margin: 0 0 8px; font-size: 1.2em; }
.error-summary ul { margin: 0; padding-left: 0; list-style: none; }
.error-summary a { color: #d4351c; font-weight: 700; }
.panel { background: #00703c; color: #fff; padding: 16px 24px; margin: 0 0 24px; }
.panel h2 { border: 0; margin: 0 0 4px; }
.panel p { margin: 0; }
form.record { max-width: 40em; margin: 0 0 32px; }
.field { margin: 0 0 20px; }
.field > label, fieldset legend { display: block; font-weight: 700; margin: 0 0 4px; }
.field-error { border-left: 5px solid #d4351c; padding-left: 12px; }
.field-error input, .field-error select, .field-error textarea { border-color: #d4351c; }
.error-message { color: #d4351c; font-weight: 700; margin: 0 0 4px; }
.hint { color: var(--muted); margin: 0 0 4px; }
fieldset { border: 0; margin: 0; padding: 0; }
textarea { font: inherit; border: 2px solid #0b0c0c; width: 100%; padding: 4px; }
.field input[type=text] { width: 100%; }
.field input.width-2 { width: 3.5em; } .field input.width-3 { width: 4.5em; } .field input.width-4 { width: 5.5em; }
.date-input { display: flex; gap: 16px; }
ul.record-forms { list-style: none; padding: 0; } ul.record-forms h2 { margin-bottom: 0; }
.date-item label { display: block; }
.radio, .checkbox { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
.radio input, .checkbox input { width: 24px; height: 24px; }
blockquote.text { border-left: 6px solid var(--line); margin: 8px 0 16px; padding: 4px 16px; white-space: pre-wrap; }
ol.timeline { list-style: none; padding: 0; border-left: 3px solid var(--line); margin-left: 8px; }
ol.timeline li { padding: 2px 0 10px 16px; }
ol.timeline time { font-weight: 700; margin-right: 8px; }
.chart { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.chart svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
.chart table { width: auto; }
@media print {
  header.site nav, header.site form, .as-of form, form.filters, .skip { display: none !important; }
  header.site { background: #fff; color: #000; border-bottom: 2px solid #000; padding: 0 0 4px; }
  header.site a { color: #000; }
  .as-of { background: #fff; padding: 4px 0; }
  main { padding: 0; max-width: none; }
  body { font-size: 10pt; }
  a { color: #000; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, .chart, li { break-inside: avoid; }
  .scroll { overflow: visible; }
  .rag { border: 1px solid #000; }
  @page { margin: 15mm; }
}
"#;

/// A page's titles: the heading, and the `<title>`, which is the heading but for a form shown
/// again with mistakes, whose `<title>` begins with "Error: ", as GOV.UK services do.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Titles<'a> {
    pub head: &'a str,
    pub heading: &'a str,
}

impl<'a> From<&'a str> for Titles<'a> {
    fn from(title: &'a str) -> Self {
        Titles { head: title, heading: title }
    }
}

impl<'a> From<&'a String> for Titles<'a> {
    fn from(title: &'a String) -> Self {
        Titles::from(title.as_str())
    }
}

/// A whole page for `viewer`: its `title` in the header and `<title>` ([`Titles`]), `path` where
/// the "as of" form sends the reader, `keep` the other query parameters it keeps, and `content`
/// inside `<main>`, below the banner saying the log is broken when `broken` names a break.
pub(crate) fn page<'a>(
    title: impl Into<Titles<'a>>,
    broken: Option<&VerifyFailure>,
    viewer: &Viewer,
    point: &Point,
    path: &str,
    keep: &[(&str, &str)],
    content: Markup,
) -> Markup {
    let Titles { head, heading: title } = title.into();
    let header = html! {
        a.name href=(point.link("/dashboard")) { "Covenant" }
        nav aria-label="Dashboard" {
            ul {
                (report_links(Some((point, viewer))))
                @if super::record::may_record(&viewer.0) {
                    li { a href=(super::record::PATH) { "Record" } }
                }
                @if super::actions::leads_actions(&viewer.0) {
                    li { a href="/dashboard/actions" { "Your organisation's actions" } }
                }
                @if viewer.0.require(Action::ManageSessions).is_ok() {
                    li { a href="/dashboard/sign-ins" { "Sign-ins" } }
                }
            }
        }
        form method="post" action="/dashboard/sign-out" {
            (viewer.1.field())
            button type="submit" { "Sign out" }
        }
    };
    let main = html! {
        @if let Some(failure) = broken { (banner(failure)) }
        h1 { (title) }
        (content)
    };
    let picker = as_of(point, path, keep, &ENGLISH_PICKER, path, said_in_english(point));
    shell(Frame::ENGLISH, head, header, picker, main, None)
}

/// The language of a page's frame: its `<html lang>` and the words of its skip link.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame<'a> {
    pub lang: &'a str,
    pub skip: &'a str,
}

impl Frame<'static> {
    /// The dashboard's frame, in English.
    pub(crate) const ENGLISH: Self = Frame { lang: "en-GB", skip: "Skip to the content" };
}

/// The "as of" picker's words: its region's name, its legend, its three fields, its button and
/// the link back to today.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PickerWords<'a> {
    pub region: &'a str,
    pub legend: &'a str,
    pub parts: [&'a str; 3],
    pub show: &'a str,
    pub today: &'a str,
}

/// The dashboard's picker, in English.
pub(crate) const ENGLISH_PICKER: PickerWords<'static> = PickerWords {
    region: "Point in time",
    legend: super::picker::LEGEND,
    parts: super::form::DATE_PARTS,
    show: "Show",
    today: "Today",
};

/// What point the dashboard's page shows, in words.
fn said_in_english(point: &Point) -> Markup {
    html! {
        @match point.day {
            Some(day) => { "Showing the record as it stood on " strong { (day) } ". " }
            None => { "Showing the record as it stands today, " strong { (point.today) } ". " }
        }
    }
}

/// The frame of every page with a point in time: the skip link, the site header holding
/// `header`, the "as of" picker, `main`, and the footer when there is one.
fn shell(frame: Frame<'_>, title: &str, header: Markup, as_of: Markup, main: Markup, footer: Option<Markup>) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(frame.lang) {
            (head(title, None))
            body {
                a.skip href="#main" { (frame.skip) }
                header.site { (header) }
                (as_of)
                main #main { (main) }
                @if let Some(footer) = footer { footer.site { (footer) } }
            }
        }
    }
}

/// The "as of" picker: what point the page shows (`said`), and a GET form to choose another day
/// as day, month and year fields, sent to `path` with the `keep` parameters ([`super::picker`]
/// reads them), in `words`; `today` links to the page as it stands today.
pub(crate) fn as_of(
    point: &Point,
    path: &str,
    keep: &[(&str, &str)],
    words: &PickerWords<'_>,
    today: &str,
    said: Markup,
) -> Markup {
    let name = super::picker::NAME;
    // The day shown, as it would be typed: 9, 3, 2021.
    let iso = point.day.map(|day| day.to_string()).unwrap_or_default();
    let typed = iso.split('-').map(|n| n.trim_start_matches('0'));
    let shown: Vec<(String, String)> =
        ["year", "month", "day"].iter().zip(typed).map(|(part, n)| (format!("{name}-{part}"), n.to_owned())).collect();
    let fields = super::form::Fields::posted(shown);
    let picker = super::form::Shown { fields: &fields, problems: &[], read: None };
    html! {
        section.as-of aria-label=(words.region) {
            p { (said) }
            form method="get" action=(path) {
                @for (name, value) in keep {
                    input type="hidden" name=(name) value=(value);
                }
                (picker.date_in(name, words.legend, None, words.parts, ""))
                button type="submit" { (words.show) }
                @if point.day.is_some() {
                    " "
                    a href=(today) { (words.today) }
                }
            }
        }
    }
}

/// A page of the public record: no sign-in, no signed-in navigation; the skip link, `header`
/// (the public navigation and the language switch), the "as of" picker when there is one, the
/// content under its `heading`, and `footer` (naming the accessibility statement).
pub(crate) fn public_page(
    frame: Frame<'_>,
    title: &str,
    heading: Markup,
    header: Markup,
    picker: Option<Markup>,
    content: Markup,
    footer: Markup,
) -> Markup {
    shell(frame, title, header, picker.unwrap_or_default(), html! { h1 { (heading) } (content) }, Some(footer))
}

/// The "important" notification banner (as the GOV.UK Design System lays it out) that every page
/// shows while the log's hash chain is broken.
fn banner(failure: &VerifyFailure) -> Markup {
    let position = failure.position().0;
    html! {
        div.banner #broken-log role="region" aria-labelledby="broken-log-title" {
            div.banner-header { h2.banner-title #broken-log-title { "Important" } }
            div.banner-content {
                p.banner-heading {
                    "The record cannot be trusted as it stands: the log was changed at entry " (position) "."
                }
                p {
                    "What these pages show from entry " (position) " on may not be what was recorded. Tell the "
                    "person who runs Covenant: they should run " code { "covenant verify" }
                    " and restore the database from a backup."
                }
                p { "What Covenant found: " (failure) "." }
            }
        }
    }
}

/// The `<head>` of every page: its title and the one stylesheet.
fn head(title: &str, refresh: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            @if let Some(to) = refresh {
                meta http-equiv="refresh" content=(format!("0;url={to}"));
            }
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " – Covenant" }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// `n` and the noun that reads after it: "1 event", "226 events".
pub(crate) fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    format!("{n} {}", if n == N::from(1) { one } else { many })
}

/// A table in a box of its own that scrolls sideways when the table is wider than the screen
/// (a 420-pixel phone), so the page itself never does; the box can be reached and scrolled from
/// the keyboard, and is named for a screen reader.
pub(crate) fn scrolling(label: &str, table: Markup) -> Markup {
    html! { div.scroll role="region" aria-label=(label) tabindex="0" { (table) } }
}

/// The links to the report pages the viewer may read, keeping the page's point; with no viewer
/// known (an error page), those every role may read, as they stand now.
fn report_links(page: Option<(&Point, &Viewer)>) -> Markup {
    let may = |kind: ReportKind| {
        let action = if kind == ReportKind::Audit { Action::ReadAudit } else { Action::ReadReports };
        match page {
            Some((_, viewer)) => viewer.0.require(action).is_ok(),
            None => action == Action::ReadReports,
        }
    };
    html! {
        @for kind in ReportKind::ALL {
            @if let Some(path) = super::report_page(kind).filter(|_| may(kind)) {
                li { a href=(page.map_or_else(|| path.to_owned(), |(point, _)| point.link(path))) { (kind.title()) } }
            }
        }
    }
}

/// A page without a signed-in viewer: the sign-in form, or an error, which keeps the navigation
/// to the pages every role may read (`navigation`).
pub(crate) fn bare(title: &str, content: Markup, navigation: bool) -> Markup {
    bare_page(title, title, None, content, navigation)
}

/// As [`bare`], for a page that shows what is wrong with what was typed: its `<title>` begins
/// "Error: ", as GOV.UK services' do.
pub(crate) fn bare_error(title: &str, content: Markup, navigation: bool) -> Markup {
    bare_page(&format!("Error: {title}"), title, None, content, navigation)
}

/// As [`bare`] without the navigation, going on at once to `to` (an immediate refresh, which
/// needs no script; the page also links there).
pub(crate) fn bare_with_refresh(title: &str, to: &str, content: Markup) -> Markup {
    bare_page(title, title, Some(to), content, false)
}

fn bare_page(head_title: &str, title: &str, refresh: Option<&str>, content: Markup, navigation: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(head_title, refresh))
            body {
                a.skip href="#main" { "Skip to the content" }
                header.site {
                    a.name href="/dashboard" { "Covenant" }
                    @if navigation {
                        nav aria-label="Dashboard" { ul { (report_links(None)) } }
                    }
                }
                main #main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// How a page speaks: the language of its words, and whether it writes dates out ("9 March
/// 2021", as the public record does) or as the record keeps them (2021-03-09, as the dashboard
/// does). The dashboard's words are the English catalogue's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Voice {
    pub lang: Lang,
    pub dates_written_out: bool,
}

impl Voice {
    /// The dashboard's voice.
    pub(crate) const DASHBOARD: Self = Voice { lang: Lang::En, dates_written_out: false };

    /// RAG as a word, with its colour: never the colour alone.
    pub(crate) fn rag(self, rag: Option<Rag>) -> Markup {
        let (class, word) = self.rag_class_and_word(rag);
        html! { span class=(class) { (word) } }
    }

    fn rag_class_and_word(self, rag: Option<Rag>) -> (&'static str, String) {
        let (class, id) = match rag {
            Some(Rag::Red) => ("rag rag-red", "rag-red"),
            Some(Rag::Amber) => ("rag rag-amber", "rag-amber"),
            Some(Rag::Green) => ("rag rag-green", "rag-green"),
            None => ("rag rag-none", "rag-none"),
        };
        (class, self.lang.text(id))
    }

    /// RAG as rated, with the lead's own status beside it where the two differ: "Red (lead: Green)".
    pub(crate) fn rag_beside_lead(self, rated: Option<Rag>, lead: Option<Rag>) -> Markup {
        html! {
            (self.rag(rated))
            @if let Some(lead) = lead.filter(|l| Some(*l) != rated) {
                " " span.note data-field="lead-status" {
                    (self.lang.with("rag-lead", &[("rag", self.rag_class_and_word(Some(lead)).1.into())]))
                }
            }
        }
    }

    /// A percentage with a bar beside it; the bar is hidden from screen readers, which read the
    /// number.
    pub(crate) fn progress(self, value: Option<f64>) -> Markup {
        match value {
            Some(v) => html! {
                span.bar aria-hidden="true" { span style=(format!("width: {:.0}%", v.clamp(0.0, 100.0))) {} }
                (format!("{v:.0}%"))
            },
            None => html! { span.note { (self.lang.text("progress-none")) } },
        }
    }

    /// A day in words or as the record keeps it.
    pub(crate) fn day(self, day: Date) -> String {
        if self.dates_written_out { self.lang.date(day) } else { day.to_string() }
    }

    /// An optional date, or a dash.
    pub(crate) fn date(self, day: Option<Date>) -> Markup {
        match day {
            Some(day) => html! { time datetime=(day) { (self.day(day)) } },
            None => html! { "–" },
        }
    }

    /// Text the record holds in English only (a title, a name, a decision's words): on a page in
    /// another language, marked as English so that a screen reader reads it as English.
    pub(crate) fn english(self, text: &str) -> Markup {
        match self.lang {
            Lang::En => html! { (text) },
            _ => html! { span lang="en" { (text) } },
        }
    }
}

/// RAG as a word, with its colour: never the colour alone.
pub(crate) fn rag(rag: Option<Rag>) -> Markup {
    Voice::DASHBOARD.rag(rag)
}

/// RAG as rated, with the lead's own status beside it where the two differ: "Red (lead: Green)".
pub(crate) fn rag_beside_lead(rated: Option<Rag>, lead: Option<Rag>) -> Markup {
    Voice::DASHBOARD.rag_beside_lead(rated, lead)
}

/// A percentage with a bar beside it.
pub(crate) fn progress(value: Option<f64>) -> Markup {
    Voice::DASHBOARD.progress(value)
}

/// An optional date, or a dash.
pub(crate) fn date(day: Option<Date>) -> Markup {
    Voice::DASHBOARD.date(day)
}

/// Text that may name days as `YYYY-MM-DD` (an event's summary, a resolution's name), each day
/// kept on one line (`span.date`) so that none breaks at its hyphens.
pub(crate) fn with_days(text: &str) -> Markup {
    let bytes = text.as_bytes();
    let day_at = |at: usize| {
        (at == 0 || !bytes[at - 1].is_ascii_digit())
            && bytes.get(at..at + 10).is_some_and(|day| {
                day.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
            })
    };
    let mut parts = Vec::new();
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        if day_at(at) {
            parts.push((&text[start..at], false));
            parts.push((&text[at..at + 10], true));
            at += 10;
            start = at;
        } else {
            at += 1;
        }
    }
    parts.push((&text[start..], false));
    html! { @for (part, day) in parts { @if day { span.date { (part) } } @else { (part) } } }
}

/// A moment of the log, to the minute, in UTC.
pub(crate) fn moment(at: Timestamp) -> Markup {
    let at = at.as_datetime();
    html! { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M UTC")) } }
}

/// The commitments delivering a resolution, as a table with `id` when given, in `voice`;
/// instruments link to their page under `instruments_at`, through `link` (which keeps the
/// page's point, and its language where it was chosen).
pub(crate) fn commitment_trail(
    voice: Voice,
    link: &dyn Fn(&str) -> String,
    commitments: &[CommitmentTrail],
    instruments_at: &str,
    id: Option<&str>,
) -> Markup {
    let say = |id: &str| voice.lang.text(id);
    html! {
        table id=[id] {
            caption { (say("trail")) }
            thead { tr {
                th scope="col" { (say("col-commitment")) } th scope="col" { (say("col-organisation")) } th scope="col" { (say("col-why")) }
                th scope="col" { (say("col-due")) } th scope="col" { (say("col-state")) } th scope="col" .num { (say("col-complete")) } th scope="col" { (say("col-rag")) }
            } }
            tbody {
                @for c in commitments {
                    tr data-commitment=(c.commitment) {
                        th scope="row" { (voice.english(&c.title)) }
                        td { @match &c.organisation_name { Some(o) => (voice.english(o)), None => "–" } }
                        td { @match &c.basis {
                            Basis::ArisingFrom => (say("trail-arising")),
                            Basis::Delivering { instrument, instrument_title } => { (say("trail-delivering")) " " a href=(link(&format!("{instruments_at}/{instrument}"))) { (voice.english(instrument_title)) } },
                        } }
                        td { (voice.date(c.due_on)) }
                        td { (voice.lang.word("action-state", &c.state)) }
                        td.num { (voice.progress(Some(c.progress))) }
                        td { (voice.rag_beside_lead(c.rag, c.lead_status)) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_days;

    #[test]
    fn days_in_text_are_kept_whole_and_nothing_else_changes() {
        let text = "endorsed by the Board on 2020-12-01 under resolution Board, 2020-12-01";
        assert_eq!(
            with_days(text).into_string(),
            "endorsed by the Board on <span class=\"date\">2020-12-01</span> under resolution Board, \
             <span class=\"date\">2020-12-01</span>"
        );
        for plain in ["minute 45", "12020-12-01", "2020-1-01 and 2020-12-0", "", "é 2020-12-01é"] {
            let wrapped = with_days(plain).into_string();
            assert_eq!(wrapped.replace("<span class=\"date\">", "").replace("</span>", ""), plain);
        }
        assert_eq!(with_days("12020-12-01").into_string(), "12020-12-01", "not a day inside a longer number");
        assert_eq!(with_days("é 2020-12-01é").into_string(), "é <span class=\"date\">2020-12-01</span>é");
    }
}
