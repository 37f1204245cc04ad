-- Profiles (namespaces) and who may work in them. The owner is a contributor with the role
-- `owner`. Quotas: NULL is no limit.
CREATE TABLE profiles (
    name             TEXT PRIMARY KEY,
    quota_gpu_milli  BIGINT,
    quota_cpu_milli  BIGINT,
    quota_memory_mib BIGINT,
    quota_workloads  BIGINT,
    created_at_ms    BIGINT NOT NULL
);

CREATE TABLE profile_contributors (
    profile     TEXT NOT NULL REFERENCES profiles (name) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    subject     TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'edit', 'view')),
    added_at_ms BIGINT NOT NULL,
    PRIMARY KEY (profile, kind, subject)
);
CREATE INDEX profile_contributors_by_subject ON profile_contributors (kind, subject);
