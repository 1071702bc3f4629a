//! The stored Merkle tree over the log, kept in the `events` table itself (migration 0015): a
//! leaf's hash is computed from its event's chain hash ([`kernel::leaf_hash`]), a node of level 1
//! from the two leaves under it, and the complete subtrees of level 2 and up are held in the
//! `tree` column of the event that ends their range, level 2 first, 32 bytes each
//! ([`kernel::tree_columns`]). So an append writes no page but the log's own, where a table of
//! nodes beside it had each commit write and sync two or three more pages. A `tree` of NULL marks
//! an event the tree does not hold yet; those are always the last events of the log (written by a
//! store that left the tree behind), and the next append of a store that keeps it catches up.
//!
//! The kernel decides which nodes a batch of events completes ([`kernel::new_nodes`]); this module
//! reads the nodes it asks for and gives each new event its column, inside the writer's
//! transaction, with cached prepared statements (rusqlite).

use std::collections::HashMap;

use kernel::{ChainHead, Hash, NodeId, StoreError, grown_edge, leaf_hash, new_nodes, root_nodes, tree_columns};
use rusqlite::{Connection, OptionalExtension};

use crate::rows::unavailable;
use crate::write_error;

/// The stored hashes of `ids`; a node the tree does not hold is absent.
pub(crate) fn read_nodes(conn: &Connection, ids: &[NodeId]) -> Result<Nodes, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT hash, tree FROM events WHERE position = ?1").map_err(unavailable)?;
    let mut rows: HashMap<u64, (Vec<u8>, Option<Vec<u8>>)> = HashMap::with_capacity(ids.len() * 2);
    for position in ids.iter().flat_map(|id| id.rows()) {
        if rows.contains_key(&position) {
            continue;
        }
        let row = statement
            .query_row([position as i64], |row| Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Option<Vec<u8>>>(1)?)))
            .optional()
            .map_err(unavailable)?;
        if let Some(row) = row {
            rows.insert(position, row);
        }
    }
    let row = |position: u64| rows.get(&position).map(|(hash, tree)| (hash.as_slice(), tree.as_deref()));
    Ok(ids.iter().filter_map(|id| Some((*id, id.in_rows(row)?))).collect())
}

/// The tree's right edge as a writer's last commit left it, kept until its next group: valid
/// while the log's head is still the event that commit ended with (no other writer appended, no
/// commit failed) and the tree still holds it.
#[derive(Clone)]
pub(crate) struct Edge {
    pub(crate) head: ChainHead,
    pub(crate) nodes: Nodes,
}

/// Tree nodes by their place in the tree.
pub(crate) type Nodes = HashMap<NodeId, Hash>;

impl Edge {
    /// The nodes of the edge kept at `head`, or `None` when they may no longer describe the tree:
    /// another head, or a tree that no longer holds the head's event (taken away behind the
    /// writer's back, as a database restored from an older copy would be).
    pub(crate) fn at(kept: Option<Edge>, conn: &Connection, head: ChainHead) -> Result<Option<Self>, StoreError> {
        let Some(edge) = kept.filter(|edge| edge.head == head) else { return Ok(None) };
        if head.position.0 == 0 {
            return Ok(Some(edge));
        }
        let held: Option<bool> = conn
            .prepare_cached("SELECT tree IS NOT NULL FROM events WHERE position = ?1")
            .and_then(|mut statement| statement.query_row([head.position.0 as i64], |row| row.get(0)).optional())
            .map_err(unavailable)?;
        Ok(held.unwrap_or(false).then_some(edge))
    }
}

/// The `tree` column of each event about to be written after position `size`, whose leaf hashes
/// are `leaves`, and the tree's right edge after them. The edge at `size` is `kept`, or read. A
/// tree behind the log first catches up from the chain hashes of the events it lacks, writing
/// their columns.
pub(crate) fn grow(
    conn: &Connection,
    size: u64,
    leaves: &[Hash],
    kept: Option<Nodes>,
) -> Result<(Vec<Vec<u8>>, Nodes), StoreError> {
    let mut edge = match kept {
        Some(edge) => edge,
        None => read_nodes(conn, &root_nodes(size))?,
    };
    if let Err(missing) = new_nodes(size, &edge, leaves) {
        let kept = kept_size(conn)?;
        if kept >= size {
            return Err(missing.into());
        }
        let behind = log_leaves(conn, kept, size)?;
        let kept_edge = read_nodes(conn, &root_nodes(kept))?;
        let caught_up = new_nodes(kept, &kept_edge, &behind)?;
        store(conn, kept, &tree_columns(kept, behind.len(), &caught_up))?;
        edge = grown_edge(&kept_edge, &caught_up, size);
    }
    let nodes = new_nodes(size, &edge, leaves)?;
    let grown = grown_edge(&edge, &nodes, size + leaves.len() as u64);
    Ok((tree_columns(size, leaves.len(), &nodes), grown))
}

/// Computes the whole tree again from the chain hashes of the log; returns its size.
pub(crate) fn rebuild(conn: &Connection, head: u64) -> Result<u64, StoreError> {
    let leaves = log_leaves(conn, 0, head)?;
    let nodes = new_nodes(0, &HashMap::new(), &leaves)?;
    store(conn, 0, &tree_columns(0, leaves.len(), &nodes))?;
    Ok(head)
}

/// Writes `columns` into the events after position `size`, in order.
fn store(conn: &Connection, size: u64, columns: &[Vec<u8>]) -> Result<(), StoreError> {
    let mut statement = conn.prepare_cached("UPDATE events SET tree = ?2 WHERE position = ?1").map_err(write_error)?;
    for (offset, column) in columns.iter().enumerate() {
        statement.execute((size as i64 + 1 + offset as i64, column.as_slice())).map_err(write_error)?;
    }
    Ok(())
}

/// The number of leaves the stored tree holds: the position of the last event it holds, looked
/// for from the head back (the events it lacks are the log's last).
fn kept_size(conn: &Connection) -> Result<u64, StoreError> {
    let last: Option<i64> = conn
        .query_row("SELECT position FROM events WHERE tree IS NOT NULL ORDER BY position DESC LIMIT 1", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(unavailable)?;
    Ok(last.map_or(0, |last| last as u64))
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
