//! A witness: a partner's check that a log it follows only ever grows. The witness keeps the
//! last checkpoint it cosigned; shown a newer one, it checks the log's signature and a consistency
//! proof from the old tree to the new, and only then cosigns (C2SP `tlog-cosignature`). A log
//! that shrank, or that shows another root for a size already cosigned, or whose proof fails, is
//! refused: the witness never cosigns it and says why (`docs/audit.md`). The state is kept by the
//! caller (`covenant witness` keeps it in a file).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use kernel::{ConsistencyProof, Hash, ProofError};
use serde::{Deserialize, Serialize};

use crate::{Checkpoint, KeyKind, NoteError, NoteSigner, NoteVerifier};

/// What a witness remembers of a log: the last checkpoint it cosigned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessState {
    pub origin: String,
    pub size: u64,
    /// The root hash, in standard base64 as checkpoints write it.
    pub root: String,
}

impl WitnessState {
    fn of(checkpoint: &Checkpoint) -> Self {
        Self { origin: checkpoint.origin.clone(), size: checkpoint.size, root: BASE64.encode(checkpoint.root.0) }
    }

    fn root(&self) -> Result<Hash, WitnessError> {
        BASE64
            .decode(&self.root)
            .ok()
            .and_then(|bytes| Hash::from_slice(&bytes))
            .ok_or_else(|| WitnessError::State(format!("the root '{}' is not 32 bytes in base64", self.root)))
    }
}

/// Why a witness did not cosign. [`WitnessError::is_alarm`] tells a log that misbehaved from a
/// note that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("the log's checkpoint was refused: {0}")]
    Note(#[from] NoteError),
    #[error(
        "the log was rolled back: it now shows {now} events, but this witness cosigned a checkpoint of {cosigned}; the log was cut short or replaced"
    )]
    RolledBack { cosigned: u64, now: u64 },
    #[error(
        "the log shows two different trees of {size} events: the root this witness cosigned was {cosigned}, the log now shows {now}; its history was rewritten"
    )]
    Forked { size: u64, cosigned: String, now: String },
    #[error(
        "the log's tree of {to} events does not extend the tree of {from} events this witness cosigned: {error}; its history was rewritten"
    )]
    Inconsistent { from: u64, to: u64, error: ProofError },
    #[error("the checkpoint's origin is {found}, but this witness follows {expected}")]
    OtherLog { expected: String, found: String },
    #[error("the witness's state is unreadable: {0}")]
    State(String),
}

impl WitnessError {
    /// Whether the log misbehaved (rolled back, forked, inconsistent), as against a checkpoint
    /// that could not be read or a state that could not be used.
    pub fn is_alarm(&self) -> bool {
        matches!(
            self,
            WitnessError::RolledBack { .. } | WitnessError::Forked { .. } | WitnessError::Inconsistent { .. }
        )
    }
}

/// What a witness did with a checkpoint.
#[derive(Debug, PartialEq, Eq)]
pub enum Observed {
    /// The checkpoint is the one last cosigned: nothing to do.
    Unchanged,
    /// The checkpoint extends the last one cosigned (or is the first seen): cosigned, with the
    /// state to keep and the cosigned note to hand to the log.
    Cosigned { checkpoint: Checkpoint, state: WitnessState, note: String },
}

/// A witness of one log: the log's verifier key and the witness's own cosigning key.
#[derive(Clone, Debug)]
pub struct Witness {
    log: NoteVerifier,
    key: NoteSigner,
}

impl Witness {
    /// A witness of the log whose key is `log`, cosigning with `key` (a witness's key).
    pub fn new(log: NoteVerifier, key: NoteSigner) -> Result<Self, NoteError> {
        Ok(Self { log: log.of_kind(KeyKind::Log)?, key: key.of_kind(KeyKind::Witness)? })
    }

    /// The size a consistency proof must start from for the checkpoint `note`: the size last
    /// cosigned, when the note is for a larger tree.
    pub fn proof_needed(&self, state: Option<&WitnessState>, note: &str) -> Result<Option<(u64, u64)>, WitnessError> {
        let checkpoint = self.open(note)?;
        Ok(state.filter(|s| s.size > 0 && s.size < checkpoint.size).map(|s| (s.size, checkpoint.size)))
    }

    /// Checks the log's checkpoint `note` against `state`, the last checkpoint cosigned, with
    /// `proof`, the consistency proof from `state`'s size to the note's (the hashes the log
    /// serves; empty when [`Witness::proof_needed`] asked for none), and cosigns it if the log
    /// only grew.
    pub fn observe(
        &self,
        state: Option<&WitnessState>,
        note: &str,
        proof: Vec<Hash>,
    ) -> Result<Observed, WitnessError> {
        let checkpoint = self.open(note)?;
        if let Some(state) = state {
            if state.origin != checkpoint.origin {
                return Err(WitnessError::OtherLog { expected: state.origin.clone(), found: checkpoint.origin });
            }
            let cosigned = state.root()?;
            if checkpoint.size < state.size {
                return Err(WitnessError::RolledBack { cosigned: state.size, now: checkpoint.size });
            }
            if checkpoint.size == state.size {
                if checkpoint.root != cosigned {
                    return Err(WitnessError::Forked {
                        size: state.size,
                        cosigned: state.root.clone(),
                        now: BASE64.encode(checkpoint.root.0),
                    });
                }
                return Ok(Observed::Unchanged);
            }
            if state.size > 0 {
                let (from, to) = (state.size, checkpoint.size);
                ConsistencyProof { from, to, path: proof }
                    .verify(&cosigned, &checkpoint.root)
                    .map_err(|error| WitnessError::Inconsistent { from, to, error })?;
            }
        }
        let note = self.key.sign(&checkpoint.body());
        Ok(Observed::Cosigned { state: WitnessState::of(&checkpoint), checkpoint, note })
    }

