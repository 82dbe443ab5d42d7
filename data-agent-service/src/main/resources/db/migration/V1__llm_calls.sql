-- Usage telemetry: one row per real provider call (DESIGN §6).
-- The primary key includes the org: a call id is only unique within the org that recorded it, so
-- one org's ids can never shadow (or reveal) another org's rows.
CREATE TABLE llm_calls (
    org_id             TEXT        NOT NULL,
    id                 TEXT        NOT NULL,
    user_id            TEXT,
    request_id         TEXT,
    model              TEXT        NOT NULL,
    provider           TEXT        NOT NULL,
    -- Unknown token counts and cost stay NULL: never estimated, never counted as zero.
    prompt_tokens      INTEGER     CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER     CHECK (completion_tokens >= 0),
    cost_usd           NUMERIC(18, 9) CHECK (cost_usd >= 0),
    latency_ms         BIGINT      NOT NULL CHECK (latency_ms >= 0),
    outcome            TEXT        NOT NULL CHECK (outcome IN ('success', 'error', 'timeout')),
    error_type         TEXT,
    cache_hit          BOOLEAN     NOT NULL DEFAULT FALSE,
    degraded           BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL,
    ingested_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

-- Every query is scoped to one org and one window; grouped queries add model or provider.
CREATE INDEX llm_calls_org_time ON llm_calls (org_id, created_at);
CREATE INDEX llm_calls_org_model_time ON llm_calls (org_id, model, created_at);
CREATE INDEX llm_calls_org_provider_time ON llm_calls (org_id, provider, created_at);
