//! An export of the log as CloudEvents: the events a [`Filter`] selects, read a page at a time
//! and encoded by the format ([`super::encode`]).

use std::sync::Arc;

use kernel::{EventStore, EventType, Position, RecordedEvent, StreamId, Timestamp};

use super::{ExportError, PAGE, TYPE_PREFIX, encode, log_source, parse_type_name};

/// Which events an export holds: every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only events after this position.
    pub after: Position,
    /// Only events up to and including this position.
    pub until: Option<Position>,
    /// Only the events of this stream.
    pub stream: Option<StreamId>,
    /// Only events of this stored type, and of this schema version when one is given.
    pub event_type: Option<(EventType, Option<u32>)>,
    /// Only events that happened (`occurred_at`) at or after this time.
    pub from: Option<Timestamp>,
    /// Only events that happened at or before this time.
    pub to: Option<Timestamp>,
}

/// A filter as an interface receives it: the same names on the command line and over HTTP.
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterArgs<'a> {
    pub after: Option<u64>,
    pub until: Option<u64>,
    pub stream: Option<&'a str>,
    pub event_type: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// A filter that cannot select anything as given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {detail}")]
pub struct InvalidFilter {
    /// The option or query parameter at fault.
    pub parameter: &'static str,
    pub detail: String,
}

impl Filter {
    /// Reads a filter; `from` and `to` take a date (the whole day) or an RFC 3339 time, `type` a
    /// CloudEvents type with or without its `.v<N>`, or a stored type name.
    pub fn parse(args: FilterArgs<'_>) -> Result<Filter, InvalidFilter> {
        let invalid = |parameter, detail: String| InvalidFilter { parameter, detail };
        let after = Position(args.after.unwrap_or(0));
        let until = args.until.map(Position);
        if until.is_some_and(|until| until <= after) {
            return Err(invalid(
                "until",
                format!("{} is not after {after}: give until greater than after", until.unwrap_or_default()),
            ));
        }
        let stream = args.stream.map(StreamId::parse).transpose().map_err(|e| invalid("stream", e))?;
        let event_type =
            args.event_type
                .map(|t| {
                    if t.starts_with(TYPE_PREFIX) { parse_type_name(t) } else { EventType::parse(t).map(|t| (t, None)) }
                })
                .transpose()
                .map_err(|e| invalid("type", e))?;
        let from = args.from.map(Timestamp::parse).transpose().map_err(|e| invalid("from", e))?;
        let to = args.to.map(Timestamp::parse_end_of).transpose().map_err(|e| invalid("to", e))?;
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(invalid(
                    "to",
                    format!("{to} is before from ({from}): give a period that ends after it starts"),
                ));
            }
        }
        Ok(Filter { after, until, stream, event_type, from, to })
    }

    pub(super) fn matches(&self, event: &RecordedEvent) -> bool {
        let occurred = event.metadata.occurred_at;
        self.stream.as_ref().is_none_or(|s| *s == event.stream_id)
            && self.event_type.as_ref().is_none_or(|(name, version)| {
                *name == event.event_type && version.is_none_or(|v| v == event.schema_version)
            })
            && self.from.is_none_or(|from| occurred >= from)
            && self.to.is_none_or(|to| occurred <= to)
    }
}

/// An export in progress: the log read a page at a time from the filter's `after`.
pub struct Export {
    store: Arc<dyn EventStore>,
    filter: Filter,
    log: String,
    reached: Position,
    finished: bool,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export").field("filter", &self.filter).field("reached", &self.reached).finish_non_exhaustive()
    }
}

impl Export {
    /// Starts an export of the events `filter` selects.
    pub async fn start(store: Arc<dyn EventStore>, filter: Filter) -> Result<Export, ExportError> {
        let log = log_source(store.as_ref()).await?;
        let reached = filter.after;
        Ok(Export { store, filter, log, reached, finished: false })
    }

    /// The position read up to so far.
    pub fn reached(&self) -> Position {
        self.reached
    }

    /// Reads the next page of the log and encodes the events of it that the filter selects,
    /// one line each without its newline; `None` once the log or the filter's range is done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<String>>, ExportError> {
        if self.finished {
            return Ok(None);
        }
        let remaining = self.filter.until.map_or(u64::MAX, |until| until.0.saturating_sub(self.reached.0));
        let limit = PAGE.min(usize::try_from(remaining).unwrap_or(usize::MAX));
        if limit == 0 {
            self.finished = true;
            return Ok(None);
        }
        let page = self.store.read_all(self.reached, limit).await?;
        let Some(last) = page.last() else {
            self.finished = true;
            return Ok(None);
        };
        self.reached = last.position;
        self.finished = self.filter.until.is_some_and(|until| self.reached >= until) || page.len() < limit;
        let lines: Result<Vec<String>, ExportError> =
            page.iter().filter(|e| self.filter.matches(e)).map(|e| encode(e, &self.log)).collect();
        lines.map(Some)
    }

    /// Writes every remaining event the filter selects to `out` as JSON Lines, telling
    /// `progress` the position reached after each page, and returns how many were written.
    pub async fn write_to(
        &mut self,
        out: &mut impl std::io::Write,
        mut progress: impl FnMut(Position),
    ) -> Result<u64, ExportError> {
        let mut written = 0;
        while let Some(lines) = self.next_page().await? {
            for line in &lines {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            written += lines.len() as u64;
            progress(self.reached);
        }
        out.flush()?;
        Ok(written)
    }
}
