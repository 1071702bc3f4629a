//! The indicator chart: an inline SVG of an indicator's baseline, targets and readings over time,
//! with its figures in a table beside it for those who cannot see the chart.

use domain::Date;
use domain::indicator::Reading;
use maud::{Markup, html};
use projections::IndicatorStatus;

use super::layout;

const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 240.0;
/// Room for the axis labels.
const LEFT: f64 = 56.0;
const RIGHT: f64 = 64.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// Where dates and values fall on the chart.
struct Scale {
    first: Date,
    days: f64,
    low: f64,
    high: f64,
}

impl Scale {
    fn of(points: &[Reading]) -> Option<Self> {
        let first = points.iter().map(|r| r.as_of).min()?;
        let last = points.iter().map(|r| r.as_of).max()?;
        let low = points.iter().map(|r| r.value).fold(f64::INFINITY, f64::min);
        let high = points.iter().map(|r| r.value).fold(f64::NEG_INFINITY, f64::max);
        // Some room above and below, and a span even when every value is the same.
        let pad = ((high - low) * 0.1).max(high.abs() * 0.05).max(1.0);
        Some(Self { first, days: (last - first).num_days() as f64, low: low - pad, high: high + pad })
    }

    fn x(&self, day: Date) -> f64 {
        let span = WIDTH - LEFT - RIGHT;
        if self.days <= 0.0 {
            return LEFT + span / 2.0;
        }
        LEFT + span * (day - self.first).num_days() as f64 / self.days
    }

    fn y(&self, value: f64) -> f64 {
        TOP + (HEIGHT - TOP - BOTTOM) * (self.high - value) / (self.high - self.low)
    }
}

fn number(value: f64) -> String {
    format!("{:.1}", value)
}

/// The chart and its table for one indicator, in the dashboard's words.
pub(crate) fn indicator(i: &IndicatorStatus) -> Markup {
    indicator_in(layout::Voice::DASHBOARD, i)
}

/// The chart and its table for one indicator, in `voice`.
pub(crate) fn indicator_in(voice: layout::Voice, i: &IndicatorStatus) -> Markup {
    let lang = voice.lang;
    let mut points: Vec<Reading> = i.readings.clone();
    points.extend(i.baseline);
    points.extend(i.targets.iter().copied());
    let Some(scale) = Scale::of(&points) else {
        return html! { p.note { (lang.text("chart-none")) } };
    };
    let figure = |reading: Option<Reading>, id: &str| {
        reading.map_or_else(
            || lang.text("chart-nothing"),
            |r| lang.with(id, &[("value", r.value.into()), ("date", voice.day(r.as_of).into())]),
        )
    };
    let label = lang.with(
        "chart-label",
        &[
            ("title", i.title.as_str().into()),
            ("unit", i.unit.as_str().into()),
            ("baseline", figure(i.baseline, "chart-value-on").into()),
            ("readings", i.readings.len().into()),
            ("latest", figure(i.latest, "chart-value-on").into()),
            ("target", figure(i.target, "chart-value-by").into()),
        ],
    );
    let line: Vec<String> =
        i.readings.iter().map(|r| format!("{},{}", number(scale.x(r.as_of)), number(scale.y(r.value)))).collect();
    let ticks = [scale.low, (scale.low + scale.high) / 2.0, scale.high];
    let dates: Vec<Date> = {
        let mut d: Vec<Date> = points.iter().map(|r| r.as_of).collect();
        d.sort();
        d.dedup();
        d
    };
    // Each row's date, figure (baseline, reading, target, in that order on one day) and value.
    let mut rows: Vec<(Date, usize, f64)> = i
        .baseline
        .iter()
        .map(|b| (b.as_of, 0, b.value))
        .chain(i.readings.iter().map(|r| (r.as_of, 1, r.value)))
        .chain(i.targets.iter().map(|t| (t.as_of, 2, t.value)))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let figures = ["figure-baseline", "figure-reading", "figure-target"].map(|id| lang.text(id));
    html! {
        div.chart {
            svg role="img" aria-label=(label) viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width=(WIDTH) height=(HEIGHT) {
                title { (label) }
                rect x="0" y="0" width=(WIDTH) height=(HEIGHT) fill="#ffffff" {}
                @for tick in ticks {
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(number(scale.y(tick))) y2=(number(scale.y(tick))) stroke="#dddddd" {}
                    text x=(LEFT - 6.0) y=(number(scale.y(tick) + 4.0)) text-anchor="end" font-size="11" fill="#1b1b1b" { (format!("{tick:.0}")) }
                }
                @for day in &dates {
                    text x=(number(scale.x(*day))) y=(HEIGHT - BOTTOM + 16.0) text-anchor="middle" font-size="10" fill="#1b1b1b" { (day) }
                }
                @if let Some(b) = i.baseline {
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(number(scale.y(b.value))) y2=(number(scale.y(b.value))) stroke="#4a4a4a" stroke-dasharray="6 4" {}
                    text x=(WIDTH - RIGHT + 4.0) y=(number(scale.y(b.value) + 4.0)) font-size="11" fill="#4a4a4a" { (lang.text("chart-baseline")) }
                }
                @for t in &i.targets {
                    path d=(format!("M {x} {top} l 6 6 l -6 6 l -6 -6 z", x = number(scale.x(t.as_of)), top = number(scale.y(t.value) - 6.0))) fill="#ffffff" stroke="#1e6b34" stroke-width="2" {}
                    text x=(number(scale.x(t.as_of))) y=(number(scale.y(t.value) - 10.0)) text-anchor="middle" font-size="11" fill="#1e6b34" { (lang.with("chart-target", &[("value", t.value.into())])) }
                }
                @if line.len() > 1 {
                    polyline points=(line.join(" ")) fill="none" stroke="#1d4f91" stroke-width="2" {}
                }
                @for r in &i.readings {
                    circle cx=(number(scale.x(r.as_of))) cy=(number(scale.y(r.value))) r="4" fill="#1d4f91" {}
                }
            }
            (layout::scrolling(&lang.text("chart-readings"), html! {
                table {
                    caption { (voice.english(&i.title)) " (" (voice.english(&i.unit)) ")" }
                    thead { tr { th scope="col" { (lang.text("col-date")) } th scope="col" { (lang.text("col-figure")) } th scope="col" .num { (lang.text("col-value")) } } }
                    tbody {
                        @for (day, figure, value) in &rows {
                            tr { td { (voice.day(*day)) } th scope="row" { (figures[*figure]) } td.num { (value) } }
                        }
                    }
                }
            }))
        }
    }
}
