//! Group members as rows: add, remove and replace touch only the rows named, so the cost of a
//! membership change does not depend on the size of the group. Every reference is checked to
//! exist in the same tenant, and a group may not (directly or through nesting) contain itself.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use scimitar_core::{GroupMembership, Member, MemberOp, MemberRef, StoreError, TenantId};
use scimitar_scim::schema::ResourceKind;

use super::backend;

fn kind_of(s: &str) -> ResourceKind {
    if s == "Group" {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

fn json_ids<S: serde::Serialize>(ids: &[S]) -> Result<String, StoreError> {
    serde_json::to_string(ids).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Resolve each reference to its kind within the tenant; unknown ids are an error.
fn resolve(
    conn: &Connection,
    tenant: TenantId,
    refs: &[MemberRef],
) -> Result<Vec<(String, ResourceKind)>, StoreError> {
    let ids: Vec<&str> = refs.iter().map(|r| r.value.as_str()).collect();
    let mut stmt = conn
        .prepare_cached(
            "SELECT j.value, CASE WHEN u.id IS NOT NULL THEN 'User' WHEN g.id IS NOT NULL THEN 'Group' END \
             FROM json_each(?1) j \
             LEFT JOIN users u ON u.id = j.value AND u.tenant_id = ?2 \
             LEFT JOIN groups g ON g.id = j.value AND g.tenant_id = ?2",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![json_ids(&ids)?, tenant.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })
        .map_err(backend)?;
    let mut found: HashMap<String, ResourceKind> = HashMap::with_capacity(refs.len());
    for row in rows {
        let (id, kind) = row.map_err(backend)?;
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
fn creates_cycle(conn: &Connection, group: &str, member: &str) -> Result<bool, StoreError> {
    if group == member {
        return Ok(true);
    }
    conn.prepare_cached(
        "WITH RECURSIVE below(id) AS ( \
           SELECT member_id FROM group_members WHERE group_id = ?1 AND member_type = 'Group' \
           UNION SELECT gm.member_id FROM group_members gm JOIN below b ON gm.group_id = b.id \
             WHERE gm.member_type = 'Group') \
         SELECT 1 FROM below WHERE id = ?2 LIMIT 1",
    )
    .and_then(|mut s| s.query_row(params![member, group], |_| Ok(())).optional())
    .map(|hit| hit.is_some())
    .map_err(backend)
}

pub(crate) fn add(
    conn: &Connection,
    tenant: TenantId,
    group: &str,
    refs: &[MemberRef],
) -> Result<(), StoreError> {
    let resolved = resolve(conn, tenant, refs)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO group_members (tenant_id, group_id, member_id, member_type) VALUES (?, ?, ?, ?)",
        )
        .map_err(backend)?;
    for (id, kind) in resolved {
        if kind == ResourceKind::Group && creates_cycle(conn, group, &id)? {
            return Err(StoreError::InvalidReference(format!(
                "group '{id}' cannot be a member of '{group}': groups may not contain themselves, directly or through nesting"
            )));
        }
        insert
            .execute(params![tenant.0, group, id, kind.as_str()])
            .map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn apply(
    conn: &Connection,
    tenant: TenantId,
    group: &str,
    ops: &[MemberOp],
) -> Result<(), StoreError> {
    for op in ops {
        match op {
            MemberOp::Add(refs) => add(conn, tenant, group, refs)?,
            MemberOp::Remove(ids) => {
                let ids = json_ids(ids)?;
                conn.prepare_cached(
                    "DELETE FROM group_members WHERE group_id = ? AND member_id IN (SELECT value FROM json_each(?))",
                )
                .and_then(|mut s| s.execute(params![group, ids]))
                .map_err(backend)?;
            }
            MemberOp::ReplaceAll(refs) => {
                conn.prepare_cached("DELETE FROM group_members WHERE group_id = ?")
                    .and_then(|mut s| s.execute([group]))
                    .map_err(backend)?;
                add(conn, tenant, group, refs)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn list(
    conn: &Connection,
    tenant: TenantId,
    group: &str,
) -> Result<Vec<Member>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT member_id, member_type FROM group_members WHERE tenant_id = ? AND group_id = ? ORDER BY member_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![tenant.0, group], |r| {
            let t: String = r.get(1)?;
            Ok(Member {
                value: r.get(0)?,
                kind: kind_of(&t),
                display: None,
            })
        })
        .map_err(backend)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(backend)
}

/// Direct and indirect groups of each id (User.groups).
pub(crate) fn groups_of(
    conn: &Connection,
    tenant: TenantId,
    ids: &[String],
) -> Result<HashMap<String, Vec<GroupMembership>>, StoreError> {
    let mut out: HashMap<String, Vec<GroupMembership>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut stmt = conn
        .prepare_cached(
            "WITH RECURSIVE up(member, group_id, direct) AS ( \
               SELECT gm.member_id, gm.group_id, 1 FROM group_members gm \
                 WHERE gm.tenant_id = ?1 AND gm.member_id IN (SELECT value FROM json_each(?2)) \
               UNION SELECT up.member, gm.group_id, 0 FROM group_members gm JOIN up ON gm.member_id = up.group_id) \
             SELECT up.member, up.group_id, MAX(up.direct), g.display_name \
             FROM up JOIN groups g ON g.id = up.group_id AND g.tenant_id = ?1 \
             GROUP BY up.member, up.group_id ORDER BY up.member, g.display_name_ci, up.group_id",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![tenant.0, json_ids(ids)?], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(backend)?;
    for row in rows {
        let (member, group_id, direct, display) = row.map_err(backend)?;
        out.entry(member).or_default().push(GroupMembership {
            group_id,
            display,
            direct: direct == 1,
        });
    }
    Ok(out)
}

/// Fill in the computed attribute of each resource: Group.members or User.groups.
pub(crate) fn attach_computed(
    conn: &Connection,
    tenant: TenantId,
    kind: ResourceKind,
    items: &mut [scimitar_core::StoredResource],
) -> Result<(), StoreError> {
    match kind {
        ResourceKind::Group => {
            for item in items.iter_mut() {
                item.members = Some(list(conn, tenant, &item.id)?);
            }
        }
        ResourceKind::User => {
            let ids: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
            let mut groups = groups_of(conn, tenant, &ids)?;
            for item in items.iter_mut() {
                item.groups = Some(groups.remove(&item.id).unwrap_or_default());
            }
        }
    }
    Ok(())
}
