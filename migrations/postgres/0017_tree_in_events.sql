-- The Merkle tree moves into the rows of the events that complete its nodes, as on SQLite
-- (crates/store-postgres/src/tree.rs): an append inserts no row but the events', so it writes
-- less to the write-ahead log and updates no second index. A leaf's hash is computed from its
-- event's chain hash, and a node of level 1 from the two leaves under it; `tree` holds the hashes
-- of the complete subtrees of level 2 and up whose last leaf is the event (the levels 2 to the
-- number of trailing zero bits of `position`), level 2 first, 32 bytes each: empty for a position
-- that is not a multiple of 4, which completes none. NULL marks an event the tree does not hold
-- yet (written by a store that left the tree behind): the next append of a store that keeps it,
-- or `covenant rebuild-tree`, fills it in. The column is not hashed: the chain is over the other
-- columns, and the tree is derived from the chain's hashes.
ALTER TABLE events ADD COLUMN tree BYTEA;

-- Every node of level 2 and up of the old table, into the row of the event that ends its range.
UPDATE events SET tree = moved.hashes
FROM (
    SELECT (idx + 1) << level::INTEGER AS position, string_agg(hash, ''::BYTEA ORDER BY level) AS hashes
    FROM tree_nodes
    WHERE level > 1
    GROUP BY (idx + 1) << level::INTEGER
) AS moved
WHERE events.position = moved.position;

-- The other events the old tree held (its leaves) complete no node of level 2 or up.
UPDATE events SET tree = ''::BYTEA
WHERE tree IS NULL AND position <= (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_nodes WHERE level = 0);

DROP TABLE tree_nodes;

-- `covenant_append` (0010, 0015) again, with the tree's columns written with the events instead
-- of rows of `tree_nodes`. The tree's right edge the writer planned from is no longer sent and
-- checked node by node: the head the writer last committed is checked as before, and the tree
-- must still hold it (its `tree` is not NULL), as SQLite's writer checks before it reuses the edge
-- it kept. Nothing but an append moves the head, and the tree's columns are written only by
-- appends, by a catch-up (which fills in NULLs at the head) and by `covenant rebuild-tree` (which
-- writes the same hashes again). `tree_kept` is false for a writer that leaves the tree behind.
DROP FUNCTION IF EXISTS covenant_append(BIGINT, BYTEA, TIMESTAMPTZ, BIGINT, TEXT[], BIGINT[], UUID[], SMALLINT[], BIGINT[],
    BYTEA[], BIGINT[], TEXT[], BIGINT[], UUID[], TEXT[], INTEGER[], TEXT[], TEXT[], UUID[], UUID[], TEXT[],
    TIMESTAMPTZ[], TIMESTAMPTZ[], BYTEA[], BYTEA[], SMALLINT[], BIGINT[], BYTEA[], TEXT);

CREATE OR REPLACE FUNCTION covenant_append(
    head_position   BIGINT,
    head_hash       BYTEA,
    head_recorded   TIMESTAMPTZ,
    checkpointed    BIGINT,
    stream_ids      TEXT[],
    stream_versions BIGINT[],
    event_ids       UUID[],
    tree_kept       BOOLEAN,
    e_position      BIGINT[],
    e_stream_id     TEXT[],
    e_version       BIGINT[],
    e_event_id      UUID[],
    e_type          TEXT[],
    e_schema        INTEGER[],
    e_payload       TEXT[],
    e_actor         TEXT[],
    e_correlation   UUID[],
    e_causation     UUID[],
    e_source        TEXT[],
    e_occurred_at   TIMESTAMPTZ[],
    e_recorded_at   TIMESTAMPTZ[],
    e_prev_hash     BYTEA[],
    e_hash          BYTEA[],
    e_tree          BYTEA[],
    channel         TEXT
) RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head RECORD;
BEGIN
    IF head_position IS NOT NULL THEN
        -- The key is "covenant" in ASCII, as in the writer's own transactions.
        PERFORM pg_advisory_xact_lock(7165075710185401972);
        SELECT position, hash, recorded_at INTO head FROM events ORDER BY position DESC LIMIT 1;
        IF FOUND THEN
            IF head.position <> head_position OR head.hash <> head_hash OR head.recorded_at <> head_recorded THEN
                RETURN FALSE;
            END IF;
        ELSIF head_position <> 0 THEN
            RETURN FALSE;
        END IF;
        IF COALESCE((SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1), 0) <> checkpointed THEN
            RETURN FALSE;
        END IF;
        -- One backward step on the (stream_id, stream_version) index per stream.
        IF EXISTS (
            SELECT 1 FROM UNNEST(stream_ids, stream_versions) AS s(id, version)
            WHERE COALESCE((SELECT MAX(e.stream_version) FROM events e WHERE e.stream_id = s.id), 0) <> s.version
        ) THEN
            RETURN FALSE;
        END IF;
        -- One probe of the unique index per id: a scalar subquery, which the planner runs per row
        -- and cannot turn into a join.
        IF EXISTS (
            SELECT 1 FROM UNNEST(event_ids) AS w(id)
            WHERE (SELECT TRUE FROM events e WHERE e.event_id = w.id)
        ) THEN
            RETURN FALSE;
        END IF;
        IF tree_kept AND (SELECT e.tree IS NULL FROM events e WHERE e.position = head_position) THEN
            RETURN FALSE;
        END IF;
    END IF;
    INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, payload,
        actor, correlation_id, causation_id, source, occurred_at, recorded_at, prev_hash, hash, tree)
    SELECT * FROM UNNEST(e_position, e_stream_id, e_version, e_event_id, e_type, e_schema, e_payload, e_actor,
        e_correlation, e_causation, e_source, e_occurred_at, e_recorded_at, e_prev_hash, e_hash, e_tree);
    IF CARDINALITY(e_position) > 0 THEN
        -- Delivered only if the transaction commits.
        PERFORM pg_notify(channel, e_position[CARDINALITY(e_position)]::TEXT);
    END IF;
    RETURN TRUE;
END
$$;
