-- Writers no longer draw change-log positions themselves: each write puts its change in
-- change_queue (no lock, so writes to one tenant no longer queue behind each other's commits),
-- and a sequencer moves committed rows into `changes`, drawing positions in its own
-- transactions, one at a time per tenant. See crates/store/src/postgres/changes.rs.
CREATE TABLE change_queue (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      BIGINT NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    operation      TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    at             TEXT NOT NULL
);
