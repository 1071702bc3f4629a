//! Snapshots of derived state: a projection's state saved together with the position it has
//! processed up to, in one row, so that a restart resumes exactly where the saved state ends:
//! nothing skipped, nothing applied twice. Both backends keep them in the `projection_snapshots`
//! table, written once over [`SqlTables`]. Beside the one snapshot of now, a few waypoints: states
//! saved along the log (`projection_waypoints`), with what a fold of the past needs to know to
//! start from one or to leave out the events between two.

use async_trait::async_trait;

use crate::sql::{Column, Param, SqlTables, Statement};
use crate::{Hash, Position, StoreError, Timestamp};

/// A projection's serialised state and the last position folded into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The projection's name, unique per store.
    pub name: String,
    /// The last position folded into `state`.
    pub position: Position,
    /// The state, as JSON.
    pub state: String,
    /// The chain hash of the event at `position` when the state was saved, so that a log
    /// holding another event there since (a rewritten log) is not taken for the one folded;
    /// `None` at position zero, and for snapshots saved before it was kept.
    pub hash: Option<Hash>,
}

/// A state saved at a position of the log for folds of the past to start from, without the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waypoint {
    /// The last position folded into the state.
    pub position: Position,
    /// The chain hash of the event at `position` when the state was saved.
    pub hash: Hash,
    /// When the event at `position` was recorded: every event up to it was recorded by then.
    pub recorded_at: Timestamp,
    /// The latest `occurred_at` of the events up to `position`.
    pub latest_occurred: Timestamp,
    /// The earliest `occurred_at` of the events after the waypoint before (or the start of the
    /// log) up to `position`: a point decided before it includes none of them.
    pub earliest_since: Timestamp,
}

/// Where snapshots are kept: beside the log, in the same database.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// The latest snapshot saved under `name`, if any.
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError>;

    /// Replaces the snapshot saved under `snapshot.name`, state and position together.
    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// Removes every snapshot and waypoint, so that projections rebuild from position zero.
    async fn clear_snapshots(&self) -> Result<(), StoreError>;

    /// The waypoints saved under `name`, in position order.
    async fn waypoints(&self, name: &str) -> Result<Vec<Waypoint>, StoreError>;

    /// The state of the waypoint saved under `name` at `position`, if it is still kept.
    async fn waypoint_state(&self, name: &str, position: Position) -> Result<Option<Vec<u8>>, StoreError>;

    /// Whether saves are kept: false for a store opened only to read, whose saves are dropped, so
    /// that nothing is encoded for them.
    fn saves(&self) -> bool {
        true
    }

    /// Saves `state`, folded up to `position` (whose event has the chain hash `hash` and was
    /// recorded at `recorded_at`), as a waypoint of `name` after the last one, reading what the
    /// events since that one say of when they happened; keeps at most `keep` (dropping the one
    /// whose neighbours lie closest together), and removes the waypoints of other names beginning
    /// with `family` (other versions of the projection). Nothing is saved at or before a
    /// waypoint already kept, or past the end of the log.
    async fn save_waypoint(&self, name: &str, family: &str, at: Saving<'_>, keep: usize) -> Result<(), StoreError>;

    /// Removes the waypoints of `name`.
    async fn clear_waypoints(&self, name: &str) -> Result<(), StoreError>;
}

/// A state to save as a waypoint, and where it stands in the log.
#[derive(Clone, Copy, Debug)]
pub struct Saving<'a> {
    pub position: Position,
    pub hash: Hash,
    pub recorded_at: Timestamp,
    pub state: &'a [u8],
    /// When the events after `occurred.after` up to `position` happened, from a fold that read
    /// every one of them; `None` when it did not, and the save reads them again.
    pub occurred: Option<Occurred>,
}

/// The earliest and latest `occurred_at` of the events after `after`, as far as a fold has read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurred {
    pub after: Position,
    pub earliest: Timestamp,
    pub latest: Timestamp,
}

impl Occurred {
    /// Widens `occurred` (none yet: no event read after `after`) by the events of `page` after
    /// `after`.
    pub fn widen(occurred: Option<Occurred>, after: Position, page: &[crate::RecordedEvent]) -> Option<Occurred> {
        page.iter().filter(|event| event.position > after).fold(occurred, |occurred, event| {
            let at = event.metadata.occurred_at;
            Some(match occurred {
                Some(o) => Occurred { earliest: o.earliest.min(at), latest: o.latest.max(at), ..o },
                None => Occurred { after, earliest: at, latest: at },
            })
        })
    }
}

