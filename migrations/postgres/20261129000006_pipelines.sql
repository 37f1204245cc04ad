-- Pipelines (issue 6). A pipeline is a name in a profile; its versions hold the uploaded
-- documents, immutable. Deleting either only marks it deleted: the runs made from a version
-- keep showing its graph. Names are unique among the ones not deleted.
CREATE TABLE pipelines (
    id            BIGSERIAL PRIMARY KEY,
    profile       TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    deleted_at_ms BIGINT
);
CREATE UNIQUE INDEX pipelines_live_name ON pipelines (profile, name) WHERE deleted_at_ms IS NULL;

CREATE TABLE pipeline_versions (
    id            BIGSERIAL PRIMARY KEY,
    pipeline_id   BIGINT NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    -- `kfp-ir` or `capstan`: which reader the source goes through.
    format        TEXT NOT NULL,
    source        TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    deleted_at_ms BIGINT
);
CREATE UNIQUE INDEX pipeline_versions_live_name
    ON pipeline_versions (pipeline_id, name) WHERE deleted_at_ms IS NULL;

-- Experiments group runs (Kubeflow Pipelines' meaning of the word).
CREATE TABLE experiments (
    id             BIGSERIAL PRIMARY KEY,
    profile        TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    archived_at_ms BIGINT,
    UNIQUE (profile, name)
);

CREATE TABLE recurring_runs (
    id                  BIGSERIAL PRIMARY KEY,
    profile             TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    experiment_id       BIGINT REFERENCES experiments (id) ON DELETE SET NULL,
    version_id          BIGINT NOT NULL REFERENCES pipeline_versions (id),
    -- api::RecurringRunSpec as JSON: trigger, parameters, concurrency, catch-up, window.
    spec_json           TEXT NOT NULL,
    enabled             BIGINT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at_ms       BIGINT NOT NULL,
    last_fired_ms       BIGINT,
    UNIQUE (profile, name)
);

CREATE TABLE runs (
    id                BIGSERIAL PRIMARY KEY,
    profile           TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    experiment_id     BIGINT REFERENCES experiments (id) ON DELETE SET NULL,
    version_id        BIGINT NOT NULL REFERENCES pipeline_versions (id),
    recurring_run_id  BIGINT REFERENCES recurring_runs (id) ON DELETE SET NULL,
    -- api::RunOptions as JSON: the parameters given, caching, parallelism.
    options_json      TEXT NOT NULL,
    -- pending, running, succeeded, failed, canceling, canceled.
    state             TEXT NOT NULL,
    reason            TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at_ms     BIGINT NOT NULL,
    started_at_ms     BIGINT,
    finished_at_ms    BIGINT,
    archived_at_ms    BIGINT,
    -- The pipeline's own outputs (root.dag.outputs), JSON, once it succeeded.
    outputs_json      TEXT
);
-- The run list (100,000 runs must list in milliseconds): one index per sort order, the
-- default one covering every filter column so that counting a filter never reads the table.
CREATE INDEX runs_by_created ON runs (profile, archived_at_ms, created_at_ms DESC, id DESC,
    state, name, experiment_id, version_id, recurring_run_id);
CREATE INDEX runs_by_name ON runs (profile, archived_at_ms, name, id);
CREATE INDEX runs_by_state ON runs (profile, archived_at_ms, state, id);
CREATE INDEX runs_by_finished ON runs (profile, archived_at_ms, finished_at_ms, id);
CREATE INDEX runs_active ON runs (state) WHERE finished_at_ms IS NULL;

-- One row per node of a run's graph that the engine reached: container tasks, condition and
-- loop sub-DAGs, loop iterations. `node` is the path in the graph
-- (`condition-1/for-loop-3[2]/scale`).
CREATE TABLE run_tasks (
    id             BIGSERIAL PRIMARY KEY,
    run_id         BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node           TEXT NOT NULL,
    -- pending, running, succeeded, failed, skipped, cached, canceled.
    state          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    attempt        BIGINT NOT NULL,
    workload_id    BIGINT,
    cache_key      TEXT,
    -- The resolved inputs and the outputs, JSON (parameters and artifacts).
    inputs_json    TEXT,
    outputs_json   TEXT,
    started_at_ms  BIGINT,
    finished_at_ms BIGINT,
    UNIQUE (run_id, node)
);
CREATE INDEX run_tasks_by_cache_key ON run_tasks (cache_key) WHERE cache_key IS NOT NULL;

-- Metrics that tasks reported (KFP Metrics artifacts, or a metrics JSON file).
CREATE TABLE run_metrics (
    run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node   TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, node, name)
);
