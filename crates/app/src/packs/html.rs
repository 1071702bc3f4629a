//! A board pack as one printable HTML page: the cover, exceptions first, then the status of the
//! instruments, what changed since the previous meeting, the indicators with their readings as
//! a small vector chart, and the last meeting's resolutions with their delivery trail. RAG is
//! always written as a word, with its colour beside it, never as a colour alone; the page needs
//! no script and prints on A4.

use domain::values::in_words as word;
use maud::{DOCTYPE, Markup, html};
use projections::{ActionRow, IndicatorStatus, ResolutionEntry, kind_in_words, rag_in_words};

use super::chart::Chart;
use super::words::{SECTIONS, day, indicator_summary, long_day, percent, reasons, title};
use crate::reports::{Changes, Pack, Subject};

/// The page, as bytes of UTF-8.
pub fn render(pack: &Pack) -> Vec<u8> {
    let cover = &pack.cover;
    let title = title(cover);
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (STYLE) }
            }
            body {
                header {
                    h1 { (title) }
                    dl {
                        dt { "Body" } dd { (cover.body_name) }
                        dt { "As decided by" } dd { (date(long_day(cover.as_of))) }
                        dt { "Previous meeting" }
                        dd {
                            @match &cover.previous_meeting {
                                Some(m) => { (m.title) ", " (date(long_day(m.held_on))) }
                                None => { "none on record" }
                            }
                        }
                        dt { "From the record at" }
                        dd { "position " (cover.position.0) ", head hash " code { (cover.head_hash) } }
                    }
                }
                nav aria-label="Contents" {
                    h2 { "Contents" }
                    ol { @for (id, heading) in SECTIONS { li { a href=(format!("#{id}")) { (heading) } } } }
                }
                section #exceptions {
                    h2 { "Exceptions" }
                    @if pack.exceptions.is_empty() {
                        p { "No open action is red, overdue or stale." }
                    } @else {
                        table {
                            caption { "Open actions rated red, overdue or stale, most pressing first" }
                            thead { tr { th scope="col" { "Action" } th scope="col" { "Organisation" } th scope="col" { "Lead" } th scope="col" { "Due" } th scope="col" { "Progress" } th scope="col" { "RAG" } th scope="col" { "Why" } } }
                            tbody {
                                @for e in &pack.exceptions {
                                    tr {
                                        th scope="row" { (e.action.title) }
                                        td { (e.action.organisation_name.as_deref().unwrap_or("-")) }
                                        td { (e.action.lead) }
                                        td { (date(day(e.action.due_on))) }
                                        td.num { (percent(e.action.progress)) }
                                        td { (rag(e.action.rag)) }
                                        td { (reasons(e)) }
                                    }
                                }
                            }
                        }
                    }
                }
                section #status {
                    h2 { "Status of instruments" }
                    p {
                        "Commitments behind them: " (pack.rag_mix.red) " red, " (pack.rag_mix.amber) " amber, "
                        (pack.rag_mix.green) " green, " (pack.rag_mix.unrated) " not rated."
                    }
                    @if pack.instruments.is_empty() {
                        p { "The body owns or has endorsed no instrument." }
                    } @else {
                        table {
                            caption { "Every instrument the body owns or has endorsed" }
                            thead { tr { th scope="col" { "Instrument" } th scope="col" { "Kind" } th scope="col" { "Stage" } th scope="col" { "Progress" } th scope="col" { "RAG" } th scope="col" { "Red" } th scope="col" { "Amber" } th scope="col" { "Green" } th scope="col" { "Not rated" } th scope="col" { "Overdue" } th scope="col" { "Stale" } } }
                            tbody {
                                @for i in &pack.instruments {
                                    tr {
                                        th scope="row" { (i.title) }
                                        td { (kind_in_words(i.kind)) }
                                        td { (word(&i.state)) }
                                        td.num { (i.progress.map_or_else(|| "-".to_owned(), percent)) }
                                        td { (rag(i.rag)) }
                                        td.num { (i.rag_mix.red) }
                                        td.num { (i.rag_mix.amber) }
                                        td.num { (i.rag_mix.green) }
                                        td.num { (i.rag_mix.unrated) }
                                        td.num { (i.overdue.len()) }
                                        td.num { (i.stale.len()) }
                                    }
                                }
                            }
                        }
                    }
                }
                section #changes {
                    h2 { "Changes since the previous meeting" }
                    @match &pack.changes {
                        None => p { "No earlier meeting of the body is on record to compare with." },
                        Some(changes) => (changes_section(changes)),
                    }
                }
                section #indicators {
                    h2 { "Indicators" }
                    @if pack.indicators.is_empty() {
                        p { "No indicator measures an objective of the body's instruments." }
                    }
                    @for i in &pack.indicators { (indicator(i)) }
                }
                section #last-meeting {
                    h2 { "Resolutions of the previous meeting" }
                    @match &pack.last_meeting {
                        None => p { "No earlier meeting of the body is on record." },
                        Some(last) => {
                            p { (last.meeting.title) ", " (date(long_day(last.meeting.held_on))) }
                            @if last.resolutions.is_empty() { p { "The meeting made no resolution on record." } }
                            @for r in &last.resolutions { (resolution(r)) }
                        }
                    }
                }
            }
        }
    };
    page.into_string().into_bytes()
}

