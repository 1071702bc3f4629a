//! The cosignature quorum: which checkpoint the log serves as its own (`GET /api/v1/checkpoint`,
//! and every proof made against it), the latest one at least `quorum` of the witnesses it names
//! have cosigned (`[transparency] quorum`, `docs/audit.md`).

use kernel::{SignedCheckpoint, StoreError};

use crate::{NoteVerifier, Stores};

/// How many checkpoints are read at a time when looking back for one the quorum cosigned.
const PAGE: u32 = 100;

/// The witnesses the log names and how many of them must cosign a checkpoint before it is served.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Witnessing {
    /// The witnesses whose cosignatures the log keeps and serves with its checkpoints.
    pub witnesses: Vec<NoteVerifier>,
    /// How many of them must have cosigned a checkpoint for it to be served; 0 serves the latest.
    pub quorum: usize,
}

/// A checkpoint as served, with the witnesses (of those named) that cosigned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    pub checkpoint: SignedCheckpoint,
    pub cosigned_by: Vec<String>,
}

/// Why no checkpoint is served.
#[derive(Debug, thiserror::Error)]
pub enum Unserved {
    #[error(
        "no checkpoint has been signed yet: name a signing key in covenant.toml as [transparency] key = \"FILE\" (`covenant keys init` makes one) and `covenant serve` signs one as soon as the log holds events, or run `covenant checkpoint`"
    )]
    NoneSigned,
    #[error(
        "no checkpoint has yet been cosigned by {quorum} of the {named} witnesses this log names ([transparency] quorum): the latest, of {size} events, is cosigned by {cosigned}; it is served once enough witnesses cosign it (`covenant witness`)"
    )]
    NoQuorum { quorum: usize, named: usize, size: u64, cosigned: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Witnessing {
    /// The names of the witnesses, of those named, whose cosignature on `note` verifies.
    pub fn cosigners(&self, note: &str) -> Vec<String> {
        self.witnesses.iter().filter(|w| w.open_cosigned(note).is_ok()).map(|w| w.name().to_owned()).collect()
    }

    /// The checkpoint signed last, whatever its cosignatures: the one witnesses are asked to cosign.
    pub async fn latest(&self, stores: &Stores) -> Result<Served, Unserved> {
        let checkpoint = stores.checkpoints.latest_checkpoint().await?.ok_or(Unserved::NoneSigned)?;
        Ok(Served { cosigned_by: self.cosigners(&checkpoint.note), checkpoint })
    }

    /// The checkpoint the log serves as its own: the latest one cosigned by at least `quorum`
    /// of the witnesses named (the latest of all when `quorum` is 0).
    pub async fn served(&self, stores: &Stores) -> Result<Served, Unserved> {
        let latest = self.latest(stores).await?;
        if latest.cosigned_by.len() >= self.quorum {
            return Ok(latest);
        }
        let mut below = latest.checkpoint.size;
        loop {
            let page = stores.checkpoints.checkpoints_below(below, PAGE).await?;
            for checkpoint in &page {
                let cosigned_by = self.cosigners(&checkpoint.note);
                if cosigned_by.len() >= self.quorum {
                    return Ok(Served { checkpoint: checkpoint.clone(), cosigned_by });
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => below = last.size,
                _ => break,
            }
        }
        Err(Unserved::NoQuorum {
            quorum: self.quorum,
            named: self.witnesses.len(),
            size: latest.checkpoint.size,
            cosigned: latest.cosigned_by.len(),
        })
    }
}
