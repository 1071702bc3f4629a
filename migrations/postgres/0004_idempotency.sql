-- The first answer to each HTTP request sent with an Idempotency-Key, per token, with a hash of
-- the request it answered, so that a retry gets the same answer and a reused key is refused.
CREATE TABLE idempotent_responses (
    scope        TEXT        NOT NULL,
    key          TEXT        NOT NULL,
    request_hash BYTEA       NOT NULL,
    status       INTEGER     NOT NULL,
    etag         TEXT,
    body         TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
