-- Access tokens for the HTTP service. Only the SHA-256 hash of each secret is kept; `id` is the
-- public part of the token, by which it is found, listed and revoked.
CREATE TABLE access_tokens (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    organisation TEXT,
    secret_hash  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
