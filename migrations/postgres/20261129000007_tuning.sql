-- Tuning experiments (issue 7): Katib's Experiment shares the experiments table, and so the
-- profile's experiment names, with the groups of runs; `kind` tells them apart. The tuning
-- columns are NULL for a group of runs.
ALTER TABLE experiments ADD COLUMN kind TEXT NOT NULL DEFAULT 'runs';
-- The manifest as submitted (YAML or JSON): read again at each start of the controller.
ALTER TABLE experiments ADD COLUMN manifest TEXT;
-- running, stopped, succeeded, failed (api::TuningState).
ALTER TABLE experiments ADD COLUMN state TEXT;
ALTER TABLE experiments ADD COLUMN reason TEXT;
-- The algorithm's seed when the manifest sets no random_state: kept, so a restart goes on
-- with the same suggestions.
ALTER TABLE experiments ADD COLUMN seed BIGINT;
ALTER TABLE experiments ADD COLUMN created_by TEXT;
ALTER TABLE experiments ADD COLUMN finished_at_ms BIGINT;

CREATE TABLE trials (
    id              BIGSERIAL PRIMARY KEY,
    experiment_id   BIGINT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    -- The trial's place among the experiment's trials: 0, 1, …; its name is
    -- <experiment>-<number>, and so is its workload's.
    number          BIGINT NOT NULL,
    name            TEXT NOT NULL,
    -- [value, …] as text, in the order of the spec's parameters.
    assignment_json TEXT NOT NULL,
    -- api::TrialState.
    state           TEXT NOT NULL,
    reason          TEXT,
    -- A trial's workload, or (a pipeline trial) its run.
    workload_id     BIGINT,
    run_id          BIGINT,
    objective       DOUBLE PRECISION,
    created_at_ms   BIGINT NOT NULL,
    finished_at_ms  BIGINT,
    UNIQUE (experiment_id, number)
);

-- Every report of a metric by a trial, in order.
CREATE TABLE trial_metrics (
    trial_id BIGINT NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    step     BIGINT NOT NULL,
    value    DOUBLE PRECISION NOT NULL,
    at_ms    BIGINT NOT NULL,
    PRIMARY KEY (trial_id, name, step)
);
