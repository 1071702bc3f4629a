-- The chain hash of the event at a snapshot's position when it was saved (crates/kernel/src/
-- snapshot.rs): a restart whose log holds another event there (a rewritten log) refuses the
-- snapshot as true. NULL for snapshots saved before it was kept, and at position zero.
ALTER TABLE projection_snapshots ADD COLUMN hash BYTEA;