    fn open(&self, note: &str) -> Result<Checkpoint, WitnessError> {
        Ok(Checkpoint::open(note, &self.log)?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use kernel::{NodeId, leaf_hash, new_nodes};

    use super::*;

    /// A tree of `leaves`, its root and the consistency proof from `from` leaves.
    struct Tree {
        known: HashMap<NodeId, Hash>,
    }

    impl Tree {
        fn of(leaves: &[&str]) -> Self {
            let mut known = HashMap::new();
            for (size, leaf) in leaves.iter().enumerate() {
                for node in new_nodes(size as u64, &known, &[leaf_hash(leaf.as_bytes())]).expect("nodes") {
                    known.insert(node.id, node.hash);
                }
            }
            Self { known }
        }

        fn root(&self, size: u64) -> Hash {
            kernel::root(size, &self.known).expect("a root")
        }

        fn proof(&self, from: u64, to: u64) -> Vec<Hash> {
            ConsistencyProof::assemble(from, to, &self.known).expect("sizes").expect("nodes").path
        }
    }

    fn keys() -> (NoteSigner, Witness) {
        let log = NoteSigner::generate("example.org/covenant").expect("name");
        let key = NoteSigner::generate_kind("partner.example.org/witness", KeyKind::Witness).expect("name");
        let witness = Witness::new(log.verifier(), key).expect("keys of the right kinds");
        (log, witness)
    }

    fn note(log: &NoteSigner, tree: &Tree, size: u64) -> String {
        Checkpoint { origin: log.name().to_owned(), size, root: tree.root(size) }.sign(log)
    }

    fn cosigned(observed: Observed) -> WitnessState {
        match observed {
            Observed::Cosigned { state, .. } => state,
            Observed::Unchanged => panic!("expected a cosignature"),
        }
    }

    #[test]
    fn a_log_that_only_grows_is_cosigned_at_each_checkpoint() {
        let (log, witness) = keys();
        let tree = Tree::of(&["a", "b", "c", "d", "e", "f", "g"]);
        let first = cosigned(witness.observe(None, &note(&log, &tree, 3), Vec::new()).expect("first seen"));
        assert_eq!(first.size, 3);
        assert_eq!(
            witness.observe(Some(&first), &note(&log, &tree, 3), Vec::new()).expect("same"),
            Observed::Unchanged
        );
        assert_eq!(witness.proof_needed(Some(&first), &note(&log, &tree, 7)).expect("readable"), Some((3, 7)));
        let Observed::Cosigned { note: cosigned_note, state, .. } =
            witness.observe(Some(&first), &note(&log, &tree, 7), tree.proof(3, 7)).expect("consistent")
        else {
            panic!("expected a cosignature")
        };
        assert_eq!(state.size, 7);
        let (text, _) = witness.key.verifier().open_cosigned(&cosigned_note).expect("a valid cosignature");
        assert_eq!(Checkpoint::parse_body(text).expect("a checkpoint").root, tree.root(7));
    }

    #[test]
    fn a_rolled_back_forked_or_rewritten_log_is_refused_as_an_alarm() {
        let (log, witness) = keys();
        let tree = Tree::of(&["a", "b", "c", "d", "e", "f", "g"]);
        let state = cosigned(witness.observe(None, &note(&log, &tree, 5), Vec::new()).expect("first"));

        let shorter = witness.observe(Some(&state), &note(&log, &tree, 4), Vec::new()).expect_err("rolled back");
        assert!(shorter.is_alarm() && matches!(shorter, WitnessError::RolledBack { cosigned: 5, now: 4 }));

        let rewritten = Tree::of(&["a", "b", "X", "d", "e", "f", "g"]);
        let forked = witness.observe(Some(&state), &note(&log, &rewritten, 5), Vec::new()).expect_err("fork");
        assert!(forked.is_alarm() && forked.to_string().contains("two different trees of 5 events"), "{forked}");

        let grown = witness.observe(Some(&state), &note(&log, &rewritten, 7), rewritten.proof(5, 7)).expect_err("");
        assert!(grown.is_alarm() && grown.to_string().contains("does not extend the tree of 5 events"), "{grown}");

        let another = NoteSigner::generate("example.org/covenant").expect("name");
        let forged = witness.observe(Some(&state), &note(&another, &tree, 7), tree.proof(5, 7)).expect_err("key");
        assert!(!forged.is_alarm() && matches!(forged, WitnessError::Note(NoteError::NotSigned { .. })));
    }
}
