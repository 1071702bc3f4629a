-- Dashboard sessions. Only the SHA-256 hash of each session id is kept: the id itself lives only
-- in the browser's cookie. A session is for a token (token_id) or for a person signed in with an
-- OpenID provider (provider, subject, email); its role is the one given when it began.
CREATE TABLE sessions (
    id_hash      BYTEA       PRIMARY KEY,
    name         TEXT        NOT NULL,
    role         TEXT        NOT NULL,
    organisation TEXT,
    token_id     TEXT,
    provider     TEXT,
    subject      TEXT,
    email        TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ
);
CREATE INDEX sessions_by_start ON sessions (created_at);
