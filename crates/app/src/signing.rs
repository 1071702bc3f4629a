//! Signing the log's checkpoints: reading the signing key's file, signing the head and keeping
//! the note beside the log, and deciding when the service signs again (`docs/audit.md`).

use std::path::{Path, PathBuf};

use kernel::{SignedCheckpoint, StoreError, Timestamp, TreeError};

use crate::{Checkpoint, CheckpointPolicy, KeyKind, NoteError, NoteSigner, NoteVerifier, Stores};

/// Why no checkpoint was signed.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error(
        "no key to sign checkpoints with: give --key FILE, or name the file in covenant.toml as [transparency] key = \"FILE\" (`covenant keys init` makes one)"
    )]
    NoKey,
    #[error("failed to read the signing key {}: {detail}", path.display())]
    KeyFile { path: PathBuf, detail: String },
    #[error("failed to read the signing key in {}: {error}", path.display())]
    Key { path: PathBuf, error: NoteError },
    /// The log holds fewer events than a checkpoint already signed: it must not be vouched for.
    #[error(
        "the log holds {head} events but a checkpoint was already signed for {signed}: the log was cut short, so no checkpoint is signed; run `covenant verify` and restore the log from a backup"
    )]
    Shrank { signed: u64, head: u64 },
    #[error("failed to read the Merkle tree's root: {0}")]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads the signing key from `path`, or from the file the configuration names when `path` is
/// `None`.
pub fn read_signer(path: Option<&Path>) -> Result<NoteSigner, SigningError> {
    let path = path.ok_or(SigningError::NoKey)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| SigningError::KeyFile { path: path.to_owned(), detail: e.to_string() })?;
    NoteSigner::parse(&text)
        .and_then(|signer| signer.of_kind(KeyKind::Log))
        .map_err(|error| SigningError::Key { path: path.to_owned(), error })
}

/// Signs the log's current head with `signer`, keeps the signed note beside the log, and
/// returns it.
pub async fn sign_head(stores: &Stores, signer: &NoteSigner) -> Result<SignedCheckpoint, SigningError> {
    let size = stores.events.head().await?.position.0;
    let root = stores.events.tree_root(size).await?;
    let note = Checkpoint { origin: signer.name().to_owned(), size, root }.sign(signer);
    let signed = SignedCheckpoint { size, root, note, signed_at: Timestamp::now() };
    stores.checkpoints.save_checkpoint(&signed).await?;
    Ok(signed)
}

