//! Which commitments an organisation holds, found by reading the log: what a succession needs
//! to know to transfer them.
//!
//! The log is read from the start, decoding only `CommitmentMade` and `CommitmentTransferred`
//! events. A succession is rare (a reorganisation happens once in an organisation's life), so a
//! full read is affordable; a read model of commitments by organisation can replace it when one
//! is kept beside the log.

use std::collections::BTreeMap;

use domain::{Event, OrgId, codec, commitment};
use kernel::{EventStore, Position, StreamId};

use crate::RecordError;

/// Events read per page.
const PAGE: usize = 10_000;

/// The commitment streams whose current holder is `organisation`, whatever their status.
pub(crate) async fn commitments_held_by(
    store: &dyn EventStore,
    organisation: &OrgId,
) -> Result<Vec<StreamId>, RecordError> {
    let mut holders: BTreeMap<StreamId, OrgId> = BTreeMap::new();
    let mut after = Position::ZERO;
    loop {
        let page = store.read_all(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for recorded in &page {
            if !matches!(recorded.event_type.as_str(), "CommitmentMade" | "CommitmentTransferred") {
                continue;
            }
            let event = codec::decode_recorded(recorded).map_err(|e| RecordError::undecodable(recorded, &e))?;
            match event {
                Event::Commitment(commitment::Event::Made { organisation, .. })
                | Event::Commitment(commitment::Event::Transferred { to: organisation, .. }) => {
                    holders.insert(recorded.stream_id.clone(), organisation);
                }
                _ => {}
            }
        }
    }
    Ok(holders.into_iter().filter(|(_, holder)| holder == organisation).map(|(stream, _)| stream).collect())
}
