-- Sign-ins with an OpenID provider begun and not yet finished, so that one begun at one process
-- of the service can finish at another. Kept under the SHA-256 hash of the sign-in's state; a
-- row is deleted by the callback that finishes it, and pruned ten minutes after it began.
CREATE TABLE pending_sign_ins (
    state_hash BYTEA       PRIMARY KEY,
    provider   TEXT        NOT NULL,
    nonce      TEXT        NOT NULL,
    verifier   TEXT        NOT NULL,
    begun_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_sign_ins_by_start ON pending_sign_ins (begun_at);
-- Pruning ended and lapsed sessions looks them up by when they were last used and ended.
CREATE INDEX sessions_by_use ON sessions (last_seen_at);
CREATE INDEX sessions_by_end ON sessions (ended_at);
