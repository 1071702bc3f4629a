-- Publishers of the log to other systems (crates/app/src/publisher.rs): one row per publisher
-- name, the last position the other system acknowledged, and when it was saved. A row is
-- advanced only after the acknowledgement, so a restart resumes after it.
CREATE TABLE publishers (
    name         TEXT        PRIMARY KEY,
    position     BIGINT      NOT NULL,
    published_at TIMESTAMPTZ NOT NULL
);
