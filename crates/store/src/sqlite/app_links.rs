//! App links on SQLite: which app account stands for which directory object (`app_links`).

use rusqlite::{params, Row};
use scimitar_core::{AppLink, StoreError};
use scimitar_scim::schema::ResourceKind;

use super::{backend, is_unique_violation, SqliteStore};

const COLUMNS: &str = "resource_type, source_id, target_id, disabled, synced";

fn link_from(r: &Row<'_>) -> rusqlite::Result<AppLink> {
    let kind: String = r.get(0)?;
    Ok(AppLink {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.get(1)?,
        target_id: r.get(2)?,
        disabled: r.get::<_, i64>(3)? != 0,
        synced: r.get(4)?,
    })
}

pub(crate) async fn link(
    store: &SqliteStore,
    app_id: &str,
    link: &AppLink,
) -> Result<(), StoreError> {
    let (app_id, link) = (app_id.to_string(), link.clone());
    store
        .pool
        .write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO app_links (app_id, resource_type, source_id, target_id, disabled, synced) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, resource_type, source_id) DO UPDATE \
                 SET target_id = excluded.target_id, disabled = excluded.disabled, synced = excluded.synced",
            )
            .and_then(|mut s| {
                s.execute(params![
                    app_id,
                    link.kind.as_str(),
                    link.source_id,
                    link.target_id,
                    i64::from(link.disabled),
                    link.synced
                ])
            })
            .map(|_| ())
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict(format!(
                        "the app account '{}' already stands for another {}",
                        link.target_id,
                        link.kind.as_str()
                    ))
                } else {
                    backend(e)
                }
            })
        })
        .await
}

pub(crate) async fn unlink(
    store: &SqliteStore,
    app_id: &str,
    kind: ResourceKind,
    source_id: &str,
) -> Result<bool, StoreError> {
    let (app_id, source_id) = (app_id.to_string(), source_id.to_string());
    store
        .pool
        .write(move |conn| {
            conn.prepare_cached(
                "DELETE FROM app_links WHERE app_id = ? AND resource_type = ? AND source_id = ?",
            )
            .and_then(|mut s| s.execute(params![app_id, kind.as_str(), source_id]))
            .map(|n| n == 1)
            .map_err(backend)
        })
        .await
}

pub(crate) async fn links(
    store: &SqliteStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: Option<&[String]>,
) -> Result<Vec<AppLink>, StoreError> {
    let app_id = app_id.to_string();
    let ids = source_ids.map(|ids| serde_json::Value::from(ids.to_vec()).to_string());
    store
        .pool
        .read(move |conn| {
            let mut sql =
                format!("SELECT {COLUMNS} FROM app_links WHERE app_id = ?1 AND resource_type = ?2");
            if ids.is_some() {
                sql.push_str(" AND source_id IN (SELECT value FROM json_each(?3))");
            }
            sql.push_str(" ORDER BY source_id");
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = match &ids {
                Some(ids) => stmt.query_map(params![app_id, kind.as_str(), ids], link_from),
                None => stmt.query_map(params![app_id, kind.as_str()], link_from),
            }
            .map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        })
        .await
}
