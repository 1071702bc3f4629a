//! The `tree_nodes` table: the stored Merkle tree over the log. The kernel decides which
//! complete subtrees a batch of events completes ([`kernel::new_nodes`]); this module reads the
//! nodes it asks for inside the writer's transaction; the writer inserts the ones it returns
//! together with the events (`covenant_append`), and a rebuild inserts them here.

use std::collections::HashMap;

use kernel::{Hash, NodeId, StoreError, TreeNode, leaf_hash, new_nodes, root_nodes};
use sqlx::{PgConnection, Row};

use crate::unavailable;

/// Rows per INSERT statement (one array per column).
const INSERT_CHUNK: usize = 50_000;
/// Chain hashes read per query when the tree catches up with the log.
const LEAF_PAGE: i64 = 100_000;

/// The stored hashes of `ids`; a node not stored is absent.
pub(crate) async fn read_nodes(conn: &mut PgConnection, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let levels: Vec<i16> = ids.iter().map(|id| i16::from(id.level)).collect();
    let indexes: Vec<i64> = ids.iter().map(|id| id.index as i64).collect();
    let rows = sqlx::query(
        "SELECT t.level, t.idx, t.hash FROM UNNEST($1::smallint[], $2::bigint[]) AS wanted(level, idx) \
         JOIN tree_nodes t ON t.level = wanted.level AND t.idx = wanted.idx",
    )
    .bind(&levels)
    .bind(&indexes)
    .fetch_all(conn)
    .await
    .map_err(unavailable)?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let level: i16 = row.try_get(0).map_err(unavailable)?;
        let index: i64 = row.try_get(1).map_err(unavailable)?;
        let id = NodeId::new(level as u8, index as u64);
        let hash = row.try_get::<&[u8], _>(2).ok().and_then(Hash::from_slice).ok_or_else(|| damaged(id))?;
        found.insert(id, hash);
    }
    Ok(found)
}

/// The tree nodes that `leaves` (leaf hashes of the events about to be written after position
/// `size`) complete, and the stored nodes they were computed from. A tree behind the log (kept
/// by a store opened before the tree existed, or being rebuilt) first catches up from the chain
/// hashes of the events it lacks. The caller inserts the nodes in the same transaction.
pub(crate) async fn grow(
    conn: &mut PgConnection,
    size: u64,
    leaves: &[Hash],
) -> Result<(HashMap<NodeId, Hash>, Vec<TreeNode>), StoreError> {
    let edge = read_nodes(conn, &root_nodes(size)).await?;
    match new_nodes(size, &edge, leaves) {
        Ok(nodes) => Ok((edge, nodes)),
        Err(missing) => {
            let kept = kept_size(conn).await?;
            if kept >= size {
                return Err(damaged(missing.0));
            }
            let mut all = log_leaves(conn, kept, size).await?;
            all.extend_from_slice(leaves);
            let edge = read_nodes(conn, &root_nodes(kept)).await?;
            let nodes = new_nodes(kept, &edge, &all).map_err(|missing| damaged(missing.0))?;
            Ok((edge, nodes))
        }
    }
}

/// Deletes the tree and computes it again from the whole log; returns its size.
pub(crate) async fn rebuild(conn: &mut PgConnection, head: u64) -> Result<u64, StoreError> {
    sqlx::query("DELETE FROM tree_nodes").execute(&mut *conn).await.map_err(unavailable)?;
    let leaves = log_leaves(conn, 0, head).await?;
    let nodes = new_nodes(0, &HashMap::new(), &leaves).map_err(|missing| damaged(missing.0))?;
    insert(conn, &nodes).await?;
    Ok(head)
}

/// The number of leaves the stored tree holds.
async fn kept_size(conn: &mut PgConnection) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT MAX(idx) FROM tree_nodes WHERE level = 0")
        .fetch_one(&mut *conn)
        .await
        .map_err(unavailable)?;
    Ok(row.try_get::<Option<i64>, _>(0).map_err(unavailable)?.map_or(0, |last| last as u64 + 1))
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

async fn insert(conn: &mut PgConnection, nodes: &[TreeNode]) -> Result<(), StoreError> {
    for chunk in nodes.chunks(INSERT_CHUNK) {
        sqlx::query(
            "INSERT INTO tree_nodes (level, idx, hash) SELECT * FROM UNNEST($1::smallint[], $2::bigint[], $3::bytea[])",
        )
        .bind(chunk.iter().map(|n| i16::from(n.id.level)).collect::<Vec<_>>())
        .bind(chunk.iter().map(|n| n.id.index as i64).collect::<Vec<_>>())
        .bind(chunk.iter().map(|n| n.hash.0.as_slice()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(unavailable)?;
    }
    Ok(())
}

fn damaged(id: NodeId) -> StoreError {
    StoreError::Unavailable(format!(
        "the stored Merkle tree is damaged at {id}: run `covenant rebuild-tree` to recompute it from the log"
    ))
}
