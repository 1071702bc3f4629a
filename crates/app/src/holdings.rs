//! What an organisation holds, found by reading the log: the commitments it answers for, the
//! bodies it has sat on and the instruments it is a party to, the streams a succession must load
//! for the domain to pass them on (`domain::memory::succession_consequences` decides what passes).
//!
//! The log is read from the start, decoding only the events that name a commitment's holder, a
//! body's members or an instrument's parties. A succession is rare (a reorganisation happens once in an organisation's life), so a
//! full read is affordable; a read model of commitments by organisation can replace it when one
//! is kept beside the log.

use std::collections::{BTreeMap, BTreeSet};

use domain::{Event, OrgId, body, codec, commitment, instrument};
use kernel::{EventStore, Position, StreamId};

use crate::RecordError;

/// Events read per page.
const PAGE: usize = 10_000;

/// The commitment streams whose current holder is `organisation`, whatever their status, and the
/// body and instrument streams that have ever named it as a member or a party.
pub(crate) async fn held_by(store: &dyn EventStore, organisation: &OrgId) -> Result<Vec<StreamId>, RecordError> {
    let mut holders: BTreeMap<StreamId, OrgId> = BTreeMap::new();
    let mut named: BTreeSet<StreamId> = BTreeSet::new();
    let mut after = Position::ZERO;
    loop {
        let page = store.read_all(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        for recorded in &page {
            if !matches!(
                recorded.event_type.as_str(),
                "CommitmentMade"
                    | "CommitmentTransferred"
                    | "BodyEstablished"
                    | "BodyMemberJoined"
                    | "InstrumentDrafted"
                    | "InstrumentPartyAdded"
                    | "InstrumentPartySucceeded"
            ) {
                continue;
            }
            let event = codec::decode_recorded(recorded)
                .map_err(|e| RecordError::undecodable(recorded.position, &recorded.stream_id, &e))?;
            match event {
                Event::Commitment(commitment::Event::Made { organisation, .. })
                | Event::Commitment(commitment::Event::Transferred { to: organisation, .. }) => {
                    holders.insert(recorded.stream_id.clone(), organisation);
                }
                Event::Body(body::Event::Established { members: orgs, .. })
                | Event::Instrument(instrument::Event::Drafted { parties: orgs, .. })
                    if orgs.contains(organisation) =>
                {
                    named.insert(recorded.stream_id.clone());
                }
                Event::Body(body::Event::MemberJoined { organisation: org, .. })
                | Event::Instrument(instrument::Event::PartyAdded { party: org })
                | Event::Instrument(instrument::Event::PartySucceeded { successor: org, .. })
                    if &org == organisation =>
                {
                    named.insert(recorded.stream_id.clone());
                }
                _ => {}
            }
        }
    }
    let held = holders.into_iter().filter(|(_, holder)| holder == organisation).map(|(stream, _)| stream);
    Ok(held.chain(named).collect())
}
