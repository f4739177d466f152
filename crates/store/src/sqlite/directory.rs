//! `DirectoryStore` for SQLite: each method is one job on one connection. Writes run inside
//! the writer's group transaction, in their own savepoint, together with their change records.

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use scimitar_core::{
    ChangeOp, ChangeRecord, DirectoryStore, GroupMembership, ListPage, ListQuery, Member,
    NewResource, PasswordChange, ResourceUpdate, StoreError, StoredResource, TenantId,
};
use scimitar_scim::schema::ResourceKind;

use super::changes::append;
use super::row::{columns, corrupt, resource_from_row, table, Columns, SELECT_COLUMNS};
use super::{backend, is_unique_violation, SqliteStore};

fn conflict(kind: ResourceKind, cols: &Columns) -> StoreError {
    match kind {
        ResourceKind::User => StoreError::Conflict(format!(
            "userName '{}' is already taken in this tenant (userName is unique, case-insensitively)",
            cols.user_name.as_deref().unwrap_or_default()
        )),
        ResourceKind::Group => StoreError::Conflict("the group conflicts with an existing one".into()),
    }
}

fn write_error(
    kind: ResourceKind,
    cols: &Columns,
) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
    move |e| {
        if is_unique_violation(&e) {
            conflict(kind, cols)
        } else {
            backend(e)
        }
    }
}

fn write_emails(
    conn: &Connection,
    tenant: TenantId,
    seq: i64,
    emails: &[String],
    fresh: bool,
) -> Result<(), StoreError> {
    if !fresh {
        conn.prepare_cached("DELETE FROM user_emails WHERE user_seq = ?")
            .and_then(|mut s| s.execute([seq]))
            .map_err(backend)?;
    }
    let mut insert = conn
        .prepare_cached("INSERT INTO user_emails (user_seq, tenant_id, value_ci) VALUES (?, ?, ?)")
        .map_err(backend)?;
    for e in emails {
        insert.execute(params![seq, tenant.0, e]).map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn fetch(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
) -> Result<Option<StoredResource>, StoreError> {
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM {} r WHERE r.tenant_id = ? AND r.id = ?",
        table(kind)
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params![tenant.0, id], |r| resource_from_row(kind, r))
                .optional()
        })
        .map_err(corrupt)
}

/// The row's seq and version, or `NotFound`; `VersionMismatch` if `expected` is stale.
fn current(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT seq, version FROM {} WHERE tenant_id = ? AND id = ?",
        table(kind)
    );
    let (seq, version): (i64, i64) = conn
        .prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params![tenant.0, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    if expected.is_some_and(|v| v != version) {
        return Err(StoreError::VersionMismatch);
    }
    Ok(seq)
}

fn create(
    conn: &Connection,
    tenant: TenantId,
    new: NewResource,
) -> Result<StoredResource, StoreError> {
    let cols = columns(new.kind, &new.data);
    let seq: i64 = match new.kind {
        ResourceKind::User => conn
            .prepare_cached(
                "INSERT INTO users (id, tenant_id, user_name, user_name_ci, external_id, display_name, \
                 display_name_ci, active, created, last_modified, version, password_hash, data, search) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING seq",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        new.id,
                        tenant.0,
                        cols.user_name.as_deref().unwrap_or_default(),
                        cols.user_name_ci(),
                        cols.external_id,
                        cols.display_name,
                        cols.display_name_ci(),
                        cols.active,
                        new.now,
                        new.now,
                        new.password_hash,
                        cols.data,
                        cols.search
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(write_error(new.kind, &cols))?,
        ResourceKind::Group => conn
            .prepare_cached(
                "INSERT INTO groups (id, tenant_id, display_name, display_name_ci, external_id, \
                 created, last_modified, version, data, search) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING seq",
            )
            .and_then(|mut s| {
                s.query_row(
                    params![
                        new.id,
                        tenant.0,
                        cols.display_name.as_deref().unwrap_or_default(),
                        cols.display_name_ci().unwrap_or_default(),
                        cols.external_id,
                        new.now,
                        new.now,
                        cols.data,
                        cols.search
                    ],
                    |r| r.get(0),
                )
            })
            .map_err(write_error(new.kind, &cols))?,
    };
    if new.kind == ResourceKind::User {
        write_emails(conn, tenant, seq, &cols.emails, true)?;
    }
    if !new.members.is_empty() {
        super::members::add(conn, tenant, &new.id, &new.members)?;
    }
    append(conn, tenant, new.kind, &new.id, ChangeOp::Create, &new.now)?;
    Ok(StoredResource {
        kind: new.kind,
        id: new.id,
        data: new.data,
        created: new.now.clone(),
        last_modified: new.now,
        version: 1,
        members: None,
        // A user who was just created belongs to no group yet.
        groups: (new.kind == ResourceKind::User).then(Vec::new),
    })
}

fn update(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    update: ResourceUpdate,
) -> Result<StoredResource, StoreError> {
    let seq = current(conn, tenant, kind, id, update.expected_version)?;
    if let Some(data) = &update.data {
        let cols = columns(kind, data);
        match kind {
            ResourceKind::User => {
                let pw = match &update.password {
                    PasswordChange::Keep => None,
                    PasswordChange::Set(h) => Some(h.as_str()),
                };
                conn.prepare_cached(
                    "UPDATE users SET user_name = ?, user_name_ci = ?, external_id = ?, display_name = ?, \
                     display_name_ci = ?, active = ?, data = ?, search = ?, version = version + 1, \
                     last_modified = ?, password_hash = COALESCE(?, password_hash) WHERE seq = ?",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        cols.user_name.as_deref().unwrap_or_default(),
                        cols.user_name_ci(),
                        cols.external_id,
                        cols.display_name,
                        cols.display_name_ci(),
                        cols.active,
                        cols.data,
                        cols.search,
                        update.now,
                        pw,
                        seq
                    ])
                })
                .map_err(write_error(kind, &cols))?;
                write_emails(conn, tenant, seq, &cols.emails, false)?;
            }
            ResourceKind::Group => {
                conn.prepare_cached(
                    "UPDATE groups SET display_name = ?, display_name_ci = ?, external_id = ?, data = ?, \
                     search = ?, version = version + 1, last_modified = ? WHERE seq = ?",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        cols.display_name.as_deref().unwrap_or_default(),
                        cols.display_name_ci().unwrap_or_default(),
                        cols.external_id,
                        cols.data,
                        cols.search,
                        update.now,
                        seq
                    ])
                })
                .map_err(write_error(kind, &cols))?;
            }
        }
    } else {
        let sql = format!(
            "UPDATE {} SET version = version + 1, last_modified = ? WHERE seq = ?",
            table(kind)
        );
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.execute(params![update.now, seq]))
            .map_err(backend)?;
    }
    if !update.members.is_empty() {
        if kind != ResourceKind::Group {
            return Err(StoreError::Backend("member operations on a user".into()));
        }
        super::members::apply(conn, tenant, id, &update.members)?;
    }
    append(conn, tenant, kind, id, ChangeOp::Update, &update.now)?;
    fetch(conn, tenant, kind, id)?.ok_or(StoreError::NotFound)
}

