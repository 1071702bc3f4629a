//! Timestamps at microsecond precision, the finest both SQLite integers and PostgreSQL
//! `timestamptz` keep exactly, so that a time survives a round trip through either store and
//! hashes to the same bytes.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A UTC instant truncated to whole microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Truncates `at` to microseconds.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self::from_micros(at.timestamp_micros()).unwrap_or(Self(at))
    }

    /// Microseconds since the Unix epoch, or `None` when out of range.
    pub fn from_micros(micros: i64) -> Option<Self> {
        Utc.timestamp_micros(micros).single().map(Self)
    }

    /// Microseconds since the Unix epoch: the stored and hashed form.
    pub fn as_micros(self) -> i64 {
        self.0.timestamp_micros()
    }

    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// The instant `span` before this one, or the earliest there is when that is out of range.
    pub fn before(self, span: std::time::Duration) -> Self {
        let micros = i64::try_from(span.as_micros()).unwrap_or(i64::MAX);
        Self::from_micros(self.as_micros().saturating_sub(micros)).unwrap_or(Self(DateTime::<Utc>::MIN_UTC))
    }

    /// Parses RFC 3339 (`2020-12-01T14:00:00Z`) or a plain date (`2020-12-01`, read as the
    /// start of that day in UTC).
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(Self::from_datetime(at.with_timezone(&Utc)));
        }
        if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            if let Some(at) = day.and_hms_opt(0, 0, 0) {
                return Ok(Self::from_datetime(at.and_utc()));
            }
        }
        Err(format!(
            "'{text}' is not a date or time: give a date as YYYY-MM-DD or a time as RFC 3339, such as 2020-12-01T14:00:00Z"
        ))
    }

    /// Parses an RFC 3339 time, or a plain date read as the whole of that day: its last
    /// microsecond, so that "as known on 2021-03-09" includes everything recorded that day.
    pub fn parse_end_of(text: &str) -> Result<Self, String> {
        if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            let end = day.and_hms_micro_opt(23, 59, 59, 999_999).map(|t| t.and_utc());
            return end.map(Self::from_datetime).ok_or_else(|| format!("{text} is out of range"));
        }
        Self::parse(text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_goes_back_by_the_span_and_stops_at_the_earliest_time() {
        let at = Timestamp::parse("2024-03-05T10:00:00Z").expect("a time");
        let span = std::time::Duration::from_secs(10 * 60);
        assert_eq!(at.before(span), Timestamp::parse("2024-03-05T09:50:00Z").expect("a time"));
        assert_eq!(at.before(std::time::Duration::MAX), Timestamp(DateTime::<Utc>::MIN_UTC));
    }

    #[test]
    fn truncates_to_microseconds_and_round_trips() {
        let at = Utc.timestamp_opt(1_606_780_800, 123_456_789).single().expect("valid");
        let ts = Timestamp::from_datetime(at);
        assert_eq!(ts.as_micros(), 1_606_780_800_123_456);
        assert_eq!(Timestamp::from_micros(ts.as_micros()), Some(ts));
    }

    #[test]
    fn parses_dates_and_times() {
        assert_eq!(Timestamp::parse("2020-12-01").expect("date").to_string(), "2020-12-01T00:00:00Z");
        assert_eq!(Timestamp::parse("2018-01-29T10:30:00+00:00").expect("time").to_string(), "2018-01-29T10:30:00Z");
        assert_eq!(Timestamp::parse_end_of("2020-12-01").expect("date").to_string(), "2020-12-01T23:59:59.999999Z");
        assert_eq!(Timestamp::parse_end_of("2020-12-01T14:00:00Z").expect("time").to_string(), "2020-12-01T14:00:00Z");
        let err = Timestamp::parse("01/12/2020").expect_err("dd/mm/yyyy is not accepted");
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }
}
