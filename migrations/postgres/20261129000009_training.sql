-- Training jobs (issue 9): TFJobs and PyTorchJobs, their conditions and the metrics their
-- leading replica prints. Each attempt is a workload named `<job>-<attempt>`.
CREATE TABLE training_jobs (
    id             BIGSERIAL PRIMARY KEY,
    profile        TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    -- The manifest as submitted (YAML or JSON), and the checked spec as JSON.
    manifest       TEXT NOT NULL,
    spec_json      TEXT NOT NULL,
    state          TEXT NOT NULL,
    -- The attempt that runs or ran last, and how many were restarts after a failure.
    attempt        BIGINT NOT NULL,
    restarts       BIGINT NOT NULL,
    -- The current attempt's workload; NULL before it is submitted.
    workload_id    BIGINT,
    -- When the next attempt is due after a failure (the back-off).
    restart_at_ms  BIGINT,
    created_by     TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    -- First running: activeDeadlineSeconds counts from here.
    started_at_ms  BIGINT,
    finished_at_ms BIGINT,
    UNIQUE (profile, name)
);

CREATE TABLE training_conditions (
    id             BIGSERIAL PRIMARY KEY,
    job_id         BIGINT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    condition_type TEXT NOT NULL,
    reason         TEXT NOT NULL,
    message        TEXT NOT NULL,
    at_ms          BIGINT NOT NULL
);
CREATE INDEX training_conditions_by_job ON training_conditions (job_id, id);

CREATE TABLE training_metrics (
    job_id  BIGINT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    name    TEXT NOT NULL,
    step    BIGINT NOT NULL,
    value   DOUBLE PRECISION NOT NULL,
    at_ms   BIGINT NOT NULL,
    PRIMARY KEY (job_id, attempt, name, step)
);
