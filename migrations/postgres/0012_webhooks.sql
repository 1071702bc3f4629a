-- Webhook subscriptions (crates/app/src/webhooks.rs): one row per subscription, named by the
-- admin; how far each has delivered is kept in `publishers` under `webhook:<name>`. Every
-- delivery attempt is logged, and an event given up on after the last attempt is kept as a
-- dead letter until it is replayed.
CREATE TABLE webhooks (
    name        TEXT        PRIMARY KEY,
    url         TEXT        NOT NULL,
    event_types TEXT        NOT NULL,
    secret      TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE webhook_attempts (
    id           BIGSERIAL   PRIMARY KEY,
    webhook      TEXT        NOT NULL REFERENCES webhooks (name) ON DELETE CASCADE,
    position     BIGINT      NOT NULL,
    attempt      INTEGER     NOT NULL,
    outcome      TEXT        NOT NULL,
    detail       TEXT        NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook, id);

CREATE TABLE webhook_dead_letters (
    webhook   TEXT        NOT NULL REFERENCES webhooks (name) ON DELETE CASCADE,
    position  BIGINT      NOT NULL,
    detail    TEXT        NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (webhook, position)
);
