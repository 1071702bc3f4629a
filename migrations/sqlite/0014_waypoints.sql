-- Saved states along the log for folds of the past to start from (crates/kernel/src/snapshot.rs):
-- a projection's state as it stood at `position` (the event there then had the chain hash `hash`
-- and was recorded at `recorded_at`), kept beside the one snapshot of now. `latest_occurred` is
-- the latest `occurred_at` of the events up to `position`, so the state serves every point that
-- includes all of them; `earliest_since` the earliest `occurred_at` of the events after the
-- waypoint before (or the start of the log) up to `position`, so a point decided by an earlier
-- date need not read them. `state` is the state's encoding as bytes (crates/projections/src/
-- snapshot.rs). A few are kept per projection; times as in `events`.
CREATE TABLE projection_waypoints (
    name            TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    hash            BLOB    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    latest_occurred INTEGER NOT NULL,
    earliest_since  INTEGER NOT NULL,
    state           BLOB    NOT NULL,
    saved_at        INTEGER NOT NULL,
    PRIMARY KEY (name, position)
);
