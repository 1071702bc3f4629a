//! Identifiers of the event log: stream ids, event ids, event type names and global positions.
//! Each is parsed once at the edge ("parse, don't validate") and trusted from then on. Stream
//! ids and type names are shared text (`Arc<str>`): a reader that meets the same id on many rows
//! parses it once and clones a pointer for the rest.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest stream id accepted, in bytes.
pub const MAX_STREAM_ID_BYTES: usize = 200;
/// The longest event type name accepted, in bytes.
pub const MAX_EVENT_TYPE_BYTES: usize = 100;

/// The id of one stream: one aggregate instance, such as `instrument-homes-for-independence`.
///
/// Between 1 and 200 bytes of UTF-8, with no control characters and no surrounding whitespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(Arc<str>);

impl StreamId {
    pub fn parse(text: impl AsRef<str>) -> Result<Self, String> {
        let text = text.as_ref();
        if text.is_empty() {
            return Err("stream id is empty: give the id of the aggregate, such as organisation-GB-LAE-WLI".into());
        }
        if text.len() > MAX_STREAM_ID_BYTES {
            return Err(format!(
                "stream id is {} bytes long: the limit is {MAX_STREAM_ID_BYTES}; use a shorter id",
                text.len()
            ));
        }
        if text.chars().any(char::is_control) {
            return Err("stream id contains a control character: use printable characters only".into());
        }
        if text.trim() != text {
            return Err(format!("stream id '{text}' starts or ends with whitespace: remove it"));
        }
        Ok(Self(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<StreamId> for String {
    fn from(value: StreamId) -> Self {
        value.0.as_ref().to_owned()
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of an event type, such as `ResolutionRecorded`: letters, digits, `.`, `_` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventType(Arc<str>);

impl EventType {
    pub fn parse(text: impl AsRef<str>) -> Result<Self, String> {
        let text = text.as_ref();
        let valid = !text.is_empty()
            && text.len() <= MAX_EVENT_TYPE_BYTES
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Self(text.into()))
        } else {
            Err(format!(
                "event type '{text}' is not a valid name: use 1 to {MAX_EVENT_TYPE_BYTES} letters, digits, '.', '_' or '-', such as ResolutionRecorded"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EventType {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<EventType> for String {
    fn from(value: EventType) -> Self {
        value.0.as_ref().to_owned()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The unique id of one event, chosen by the writer so that a retry can be recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(pub Uuid);

impl EventId {
    /// A fresh, time-ordered (UUIDv7) id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for EventId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A global position in the log. Positions start at 1 and have no gaps; `Position::ZERO` means
/// "before the first event", the place to start reading from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Position(pub u64);

impl Position {
    pub const ZERO: Position = Position(0);

    pub fn next(self) -> Position {
        Position(self.0 + 1)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interner_checks_each_name_once_and_shares_it() {
        let mut names = Interner::default();
        let first = names.stream_id("commitment-hhcdg-delivery-plan").expect("valid");
        let again = names.stream_id("commitment-hhcdg-delivery-plan").expect("valid");
        assert_eq!(first, again);
        assert_eq!(first.as_str().as_ptr(), again.as_str().as_ptr(), "one allocation, shared");
        assert_ne!(names.stream_id("commitment-other").expect("valid").as_str().as_ptr(), first.as_str().as_ptr());
        let progress = names.event_type("CommitmentProgressReported").expect("valid");
        assert_eq!(
            progress.as_str().as_ptr(),
            names.event_type("CommitmentProgressReported").expect("valid").as_str().as_ptr()
        );
        assert_eq!(names.stream_id(" padded"), StreamId::parse(" padded"), "refused as parse refuses it");
        assert!(names.stream_id(" padded").is_err(), "and not remembered");
        assert!(names.event_type("not a type!").is_err());
    }

    #[test]
    fn stream_ids_are_checked() {
        assert!(StreamId::parse("instrument-homes-for-independence").is_ok());
        assert!(StreamId::parse("").expect_err("empty").contains("empty"));
        assert!(StreamId::parse("x".repeat(201)).expect_err("long").contains("limit is 200"));
        assert!(StreamId::parse("a\nb").expect_err("control").contains("control"));
        assert!(StreamId::parse(" a").expect_err("space").contains("whitespace"));
    }

    #[test]
    fn event_types_are_checked() {
        assert!(EventType::parse("ResolutionRecorded").is_ok());
        assert!(EventType::parse("Resolution Recorded").is_err());
        assert!(EventType::parse("").is_err());
    }
}

/// Checks and shares the stream ids and event types read from stored rows: each distinct one is
/// checked and allocated once, and every later row holding it shares it, so a page of events of
/// a few streams and types allocates a few of each, not one per row. Both stores decode with one
/// per read. A page of the whole log may hold a different stream on every row; each is then
/// allocated once, as it would be without the interner, and the set costs a fast hash of each.
#[derive(Debug, Default)]
pub struct Interner {
    streams: HashSet<StreamId, foldhash::fast::RandomState>,
    types: HashSet<EventType, foldhash::fast::RandomState>,
}

impl Interner {
    /// The stream id `text`, checked as [`StreamId::parse`] checks it.
    pub fn stream_id(&mut self, text: &str) -> Result<StreamId, String> {
        intern(&mut self.streams, text, |t| StreamId::parse(t))
    }

    /// The event type `text`, checked as [`EventType::parse`] checks it.
    pub fn event_type(&mut self, text: &str) -> Result<EventType, String> {
        intern(&mut self.types, text, |t| EventType::parse(t))
    }
}

/// `text` parsed once, then shared: the value `seen` holds for it, or the one `parse` gives.
fn intern<T: Clone + Eq + Hash + Borrow<str>>(
    seen: &mut HashSet<T, foldhash::fast::RandomState>,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    if let Some(value) = seen.get(text) {
        return Ok(value.clone());
    }
    let value = parse(text)?;
    seen.insert(value.clone());
    Ok(value)
}

/// A stream id is looked up by its text: it hashes and compares as its text does.
impl Borrow<str> for StreamId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// An event type is looked up by its name: it hashes and compares as its name does.
impl Borrow<str> for EventType {
    fn borrow(&self) -> &str {
        &self.0
    }
}
