//! The hash chain. Each event's hash is SHA-256 over a canonical encoding of every field that
//! matters, starting with the previous event's hash, so that altering, removing, inserting or
//! reordering any stored event changes every hash from that position on.
//!
//! The canonical encoding, in this order (integers big-endian; "bytes" means a u64 big-endian
//! length followed by the bytes; "optional" means a 0x00 byte for none or 0x01 followed by the
//! value):
//!
//! | field            | encoding                                   |
//! |------------------|--------------------------------------------|
//! | domain tag       | bytes of `covenant.event.v1`               |
//! | previous hash    | 32 bytes (all zero before the first event) |
//! | position         | u64                                        |
//! | stream id        | bytes (UTF-8)                              |
//! | stream version   | u64                                        |
//! | event id         | 16 bytes                                   |
//! | event type       | bytes (UTF-8)                              |
//! | schema version   | u32                                        |
//! | payload          | bytes (canonical JSON, see [`crate::Payload`]) |
//! | actor            | bytes (UTF-8)                              |
//! | correlation id   | 16 bytes                                   |
//! | causation id     | optional 16 bytes                          |
//! | source           | optional bytes (UTF-8)                     |
//! | occurred at      | i64 microseconds since the Unix epoch      |
//! | recorded at      | i64 microseconds since the Unix epoch      |
//!
//! This encoding is a compatibility boundary: changing it needs a new domain tag.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Position, RecordedEvent};

const DOMAIN_TAG: &[u8] = b"covenant.event.v1";

/// A SHA-256 digest.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The link before the first event.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        bytes.try_into().ok().map(Hash)
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    pub fn parse_hex(text: &str) -> Result<Hash, String> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out)
            .map_err(|e| format!("'{text}' is not a SHA-256 hash ({e}): give 64 hexadecimal digits"))?;
        Ok(Hash(out))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl From<Hash> for String {
    fn from(value: Hash) -> Self {
        value.to_hex()
    }
}

/// Read from its 64 hexadecimal digits where the deserializer holds them, without a copy.
impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::from_text(deserializer, "a SHA-256 hash as 64 hexadecimal digits", Hash::parse_hex)
    }
}

/// The last event of a log (or of a verified prefix of it): its position and hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub position: Position,
    pub hash: Hash,
}

/// Computes the hash of `event` from its fields and its `prev_hash`, ignoring its stored `hash`.
pub fn event_hash(event: &RecordedEvent) -> Hash {
    fn bytes(h: &mut Sha256, b: &[u8]) {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    }
    let m = &event.metadata;
    let mut h = Sha256::new();
    bytes(&mut h, DOMAIN_TAG);
    h.update(event.prev_hash.0);
    h.update(event.position.0.to_be_bytes());
    bytes(&mut h, event.stream_id.as_str().as_bytes());
    h.update(event.stream_version.to_be_bytes());
    h.update(event.event_id.0.as_bytes());
    bytes(&mut h, event.event_type.as_str().as_bytes());
    h.update(event.schema_version.to_be_bytes());
    bytes(&mut h, event.payload.as_str().as_bytes());
    bytes(&mut h, m.actor.as_bytes());
    h.update(m.correlation_id.as_bytes());
    match &m.causation_id {
        None => h.update([0]),
        Some(id) => {
            h.update([1]);
            h.update(id.as_bytes());
        }
    }
    match &m.source {
        None => h.update([0]),
        Some(source) => {
            h.update([1]);
            bytes(&mut h, source.as_bytes());
        }
    }
    h.update(m.occurred_at.as_micros().to_be_bytes());
    h.update(event.recorded_at.as_micros().to_be_bytes());
    Hash(h.finalize().into())
}

