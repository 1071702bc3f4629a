-- The Merkle tree over the log (crates/kernel/src/merkle.rs): the hash of every complete subtree,
-- by level (0 for leaves) and index within the level, written in the same transaction as the
-- events that complete it, so that roots and proofs never re-read the log.
CREATE TABLE tree_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);
