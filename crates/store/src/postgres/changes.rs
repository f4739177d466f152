//! The change log on PostgreSQL. Positions come from a sequence, and sequences hand out numbers
//! in call order, not commit order: two writers could commit positions 8 and 7 in that order,
//! and a reader that saw 8 would skip 7 forever. So the append takes a per-tenant
//! transaction-level advisory lock first and holds it to commit: within a tenant, positions
//! are drawn and committed one writer at a time, in order. The lock is taken last in the
//! transaction, so the critical section is the append and the commit only.

use scimitar_core::{ChangeOp, ChangeRecord, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use sqlx::{PgConnection, Row};

use super::{backend, PgStore};

/// Advisory-lock namespace for change-log appends ("SCIM" in ASCII).
const CHANGE_LOCK_SPACE: i32 = 0x5343_494D;

pub(crate) async fn append(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    op: ChangeOp,
    now: &str,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2::int4)")
        .bind(CHANGE_LOCK_SPACE)
        .bind((tenant.0 % i64::from(i32::MAX)) as i32)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    sqlx::query(
        "INSERT INTO changes (tenant_id, resource_type, resource_id, operation, at) VALUES ($1, $2, $3, $4, $5)",
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

impl PgStore {
    pub(crate) async fn read_changes(
        &self,
        tenant: TenantId,
        position: i64,
        limit: i64,
    ) -> Result<Vec<ChangeRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT position, resource_type, resource_id, operation, at FROM changes \
             WHERE tenant_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        )
        .bind(tenant.0)
        .bind(position)
        .bind(limit)
        .fetch_all(&self.pool)
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
