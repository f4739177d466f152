-- Scimitar directory on SQLite. Landed migrations are never edited; add a new file instead.
--
-- Timestamps are RFC 3339 UTC with fixed-width fractional seconds ("2026-01-02T03:04:05.123456Z"),
-- so text comparison equals time comparison.
-- `data` is the canonical resource JSON without id, meta, password, User.groups and Group.members.
-- `search` is the same document with every caseExact=false string lowercased (Unicode) and every
-- dateTime in the fixed-width UTC form, so filters compare in SQL with the schema's case rules.

CREATE TABLE tenants (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    policy    TEXT NOT NULL DEFAULT 'compatible',
    created   TEXT NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    label       TEXT,
    scope       TEXT NOT NULL DEFAULT 'scim',
    hash        TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE users (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_name       TEXT NOT NULL,
    user_name_ci    TEXT NOT NULL,
    external_id     TEXT,
    display_name    TEXT,
    display_name_ci TEXT,
    active          INTEGER,
    created         TEXT NOT NULL,
    last_modified   TEXT NOT NULL,
    version         INTEGER NOT NULL,
    password_hash   TEXT,
    data            TEXT NOT NULL,
    search          TEXT NOT NULL
);
CREATE UNIQUE INDEX users_user_name ON users(tenant_id, user_name_ci);
CREATE INDEX users_external_id ON users(tenant_id, external_id);
CREATE INDEX users_display_name ON users(tenant_id, display_name_ci);
CREATE INDEX users_active ON users(tenant_id, active);
CREATE INDEX users_created ON users(tenant_id, created);
CREATE INDEX users_last_modified ON users(tenant_id, last_modified);

-- One row per email of a user: `emails.value` filters use this index, not JSON.
CREATE TABLE user_emails (
    user_seq   INTEGER NOT NULL REFERENCES users(seq) ON DELETE CASCADE,
    tenant_id  INTEGER NOT NULL,
    value_ci   TEXT NOT NULL
);
CREATE INDEX user_emails_value ON user_emails(tenant_id, value_ci);
CREATE INDEX user_emails_user ON user_emails(user_seq);

CREATE TABLE groups (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name    TEXT NOT NULL,
    display_name_ci TEXT NOT NULL,
    external_id     TEXT,
    created         TEXT NOT NULL,
    last_modified   TEXT NOT NULL,
    version         INTEGER NOT NULL,
    data            TEXT NOT NULL,
    search          TEXT NOT NULL
);
CREATE INDEX groups_display_name ON groups(tenant_id, display_name_ci);
CREATE INDEX groups_external_id ON groups(tenant_id, external_id);
CREATE INDEX groups_created ON groups(tenant_id, created);
CREATE INDEX groups_last_modified ON groups(tenant_id, last_modified);

-- Members are rows: adding or removing one costs the same for a group of 10 or 1,000,000.
CREATE TABLE group_members (
    tenant_id    INTEGER NOT NULL,
    group_id     TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    member_type  TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members(member_id, group_id);

-- The change log the provisioning engine follows. Appended in the same transaction as the write.
CREATE TABLE changes (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id      INTEGER NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    at             TEXT NOT NULL
);
CREATE INDEX changes_tenant_position ON changes(tenant_id, position);
