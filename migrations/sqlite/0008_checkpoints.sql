-- Signed checkpoints (crates/app/src/checkpoint.rs): the tree size and root each vouches for, the
-- signed note as served, and when it was signed (microseconds since the epoch). The latest is the
-- one with the highest id.
CREATE TABLE checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    size      INTEGER NOT NULL,
    root      BLOB    NOT NULL,
    note      TEXT    NOT NULL,
    signed_at INTEGER NOT NULL
);
