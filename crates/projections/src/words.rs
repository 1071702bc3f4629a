//! The words reports print for the domain's values: RAG as a word (never a colour alone),
//! lifecycle states, outcomes, percentages and numbers. One place, so every report says the same
//! thing the same way.

use domain::instrument;
use domain::rag::Rag;

pub(crate) use domain::values::in_words as word;

/// `GREEN`, `AMBER`, `RED`, or `not rated`.
pub fn rag(rag: Option<Rag>) -> String {
    match rag {
        Some(Rag::Green) => "GREEN".into(),
        Some(Rag::Amber) => "AMBER".into(),
        Some(Rag::Red) => "RED".into(),
        None => "not rated".into(),
    }
}

/// The rating, with the lead's own status beside it where the two differ: `RED (lead: GREEN)`.
pub(crate) fn rag_beside_lead(rated: Option<Rag>, lead: Option<Rag>) -> String {
    match lead {
        Some(lead) if Some(lead) != rated => format!("{} (lead: {})", rag(rated), rag(Some(lead))),
        _ => rag(rated),
    }
}

/// The note that says what "(lead: …)" means, for a report that shows it.
pub(crate) const LEAD_NOTE: &str = "Where the lead's own status differs from the RAG rated by the rule above, it follows in brackets: RED (lead: GREEN).";

/// An instrument's kind, with the abbreviation people use for a memorandum of understanding.
pub fn kind(kind: instrument::Kind) -> String {
    match kind {
        instrument::Kind::Mou => "MOU".into(),
        other => word(&other),
    }
}

/// A percentage rounded to a whole number, or `-` when there is none.
pub(crate) fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:.0}%"))
}

/// An optional value, or `-`.
pub(crate) fn or_dash<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// Rounds a derived figure to one decimal place, as views publish it.
pub(crate) fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Shortens `text` to at most `limit` characters, ending with an ellipsis when cut.
pub(crate) fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_words() {
        assert_eq!(word(&instrument::Status::InDelivery), "in delivery");
        assert_eq!(kind(instrument::Kind::Mou), "MOU");
        assert_eq!(kind(instrument::Kind::ActionPlan), "action plan");
        assert_eq!(rag(Some(Rag::Amber)), "AMBER");
        assert_eq!(rag(None), "not rated");
        assert_eq!(rag_beside_lead(Some(Rag::Red), Some(Rag::Green)), "RED (lead: GREEN)");
        assert_eq!(rag_beside_lead(Some(Rag::Green), Some(Rag::Green)), "GREEN");
        assert_eq!(rag_beside_lead(None, Some(Rag::Amber)), "not rated (lead: AMBER)");
        assert_eq!(rag_beside_lead(Some(Rag::Amber), None), "AMBER");
        assert_eq!(percent(Some(68.75)), "69%");
        assert_eq!(tenths(71.666), 71.7);
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
