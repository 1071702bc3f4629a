-- The Merkle tree over the log (crates/kernel/src/merkle.rs): the hash of every complete subtree,
-- by level (0 for leaves) and index within the level, written in the same transaction as the
-- events that complete it, so that roots and proofs never re-read the log.
CREATE TABLE tree_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
