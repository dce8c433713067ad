-- Outbound webhooks: subscriptions, an outbox written in the same transaction as each change,
-- and a log of delivery attempts.
CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    -- The signing secret, encrypted with the data key.
    secret_enc TEXT NOT NULL,
    -- Comma-separated event types, or * for all.
    events TEXT NOT NULL,
    -- Code prefix of the territory whose cases are sent.
    territory TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id),
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at INTEGER,
    given_up_at INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(delivered_at, given_up_at, next_attempt_at);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id INTEGER NOT NULL REFERENCES webhook_outbox(id),
    subscription_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, id);
