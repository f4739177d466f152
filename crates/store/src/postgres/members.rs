//! Group members as rows on PostgreSQL: the same rules as on SQLite (references checked in the
//! tenant, no cycles, idempotent adds), with `ON CONFLICT DO NOTHING` so concurrent adds of the
//! same member from different replicas are harmless.

use std::collections::HashMap;

use scimitar_core::{
    GroupMembership, Member, MemberOp, MemberRef, StoreError, StoredResource, TenantId,
};
use scimitar_scim::schema::ResourceKind;
use sqlx::{PgConnection, Row};

use super::backend;

fn kind_of(s: &str) -> ResourceKind {
    if s == "Group" {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

async fn resolve(
    conn: &mut PgConnection,
    tenant: TenantId,
    refs: &[MemberRef],
) -> Result<Vec<(String, ResourceKind)>, StoreError> {
    let ids: Vec<String> = refs.iter().map(|r| r.value.clone()).collect();
    let rows = sqlx::query(
        "SELECT j.id, CASE WHEN u.id IS NOT NULL THEN 'User' WHEN g.id IS NOT NULL THEN 'Group' END AS kind \
         FROM unnest($1::text[]) AS j(id) \
         LEFT JOIN users u ON u.id = j.id AND u.tenant_id = $2 \
         LEFT JOIN groups g ON g.id = j.id AND g.tenant_id = $2",
    )
    .bind(&ids)
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

async fn creates_cycle(
    conn: &mut PgConnection,
    group: &str,
    member: &str,
) -> Result<bool, StoreError> {
    if group == member {
        return Ok(true);
    }
    let row = sqlx::query(
        "WITH RECURSIVE below(id) AS ( \
           SELECT member_id FROM group_members WHERE group_id = $1 AND member_type = 'Group' \
           UNION SELECT gm.member_id FROM group_members gm JOIN below b ON gm.group_id = b.id \
             WHERE gm.member_type = 'Group') \
         SELECT 1 FROM below WHERE id = $2 LIMIT 1",
    )
    .bind(member)
    .bind(group)
    .fetch_optional(conn)
    .await
    .map_err(backend)?;
    Ok(row.is_some())
}

pub(crate) async fn add(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: &str,
    refs: &[MemberRef],
) -> Result<(), StoreError> {
    let resolved = resolve(conn, tenant, refs).await?;
    for (id, kind) in &resolved {
        if *kind == ResourceKind::Group && creates_cycle(conn, group, id).await? {
            return Err(StoreError::InvalidReference(format!(
                "group '{id}' cannot be a member of '{group}': groups may not contain themselves, directly or through nesting"
            )));
        }
    }
    let ids: Vec<&str> = resolved.iter().map(|(id, _)| id.as_str()).collect();
    let kinds: Vec<&str> = resolved.iter().map(|(_, k)| k.as_str()).collect();
    sqlx::query(
        "INSERT INTO group_members (tenant_id, group_id, member_id, member_type) \
         SELECT $1, $2, m.id, m.kind FROM unnest($3::text[], $4::text[]) AS m(id, kind) \
         ON CONFLICT (group_id, member_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(group)
    .bind(&ids)
    .bind(&kinds)
    .execute(conn)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: &str,
    ops: &[MemberOp],
) -> Result<(), StoreError> {
    for op in ops {
        match op {
            MemberOp::Add(refs) => add(conn, tenant, group, refs).await?,
            MemberOp::Remove(ids) => {
                sqlx::query(
                    "DELETE FROM group_members WHERE group_id = $1 AND member_id = ANY($2::text[])",
                )
                .bind(group)
                .bind(ids)
                .execute(&mut *conn)
                .await
                .map_err(backend)?;
            }
            MemberOp::ReplaceAll(refs) => {
                sqlx::query("DELETE FROM group_members WHERE group_id = $1")
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
    conn: &mut PgConnection,
    tenant: TenantId,
    group: &str,
) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT member_id, member_type FROM group_members WHERE tenant_id = $1 AND group_id = $2 ORDER BY member_id",
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

pub(crate) async fn groups_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[String],
) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
    let mut out: HashMap<String, Vec<GroupMembership>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query(
        "WITH RECURSIVE up(member, group_id, direct) AS ( \
           SELECT gm.member_id, gm.group_id, 1 FROM group_members gm \
             WHERE gm.tenant_id = $1 AND gm.member_id = ANY($2::text[]) \
           UNION SELECT up.member, gm.group_id, 0 FROM group_members gm JOIN up ON gm.member_id = up.group_id) \
         SELECT up.member, up.group_id, MAX(up.direct) AS direct, g.display_name \
         FROM up JOIN groups g ON g.id = up.group_id AND g.tenant_id = $1 \
         GROUP BY up.member, up.group_id, g.display_name, g.display_name_ci \
         ORDER BY up.member, g.display_name_ci, up.group_id",
    )
    .bind(tenant.0)
    .bind(ids)
    .fetch_all(conn)
    .await
    .map_err(backend)?;
    for r in rows {
        let member: String = r.try_get("member").map_err(backend)?;
        let direct: i32 = r.try_get("direct").map_err(backend)?;
        out.entry(member).or_default().push(GroupMembership {
            group_id: r.try_get("group_id").map_err(backend)?,
            display: r.try_get("display_name").map_err(backend)?,
            direct: direct == 1,
        });
    }
    Ok(out)
}

/// The computed attribute of row `r` as one JSON text column, so a read brings it in the same
/// statement (one round trip, one snapshot): Group.members as `[[id, type], ...]` ordered by id,
/// User.groups as `[[id, display, direct], ...]` (direct 1/0) ordered by display name then id,
/// including the groups reached through nested groups. `UNION` (not `UNION ALL`) ends a walk
/// around a membership cycle.
pub(crate) fn computed_column(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Group => {
            "(SELECT COALESCE(json_agg(json_build_array(m.member_id, m.member_type) \
                 ORDER BY m.member_id), '[]')::text \
               FROM group_members m WHERE m.group_id = r.id) AS computed"
        }
        // Most users are in no group: one index probe answers them without starting the walk.
        ResourceKind::User => {
            "CASE WHEN NOT EXISTS (SELECT 1 FROM group_members e WHERE e.member_id = r.id) \
               THEN '[]' ELSE \
             (SELECT COALESCE(json_agg(json_build_array(x.group_id, x.display_name, x.direct) \
                 ORDER BY x.display_name_ci, x.group_id), '[]')::text \
               FROM (WITH RECURSIVE up(group_id, direct) AS ( \
                       SELECT gm.group_id, 1 FROM group_members gm WHERE gm.member_id = r.id \
                       UNION SELECT gm.group_id, 0 FROM group_members gm \
                         JOIN up ON gm.member_id = up.group_id) \
                     SELECT up.group_id, MAX(up.direct) AS direct, g.display_name, g.display_name_ci \
                     FROM up JOIN groups g ON g.id = up.group_id AND g.tenant_id = r.tenant_id \
                     GROUP BY up.group_id, g.display_name, g.display_name_ci) x) END AS computed"
        }
    }
}

/// Fill in Group.members or User.groups from the `computed` column of [`computed_column`].
pub(crate) fn read_computed(
    row: &sqlx::postgres::PgRow,
    item: &mut StoredResource,
) -> Result<(), StoreError> {
    let text: String = row.try_get("computed").map_err(backend)?;
    let corrupt = |e: serde_json::Error| StoreError::Backend(format!("computed attribute: {e}"));
    match item.kind {
        ResourceKind::Group => {
            let pairs: Vec<(String, String)> = serde_json::from_str(&text).map_err(corrupt)?;
            item.members = Some(
                pairs
                    .into_iter()
                    .map(|(value, t)| Member {
                        value,
                        kind: kind_of(&t),
                        display: None,
                    })
                    .collect(),
            );
        }
        ResourceKind::User => {
            let triples: Vec<(String, String, i32)> =
                serde_json::from_str(&text).map_err(corrupt)?;
            item.groups = Some(
                triples
                    .into_iter()
                    .map(|(group_id, display, direct)| GroupMembership {
                        group_id,
                        display,
                        direct: direct == 1,
                    })
                    .collect(),
            );
        }
    }
    Ok(())
}
