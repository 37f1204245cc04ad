-- Borrowing: how much of other profiles' unused quota a profile may use beyond its own.
-- NULL: none.
ALTER TABLE profiles ADD COLUMN borrow_gpu_milli BIGINT;
ALTER TABLE profiles ADD COLUMN borrow_cpu_milli BIGINT;
ALTER TABLE profiles ADD COLUMN borrow_memory_mib BIGINT;

-- Every notebook, step, trial, server and training job: the unit the scheduler admits and a
-- runtime runs. The spec and the placements are JSON (api::WorkloadSpec,
-- Vec<api::ReplicaPlacement>): read whole, never queried inside.
CREATE TABLE workloads (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    profile        TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    priority_class TEXT NOT NULL,
    priority       BIGINT NOT NULL,
    spec_json      TEXT NOT NULL,
    phase          TEXT NOT NULL,
    reason         TEXT,
    placements_json TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    admitted_at_ms BIGINT,
    started_at_ms  BIGINT,
    finished_at_ms BIGINT,
    UNIQUE (profile, name)
);
CREATE INDEX workloads_by_phase ON workloads (phase);

CREATE TABLE workload_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workload_id BIGINT NOT NULL REFERENCES workloads (id) ON DELETE CASCADE,
    at_ms       BIGINT NOT NULL,
    phase       TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX workload_events_by_workload ON workload_events (workload_id, id);
