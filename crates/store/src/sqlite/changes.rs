//! The change log: appended inside each write transaction, read by position.

use scimitar_core::{ChangeOp, ChangeRecord, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use sqlx::{Row, Sqlite, SqliteConnection};

use super::{backend, SqliteStore};

pub(crate) async fn append(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    op: ChangeOp,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query::<Sqlite>(
        "INSERT INTO changes (tenant_id, resource_type, resource_id, operation, at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(tenant.0)
    .bind(kind.as_str())
    .bind(id)
    .bind(op.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn read_changes(
        &self,
        tenant: TenantId,
        position: i64,
        limit: i64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let rows = sqlx::query::<Sqlite>(
            "SELECT position, resource_type, resource_id, operation, at FROM changes \
             WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?",
        )
        .bind(tenant.0)
        .bind(position)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("resource_type").map_err(backend)?;
                let op: String = r.try_get("operation").map_err(backend)?;
                Ok(ChangeRecord {
                    position: r.try_get("position").map_err(backend)?,
                    kind: if kind == "Group" {
                        ResourceKind::Group
                    } else {
                        ResourceKind::User
                    },
                    resource_id: r.try_get("resource_id").map_err(backend)?,
                    op: match op.as_str() {
                        "create" => ChangeOp::Create,
                        "delete" => ChangeOp::Delete,
                        _ => ChangeOp::Update,
                    },
                    at: r.try_get("at").map_err(backend)?,
                })
            })
            .collect()
    }
}
