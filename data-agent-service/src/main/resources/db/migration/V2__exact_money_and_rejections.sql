-- Money keeps the 12 decimal places every Verity cost has (contract Money: scale 12, HALF_EVEN).
-- NUMERIC(18, 9) could not hold a cost such as 0.000000150000 exactly; widening never rounds a stored value.
ALTER TABLE llm_calls ALTER COLUMN cost_usd TYPE NUMERIC(24, 12);

-- Usage events that reached the data agent but could not be stored: each was moved to the
-- dead-letter stream (verity:usage:dead). They count against the coverage of every metrics and
-- cost-analysis result whose window holds them, and against the service status while recent,
-- until an operator re-drives them (redriven_at).
CREATE TABLE usage_rejections (
    -- The usage stream entry id: one rejection per entry, however often it is redelivered.
    source_id    TEXT        PRIMARY KEY,
    event_id     TEXT,
    -- NULL when the event was too broken to name its org: then it counts in the status only.
    org_id       TEXT,
    -- The event's own time when readable, else when it was rejected.
    created_at   TIMESTAMPTZ NOT NULL,
    reason       TEXT        NOT NULL,
    rejected_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    redriven_at  TIMESTAMPTZ
);

CREATE INDEX usage_rejections_open_org_time ON usage_rejections (org_id, created_at) WHERE redriven_at IS NULL;
CREATE INDEX usage_rejections_open_recent ON usage_rejections (rejected_at) WHERE redriven_at IS NULL;