fn changes_section(changes: &Changes) -> Markup {
    html! {
        p { "Since " (date(long_day(changes.since))) "." }
        h3 { "New decisions" }
        @if changes.decisions.is_empty() { p { "None." } } @else {
            ul { @for r in &changes.decisions { li { (r.heading()) ": " (r.outcome.as_ref().map(word).unwrap_or_default()) } } }
        }
        h3 { "RAG moves" }
        @if changes.rag_moves.is_empty() { p { "None." } } @else {
            table {
                thead { tr { th scope="col" { "Instrument or action" } th scope="col" { "Was" } th scope="col" { "Now" } } }
                tbody {
                    @for m in &changes.rag_moves {
                        tr {
                            th scope="row" { (m.title) @if m.subject == Subject::Instrument { " (instrument)" } }
                            td { (rag(m.from)) }
                            td { (rag(m.to)) }
                        }
                    }
                }
            }
        }
        h3 { "Actions completed" }
        (action_list(&changes.completed))
        h3 { "Actions newly overdue" }
        (action_list(&changes.newly_overdue))
    }
}

fn action_list(actions: &[ActionRow]) -> Markup {
    html! {
        @if actions.is_empty() { p { "None." } } @else {
            ul { @for a in actions { li { (a.title) " (" (a.organisation_name.as_deref().unwrap_or("-")) ", due " (date(day(a.due_on))) ")" } } }
        }
    }
}

fn indicator(i: &IndicatorStatus) -> Markup {
    html! {
        h3 { (i.title) }
        p { (indicator_summary(i)) }
        (chart(i))
    }
}

/// The readings as a line over time, scaled to fit, with the target as a dashed line: an SVG
/// described in words for those who cannot see it.
fn chart(i: &IndicatorStatus) -> Markup {
    const W: f64 = 480.0;
    const H: f64 = 120.0;
    let Some(chart) = Chart::of(i, W, H) else {
        return html! {};
    };
    let points: Vec<String> = chart.points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let (x1, x2) = Chart::target_span(W);
    html! {
        svg width=(W) height=(H) viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(chart.label) {
            @if let Some(t) = chart.target {
                line x1=(x1) x2=(x2) y1=(format!("{t:.1}")) y2=(format!("{t:.1}")) stroke="#505a5f" stroke-dasharray="4 4" {}
            }
            polyline points=(points.join(" ")) fill="none" stroke="#1d70b8" stroke-width="2" {}
        }
    }
}

fn resolution(r: &ResolutionEntry) -> Markup {
    html! {
        article {
            h3 { (r.heading()) }
            p { "Outcome: " (r.outcome.as_ref().map(word).unwrap_or_else(|| "-".to_owned())) "; " (r.standing_words()) "." }
            blockquote { (r.text) }
            @if !r.caused.is_empty() {
                p { "What it authorised:" }
                ul { @for c in &r.caused { li { (c.description) } } }
            }
            @if !r.commitments.is_empty() {
                table {
                    caption { "Commitments that followed it" }
                    thead { tr { th scope="col" { "Commitment" } th scope="col" { "Organisation" } th scope="col" { "Due" } th scope="col" { "State" } th scope="col" { "Progress" } th scope="col" { "RAG" } } }
                    tbody {
                        @for c in &r.commitments {
                            tr {
                                th scope="row" { (c.title) }
                                td { (c.organisation_name.as_deref().unwrap_or("-")) }
                                td { (date(day(c.due_on))) }
                                td { (word(&c.state)) }
                                td.num { (percent(c.progress)) }
                                td { (rag(c.rag)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The rating as a word in a box of its colour.
fn rag(r: Option<domain::rag::Rag>) -> Markup {
    let class = match r {
        Some(domain::rag::Rag::Red) => "rag red",
        Some(domain::rag::Rag::Amber) => "rag amber",
        Some(domain::rag::Rag::Green) => "rag green",
        None => "rag",
    };
    html! { span class=(class) { (rag_in_words(r)) } }
}

/// A date as the pack writes it, kept on one line.
fn date(text: String) -> Markup {
    html! { span.date { (text) } }
}

const STYLE: &str = "
@page { size: A4; margin: 18mm 15mm; }
body { font-family: Arial, sans-serif; color: #0b0c0c; max-width: 60rem; margin: 1rem auto; line-height: 1.4; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; border-top: 2px solid #0b0c0c; padding-top: .5rem; }
h3 { font-size: 1.1rem; }
section { break-inside: auto; } h2, h3 { break-after: avoid; } tr { break-inside: avoid; }
dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; } dt { font-weight: bold; }
code { word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: bold; margin-bottom: .25rem; }
th, td { border-bottom: 1px solid #b1b4b6; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.date { white-space: nowrap; }
.rag { padding: 0 .25rem; font-weight: bold; }
.rag.red { background: #f4cccc; } .rag.amber { background: #fce5b0; } .rag.green { background: #cce2d8; }
blockquote { border-left: 4px solid #b1b4b6; margin: 0; padding-left: 1rem; }
";
