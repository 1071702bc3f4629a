-- The Merkle tree moves into the rows of the events that complete its nodes, so that an append
-- writes no page but the log's own (crates/store-sqlite/src/tree.rs). A leaf's hash is computed
-- from its event's chain hash, as before, and a node of level 1 from the two leaves under it;
-- `tree` holds the hashes of the complete subtrees of level 2 and up whose last leaf is the event
-- (those of the levels 2 to the number of trailing zero bits of `position`), level 2 first, 32
-- bytes each: empty for a position that is not a multiple of 4, which completes none. NULL marks
-- an event the tree does not hold yet (a log written by a store that left the tree behind): the
-- next append of a store that keeps it, or `covenant rebuild-tree`, fills it in. The column is
-- not hashed: the chain is over the other columns only, and the tree is derived from the chain's
-- hashes.
ALTER TABLE events ADD COLUMN tree BLOB;

-- Every node of level 2 and up of the old table, into the row of the event that ends its range.
UPDATE events SET tree = moved.hashes
FROM (
    SELECT (idx + 1) << level AS position, unhex(group_concat(hex(hash), '' ORDER BY level)) AS hashes
    FROM tree_nodes
    WHERE level > 1
    GROUP BY (idx + 1) << level
) AS moved
WHERE events.position = moved.position;

-- The other events the old tree held (its leaves) complete no node of level 2 or up.
UPDATE events SET tree = x''
WHERE tree IS NULL AND position <= (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_nodes WHERE level = 0);

DROP TABLE tree_nodes;
