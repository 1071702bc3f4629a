//! Shared value types of the governance model: aggregate keys, org-id style organisation
//! identifiers, document content hashes, date periods and trimmed, non-empty text. Each is parsed
//! once at the edge and trusted from then on.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A value's serialised name in words, for messages and reports: `in_delivery` becomes
/// `in delivery`. Empty for a value that does not serialise to a string.
pub fn in_words<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name.replace('_', " "),
        _ => String::new(),
    }
}

/// A calendar date, as councils record decisions: `2020-12-01`.
pub type Date = NaiveDate;

/// The earliest date accepted in a command, a query or a file: 1 January 1900. Nothing
/// Covenant records happened before it, so an earlier date is a typing error (year 0 for 2020).
pub fn earliest_date() -> Date {
    Date::from_ymd_opt(1900, 1, 1).unwrap_or(Date::MIN)
}

/// The latest date accepted in a command, a query or a file: 31 December 2099. Planned dates (a
/// due date, a target, the end of a strategy's period) may lie years ahead, but not this far.
pub fn latest_date() -> Date {
    Date::from_ymd_opt(2099, 12, 31).unwrap_or(Date::MAX)
}

/// A date as Covenant's commands, queries and files write it: YYYY-MM-DD, with four digits of
/// year and two each of month and day, a day the calendar has, from [`earliest_date`] to
/// [`latest_date`].
pub fn parse_date(text: &str) -> Result<Date, NotADate> {
    let date = written_date(text)
        .ok_or_else(|| NotADate::Malformed(text.to_owned()))?
        .ok_or_else(|| NotADate::Impossible(text.to_owned()))?;
    if date < earliest_date() || date > latest_date() {
        return Err(NotADate::Implausible(date));
    }
    Ok(date)
}

/// The day `text` names when it is written YYYY-MM-DD: `None` when it is written otherwise,
/// `Some(None)` when the calendar has no such day, reading the digits themselves.
fn written_date(text: &str) -> Option<Option<Date>> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        return None;
    }
    let number = |from: usize, to: usize| text.as_bytes()[from..to].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
    let year = i32::try_from(number(0, 4)).ok()?;
    Some(Date::from_ymd_opt(year, number(5, 7), number(8, 10)))
}

/// Reads a date field of a stored event as chrono reads it, for `#[serde(deserialize_with)]` on
/// the fields read most often: YYYY-MM-DD, the form every event is written in, read directly;
/// any other form chrono accepts still read by chrono, so no stored event reads differently.
pub(crate) fn stored_date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    kernel::from_text(deserializer, "a formatted date string", |text| match written_date(text) {
        Some(Some(date)) => Ok(date),
        _ => text.parse::<Date>(),
    })
}

/// Text that is not a date written as YYYY-MM-DD, or a date outside the years Covenant accepts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotADate {
    #[error("'{0}' is not a date: write it as YYYY-MM-DD")]
    Malformed(String),
    #[error("'{0}' is not a day of the calendar: write a real date as YYYY-MM-DD")]
    Impossible(String),
    #[error("{0} is not a plausible date: give a date from 1900-01-01 to 2099-12-31 as YYYY-MM-DD")]
    Implausible(Date),
}

/// Reads a date field of a command with [`parse_date`], for `#[serde(deserialize_with)]`: chrono's
/// own reading accepts `2021-3-10`, which a command must not.
pub(crate) fn strict_date<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    kernel::from_text(deserializer, "a date written as YYYY-MM-DD", parse_date)
}

/// [`strict_date`] for an optional date field; use with `#[serde(default)]`.
pub(crate) fn strict_optional_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Date>, D::Error> {
    Option::<StrictDate>::deserialize(deserializer).map(|date| date.map(|d| d.0))
}

/// A date read with [`strict_date`].
struct StrictDate(Date);

impl<'de> Deserialize<'de> for StrictDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        strict_date(deserializer).map(StrictDate)
    }
}

/// The longest key accepted, in bytes; short enough that every stream id built from it is valid.
pub const MAX_KEY_BYTES: usize = 120;

