//! `DirectoryStore` for PostgreSQL. Each write is one transaction: `SELECT … FOR UPDATE` locks
//! the row and checks its version (If-Match holds across replicas), unique indexes enforce
//! userName, and the change record is appended last (see [`super::changes`]). A deadlock or
//! serialization failure between replicas is retried a few times, transparently.

use std::collections::HashMap;

use async_trait::async_trait;
use scimitar_core::{
    ChangeOp, ChangeRecord, DirectoryStore, GroupMembership, ListPage, ListQuery, Member,
    NewResource, PasswordChange, ResourceUpdate, StoreError, StoredResource, TenantId,
};
use scimitar_scim::schema::ResourceKind;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::changes::append;
use super::{backend, is_retryable, is_unique_violation, PgStore};
use crate::sqlite::row::{columns, table, Columns};

const RETRIES: usize = 5;
pub(crate) const SELECT_COLUMNS: &str =
    "r.seq, r.id, r.data::text AS data, r.created, r.last_modified, r.version";

pub(crate) fn resource_from_row(
    kind: ResourceKind,
    row: &PgRow,
) -> Result<StoredResource, StoreError> {
    let data: String = row.try_get("data").map_err(backend)?;
    let data: Value = serde_json::from_str(&data)
        .map_err(|e| StoreError::Backend(format!("corrupt resource document: {e}")))?;
    Ok(StoredResource {
        kind,
        id: row.try_get("id").map_err(backend)?,
        data,
        created: row.try_get("created").map_err(backend)?,
        last_modified: row.try_get("last_modified").map_err(backend)?,
        version: row.try_get("version").map_err(backend)?,
        members: None,
        groups: None,
    })
}

fn conflict(kind: ResourceKind, cols: &Columns) -> StoreError {
    match kind {
        ResourceKind::User => StoreError::Conflict(format!(
            "userName '{}' is already taken in this tenant (userName is unique, case-insensitively)",
            cols.user_name.as_deref().unwrap_or_default()
        )),
        ResourceKind::Group => StoreError::Conflict("the group conflicts with an existing one".into()),
    }
}

fn write_error(kind: ResourceKind, cols: &Columns) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |e| {
        if is_unique_violation(&e) {
            conflict(kind, cols)
        } else {
            backend(e)
        }
    }
}

async fn write_emails(
    conn: &mut PgConnection,
    tenant: TenantId,
    seq: i64,
    emails: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_emails WHERE user_seq = $1")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    if !emails.is_empty() {
        sqlx::query("INSERT INTO user_emails (user_seq, tenant_id, value_ci) SELECT $1, $2, v FROM unnest($3::text[]) AS v")
            .bind(seq)
            .bind(tenant.0)
            .bind(emails)
            .execute(conn)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

pub(crate) async fn fetch(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
) -> Result<Option<StoredResource>, StoreError> {
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM {} r WHERE r.tenant_id = $1 AND r.id = $2",
        table(kind)
    );
    let row = sqlx::query(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend)?;
    row.map(|r| resource_from_row(kind, &r)).transpose()
}

async fn lock_current(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT seq, version FROM {} WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        table(kind)
    );
    let row = sqlx::query(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    let version: i64 = row.try_get("version").map_err(backend)?;
    if expected.is_some_and(|v| v != version) {
        return Err(StoreError::VersionMismatch);
    }
    row.try_get("seq").map_err(backend)
}

async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewResource,
) -> Result<StoredResource, StoreError> {
    let cols = columns(new.kind, &new.data);
    let seq: i64 = match new.kind {
        ResourceKind::User => sqlx::query(
            "INSERT INTO users (id, tenant_id, user_name, user_name_ci, external_id, display_name, \
             display_name_ci, active, created, last_modified, version, password_hash, data, search) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1, $10, $11::jsonb, $12::jsonb) RETURNING seq",
        )
        .bind(&new.id)
        .bind(tenant.0)
        .bind(cols.user_name.as_deref().unwrap_or_default())
        .bind(cols.user_name_ci())
        .bind(&cols.external_id)
        .bind(&cols.display_name)
        .bind(cols.display_name_ci())
        .bind(cols.active)
        .bind(&new.now)
        .bind(&new.password_hash)
        .bind(&cols.data)
        .bind(&cols.search)
        .fetch_one(&mut *conn)
        .await
        .map_err(write_error(new.kind, &cols))?
        .try_get("seq")
        .map_err(backend)?,
        ResourceKind::Group => sqlx::query(
            "INSERT INTO groups (id, tenant_id, display_name, display_name_ci, external_id, created, \
             last_modified, version, data, search) VALUES ($1, $2, $3, $4, $5, $6, $6, 1, $7::jsonb, $8::jsonb) RETURNING seq",
        )
        .bind(&new.id)
        .bind(tenant.0)
        .bind(cols.display_name.as_deref().unwrap_or_default())
        .bind(cols.display_name_ci().unwrap_or_default())
        .bind(&cols.external_id)
        .bind(&new.now)
        .bind(&cols.data)
        .bind(&cols.search)
        .fetch_one(&mut *conn)
        .await
        .map_err(write_error(new.kind, &cols))?
        .try_get("seq")
        .map_err(backend)?,
    };
    if new.kind == ResourceKind::User {
        write_emails(conn, tenant, seq, &cols.emails).await?;
    }
    if !new.members.is_empty() {
        super::members::add(conn, tenant, &new.id, &new.members).await?;
    }
    append(conn, tenant, new.kind, &new.id, ChangeOp::Create, &new.now).await?;
    Ok(StoredResource {
        kind: new.kind,
        id: new.id.clone(),
        data: new.data.clone(),
        created: new.now.clone(),
        last_modified: new.now.clone(),
        version: 1,
        members: None,
        groups: (new.kind == ResourceKind::User).then(Vec::new),
    })
}

