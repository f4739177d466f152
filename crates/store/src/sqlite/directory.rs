//! `DirectoryStore` for SQLite: create, read, update and delete of users and groups, each write
//! in one `BEGIN IMMEDIATE` transaction together with its change records.

use std::collections::HashMap;

use async_trait::async_trait;
use scimitar_core::{
    ChangeOp, ChangeRecord, DirectoryStore, GroupMembership, ListPage, ListQuery, Member,
    NewResource, PasswordChange, ResourceUpdate, StoreError, StoredResource, TenantId,
};
use scimitar_scim::schema::ResourceKind;
use sqlx::{Row, Sqlite, SqliteConnection};

use super::changes::append;
use super::row::{columns, resource_from_row, table, Columns, SELECT_COLUMNS};
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

async fn write_emails(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    seq: i64,
    emails: &[String],
) -> Result<(), StoreError> {
    sqlx::query::<Sqlite>("DELETE FROM user_emails WHERE user_seq = ?")
        .bind(seq)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    for e in emails {
        sqlx::query::<Sqlite>(
            "INSERT INTO user_emails (user_seq, tenant_id, value_ci) VALUES (?, ?, ?)",
        )
        .bind(seq)
        .bind(tenant.0)
        .bind(e)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

async fn fetch(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
) -> Result<Option<StoredResource>, StoreError> {
    let sql = format!(
        "SELECT {SELECT_COLUMNS} FROM {} r WHERE r.tenant_id = ? AND r.id = ?",
        table(kind)
    );
    let row = sqlx::query::<Sqlite>(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(backend)?;
    row.map(|r| resource_from_row(kind, &r)).transpose()
}

impl SqliteStore {
    async fn create_tx(
        &self,
        tenant: TenantId,
        new: NewResource,
    ) -> Result<StoredResource, StoreError> {
        let cols = columns(new.kind, &new.data);
        let mut tx = self.begin().await?;
        let fold = |s: &Option<String>| s.as_deref().map(super::search_doc::fold_case);
        let result = match new.kind {
            ResourceKind::User => {
                sqlx::query::<Sqlite>(
                    "INSERT INTO users (id, tenant_id, user_name, user_name_ci, external_id, display_name, \
                     display_name_ci, active, created, last_modified, version, password_hash, data, search) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING seq",
                )
                .bind(&new.id)
                .bind(tenant.0)
                .bind(cols.user_name.as_deref().unwrap_or_default())
                .bind(fold(&cols.user_name).unwrap_or_default())
                .bind(&cols.external_id)
                .bind(&cols.display_name)
                .bind(fold(&cols.display_name))
                .bind(cols.active)
                .bind(&new.now)
                .bind(&new.now)
                .bind(&new.password_hash)
                .bind(&cols.data)
                .bind(&cols.search)
                .fetch_one(&mut *tx)
                .await
            }
            ResourceKind::Group => {
                sqlx::query::<Sqlite>(
                    "INSERT INTO groups (id, tenant_id, display_name, display_name_ci, external_id, \
                     created, last_modified, version, data, search) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING seq",
                )
                .bind(&new.id)
                .bind(tenant.0)
                .bind(cols.display_name.as_deref().unwrap_or_default())
                .bind(fold(&cols.display_name).unwrap_or_default())
                .bind(&cols.external_id)
                .bind(&new.now)
                .bind(&new.now)
                .bind(&cols.data)
                .bind(&cols.search)
                .fetch_one(&mut *tx)
                .await
            }
        };
        let seq: i64 = match result {
            Ok(row) => row.try_get("seq").map_err(backend)?,
            Err(e) if is_unique_violation(&e) => return Err(conflict(new.kind, &cols)),
            Err(e) => return Err(backend(e)),
        };
        if new.kind == ResourceKind::User {
            write_emails(&mut tx, tenant, seq, &cols.emails).await?;
        }
        if !new.members.is_empty() {
            super::members::add(&mut tx, tenant, &new.id, &new.members).await?;
        }
        append(
            &mut tx,
            tenant,
            new.kind,
            &new.id,
            ChangeOp::Create,
            &new.now,
        )
        .await?;
        let stored = fetch(&mut tx, tenant, new.kind, &new.id)
            .await?
            .ok_or_else(|| StoreError::Backend("created row vanished".into()))?;
        tx.commit().await.map_err(backend)?;
        Ok(stored)
    }

    async fn update_tx(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        update: ResourceUpdate,
    ) -> Result<StoredResource, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT seq, version FROM {} WHERE tenant_id = ? AND id = ?",
            table(kind)
        );
        let row = sqlx::query::<Sqlite>(&sql)
            .bind(tenant.0)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let seq: i64 = row.try_get("seq").map_err(backend)?;
        let version: i64 = row.try_get("version").map_err(backend)?;
        if update.expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::VersionMismatch);
        }
        if let Some(data) = &update.data {
            let cols = columns(kind, data);
            let fold = |s: &Option<String>| s.as_deref().map(super::search_doc::fold_case);
            let result = match kind {
                ResourceKind::User => {
                    let pw = match &update.password {
                        PasswordChange::Keep => None,
                        PasswordChange::Set(h) => Some(h.clone()),
                    };
                    sqlx::query::<Sqlite>(
                        "UPDATE users SET user_name = ?, user_name_ci = ?, external_id = ?, display_name = ?, \
                         display_name_ci = ?, active = ?, data = ?, search = ?, version = version + 1, \
                         last_modified = ?, password_hash = COALESCE(?, password_hash) WHERE seq = ?",
                    )
                    .bind(cols.user_name.as_deref().unwrap_or_default())
                    .bind(fold(&cols.user_name).unwrap_or_default())
                    .bind(&cols.external_id)
                    .bind(&cols.display_name)
                    .bind(fold(&cols.display_name))
                    .bind(cols.active)
                    .bind(&cols.data)
                    .bind(&cols.search)
                    .bind(&update.now)
                    .bind(pw)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                }
                ResourceKind::Group => {
                    sqlx::query::<Sqlite>(
                        "UPDATE groups SET display_name = ?, display_name_ci = ?, external_id = ?, data = ?, \
                         search = ?, version = version + 1, last_modified = ? WHERE seq = ?",
                    )
                    .bind(cols.display_name.as_deref().unwrap_or_default())
                    .bind(fold(&cols.display_name).unwrap_or_default())
                    .bind(&cols.external_id)
                    .bind(&cols.data)
                    .bind(&cols.search)
                    .bind(&update.now)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                }
            };
            match result {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Err(conflict(kind, &cols)),
                Err(e) => return Err(backend(e)),
            }
            if kind == ResourceKind::User {
                write_emails(&mut tx, tenant, seq, &cols.emails).await?;
            }
        } else {
            let sql = format!(
                "UPDATE {} SET version = version + 1, last_modified = ? WHERE seq = ?",
                table(kind)
            );
            sqlx::query::<Sqlite>(&sql)
                .bind(&update.now)
                .bind(seq)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        if !update.members.is_empty() {
            if kind != ResourceKind::Group {
                return Err(StoreError::Backend("member operations on a user".into()));
            }
            super::members::apply(&mut tx, tenant, id, &update.members).await?;
        }
        append(&mut tx, tenant, kind, id, ChangeOp::Update, &update.now).await?;
        let stored = fetch(&mut tx, tenant, kind, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.map_err(backend)?;
        Ok(stored)
    }

    async fn delete_tx(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        expected_version: Option<i64>,
        now: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT seq, version FROM {} WHERE tenant_id = ? AND id = ?",
            table(kind)
        );
        let row = sqlx::query::<Sqlite>(&sql)
            .bind(tenant.0)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let seq: i64 = row.try_get("seq").map_err(backend)?;
        let version: i64 = row.try_get("version").map_err(backend)?;
        if expected_version.is_some_and(|v| v != version) {
            return Err(StoreError::VersionMismatch);
        }
        // Referential integrity: the groups it belonged to change too.
        let parents = sqlx::query::<Sqlite>(
            "UPDATE groups SET version = version + 1, last_modified = ? WHERE tenant_id = ? AND id IN \
             (SELECT group_id FROM group_members WHERE member_id = ?) RETURNING id",
        )
        .bind(now)
        .bind(tenant.0)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query::<Sqlite>("DELETE FROM group_members WHERE member_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if kind == ResourceKind::Group {
            sqlx::query::<Sqlite>("DELETE FROM group_members WHERE group_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        let sql = format!("DELETE FROM {} WHERE seq = ?", table(kind));
        sqlx::query::<Sqlite>(&sql)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        for p in parents {
            let gid: String = p.try_get("id").map_err(backend)?;
            append(
                &mut tx,
                tenant,
                ResourceKind::Group,
                &gid,
                ChangeOp::Update,
                now,
            )
            .await?;
        }
        append(&mut tx, tenant, kind, id, ChangeOp::Delete, now).await?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn create(
        &self,
        tenant: TenantId,
        new: NewResource,
    ) -> Result<StoredResource, StoreError> {
        self.create_tx(tenant, new).await
    }

    async fn get(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        with_members: bool,
    ) -> Result<Option<StoredResource>, StoreError> {
        let mut conn = self.read.acquire().await.map_err(backend)?;
        let Some(mut r) = fetch(&mut conn, tenant, kind, id).await? else {
            return Ok(None);
        };
        if with_members && kind == ResourceKind::Group {
            r.members = Some(super::members::list(&mut conn, tenant, id).await?);
        }
        Ok(Some(r))
    }

    async fn update(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        update: ResourceUpdate,
    ) -> Result<StoredResource, StoreError> {
        self.update_tx(tenant, kind, id, update).await
    }

    async fn delete(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &str,
        expected_version: Option<i64>,
        now: &str,
    ) -> Result<(), StoreError> {
        self.delete_tx(tenant, kind, id, expected_version, now)
            .await
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
        let mut conn = self.read.acquire().await.map_err(backend)?;
        super::members::list(&mut conn, tenant, group_id).await
    }

    async fn groups_of(
        &self,
        tenant: TenantId,
        member_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
        let mut conn = self.read.acquire().await.map_err(backend)?;
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
