-- Which account in an app stands for which user or group of the directory (issue 4): written
-- when Scimitar creates the account or adopts one it matched, read by the planner (`Linked`),
-- removed when the account is deleted. One account never stands for two directory objects.
CREATE TABLE app_links (
    app_id         TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL CHECK (resource_type IN ('User', 'Group')),
    source_id      TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL,
    synced         TEXT NOT NULL,
    PRIMARY KEY (app_id, resource_type, source_id)
);
CREATE UNIQUE INDEX app_links_target ON app_links(app_id, resource_type, target_id);
