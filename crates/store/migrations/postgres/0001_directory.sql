-- Scimitar directory on PostgreSQL. Landed migrations are never edited; add a new file instead.
--
-- Same shape as the SQLite schema (see migrations/sqlite/0001_directory.sql): timestamps are
-- RFC 3339 UTC text with six fractional digits, fixed width, so text order is time order and
-- both backends compare them the same way. `data` is the canonical resource document; `search`
-- is the same with every caseExact=false string lowercased and every dateTime canonicalised.
-- Case-insensitive `co`/`sw`/`ew` on userName, displayName and emails.value use trigram indexes.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
    id        BIGSERIAL PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    policy    TEXT NOT NULL DEFAULT 'compatible',
    created   TEXT NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    label       TEXT,
    scope       TEXT NOT NULL DEFAULT 'scim',
    hash        TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE users (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_name       TEXT NOT NULL,
    user_name_ci    TEXT NOT NULL,
    external_id     TEXT,
    display_name    TEXT,
    display_name_ci TEXT,
    active          BOOLEAN,
    created         TEXT NOT NULL,
    last_modified   TEXT NOT NULL,
    version         BIGINT NOT NULL,
    password_hash   TEXT,
    data            JSONB NOT NULL,
    search          JSONB NOT NULL
);
CREATE UNIQUE INDEX users_user_name ON users(tenant_id, user_name_ci);
CREATE INDEX users_external_id ON users(tenant_id, external_id);
CREATE INDEX users_display_name ON users(tenant_id, display_name_ci);
CREATE INDEX users_active ON users(tenant_id, active);
CREATE INDEX users_created ON users(tenant_id, created);
CREATE INDEX users_last_modified ON users(tenant_id, last_modified);
CREATE INDEX users_tenant_seq ON users(tenant_id, seq);
CREATE INDEX users_user_name_trgm ON users USING GIN (user_name_ci gin_trgm_ops);
CREATE INDEX users_display_name_trgm ON users USING GIN (display_name_ci gin_trgm_ops);

CREATE TABLE user_emails (
    user_seq   BIGINT NOT NULL REFERENCES users(seq) ON DELETE CASCADE,
    tenant_id  BIGINT NOT NULL,
    value_ci   TEXT NOT NULL
);
CREATE INDEX user_emails_value ON user_emails(tenant_id, value_ci);
CREATE INDEX user_emails_user ON user_emails(user_seq);
CREATE INDEX user_emails_value_trgm ON user_emails USING GIN (value_ci gin_trgm_ops);

CREATE TABLE groups (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    tenant_id       BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    display_name    TEXT NOT NULL,
    display_name_ci TEXT NOT NULL,
    external_id     TEXT,
    created         TEXT NOT NULL,
    last_modified   TEXT NOT NULL,
    version         BIGINT NOT NULL,
    data            JSONB NOT NULL,
    search          JSONB NOT NULL
);
CREATE INDEX groups_display_name ON groups(tenant_id, display_name_ci);
CREATE INDEX groups_external_id ON groups(tenant_id, external_id);
CREATE INDEX groups_created ON groups(tenant_id, created);
CREATE INDEX groups_last_modified ON groups(tenant_id, last_modified);
CREATE INDEX groups_tenant_seq ON groups(tenant_id, seq);
CREATE INDEX groups_display_name_trgm ON groups USING GIN (display_name_ci gin_trgm_ops);

-- Members are rows: adding or removing one costs the same for a group of 10 or 1,000,000.
CREATE TABLE group_members (
    tenant_id    BIGINT NOT NULL,
    group_id     TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    member_type  TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members(member_id, group_id);

-- The change log. Writers append under a per-tenant transaction-level advisory lock taken just
-- before the append and held to commit, so positions of one tenant commit in position order:
-- a reader following `position > last` never skips a change that commits later.
CREATE TABLE changes (
    position       BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    at             TEXT NOT NULL
);
CREATE INDEX changes_tenant_position ON changes(tenant_id, position);
