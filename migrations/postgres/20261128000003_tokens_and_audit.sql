-- Personal API tokens: only a hash of the secret is kept. The owner's groups are recorded
-- when the token is made, so that a token carries the permissions its owner had then.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    groups_json     TEXT NOT NULL,
    name            TEXT NOT NULL,
    secret_sha256   TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    expires_at_ms   BIGINT,
    last_used_at_ms BIGINT
);
CREATE INDEX api_tokens_by_owner ON api_tokens (owner);

-- Who did what to which object, when. No foreign key to profiles: the record of a deleted
-- profile outlives it.
CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    profile TEXT,
    action  TEXT NOT NULL,
    object  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX audit_log_by_profile ON audit_log (profile, id);