async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    update: &ResourceUpdate,
) -> Result<StoredResource, StoreError> {
    let seq = lock_current(conn, tenant, kind, id, update.expected_version).await?;
    if let Some(data) = &update.data {
        let cols = columns(kind, data);
        match kind {
            ResourceKind::User => {
                let pw = match &update.password {
                    PasswordChange::Keep => None,
                    PasswordChange::Set(h) => Some(h.as_str()),
                };
                sqlx::query(
                    "UPDATE users SET user_name = $1, user_name_ci = $2, external_id = $3, display_name = $4, \
                     display_name_ci = $5, active = $6, data = $7::jsonb, search = $8::jsonb, version = version + 1, \
                     last_modified = $9, password_hash = COALESCE($10, password_hash) WHERE seq = $11",
                )
                .bind(cols.user_name.as_deref().unwrap_or_default())
                .bind(cols.user_name_ci())
                .bind(&cols.external_id)
                .bind(&cols.display_name)
                .bind(cols.display_name_ci())
                .bind(cols.active)
                .bind(&cols.data)
                .bind(&cols.search)
                .bind(&update.now)
                .bind(pw)
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(write_error(kind, &cols))?;
                write_emails(conn, tenant, seq, &cols.emails).await?;
            }
            ResourceKind::Group => {
                sqlx::query(
                    "UPDATE groups SET display_name = $1, display_name_ci = $2, external_id = $3, data = $4::jsonb, \
                     search = $5::jsonb, version = version + 1, last_modified = $6 WHERE seq = $7",
                )
                .bind(cols.display_name.as_deref().unwrap_or_default())
                .bind(cols.display_name_ci().unwrap_or_default())
                .bind(&cols.external_id)
                .bind(&cols.data)
                .bind(&cols.search)
                .bind(&update.now)
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(write_error(kind, &cols))?;
            }
        }
    } else {
        let sql = format!(
            "UPDATE {} SET version = version + 1, last_modified = $1 WHERE seq = $2",
            table(kind)
        );
        sqlx::query(&sql)
            .bind(&update.now)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(backend)?;
    }
    if !update.members.is_empty() {
        if kind != ResourceKind::Group {
            return Err(StoreError::Backend("member operations on a user".into()));
        }
        super::members::apply(conn, tenant, id, &update.members).await?;
    }
    append(conn, tenant, kind, id, ChangeOp::Update, &update.now).await?;
    fetch(conn, tenant, kind, id)
        .await?
        .ok_or(StoreError::NotFound)
}

async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    expected: Option<i64>,
    now: &str,
) -> Result<(), StoreError> {
    let seq = lock_current(conn, tenant, kind, id, expected).await?;
    let parents = sqlx::query(
        "UPDATE groups SET version = version + 1, last_modified = $1 WHERE tenant_id = $2 AND id IN \
         (SELECT group_id FROM group_members WHERE member_id = $3) RETURNING id",
    )
    .bind(now)
    .bind(tenant.0)
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    sqlx::query("DELETE FROM group_members WHERE member_id = $1 OR group_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    let sql = format!("DELETE FROM {} WHERE seq = $1", table(kind));
    sqlx::query(&sql)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    for p in parents {
        let gid: String = p.try_get("id").map_err(backend)?;
        append(
            conn,
            tenant,
            ResourceKind::Group,
            &gid,
            ChangeOp::Update,
            now,
        )
        .await?;
    }
    append(conn, tenant, kind, id, ChangeOp::Delete, now).await
}

/// Run a write transaction, retrying on deadlock or serialization failure.
macro_rules! transaction {
    ($store:expr, |$conn:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut tx = $store.pool.begin().await.map_err(backend)?;
            let result = {
                let $conn: &mut PgConnection = &mut tx;
                $body.await
            };
            let result = match result {
                Ok(v) => tx.commit().await.map(|_| v).map_err(backend),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if attempt < RETRIES && is_retryable(&e) => continue,
                other => break other,
            }
        }
    }};
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn create(
        &self,
        tenant: TenantId,
        new: NewResource,
    ) -> Result<StoredResource, StoreError> {
        transaction!(self, |conn| create(conn, tenant, &new))
    }

    async fn get(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        with_computed: bool,
    ) -> Result<Option<StoredResource>, StoreError> {
        // One statement: the row and, when asked, its computed attribute, in one snapshot.
        let computed = if with_computed {
            format!(", {}", super::members::computed_column(kind))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT {SELECT_COLUMNS}{computed} FROM {} r WHERE r.tenant_id = $1 AND r.id = $2",
            table(kind)
        );
        let Some(row) = sqlx::query(&sql)
            .bind(tenant.0)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut r = resource_from_row(kind, &row)?;
        if with_computed {
            super::members::read_computed(&row, &mut r)?;
        }
        Ok(Some(r))
    }

    async fn update(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        change: ResourceUpdate,
    ) -> Result<StoredResource, StoreError> {
        transaction!(self, |conn| update(conn, tenant, kind, id, &change))
    }

    async fn delete(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        expected_version: Option<i64>,
        now: &str,
    ) -> Result<(), StoreError> {
        transaction!(self, |conn| delete(
            conn,
            tenant,
            kind,
            id,
            expected_version,
            now
        ))
    }

    async fn list(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        self.list_resources(tenant, kind, query).await
    }

    async fn members(&self, tenant: TenantId, group_id: &str) -> Result<Vec<Member>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        super::members::list(&mut conn, tenant, group_id).await
    }

    async fn groups_of(
        &self,
        tenant: TenantId,
        member_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        super::members::groups_of(&mut conn, tenant, member_ids).await
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
