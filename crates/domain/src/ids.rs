//! Stream ids: the naming convention that maps each aggregate instance to its stream.
//!
//! Every stream id is `<aggregate>-<key>`, where `<aggregate>` is one of `organisation`, `body`,
//! `meeting`, `resolution`, `instrument`, `commitment` or `indicator`, and `<key>` is the
//! organisation's org-id (`organisation-GB-LAE-WLI`) or the instance's [`Key`]
//! (`resolution-west-lindsey-pcc-2021-03-09-45`). [`StreamKey::parse`] reads one back.

use std::fmt;

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::values::{Key, OrgId};

/// The seven kinds of aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Organisation,
    Body,
    Meeting,
    Resolution,
    Instrument,
    Commitment,
    Indicator,
}

impl Aggregate {
    pub const ALL: [Aggregate; 7] = [
        Aggregate::Organisation,
        Aggregate::Body,
        Aggregate::Meeting,
        Aggregate::Resolution,
        Aggregate::Instrument,
        Aggregate::Commitment,
        Aggregate::Indicator,
    ];

    /// The stream id prefix, such as `resolution`.
    pub fn prefix(self) -> &'static str {
        match self {
            Aggregate::Organisation => "organisation",
            Aggregate::Body => "body",
            Aggregate::Meeting => "meeting",
            Aggregate::Resolution => "resolution",
            Aggregate::Instrument => "instrument",
            Aggregate::Commitment => "commitment",
            Aggregate::Indicator => "indicator",
        }
    }

    /// The event type name prefix, such as `Resolution` in `ResolutionRecorded`.
    pub fn event_prefix(self) -> &'static str {
        match self {
            Aggregate::Organisation => "Organisation",
            Aggregate::Body => "Body",
            Aggregate::Meeting => "Meeting",
            Aggregate::Resolution => "Resolution",
            Aggregate::Instrument => "Instrument",
            Aggregate::Commitment => "Commitment",
            Aggregate::Indicator => "Indicator",
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

fn stream(aggregate: Aggregate, key: &str) -> StreamId {
    // Keys and org-ids are at most 120 bytes, so the id is always within the kernel's limits.
    StreamId::parse(format!("{}-{key}", aggregate.prefix())).expect("a parsed key always makes a valid stream id")
}

pub fn organisation_stream(id: &OrgId) -> StreamId {
    stream(Aggregate::Organisation, id.as_str())
}

pub fn body_stream(key: &Key) -> StreamId {
    stream(Aggregate::Body, key.as_str())
}

pub fn meeting_stream(key: &Key) -> StreamId {
    stream(Aggregate::Meeting, key.as_str())
}

pub fn resolution_stream(key: &Key) -> StreamId {
    stream(Aggregate::Resolution, key.as_str())
}

pub fn instrument_stream(key: &Key) -> StreamId {
    stream(Aggregate::Instrument, key.as_str())
}

pub fn commitment_stream(key: &Key) -> StreamId {
    stream(Aggregate::Commitment, key.as_str())
}

pub fn indicator_stream(key: &Key) -> StreamId {
    stream(Aggregate::Indicator, key.as_str())
}

/// A stream id read back into its aggregate and instance key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StreamKey {
    Organisation(OrgId),
    Body(Key),
    Meeting(Key),
    Resolution(Key),
    Instrument(Key),
    Commitment(Key),
    Indicator(Key),
}

impl StreamKey {
    /// Reads a stream id that follows the convention, or says why it does not.
    pub fn parse(stream: &StreamId) -> Result<Self, String> {
        let text = stream.as_str();
        let (prefix, rest) = text.split_once('-').ok_or_else(|| not_ours(text))?;
        let key = || Key::parse(rest).map_err(|_| not_ours(text));
        Ok(match prefix {
            "organisation" => StreamKey::Organisation(OrgId::parse(rest).map_err(|_| not_ours(text))?),
            "body" => StreamKey::Body(key()?),
            "meeting" => StreamKey::Meeting(key()?),
            "resolution" => StreamKey::Resolution(key()?),
            "instrument" => StreamKey::Instrument(key()?),
            "commitment" => StreamKey::Commitment(key()?),
            "indicator" => StreamKey::Indicator(key()?),
            _ => return Err(not_ours(text)),
        })
    }

    pub fn aggregate(&self) -> Aggregate {
        match self {
            StreamKey::Organisation(_) => Aggregate::Organisation,
            StreamKey::Body(_) => Aggregate::Body,
            StreamKey::Meeting(_) => Aggregate::Meeting,
            StreamKey::Resolution(_) => Aggregate::Resolution,
            StreamKey::Instrument(_) => Aggregate::Instrument,
            StreamKey::Commitment(_) => Aggregate::Commitment,
            StreamKey::Indicator(_) => Aggregate::Indicator,
        }
    }

    pub fn stream_id(&self) -> StreamId {
        match self {
            StreamKey::Organisation(id) => organisation_stream(id),
            StreamKey::Body(key) => body_stream(key),
            StreamKey::Meeting(key) => meeting_stream(key),
            StreamKey::Resolution(key) => resolution_stream(key),
            StreamKey::Instrument(key) => instrument_stream(key),
            StreamKey::Commitment(key) => commitment_stream(key),
            StreamKey::Indicator(key) => indicator_stream(key),
        }
    }
}

fn not_ours(text: &str) -> String {
    format!(
        "stream id '{text}' does not name a governance aggregate: use <aggregate>-<key>, such as organisation-GB-LAE-WLI or resolution-west-lindsey-pcc-2021-03-09-45"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_round_trip() {
        let org = OrgId::parse("GB-LAE-WLI").expect("org");
        assert_eq!(organisation_stream(&org).as_str(), "organisation-GB-LAE-WLI");
        let key = Key::parse("homes-for-independence").expect("key");
        for sk in [
            StreamKey::Organisation(org),
            StreamKey::Body(key.clone()),
            StreamKey::Meeting(key.clone()),
            StreamKey::Resolution(key.clone()),
            StreamKey::Instrument(key.clone()),
            StreamKey::Commitment(key.clone()),
            StreamKey::Indicator(key),
        ] {
            assert_eq!(StreamKey::parse(&sk.stream_id()), Ok(sk.clone()));
            assert!(sk.stream_id().as_str().starts_with(sk.aggregate().prefix()));
        }
    }

    #[test]
    fn foreign_stream_ids_are_refused() {
        for text in ["orders-1", "body", "body-Upper", "organisation-WLI"] {
            let id = StreamId::parse(text).expect("kernel-valid");
            assert!(StreamKey::parse(&id).expect_err(text).contains("does not name"));
        }
    }
}
