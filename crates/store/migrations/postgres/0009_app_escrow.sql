-- Objects that failed in a run of an app, kept to be retried (issue 5, the escrow): one row
-- per app and directory object, with how many attempts failed, when the next is due (a
-- documented backoff, computed by the engine), and the last error and hint for the operator.
-- A later success removes the row.
CREATE TABLE app_escrow (
    app_id         TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
    source_id      TEXT NOT NULL,
    attempts       BIGINT NOT NULL CHECK (attempts >= 1),
    first_failed   TEXT NOT NULL,
    next_attempt   TEXT NOT NULL,
    error          TEXT NOT NULL,
    hint           TEXT NOT NULL,
    PRIMARY KEY (app_id, resource_type, source_id)
);
CREATE INDEX app_escrow_due ON app_escrow(app_id, next_attempt);
