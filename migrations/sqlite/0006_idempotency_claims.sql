-- A key of a request sent with an Idempotency-Key, claimed before the request runs and given up
-- once its answer is in idempotent_responses, so that the same key sent to two processes at once
-- runs once: the second finds the claim and waits for the first one's answer.
CREATE TABLE idempotency_claims (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash BLOB    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
