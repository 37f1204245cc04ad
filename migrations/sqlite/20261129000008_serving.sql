-- Model serving (issue 8): KServe InferenceServices, their revisions, the workloads that are
-- their replicas, per-model API tokens and what happened to them.
CREATE TABLE inference_services (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    profile         TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    -- The manifest as last submitted (YAML or JSON).
    manifest        TEXT NOT NULL,
    -- The share the newest revision takes from the stable one; NULL: all once it is ready.
    canary_percent  BIGINT,
    -- The revision that takes the traffic the canary does not (NULL until one was ready).
    stable_revision BIGINT,
    latest_revision BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    UNIQUE (profile, name)
);

CREATE TABLE serving_revisions (
    service_id     BIGINT NOT NULL REFERENCES inference_services (id) ON DELETE CASCADE,
    number         BIGINT NOT NULL,
    -- The checked revision (serving::spec::RevisionSpec) as JSON.
    spec_json      TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    -- When a replica of it first answered.
    ready_at_ms    BIGINT,
    PRIMARY KEY (service_id, number)
);

-- Each replica is a workload of its own.
CREATE TABLE serving_replicas (
    workload_id BIGINT PRIMARY KEY,
    service_id  BIGINT NOT NULL REFERENCES inference_services (id) ON DELETE CASCADE,
    revision    BIGINT NOT NULL
);

-- Tokens that may call one model's endpoints (and nothing else); only their SHA-256 is kept.
CREATE TABLE model_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id    BIGINT NOT NULL REFERENCES inference_services (id) ON DELETE CASCADE,
    hash          TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE serving_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id BIGINT NOT NULL REFERENCES inference_services (id) ON DELETE CASCADE,
    at_ms      BIGINT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX serving_events_by_service ON serving_events (service_id, id);
