//! Event ids derived from an idempotency key: the same request sent again under the same key
//! decides on events with the same ids, so the store recognises what it already holds.
//!
//! Each id is a UUIDv8 (RFC 9562, name-based with SHA-256) over the key's scope (whose key it is,
//! such as an access token's id), the key, the command's index in the request and the event's
//! index among the events the command decided and caused.

use kernel::EventId;
use sha2::{Digest, Sha256};

/// The seed of a request's event ids: SHA-256 of its idempotency key's scope and key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSeed([u8; 32]);

impl IdSeed {
    /// The seed for `key` of `scope`. Keys of different scopes never give the same ids.
    pub fn new(scope: &str, key: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"covenant idempotency key\0");
        for part in [scope, key] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        Self(hasher.finalize().into())
    }

    /// The id of event `event` (0-based, the events the command decided, then those it caused) of
    /// command `item` (0-based, in request order).
    pub fn event_id(&self, item: usize, event: usize) -> EventId {
        let mut hasher = Sha256::new();
        hasher.update(self.0);
        hasher.update((item as u64).to_be_bytes());
        hasher.update((event as u64).to_be_bytes());
        let digest: [u8; 32] = hasher.finalize().into();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        EventId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_scope_key_command_and_event() {
        let seed = IdSeed::new("token-1", "key-1");
        assert_eq!(seed.event_id(0, 0), IdSeed::new("token-1", "key-1").event_id(0, 0));
        let ids = [
            seed.event_id(0, 0),
            seed.event_id(0, 1),
            seed.event_id(1, 0),
            IdSeed::new("token-2", "key-1").event_id(0, 0),
            IdSeed::new("token-1", "key-2").event_id(0, 0),
            IdSeed::new("token-1k", "ey-1").event_id(0, 0),
        ];
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        assert_eq!(seed.event_id(0, 0).0.get_version_num(), 8);
    }
}