/// The key of one aggregate instance, such as `homes-for-independence-blueprint`: 1 to 120
/// lowercase ASCII letters, digits and single hyphens, starting and ending with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Key(String);

impl Key {
    /// The shape [`Key::parse`] accepts, as a regular expression (for an API's description), up
    /// to [`MAX_KEY_BYTES`] long.
    pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let shape_ok = !text.is_empty()
            && text.len() <= MAX_KEY_BYTES
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--");
        if shape_ok {
            Ok(Self(text))
        } else {
            Err(format!(
                "key '{text}' is not valid: use 1 to {MAX_KEY_BYTES} lowercase letters, digits and single hyphens, such as homes-for-independence-blueprint"
            ))
        }
    }

    /// A key made of `words`: their lowercase ASCII letters and digits, each run joined to the
    /// next by one hyphen, as `Health and Wellbeing Board 2024-03-05` gives
    /// `health-and-wellbeing-board-2024-03-05`.
    pub fn from_words(words: &str) -> Result<Self, String> {
        let lower = words.to_lowercase();
        let parts: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect();
        Self::parse(parts.join("-"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Key {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Key> for String {
    fn from(value: Key) -> Self {
        value.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The registers an organisation identifier may come from, in the org-id.guide style.
///
/// `LOCAL` is Covenant's own list, for partnerships and forums that no public register holds.
pub const ORG_ID_SCHEMES: &[&str] = &["GB-LAE", "GB-NHS", "GB-CHC", "GB-COH", "GB-MPR", "GB-GOR", "GB-EDU", "LOCAL"];

/// An organisation identifier in the org-id style: a register prefix and the organisation's code
/// in that register, such as `GB-LAE-WLI` (West Lindsey District Council in the local authority
/// register), `GB-NHS-QUA` (an NHS ODS code) or `GB-CHC-1234567` (a registered charity).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl OrgId {
    /// The shape [`OrgId::parse`] accepts, as a regular expression (for an API's description).
    pub fn pattern() -> String {
        format!("^({})-[A-Z0-9-]{{1,60}}$", ORG_ID_SCHEMES.join("|"))
    }

    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let code = ORG_ID_SCHEMES.iter().find_map(|scheme| text.strip_prefix(scheme)?.strip_prefix('-'));
        match code {
            Some(code)
                if !code.is_empty()
                    && code.len() <= 60
                    && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Ok(Self(text))
            }
            _ => Err(format!(
                "organisation identifier '{text}' is not in the org-id style: give a register prefix ({}) and an upper-case code, such as GB-LAE-WLI",
                ORG_ID_SCHEMES.join(", ")
            )),
        }
    }

    /// The register prefix, such as `GB-LAE`.
    pub fn scheme(&self) -> &str {
        ORG_ID_SCHEMES.iter().find(|scheme| self.0.starts_with(*scheme)).copied().unwrap_or("")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<OrgId> for String {
    fn from(value: OrgId) -> Self {
        value.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 hash of a document's bytes, written `sha256:` and 64 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentHash(String);

impl ContentHash {
    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let valid = text.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if valid {
            Ok(Self(text))
        } else {
            Err(format!(
                "content hash '{text}' is not valid: give 'sha256:' followed by the 64 lowercase hex digits of the document's SHA-256"
            ))
        }
    }

    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ContentHash {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<ContentHash> for String {
    fn from(value: ContentHash) -> Self {
        value.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A span of dates, both ends inclusive, such as a strategy's 2023 to 2028.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    #[serde(deserialize_with = "strict_date")]
    pub from: Date,
    #[serde(deserialize_with = "strict_date")]
    pub to: Date,
}

impl Period {
    /// A period, or a message when it ends before it starts.
    pub fn new(from: Date, to: Date) -> Result<Self, String> {
        if to < from {
            Err(format!("period ends on {to}, before it starts on {from}: give the start date first"))
        } else {
            Ok(Self { from, to })
        }
    }

    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }
}

/// True when `text` has something in it besides whitespace.
pub(crate) fn has_text(text: &str) -> bool {
    !text.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_yyyy_mm_dd_only() {
        assert_eq!(parse_date("2021-03-09"), Ok(Date::from_ymd_opt(2021, 3, 9).expect("a date")));
        for bad in ["09/03/2021", "10/03/2021", "2021-3-10", "2021-03-9", "+2021-03-09", "9 March 2021", ""] {
            let error = parse_date(bad).expect_err(bad);
            assert_eq!(error.to_string(), format!("'{bad}' is not a date: write it as YYYY-MM-DD"));
        }
        let error = parse_date("2021-02-30").expect_err("no 30 February");
        assert_eq!(error.to_string(), "'2021-02-30' is not a day of the calendar: write a real date as YYYY-MM-DD");
        for implausible in ["0000-01-01", "1899-12-31", "2100-01-01", "2999-01-01"] {
            let error = parse_date(implausible).expect_err(implausible);
            assert!(matches!(error, NotADate::Implausible(_)), "{implausible}: {error}");
            assert!(error.to_string().contains("from 1900-01-01 to 2099-12-31"), "{error}");
        }
        assert!(parse_date("1900-01-01").is_ok() && parse_date("2099-12-31").is_ok());
    }

    #[test]
    fn stored_dates_read_as_chrono_reads_them() {
        let stored = |text: &str| {
            let read = stored_date(serde_json::Value::String(text.to_owned())).map_err(|e| e.to_string());
            let chrono = text.parse::<Date>().map_err(|e| e.to_string());
            assert_eq!(read.is_ok(), chrono.is_ok(), "{text}: {read:?} against chrono's {chrono:?}");
            read.ok().inspect(|date| assert_eq!(Some(*date), chrono.ok(), "{text}"))
        };
        let day = |y, m, d| Date::from_ymd_opt(y, m, d);
        assert_eq!(stored("2021-03-09"), day(2021, 3, 9));
        // Forms no command writes, which a stored event still reads as it always has.
        assert_eq!(stored("2021-3-10"), day(2021, 3, 10));
        assert_eq!(stored("0999-01-01"), day(999, 1, 1));
        for bad in ["2021-02-30", "2021-13-01", "09/03/2021", ""] {
            assert_eq!(stored(bad), None, "{bad}");
        }
        let error = stored_date(serde_json::json!(20210309)).expect_err("a number is not a date");
        assert!(error.to_string().contains("a formatted date string"), "{error}");
    }

    #[test]
    fn keys_are_checked() {
        assert!(Key::parse("homes-for-independence").is_ok());
        for bad in ["", "Upper", "a--b", "-a", "a-", "a b", &"x".repeat(121)] {
            assert!(Key::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn org_ids_follow_the_org_id_style() {
        for good in ["GB-LAE-WLI", "GB-NHS-QUA", "GB-CHC-1234567", "GB-COH-01234567", "LOCAL-WALSALL-TOGETHER"] {
            assert!(OrgId::parse(good).is_ok(), "{good}");
        }
        assert_eq!(OrgId::parse("GB-LAE-WLI").expect("valid").scheme(), "GB-LAE");
        for bad in ["WLI", "GB-LAE-", "GB-XYZ-ABC", "GB-LAE-wli"] {
            let err = OrgId::parse(bad).expect_err(bad);
            assert!(err.contains("org-id style"), "{err}");
        }
    }

    #[test]
    fn content_hashes_are_checked() {
        let hash = ContentHash::of(b"Lincolnshire Homes for Independence Blueprint");
        assert_eq!(ContentHash::parse(hash.as_str()), Ok(hash.clone()));
        assert!(ContentHash::parse("sha256:abc").is_err());
        assert!(ContentHash::parse(hash.as_str().to_uppercase()).is_err());
    }

    #[test]
    fn periods_run_forwards() {
        let from = Date::from_ymd_opt(2023, 4, 1).expect("date");
        let to = Date::from_ymd_opt(2028, 3, 31).expect("date");
        assert!(Period::new(from, to).is_ok());
        assert!(Period::new(to, from).expect_err("backwards").contains("before it starts"));
    }
}
