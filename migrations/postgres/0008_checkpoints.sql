-- Signed checkpoints (crates/app/src/checkpoint.rs): the tree size and root each vouches for, the
-- signed note as served, and when it was signed. The latest is the one with the highest id.
CREATE TABLE checkpoints (
    id        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    size      BIGINT      NOT NULL,
    root      BYTEA       NOT NULL,
    note      TEXT        NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
);
