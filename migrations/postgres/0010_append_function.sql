-- One append in one round trip (crates/store-postgres/src/writer.rs, docs/adr/0001): the writer
-- plans a group from the facts its last commit left (the head, the latest checkpoint's size, the
-- versions of the streams it touches, that none of its event ids is recorded, the Merkle tree's
-- right edge), and this function takes the store's advisory lock, checks every one of those facts
-- against the database, and only if all still hold inserts the events and tree nodes and
-- announces the new head. It returns false, having written nothing, when any fact has changed;
-- the writer then reads them under the lock and plans again.
--
-- VOLATILE matters: each statement below takes a fresh snapshot, so the checks after the lock see
-- every append committed before the lock was granted. A NULL head skips the checks: the caller
-- already holds the lock in its own transaction and read the facts there.
CREATE FUNCTION covenant_append(
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
        IF EXISTS (SELECT 1 FROM UNNEST(event_ids) AS w(id) JOIN events e ON e.event_id = w.id) THEN
            RETURN FALSE;
        END IF;
        IF (
            SELECT COUNT(*) FROM UNNEST(edge_levels, edge_indexes, edge_hashes) AS w(level, idx, hash)
            JOIN tree_nodes t ON t.level = w.level AND t.idx = w.idx AND t.hash = w.hash
        ) <> COALESCE(CARDINALITY(edge_levels), 0) THEN
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
