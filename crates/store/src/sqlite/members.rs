//! Group members as rows: add, remove and replace touch only the rows named, so the cost of a
//! membership change does not depend on the size of the group. Every reference is checked to
//! exist in the same tenant, and a group may not (directly or through nesting) contain itself.

use std::collections::HashMap;

use scimitar_core::{GroupMembership, Member, MemberOp, MemberRef, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;
use sqlx::{Row, Sqlite, SqliteConnection};

use super::backend;

fn kind_of(s: &str) -> ResourceKind {
    if s == "Group" {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

/// Resolve each reference to its kind within the tenant; unknown ids are an error.
async fn resolve(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    refs: &[MemberRef],
) -> Result<Vec<(String, ResourceKind)>, StoreError> {
    let ids: Vec<&str> = refs.iter().map(|r| r.value.as_str()).collect();
    let json = serde_json::to_string(&ids).map_err(|e| StoreError::Backend(e.to_string()))?;
    let rows = sqlx::query::<Sqlite>(
        "SELECT j.value AS id, \
           CASE WHEN u.id IS NOT NULL THEN 'User' WHEN g.id IS NOT NULL THEN 'Group' END AS kind \
         FROM json_each(?) j \
         LEFT JOIN users u ON u.id = j.value AND u.tenant_id = ? \
         LEFT JOIN groups g ON g.id = j.value AND g.tenant_id = ?",
    )
    .bind(json)
    .bind(tenant.0)
    .bind(tenant.0)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let mut found: HashMap<String, ResourceKind> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id").map_err(backend)?;
        let kind: Option<String> = r.try_get("kind").map_err(backend)?;
        if let Some(k) = kind {
            found.insert(id, kind_of(&k));
        }
    }
    refs.iter()
        .map(|r| {
            let kind = found.get(&r.value).copied().ok_or_else(|| {
                StoreError::InvalidReference(format!(
                    "member '{}' does not exist in this tenant",
                    r.value
                ))
            })?;
            if r.kind.is_some_and(|k| k != kind) {
                return Err(StoreError::InvalidReference(format!(
                    "member '{}' is a {}, not a {}",
                    r.value,
                    kind.as_str(),
                    r.kind.map(ResourceKind::as_str).unwrap_or_default()
                )));
            }
            Ok((r.value.clone(), kind))
        })
        .collect()
}

/// Would adding `member` (a group) to `group` close a cycle?
async fn creates_cycle(
    conn: &mut SqliteConnection,
    group: &str,
    member: &str,
) -> Result<bool, StoreError> {
    if group == member {
        return Ok(true);
    }
    let row = sqlx::query::<Sqlite>(
        "WITH RECURSIVE below(id) AS ( \
           SELECT member_id FROM group_members WHERE group_id = ? AND member_type = 'Group' \
           UNION SELECT gm.member_id FROM group_members gm JOIN below b ON gm.group_id = b.id \
             WHERE gm.member_type = 'Group') \
         SELECT 1 FROM below WHERE id = ? LIMIT 1",
    )
    .bind(member)
    .bind(group)
    .fetch_optional(conn)
    .await
    .map_err(backend)?;
    Ok(row.is_some())
}

pub(crate) async fn add(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    group: &str,
    refs: &[MemberRef],
) -> Result<(), StoreError> {
    for (id, kind) in resolve(conn, tenant, refs).await? {
        if kind == ResourceKind::Group && creates_cycle(conn, group, &id).await? {
            return Err(StoreError::InvalidReference(format!(
                "group '{id}' cannot be a member of '{group}': groups may not contain themselves, directly or through nesting"
            )));
        }
        sqlx::query::<Sqlite>(
            "INSERT OR IGNORE INTO group_members (tenant_id, group_id, member_id, member_type) VALUES (?, ?, ?, ?)",
        )
        .bind(tenant.0)
        .bind(group)
        .bind(&id)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

pub(crate) async fn apply(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    group: &str,
    ops: &[MemberOp],
) -> Result<(), StoreError> {
    for op in ops {
        match op {
            MemberOp::Add(refs) => add(conn, tenant, group, refs).await?,
            MemberOp::Remove(ids) => {
                let json =
                    serde_json::to_string(ids).map_err(|e| StoreError::Backend(e.to_string()))?;
                sqlx::query::<Sqlite>(
                    "DELETE FROM group_members WHERE group_id = ? AND member_id IN (SELECT value FROM json_each(?))",
                )
                .bind(group)
                .bind(json)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            }
            MemberOp::ReplaceAll(refs) => {
                sqlx::query::<Sqlite>("DELETE FROM group_members WHERE group_id = ?")
                    .bind(group)
                    .execute(&mut *conn)
                    .await
                    .map_err(backend)?;
                add(conn, tenant, group, refs).await?;
            }
        }
    }
    Ok(())
}

pub(crate) async fn list(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    group: &str,
) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query::<Sqlite>(
        "SELECT member_id, member_type FROM group_members WHERE tenant_id = ? AND group_id = ? ORDER BY member_id",
    )
    .bind(tenant.0)
    .bind(group)
    .fetch_all(conn)
    .await
    .map_err(backend)?;
    rows.iter()
        .map(|r| {
            let t: String = r.try_get("member_type").map_err(backend)?;
            Ok(Member {
                value: r.try_get("member_id").map_err(backend)?,
                kind: kind_of(&t),
                display: None,
            })
        })
        .collect()
}

/// Direct and indirect groups of each id (User.groups).
pub(crate) async fn groups_of(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    ids: &[String],
) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
    let mut out: HashMap<String, Vec<GroupMembership>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let json = serde_json::to_string(ids).map_err(|e| StoreError::Backend(e.to_string()))?;
    let rows = sqlx::query::<Sqlite>(
        "WITH RECURSIVE up(member, group_id, direct) AS ( \
           SELECT gm.member_id, gm.group_id, 1 FROM group_members gm \
             WHERE gm.tenant_id = ?1 AND gm.member_id IN (SELECT value FROM json_each(?2)) \
           UNION SELECT up.member, gm.group_id, 0 FROM group_members gm JOIN up ON gm.member_id = up.group_id) \
         SELECT up.member AS member, up.group_id AS group_id, MAX(up.direct) AS direct, g.display_name AS display \
         FROM up JOIN groups g ON g.id = up.group_id AND g.tenant_id = ?1 \
         GROUP BY up.member, up.group_id ORDER BY up.member, g.display_name_ci, up.group_id",
    )
    .bind(tenant.0)
    .bind(json)
    .fetch_all(conn)
    .await
    .map_err(backend)?;
    for r in rows {
        let member: String = r.try_get("member").map_err(backend)?;
        let direct: i64 = r.try_get("direct").map_err(backend)?;
        out.entry(member).or_default().push(GroupMembership {
            group_id: r.try_get("group_id").map_err(backend)?,
            display: r.try_get("display").map_err(backend)?,
            direct: direct == 1,
        });
    }
    Ok(out)
}
