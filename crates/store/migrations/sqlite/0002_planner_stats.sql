-- Planner statistics for a directory of realistic shape, so SQLite picks the right index from
-- the first request (without them it assumes `tenant_id = ?` is selective and scans a whole
-- tenant). They are fixed on purpose (SQLite's "fixed statistics" technique): ANALYZE of a young,
-- small database would teach the planner plans that fail once the directory grows. Run
-- `ANALYZE` by hand on a large, settled database if you want measured statistics instead.
-- Format of `stat`: total rows, then average rows per distinct value of each index prefix.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('users', 'users_user_name', '1000000 100000 1'),
    ('users', 'users_external_id', '1000000 100000 1'),
    ('users', 'users_display_name', '1000000 100000 2'),
    ('users', 'users_active', '1000000 100000 50000'),
    ('users', 'users_created', '1000000 100000 1'),
    ('users', 'users_last_modified', '1000000 100000 1'),
    ('users', 'sqlite_autoindex_users_1', '1000000 1'),
    ('user_emails', 'user_emails_value', '1000000 100000 1'),
    ('user_emails', 'user_emails_user', '1000000 1'),
    ('groups', 'groups_display_name', '100000 10000 1'),
    ('groups', 'groups_external_id', '100000 10000 1'),
    ('groups', 'groups_created', '100000 10000 1'),
    ('groups', 'groups_last_modified', '100000 10000 1'),
    ('groups', 'sqlite_autoindex_groups_1', '100000 1'),
    ('group_members', 'group_members', '1000000 100 1'),
    ('group_members', 'group_members_member', '1000000 5 1'),
    ('changes', 'changes_tenant_position', '1000000 100000 1'),
    ('tokens', 'sqlite_autoindex_tokens_1', '1000 1'),
    ('tokens', 'sqlite_autoindex_tokens_2', '1000 1'),
    ('tenants', 'sqlite_autoindex_tenants_1', '100 1');
