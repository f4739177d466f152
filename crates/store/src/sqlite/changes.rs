//! The change log: appended inside each write job, read by position.

use rusqlite::{params, Connection};
use scimitar_core::{ChangeOp, ChangeRecord, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;

use super::{backend, SqliteStore};

pub(crate) fn append(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    id: &str,
    op: ChangeOp,
    now: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO changes (tenant_id, resource_type, resource_id, operation, at) VALUES (?, ?, ?, ?, ?)",
    )
    .and_then(|mut s| s.execute(params![tenant.0, kind.as_str(), id, op.as_str(), now]))
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
        self.pool
            .read(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT position, resource_type, resource_id, operation, at FROM changes \
                         WHERE tenant_id = ? AND position > ? ORDER BY position LIMIT ?",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![tenant.0, position, limit], |r| {
                        let kind: String = r.get(1)?;
                        let op: String = r.get(3)?;
                        Ok(ChangeRecord {
                            position: r.get(0)?,
                            kind: if kind == "Group" {
                                ResourceKind::Group
                            } else {
                                ResourceKind::User
                            },
                            resource_id: r.get(2)?,
                            op: match op.as_str() {
                                "create" => ChangeOp::Create,
                                "delete" => ChangeOp::Delete,
                                _ => ChangeOp::Update,
                            },
                            at: r.get(4)?,
                        })
                    })
                    .map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)
            })
            .await
    }
}
