//! An indicator's readings as a line chart in a box of a given size: the points of the line,
//! the height of the target's dashed line, and the chart described in words. The web page draws
//! it as SVG and the PDF as vector paths, from the same geometry.

use projections::IndicatorStatus;

/// A chart laid out in a `width` × `height` box, y growing downwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// The readings, earliest first, as points in the box.
    pub points: Vec<(f64, f64)>,
    /// The height of the target's line, when the indicator has a target.
    pub target: Option<f64>,
    /// What the chart shows, for those who cannot see it.
    pub label: String,
}

/// The gap kept between the line and the box's edges.
const INSET: f64 = 10.0;

impl Chart {
    /// The chart of `i`'s readings, or none when it has fewer than two to draw a line through.
    pub fn of(i: &IndicatorStatus, width: f64, height: f64) -> Option<Chart> {
        let (first, last) = match i.readings.as_slice() {
            [first, .., last] => (first.as_of, last.as_of),
            _ => return None,
        };
        let values = i.readings.iter().map(|r| r.value).chain(i.target.iter().map(|t| t.value));
        let (low, high) = values.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
        let span = if high > low { high - low } else { 1.0 };
        let days = (last - first).num_days().max(1) as f64;
        let x = |d: domain::Date| INSET + (d - first).num_days() as f64 / days * (width - 2.0 * INSET);
        let y = |v: f64| height - INSET - (v - low) / span * (height - 2.0 * INSET);
        Some(Chart {
            points: i.readings.iter().map(|r| (x(r.as_of), y(r.value))).collect(),
            target: i.target.as_ref().map(|t| y(t.value)),
            label: format!("{}: {} readings from {first} to {last}", i.title, i.readings.len()),
        })
    }

    /// Where the target's line starts and ends across a box `width` wide.
    pub fn target_span(width: f64) -> (f64, f64) {
        (INSET, width - INSET)
    }
}
