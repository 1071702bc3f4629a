//! The stored Merkle tree over the log, kept in the `events` table itself (migration 0017): a
//! leaf's hash is computed from its event's chain hash, a node of level 1 from the two leaves
//! under it, and the complete subtrees of level 2 and up are held in the `tree` column of the
//! event that ends their range
//! ([`kernel::tree_columns`]), so that an append inserts no row but the events'. A `tree` of NULL
//! marks an event the tree does not hold yet; those are always the last events of the log
//! (written by a store that left the tree behind), and the next append of a store that keeps it
//! catches up.
//!
//! The kernel decides which nodes a batch of events completes ([`kernel::new_nodes`]); this module
//! reads the nodes it asks for inside the writer's transaction and writes the columns of events
//! already in the log (a catch-up, a rebuild); the writer writes the new events' columns with the
//! events (`covenant_append`, `COPY`).

use std::collections::HashMap;

use kernel::{Hash, NodeId, StoreError, TreeNode, grown_edge, leaf_hash, new_nodes, root_nodes, tree_columns};
use sqlx::{PgConnection, Row};

use crate::unavailable;

/// Rows per UPDATE statement (one array per column).
const UPDATE_CHUNK: usize = 50_000;
/// Chain hashes read per query when the tree catches up with the log.
const LEAF_PAGE: i64 = 100_000;

/// The stored hashes of `ids`; a node the tree does not hold is absent.
pub(crate) async fn read_nodes(conn: &mut PgConnection, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut positions: Vec<i64> = ids.iter().flat_map(|id| id.rows()).map(|p| p as i64).collect();
    positions.sort_unstable();
    positions.dedup();
    // A scalar subquery per position probes the primary key whatever the planner believes of the
    // table's size; a join could be planned as a scan of the whole log.
    let found = sqlx::query(
        "SELECT w.position, (SELECT e.hash FROM events e WHERE e.position = w.position), \
         (SELECT e.tree FROM events e WHERE e.position = w.position) FROM UNNEST($1::bigint[]) AS w(position)",
    )
    .bind(&positions)
    .fetch_all(conn)
    .await
    .map_err(unavailable)?;
    let mut rows = HashMap::with_capacity(found.len());
    for row in &found {
        let position: i64 = row.try_get(0).map_err(unavailable)?;
        let hash: Option<&[u8]> = row.try_get(1).map_err(unavailable)?;
        let tree: Option<&[u8]> = row.try_get(2).map_err(unavailable)?;
        if let Some(hash) = hash {
            rows.insert(position as u64, (hash, tree));
        }
    }
    let row = |position: u64| rows.get(&position).copied();
    Ok(ids.iter().filter_map(|id| Some((*id, id.in_rows(row)?))).collect())
}

/// The tree's right edge at `size` and the nodes that `leaves` (leaf hashes of the events about
/// to be written after position `size`) complete, for the caller to write with the events. A tree
/// behind the log first catches up from the chain hashes of the events it lacks, writing their
/// columns.
pub(crate) async fn grow(
    conn: &mut PgConnection,
    size: u64,
    leaves: &[Hash],
) -> Result<(HashMap<NodeId, Hash>, Vec<TreeNode>), StoreError> {
    let mut edge = read_nodes(conn, &root_nodes(size)).await?;
    if let Err(missing) = new_nodes(size, &edge, leaves) {
        let kept = kept_size(conn).await?;
        if kept >= size {
            return Err(missing.into());
        }
        let behind = log_leaves(conn, kept, size).await?;
        let kept_edge = read_nodes(conn, &root_nodes(kept)).await?;
        let caught_up = new_nodes(kept, &kept_edge, &behind)?;
        store(conn, kept, &tree_columns(kept, behind.len(), &caught_up)).await?;
        edge = grown_edge(&kept_edge, &caught_up, size);
    }
    let nodes = new_nodes(size, &edge, leaves)?;
    Ok((edge, nodes))
}

/// Computes the whole tree again from the chain hashes of the log; returns its size.
pub(crate) async fn rebuild(conn: &mut PgConnection, head: u64) -> Result<u64, StoreError> {
    let leaves = log_leaves(conn, 0, head).await?;
    let nodes = new_nodes(0, &HashMap::new(), &leaves)?;
    store(conn, 0, &tree_columns(0, leaves.len(), &nodes)).await?;
    Ok(head)
}

/// Writes `columns` into the events after position `size`, in order.
async fn store(conn: &mut PgConnection, size: u64, columns: &[Vec<u8>]) -> Result<(), StoreError> {
    for (chunk, part) in columns.chunks(UPDATE_CHUNK).enumerate() {
        let first = size as i64 + 1 + (chunk * UPDATE_CHUNK) as i64;
        sqlx::query(
            "UPDATE events SET tree = c.tree FROM UNNEST($1::bigint[], $2::bytea[]) AS c(position, tree) \
             WHERE events.position = c.position",
        )
        .bind((first..first + part.len() as i64).collect::<Vec<_>>())
        .bind(part.iter().map(Vec::as_slice).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(unavailable)?;
    }
    Ok(())
}

/// The number of leaves the stored tree holds: the position of the last event it holds, looked
/// for from the head back (the events it lacks are the log's last).
async fn kept_size(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT position FROM events WHERE tree IS NOT NULL ORDER BY position DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(unavailable)?;
    Ok(last.map_or(0, |last| last as u64))
}

/// The leaf hashes of the events at positions `after + 1 ..= upto`.
async fn log_leaves(conn: &mut PgConnection, after: u64, upto: u64) -> Result<Vec<Hash>, StoreError> {
    let mut leaves = Vec::with_capacity((upto - after) as usize);
    let mut from = after as i64;
    while (from as u64) < upto {
        let rows = sqlx::query(
            "SELECT position, hash FROM events WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3",
        )
        .bind(from)
        .bind(upto as i64)
        .bind(LEAF_PAGE)
        .fetch_all(&mut *conn)
        .await
        .map_err(unavailable)?;
        let Some(last) = rows.last() else { break };
        from = last.try_get(0).map_err(unavailable)?;
        for row in &rows {
            let bytes: &[u8] = row.try_get(1).map_err(unavailable)?;
            leaves.push(leaf_hash(bytes));
        }
    }
    Ok(leaves)
}