/// Why verification stopped at a position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VerifyFailure {
    #[error("position {expected} is missing: the next stored event is at position {found}")]
    Gap { expected: Position, found: Position },
    #[error(
        "the event at position {position} does not link to the event before it: it names {stored} as its predecessor's hash, but that hash is {expected}"
    )]
    BrokenLink { position: Position, stored: Hash, expected: Hash },
    #[error(
        "the event at position {position} was altered: its stored hash is {stored}, its content hashes to {computed}"
    )]
    HashMismatch { position: Position, stored: Hash, computed: Hash },
    #[error("the event at checkpoint position {position} has hash {stored}, not the trusted {trusted}")]
    CheckpointMismatch { position: Position, stored: Hash, trusted: Hash },
    #[error("the trusted checkpoint names position {position}, which is not in the log")]
    CheckpointMissing { position: Position },
    /// The log ends before a position a state folded from it had already reached: its tail
    /// was cut off (and any event appended since reuses a position that was seen before).
    #[error(
        "the log ends at position {head}, but it held position {reached} when a state folded from it was saved: events were removed from its end"
    )]
    Shrank { reached: Position, head: Position },
    /// The event at the position a saved state was folded up to is not the one it was folded
    /// from: the log was rewritten since (its chain recomputed to match, or it would not link).
    #[error(
        "the event at position {position} has hash {stored}, but it had hash {saved} when a state folded from the log was saved: the log was rewritten since"
    )]
    Rewritten { position: Position, saved: Hash, stored: Hash },
}

impl VerifyFailure {
    /// The first position that does not verify.
    pub fn position(&self) -> Position {
        match self {
            VerifyFailure::Gap { expected, .. } => *expected,
            VerifyFailure::BrokenLink { position, .. }
            | VerifyFailure::HashMismatch { position, .. }
            | VerifyFailure::CheckpointMismatch { position, .. }
            | VerifyFailure::CheckpointMissing { position }
            | VerifyFailure::Rewritten { position, .. } => *position,
            VerifyFailure::Shrank { head, .. } => head.next(),
        }
    }
}

/// The result of verifying a log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Events whose hash was recomputed.
    pub checked: u64,
    /// The last event that verified (the checkpoint itself when nothing after it did).
    pub verified_head: ChainHead,
    /// The first problem found, if any. Verification stops there.
    pub failure: Option<VerifyFailure>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.failure.is_none()
    }
}

/// Recomputes the chain one event at a time, in position order.
#[derive(Debug)]
pub struct ChainVerifier {
    head: ChainHead,
    checked: u64,
}

impl ChainVerifier {
    /// Starts before the first event, or after a trusted checkpoint.
    pub fn new(from: ChainHead) -> Self {
        Self { head: from, checked: 0 }
    }

    /// Starts just before `event`, taking its stored link to its predecessor on trust, so that
    /// the next [`ChainVerifier::check`] recomputes `event` itself: how a fold resuming after a
    /// trusted position, or a verification from a trusted checkpoint, checks the event it starts
    /// from.
    pub fn before(event: &RecordedEvent) -> Self {
        Self::new(ChainHead { position: Position(event.position.0.saturating_sub(1)), hash: event.prev_hash })
    }

    /// Checks the next event; on failure the verifier must not be fed further.
    pub fn check(&mut self, event: &RecordedEvent) -> Result<(), VerifyFailure> {
        let expected = self.head.position.next();
        if event.position != expected {
            return Err(VerifyFailure::Gap { expected, found: event.position });
        }
        if event.prev_hash != self.head.hash {
            return Err(VerifyFailure::BrokenLink {
                position: event.position,
                stored: event.prev_hash,
                expected: self.head.hash,
            });
        }
        let computed = event_hash(event);
        if computed != event.hash {
            return Err(VerifyFailure::HashMismatch { position: event.position, stored: event.hash, computed });
        }
        self.head = ChainHead { position: event.position, hash: computed };
        self.checked += 1;
        Ok(())
    }

    /// The last event checked, or where the verifier started.
    pub fn head(&self) -> ChainHead {
        self.head
    }

    pub fn finish(self, failure: Option<VerifyFailure>) -> VerifyReport {
        VerifyReport { checked: self.checked, verified_head: self.head, failure }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_written_and_read_as_64_hexadecimal_digits() {
        let hash = Hash([0xab; 32]);
        let json = serde_json::to_string(&hash).expect("serialises");
        assert_eq!(json, format!("\"{}\"", "ab".repeat(32)));
        assert_eq!(serde_json::from_str::<Hash>(&json).expect("reads back"), hash);
        // Escaped text is read as the text it stands for.
        let escaped = format!("\"\\u0061{}\"", "b".to_owned() + &"ab".repeat(31));
        assert_eq!(serde_json::from_str::<Hash>(&escaped).expect("reads"), hash);
        for (bad, says) in [
            ("\"abc\"", "is not a SHA-256 hash"),
            (&format!("\"{}\"", "zz".repeat(32)), "is not a SHA-256 hash"),
            ("42", "a SHA-256 hash as 64 hexadecimal digits"),
        ] {
            let error = serde_json::from_str::<Hash>(bad).expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
