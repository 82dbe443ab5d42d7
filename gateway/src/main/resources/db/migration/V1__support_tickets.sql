-- Enterprise support tickets opened by tier-aware failure handling (DESIGN §8).
CREATE TABLE support_tickets (
    id                     TEXT PRIMARY KEY,
    request_id             TEXT        NOT NULL,
    user_id                TEXT        NOT NULL,
    org_id                 TEXT        NOT NULL,
    error_type             TEXT        NOT NULL,
    detail                 TEXT        NOT NULL,
    account_manager_email  TEXT,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    notified_at            TIMESTAMPTZ
);

CREATE INDEX support_tickets_org_time ON support_tickets (org_id, created_at);
