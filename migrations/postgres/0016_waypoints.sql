-- Saved states along the log for folds of the past to start from (crates/kernel/src/snapshot.rs):
-- a projection's state as it stood at `position` (the event there then had the chain hash `hash`
-- and was recorded at `recorded_at`), kept beside the one snapshot of now. `latest_occurred` is
-- the latest `occurred_at` of the events up to `position`, so the state serves every point that
-- includes all of them; `earliest_since` the earliest `occurred_at` of the events after the
-- waypoint before (or the start of the log) up to `position`, so a point decided by an earlier
-- date need not read them. `state` is the state's encoding as bytes (crates/projections/src/
-- snapshot.rs), kept uncompressed: it is tens of megabytes written at once, and compressing it
-- would cost more than it saves. A few are kept per projection.
CREATE TABLE projection_waypoints (
    name            TEXT        NOT NULL,
    position        BIGINT      NOT NULL,
    hash            BYTEA       NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    latest_occurred TIMESTAMPTZ NOT NULL,
    earliest_since  TIMESTAMPTZ NOT NULL,
    state           BYTEA       NOT NULL,
    saved_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, position)
);
ALTER TABLE projection_waypoints ALTER COLUMN state SET STORAGE EXTERNAL;