/// Why a witness's cosignature was not kept.
#[derive(Debug, thiserror::Error)]
pub enum CosignatureError {
    #[error(
        "this log accepts no cosignatures: name each witness's key in covenant.toml as [transparency] witnesses = [\"NAME+ID+KEY\"] (the witness prints its key with `covenant keys init --witness`)"
    )]
    NoWitnesses,
    #[error("the cosignature is by none of the witnesses this log names ({names}): {detail}")]
    UnknownWitness { names: String, detail: String },
    #[error(
        "no checkpoint of {0} events was signed by this log: cosign a checkpoint the log serves (GET /api/v1/checkpoint)"
    )]
    NotSigned(u64),
    #[error("the cosigned note is not a checkpoint: {0}")]
    NotACheckpoint(NoteError),
    #[error("the cosigned checkpoint is not this log's checkpoint of {size} events: {detail}")]
    Differs { size: u64, detail: String },
    #[error("the checkpoint of {0} events kept changing while the cosignature was added: send it again")]
    Contended(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keeps a witness's cosignature (`cosigned`: the log's checkpoint, cosigned by one of
/// `witnesses`) with the checkpoint it cosigns, so that the log serves it beside its own
/// signature; returns the checkpoint as now served.
pub async fn accept_cosignature(
    stores: &Stores,
    witnesses: &[NoteVerifier],
    cosigned: &str,
) -> Result<SignedCheckpoint, CosignatureError> {
    if witnesses.is_empty() {
        return Err(CosignatureError::NoWitnesses);
    }
    let mut refusals = Vec::new();
    let found = witnesses.iter().find_map(|witness| match witness.open_cosigned(cosigned) {
        Ok((text, _)) => Some((witness, text)),
        Err(error) => {
            refusals.push(error);
            None
        }
    });
    let Some((witness, text)) = found else {
        let names = witnesses.iter().map(NoteVerifier::name).collect::<Vec<_>>().join(", ");
        // A signature by a named witness that does not verify says more than "not signed".
        let detail = refusals
            .iter()
            .find(|e| matches!(e, NoteError::BadSignature { .. } | NoteError::Note(_)))
            .unwrap_or(&refusals[0])
            .to_string();
        return Err(CosignatureError::UnknownWitness { names, detail });
    };
    let checkpoint = Checkpoint::parse_body(text).map_err(CosignatureError::NotACheckpoint)?;
    for _ in 0..5 {
        let kept = stores.checkpoints.checkpoint_of_size(checkpoint.size).await?;
        let kept = kept.ok_or(CosignatureError::NotSigned(checkpoint.size))?;
        let note = witness
            .add_cosignature(&kept.note, cosigned)
            .map_err(|e| CosignatureError::Differs { size: checkpoint.size, detail: e.to_string() })?;
        if stores.checkpoints.replace_note(checkpoint.size, &kept.note, &note).await? {
            return Ok(SignedCheckpoint { note, ..kept });
        }
    }
    Err(CosignatureError::Contended(checkpoint.size))
}

/// Whether a new checkpoint is due at `now` for a log of `head` events, after `latest`: the log
/// has grown by `every_events` since, or has grown and `every` has passed.
pub fn due(policy: &CheckpointPolicy, latest: Option<&SignedCheckpoint>, head: u64, now: Timestamp) -> bool {
    let Some(latest) = latest else { return head > 0 };
    if head <= latest.size {
        return false;
    }
    let every = i64::try_from(policy.every.as_micros()).unwrap_or(i64::MAX);
    head - latest.size >= policy.every_events || now.as_micros().saturating_sub(latest.signed_at.as_micros()) >= every
}

/// Signs a new checkpoint if one is [`due`], refusing a log shorter than the last checkpoint.
pub async fn sign_if_due(
    stores: &Stores,
    signer: &NoteSigner,
    policy: &CheckpointPolicy,
) -> Result<Option<SignedCheckpoint>, SigningError> {
    let latest = stores.checkpoints.latest_checkpoint().await?;
    let head = stores.events.head().await?.position.0;
    if let Some(signed) = latest.as_ref().map(|c| c.size).filter(|&signed| head < signed) {
        return Err(SigningError::Shrank { signed, head });
    }
    if !due(policy, latest.as_ref(), head, Timestamp::now()) {
        return Ok(None);
    }
    sign_head(stores, signer).await.map(Some)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kernel::Hash;

    use super::*;

    fn signed(size: u64, at: &str) -> SignedCheckpoint {
        SignedCheckpoint {
            size,
            root: Hash([0; 32]),
            note: String::new(),
            signed_at: Timestamp::parse(at).expect("a time"),
        }
    }

    #[test]
    fn a_checkpoint_is_due_after_n_events_or_t_seconds_of_growth() {
        let policy = CheckpointPolicy { every_events: 10, every: Duration::from_secs(60) };
        let at = |t: &str| Timestamp::parse(t).expect("a time");
        assert!(!due(&policy, None, 0, at("2026-01-01T00:00:00Z")), "an empty log has nothing to vouch for");
        assert!(due(&policy, None, 1, at("2026-01-01T00:00:00Z")), "the first event is signed at once");
        let latest = signed(5, "2026-01-01T00:00:00Z");
        assert!(!due(&policy, Some(&latest), 14, at("2026-01-01T00:00:59Z")));
        assert!(due(&policy, Some(&latest), 15, at("2026-01-01T00:00:01Z")), "ten more events");
        assert!(due(&policy, Some(&latest), 6, at("2026-01-01T00:01:00Z")), "a minute of growth");
        assert!(!due(&policy, Some(&latest), 5, at("2026-01-02T00:00:00Z")), "no growth, no new checkpoint");
        assert!(!due(&policy, Some(&latest), 4, at("2026-01-02T00:00:00Z")), "a shorter log is never signed");
    }
}
