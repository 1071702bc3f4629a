-- Saved projection state: one row per projection, its state and the last position folded into
-- it, replaced together so a restart neither skips nor repeats an event.
CREATE TABLE projection_snapshots (
    name      TEXT        PRIMARY KEY,
    position  BIGINT      NOT NULL,
    state     TEXT        NOT NULL,
    saved_at  TIMESTAMPTZ NOT NULL
);
