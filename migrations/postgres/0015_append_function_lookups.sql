-- `covenant_append` (0010) again, with the same arguments and meaning, checking the event ids and
-- the tree's right edge with one index probe per element instead of a join. PL/pgSQL keeps the
-- plan of each statement for the life of the connection, and a plan made while a table was
-- small (a new database, with no statistics yet: no ANALYZE has run) joined the edge's few
-- rows to a sequential scan of `tree_nodes`, so that every append of a long-lived writer
-- connection read the whole tree: 13 ms an append at 40,000 nodes on a server without
-- autovacuum, and growing with the log. A scalar subquery is run per row, through the primary
-- key or the unique index, whatever the planner believed of the table's size.
CREATE OR REPLACE FUNCTION covenant_append(
    head_position   BIGINT,
    head_hash       BYTEA,
    head_recorded   TIMESTAMPTZ,
    checkpointed    BIGINT,
    stream_ids      TEXT[],
    stream_versions BIGINT[],
    event_ids       UUID[],
    edge_levels     SMALLINT[],
    edge_indexes    BIGINT[],
    edge_hashes     BYTEA[],
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
    n_levels        SMALLINT[],
    n_indexes       BIGINT[],
    n_hashes        BYTEA[],
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
        -- One probe of the unique index per id, and one of the primary key per edge node: each a
        -- scalar subquery, which the planner runs per row and cannot turn into a join.
        IF EXISTS (
            SELECT 1 FROM UNNEST(event_ids) AS w(id)
            WHERE (SELECT TRUE FROM events e WHERE e.event_id = w.id)
        ) THEN
            RETURN FALSE;
        END IF;
        IF EXISTS (
            SELECT 1 FROM UNNEST(edge_levels, edge_indexes, edge_hashes) AS w(level, idx, hash)
            WHERE (SELECT t.hash FROM tree_nodes t WHERE t.level = w.level AND t.idx = w.idx) IS DISTINCT FROM w.hash
        ) THEN
            RETURN FALSE;
        END IF;
    END IF;
    INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, payload,
        actor, correlation_id, causation_id, source, occurred_at, recorded_at, prev_hash, hash)
    SELECT * FROM UNNEST(e_position, e_stream_id, e_version, e_event_id, e_type, e_schema, e_payload, e_actor,
        e_correlation, e_causation, e_source, e_occurred_at, e_recorded_at, e_prev_hash, e_hash);
    INSERT INTO tree_nodes (level, idx, hash) SELECT * FROM UNNEST(n_levels, n_indexes, n_hashes);
    IF CARDINALITY(e_position) > 0 THEN
        -- Delivered only if the transaction commits.
        PERFORM pg_notify(channel, e_position[CARDINALITY(e_position)]::TEXT);
    END IF;
    RETURN TRUE;
END
$$;
