-- Listing a tenant in its stable order (by seq) walks this index instead of sorting the tenant,
-- and `startIndex` skips over index entries rather than rows.
CREATE INDEX users_tenant_seq ON users(tenant_id, seq);
CREATE INDEX groups_tenant_seq ON groups(tenant_id, seq);
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('users', 'users_tenant_seq', '1000000 100000 1'),
    ('groups', 'groups_tenant_seq', '100000 10000 1');
