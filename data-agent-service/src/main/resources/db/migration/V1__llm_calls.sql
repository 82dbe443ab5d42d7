-- Usage telemetry: one row per real provider call (DESIGN §6).
CREATE TABLE llm_calls (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT        NOT NULL,
    user_id            TEXT,
    request_id         TEXT,
    model              TEXT        NOT NULL,
    provider           TEXT        NOT NULL,
    prompt_tokens      INTEGER     CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER     CHECK (completion_tokens >= 0),
    cost_usd           NUMERIC(18, 9) CHECK (cost_usd >= 0),
    latency_ms         INTEGER     NOT NULL CHECK (latency_ms >= 0),
    outcome            TEXT        NOT NULL,
    cache_hit          BOOLEAN     NOT NULL DEFAULT FALSE,
    degraded           BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL
);

CREATE INDEX llm_calls_org_time ON llm_calls (org_id, created_at);
CREATE INDEX llm_calls_org_model_time ON llm_calls (org_id, model, created_at);
