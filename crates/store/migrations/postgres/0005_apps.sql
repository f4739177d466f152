-- Connected apps (issue 4). Credentials are sealed by the service before they arrive here;
-- `settings` is the provisioning engine's JSON document (mappings, scope, matching, limits).
CREATE TABLE apps (
    id           TEXT PRIMARY KEY,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_ci      TEXT NOT NULL,
    scim_url     TEXT NOT NULL,
    auth_sealed  TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('stopped', 'running', 'quarantined')),
    deprovision  TEXT NOT NULL CHECK (deprovision IN ('disable', 'delete', 'nothing')),
    settings     JSONB NOT NULL,
    created      TEXT NOT NULL,
    updated      TEXT NOT NULL,
    version      BIGINT NOT NULL
);
CREATE UNIQUE INDEX apps_name ON apps(tenant_id, name_ci);
