-- Which users and groups an app receives (issue 4): a user directly, a group (its members,
-- through nested groups too), or every user (`AllUsers`, resource_id ''). Deleting the app
-- deletes its assignments; an assignment whose user or group is gone assigns nobody.
CREATE TABLE app_assignments (
    app_id         TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    resource_type  TEXT NOT NULL CHECK (resource_type IN ('User', 'Group', 'AllUsers')),
    resource_id    TEXT NOT NULL,
    created        TEXT NOT NULL,
    PRIMARY KEY (app_id, resource_type, resource_id)
);
