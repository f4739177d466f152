-- Provisioning runs and their per-object log (issue 4). At most one run of an app is running
-- at a time, across every replica (the partial unique index); a run whose lease expired (its
-- process died) is marked abandoned by the next start. Each object of a run gets one log row:
-- the action, its status, the steps that explain it, and the error with what to do about it.
CREATE TABLE app_runs (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('running', 'finished', 'abandoned')),
    owner        TEXT NOT NULL,
    lease_until  TEXT NOT NULL,
    started      TEXT NOT NULL,
    finished     TEXT,
    summary      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX app_runs_one_running ON app_runs(app_id) WHERE state = 'running';
CREATE INDEX app_runs_by_app ON app_runs(app_id, started);

CREATE TABLE app_run_objects (
    run_id     TEXT NOT NULL REFERENCES app_runs(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    source_id  TEXT NOT NULL,
    name       TEXT,
    action     TEXT NOT NULL,
    status     TEXT NOT NULL,
    target_id  TEXT,
    error      TEXT,
    hint       TEXT,
    steps      TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT;