/// Snapshots in the `projection_snapshots` table, on either backend.
#[async_trait]
impl<T: SqlTables> SnapshotStore for T {
    async fn load_snapshot(&self, name: &str) -> Result<Option<Snapshot>, StoreError> {
        let rows = self
            .fetch(
                "SELECT position, state, hash FROM projection_snapshots WHERE name = $1",
                &[Param::Text(Some(name))],
                &[Column::Int, Column::Text, Column::Bytes],
            )
            .await?;
        rows.first()
            .map(|row| {
                Ok(Snapshot {
                    name: name.to_owned(),
                    position: Position(row.int(0)? as u64),
                    state: row.text(1)?,
                    hash: row.opt_hash(2, "a snapshot's hash")?,
                })
            })
            .transpose()
    }

    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let params = [
            Param::Text(Some(&snapshot.name)),
            Param::Int(snapshot.position.0 as i64),
            Param::Text(Some(&snapshot.state)),
            Param::Time(Some(Timestamp::now())),
            Param::Bytes(snapshot.hash.as_ref().map(|hash| hash.0.as_slice())),
        ];
        self.execute(
            "INSERT INTO projection_snapshots (name, position, state, saved_at, hash) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state, \
             saved_at = excluded.saved_at, hash = excluded.hash",
            &params,
        )
        .await?;
        Ok(())
    }

    async fn clear_snapshots(&self) -> Result<(), StoreError> {
        let statements = [
            Statement { sql: "DELETE FROM projection_snapshots", params: &[] },
            Statement { sql: "DELETE FROM projection_waypoints", params: &[] },
        ];
        self.execute_all(&statements).await?;
        Ok(())
    }

    async fn waypoints(&self, name: &str) -> Result<Vec<Waypoint>, StoreError> {
        let rows = self
            .fetch(
                "SELECT position, hash, recorded_at, latest_occurred, earliest_since FROM projection_waypoints \
                 WHERE name = $1 ORDER BY position",
                &[Param::Text(Some(name))],
                &[Column::Int, Column::Bytes, Column::Time, Column::Time, Column::Time],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Waypoint {
                    position: Position(row.int(0)? as u64),
                    hash: row.hash(1, "a waypoint's hash")?,
                    recorded_at: row.time(2)?,
                    latest_occurred: row.time(3)?,
                    earliest_since: row.time(4)?,
                })
            })
            .collect()
    }

    async fn waypoint_state(&self, name: &str, position: Position) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self
            .fetch(
                "SELECT state FROM projection_waypoints WHERE name = $1 AND position = $2",
                &[Param::Text(Some(name)), Param::Int(position.0 as i64)],
                &[Column::Bytes],
            )
            .await?;
        rows.first().map(|row| row.bytes(0)).transpose()
    }

    async fn save_waypoint(&self, name: &str, family: &str, at: Saving<'_>, keep: usize) -> Result<(), StoreError> {
        let kept = self.waypoints(name).await?;
        if kept.last().is_some_and(|last| last.position >= at.position) {
            return Ok(());
        }
        let since = kept.last().map_or(Position::ZERO, |last| last.position);
        // The times the fold read, when it read every event since the last waypoint kept (another
        // process may have saved one since the fold began); else read from the log.
        let (latest, earliest) = match at.occurred.filter(|o| o.after == since) {
            Some(occurred) => (occurred.latest, occurred.earliest),
            None => {
                let rows = self
                    .fetch(
                        "SELECT max(occurred_at), min(occurred_at) FROM events WHERE position > $1 AND position <= $2",
                        &[Param::Int(since.0 as i64), Param::Int(at.position.0 as i64)],
                        &[Column::Time, Column::Time],
                    )
                    .await?;
                let Some(row) = rows.first() else { return Ok(()) };
                let (Some(latest), Some(earliest)) = (row.opt_time(0)?, row.opt_time(1)?) else { return Ok(()) };
                (latest, earliest)
            }
        };
        let latest = kept.last().map_or(latest, |last| last.latest_occurred.max(latest));
        let mut positions: Vec<Position> = kept.iter().map(|w| w.position).collect();
        positions.push(at.position);
        let dropped = crowded(&positions, keep);
        let family = format!("{family}%");
        let position = at.position.0 as i64;
        let others = [Param::Text(Some(name)), Param::Text(Some(&family))];
        let insert = [
            Param::Text(Some(name)),
            Param::Int(position),
            Param::Bytes(Some(at.hash.0.as_slice())),
            Param::Time(Some(at.recorded_at)),
            Param::Time(Some(latest)),
            Param::Time(Some(earliest)),
            Param::Bytes(Some(at.state)),
            Param::Time(Some(Timestamp::now())),
        ];
        let mut statements = vec![
            Statement { sql: "DELETE FROM projection_waypoints WHERE name <> $1 AND name LIKE $2", params: &others },
            Statement {
                sql: "INSERT INTO projection_waypoints \
                      (name, position, hash, recorded_at, latest_occurred, earliest_since, state, saved_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name, position) DO NOTHING",
                params: &insert,
            },
        ];
        // The one dropped leaves its events to the waypoint after it, the earliest of both.
        let merged = dropped.map(|i| {
            let next_earliest = kept.get(i + 1).map_or(earliest, |next| next.earliest_since);
            let delete = [Param::Text(Some(name)), Param::Int(positions[i].0 as i64)];
            let update = [
                Param::Text(Some(name)),
                Param::Int(positions[i + 1].0 as i64),
                Param::Time(Some(kept[i].earliest_since.min(next_earliest))),
            ];
            (delete, update)
        });
        if let Some((delete, update)) = &merged {
            let sql = "DELETE FROM projection_waypoints WHERE name = $1 AND position = $2";
            statements.push(Statement { sql, params: delete });
            let sql = "UPDATE projection_waypoints SET earliest_since = $3 WHERE name = $1 AND position = $2";
            statements.push(Statement { sql, params: update });
        }
        self.execute_all(&statements).await?;
        Ok(())
    }

    async fn clear_waypoints(&self, name: &str) -> Result<(), StoreError> {
        self.execute("DELETE FROM projection_waypoints WHERE name = $1", &[Param::Text(Some(name))]).await?;
        Ok(())
    }
}

