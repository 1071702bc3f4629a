//! Signing the log's checkpoints: reading the signing key's file, signing the head and keeping
//! the note beside the log, and deciding when the service signs again (`docs/audit.md`).

use std::path::{Path, PathBuf};

use kernel::{SignedCheckpoint, StoreError, Timestamp, TreeError};

use crate::{Checkpoint, CheckpointPolicy, NoteError, NoteSigner, Stores};

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
    NoteSigner::parse(&text).map_err(|error| SigningError::Key { path: path.to_owned(), error })
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