fn delete(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    expected_version: Option<i64>,
    now: &str,
) -> Result<(), StoreError> {
    let seq = current(conn, tenant, kind, id, expected_version)?;
    // Referential integrity: the groups it belonged to change too.
    let parents: Vec<String> = conn
        .prepare_cached(
            "UPDATE groups SET version = version + 1, last_modified = ? WHERE tenant_id = ? AND id IN \
             (SELECT group_id FROM group_members WHERE member_id = ?) RETURNING id",
        )
        .and_then(|mut s| s.query_map(params![now, tenant.0, id], |r| r.get(0))?.collect())
        .map_err(backend)?;
    conn.prepare_cached("DELETE FROM group_members WHERE member_id = ?")
        .and_then(|mut s| s.execute([id]))
        .map_err(backend)?;
    if kind == ResourceKind::Group {
        conn.prepare_cached("DELETE FROM group_members WHERE group_id = ?")
            .and_then(|mut s| s.execute([id]))
            .map_err(backend)?;
    }
    let sql = format!("DELETE FROM {} WHERE seq = ?", table(kind));
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.execute([seq]))
        .map_err(backend)?;
    for gid in parents {
        append(
            conn,
            tenant,
            ResourceKind::Group,
            &gid,
            ChangeOp::Update,
            now,
        )?;
    }
    append(conn, tenant, kind, id, ChangeOp::Delete, now)
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn create(
        &self,
        tenant: TenantId,
        new: NewResource,
    ) -> Result<StoredResource, StoreError> {
        self.pool.write(move |conn| create(conn, tenant, new)).await
    }

    async fn get(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        with_computed: bool,
    ) -> Result<Option<StoredResource>, StoreError> {
        let id = id.to_string();
        self.pool
            .read(move |conn| {
                let Some(mut r) = fetch(conn, tenant, kind, &id)? else {
                    return Ok(None);
                };
                if with_computed {
                    super::members::attach_computed(
                        conn,
                        tenant,
                        kind,
                        std::slice::from_mut(&mut r),
                    )?;
                }
                Ok(Some(r))
            })
            .await
    }

    async fn update(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        change: ResourceUpdate,
    ) -> Result<StoredResource, StoreError> {
        let id = id.to_string();
        self.pool
            .write(move |conn| update(conn, tenant, kind, &id, change))
            .await
    }

    async fn delete(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        expected_version: Option<i64>,
        now: &str,
    ) -> Result<(), StoreError> {
        let (id, now) = (id.to_string(), now.to_string());
        self.pool
            .write(move |conn| delete(conn, tenant, kind, &id, expected_version, &now))
            .await
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let query = query.clone();
        self.pool
            .read(move |conn| super::list::list(conn, tenant, kind, &query))
            .await
    }

    async fn members(&self, tenant: TenantId, group_id: &str) -> Result<Vec<Member>, StoreError> {
        let id = group_id.to_string();
        self.pool
            .read(move |conn| super::members::list(conn, tenant, &id))
            .await
    }

    async fn groups_of(
        &self,
        tenant: TenantId,
        member_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
        let ids = member_ids.to_vec();
        self.pool
            .read(move |conn| super::members::groups_of(conn, tenant, &ids))
            .await
    }

    async fn changes_since(
        &self,
        tenant: TenantId,
        position: i64,
        limit: i64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        self.read_changes(tenant, position, limit).await
    }
}
