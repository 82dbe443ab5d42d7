-- Incidents, not ticket storms: an outage is one support incident per organisation, failing
-- service and error type (the dedup key), counted and resolved, instead of one ticket and one
-- webhook delivery per failed request (docs/incidents.md).
CREATE TABLE incidents (
    id                     TEXT        PRIMARY KEY,
    org_id                 TEXT        NOT NULL,
    service                TEXT        NOT NULL,
    error_type             TEXT        NOT NULL,
    state                  TEXT        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    -- The first failure's status and user-facing detail (never upstream text: problems carry none).
    status                 INTEGER     NOT NULL,
    detail                 TEXT        NOT NULL,
    account_manager_email  TEXT,
    occurrences            BIGINT      NOT NULL DEFAULT 1,
    -- The most recent request ids, at most verity.incidents.max-request-ids; occurrences is the total.
    request_ids            TEXT[]      NOT NULL,
    first_seen             TIMESTAMPTZ NOT NULL,
    last_seen              TIMESTAMPTZ NOT NULL,
    resolved_at            TIMESTAMPTZ,
    resolution             TEXT        CHECK (resolution IN ('success', 'quiet_period', 'migrated')),
    -- Support webhook: when the last trigger (open or reminder) was claimed, when the open and the
    -- resolve notices were delivered, when the resolve notice was claimed, and what it cost.
    last_trigger_at        TIMESTAMPTZ NOT NULL,
    opened_notified_at     TIMESTAMPTZ,
    resolve_claimed_at     TIMESTAMPTZ,
    resolved_notified_at   TIMESTAMPTZ,
    notify_attempts        INTEGER     NOT NULL DEFAULT 0,
    notify_failures        INTEGER     NOT NULL DEFAULT 0,
    CHECK ((state = 'open') = (resolved_at IS NULL)),
    CHECK ((state = 'open') = (resolution IS NULL))
);

-- At most one open incident per key, across every gateway replica: failures upsert against it.
CREATE UNIQUE INDEX incidents_one_open ON incidents (org_id, service, error_type) WHERE state = 'open';
CREATE INDEX incidents_open_last_seen ON incidents (last_seen) WHERE state = 'open';
CREATE INDEX incidents_org_time ON incidents (org_id, first_seen);

-- Who an incident affected: one row per user, with that user's own most recent request ids.
CREATE TABLE incident_users (
    incident_id  TEXT        NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id      TEXT        NOT NULL,
    occurrences  BIGINT      NOT NULL DEFAULT 1,
    request_ids  TEXT[]      NOT NULL,
    first_seen   TIMESTAMPTZ NOT NULL,
    last_seen    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, user_id)
);

-- Tickets opened before incidents existed stay readable under their id, as resolved incidents of one
-- occurrence (their delivery state kept); then the per-request table goes.
INSERT INTO incidents (id, org_id, service, error_type, state, status, detail, account_manager_email, occurrences,
                       request_ids, first_seen, last_seen, resolved_at, resolution, last_trigger_at, opened_notified_at,
                       resolve_claimed_at, resolved_notified_at, notify_attempts)
SELECT id, org_id, coalesce(service, 'unknown'), error_type, 'resolved', coalesce(status, 500), detail,
       account_manager_email, 1, ARRAY[request_id], created_at, created_at, created_at, 'migrated', created_at,
       notified_at, created_at, created_at, notify_attempts
  FROM support_tickets;

INSERT INTO incident_users (incident_id, user_id, occurrences, request_ids, first_seen, last_seen)
SELECT id, user_id, 1, ARRAY[request_id], created_at, created_at
  FROM support_tickets;

DROP TABLE support_tickets;
