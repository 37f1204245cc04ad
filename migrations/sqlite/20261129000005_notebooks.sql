-- Notebooks: what a user asked for (the spec as JSON, api::NotebookSpec with the defaults
-- filled in) and the token of its current run. Each run is a workload named `nb-<name>` of
-- kind `notebook` in the same profile; the workload holds the phase and the events.
CREATE TABLE notebooks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    profile          TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    spec_json        TEXT NOT NULL,
    token            TEXT NOT NULL,
    created_at_ms    BIGINT NOT NULL,
    last_activity_ms BIGINT,
    UNIQUE (profile, name)
);