/// Which of the waypoints at `positions` (in order, the newest last, never dropped) to drop so
/// that at most `keep` stay: the one whose neighbours lie closest together, so that what is left
/// stays spread along the log; the earliest of equals.
fn crowded(positions: &[Position], keep: usize) -> Option<usize> {
    if positions.len() <= keep.max(1) {
        return None;
    }
    (0..positions.len() - 1).min_by_key(|&i| {
        let before = if i == 0 { 0 } else { positions[i - 1].0 };
        positions[i + 1].0 - before
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(positions: &[u64]) -> Vec<Position> {
        positions.iter().copied().map(Position).collect()
    }

    #[test]
    fn waypoints_within_the_number_kept_are_all_kept() {
        assert_eq!(crowded(&at(&[100, 200, 300]), 3), None);
        assert_eq!(crowded(&at(&[100]), 0), None);
    }

    #[test]
    fn the_waypoint_dropped_is_the_one_whose_neighbours_lie_closest() {
        // Evenly spread: the first goes, doubling the first span.
        assert_eq!(crowded(&at(&[100, 200, 300, 400]), 3), Some(0));
        // 300 lies between 250 and 400, the closest neighbours.
        assert_eq!(crowded(&at(&[100, 250, 300, 400, 900]), 4), Some(2));
        // The newest is never dropped, however close to the one before.
        assert_eq!(crowded(&at(&[100, 500, 501]), 2), Some(1));
        assert_eq!(crowded(&at(&[400, 500, 501]), 2), Some(1));
    }

    #[test]
    fn waypoints_saved_one_after_another_stay_spread_along_the_log() {
        let mut kept = Vec::new();
        for n in 1..=64u64 {
            kept.push(Position(n * 100));
            if let Some(i) = crowded(&kept, 8) {
                kept.remove(i);
            }
        }
        assert_eq!(kept.len(), 8);
        let spans: Vec<u64> = kept.iter().scan(0, |before, p| Some(p.0 - std::mem::replace(before, p.0))).collect();
        // No span is more than four times another: the log is covered evenly, however long it grows.
        let least = spans.iter().min().expect("spans");
        let most = spans.iter().max().expect("spans");
        assert!(most <= &(least * 4), "spans {spans:?}");
    }
}
