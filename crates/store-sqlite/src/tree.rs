//! The `tree_nodes` table: the stored Merkle tree over the log. The kernel decides which
//! complete subtrees a batch of events completes ([`kernel::new_nodes`]); this module reads the
//! nodes it asks for and inserts the ones it returns, inside the writer's transaction, with
//! cached prepared statements (rusqlite).

use std::collections::HashMap;

use kernel::{Hash, NodeId, StoreError, TreeNode, leaf_hash, new_nodes, root_nodes};
use rusqlite::{Connection, OptionalExtension};

use crate::rows::unavailable;
use crate::write_error;

/// The stored hashes of `ids`; a node not stored is absent.
pub(crate) fn read_nodes(conn: &Connection, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2").map_err(unavailable)?;
    let mut found = HashMap::with_capacity(ids.len());
    for id in ids {
        let hash = statement
            .query_row((i64::from(id.level), id.index as i64), |row| row.get::<_, Vec<u8>>(0))
            .optional()
            .map_err(unavailable)?;
        if let Some(bytes) = hash {
            found.insert(*id, Hash::from_slice(&bytes).ok_or_else(|| damaged(*id))?);
        }
    }
    Ok(found)
}

/// Adds `leaves` (leaf hashes of the events just written after position `size`) to the tree. A
/// tree behind the log (kept by a store opened before the tree existed, or being rebuilt, or left
/// behind by a store that did not keep it) first catches up from the chain hashes of the events
/// it lacks.
pub(crate) fn extend(conn: &Connection, size: u64, leaves: &[Hash]) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    let edge = read_nodes(conn, &root_nodes(size))?;
    let nodes = match new_nodes(size, &edge, leaves) {
        Ok(nodes) => nodes,
        Err(missing) => {
            let kept = kept_size(conn)?;
            if kept >= size {
                return Err(damaged(missing.0));
            }
            let mut all = log_leaves(conn, kept, size)?;
            all.extend_from_slice(leaves);
            let edge = read_nodes(conn, &root_nodes(kept))?;
            new_nodes(kept, &edge, &all).map_err(|missing| damaged(missing.0))?
        }
    };
    insert(conn, &nodes)
}

/// Deletes the tree and computes it again from the whole log; returns its size.
pub(crate) fn rebuild(conn: &Connection, head: u64) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM tree_nodes", []).map_err(write_error)?;
    let leaves = log_leaves(conn, 0, head)?;
    let nodes = new_nodes(0, &HashMap::new(), &leaves).map_err(|missing| damaged(missing.0))?;
    insert(conn, &nodes)?;
    Ok(head)
}

/// The number of leaves the stored tree holds.
fn kept_size(conn: &Connection) -> Result<u64, StoreError> {
    let last: Option<i64> =
        conn.query_row("SELECT MAX(idx) FROM tree_nodes WHERE level = 0", [], |row| row.get(0)).map_err(unavailable)?;
    Ok(last.map_or(0, |last| last as u64 + 1))
}

/// The leaf hashes of the events at positions `after + 1 ..= upto`.
fn log_leaves(conn: &Connection, after: u64, upto: u64) -> Result<Vec<Hash>, StoreError> {
    let mut leaves = Vec::with_capacity((upto - after) as usize);
    let mut statement = conn
        .prepare_cached("SELECT hash FROM events WHERE position > ?1 AND position <= ?2 ORDER BY position")
        .map_err(unavailable)?;
    let mut rows = statement.query((after as i64, upto as i64)).map_err(unavailable)?;
    while let Some(row) = rows.next().map_err(unavailable)? {
        let bytes = row.get_ref(0).and_then(|v| v.as_blob().map_err(Into::into)).map_err(unavailable)?;
        leaves.push(leaf_hash(bytes));
    }
    Ok(leaves)
}

fn insert(conn: &Connection, nodes: &[TreeNode]) -> Result<(), StoreError> {
    let mut statement =
        conn.prepare_cached("INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)").map_err(write_error)?;
    for node in nodes {
        statement
            .execute((i64::from(node.id.level), node.id.index as i64, node.hash.0.as_slice()))
            .map_err(write_error)?;
    }
    Ok(())
}

fn damaged(id: NodeId) -> StoreError {
    StoreError::Unavailable(format!(
        "the stored Merkle tree is damaged at {id}: run `covenant rebuild-tree` to recompute it from the log"
    ))
}
