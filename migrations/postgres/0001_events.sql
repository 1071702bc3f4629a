-- The event log. One row per event; `position` is the global, gapless, 1-based position,
-- assigned by the single writer that holds the store's advisory lock (never by a sequence).
-- `payload` is canonical JSON kept as text, because those exact bytes are what is hashed
-- (jsonb would reorder keys and normalise numbers).
CREATE TABLE events (
    position        BIGINT      PRIMARY KEY,
    stream_id       TEXT        NOT NULL,
    stream_version  BIGINT      NOT NULL,
    event_id        UUID        NOT NULL UNIQUE,
    event_type      TEXT        NOT NULL,
    schema_version  INTEGER     NOT NULL,
    payload         TEXT        NOT NULL,
    actor           TEXT        NOT NULL,
    correlation_id  UUID        NOT NULL,
    causation_id    UUID,
    source          TEXT,
    occurred_at     TIMESTAMPTZ NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    prev_hash       BYTEA       NOT NULL,
    hash            BYTEA       NOT NULL,
    UNIQUE (stream_id, stream_version)
);
