//! App links on PostgreSQL: which app account stands for which directory object (`app_links`).

use scimitar_core::{AppLink, StoreError};
use scimitar_scim::schema::ResourceKind;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{backend, is_unique_violation, PgStore};

fn link_from(r: &PgRow) -> Result<AppLink, StoreError> {
    let kind: String = r.try_get("resource_type").map_err(backend)?;
    Ok(AppLink {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.try_get("source_id").map_err(backend)?,
        target_id: r.try_get("target_id").map_err(backend)?,
        disabled: r.try_get("disabled").map_err(backend)?,
        synced: r.try_get("synced").map_err(backend)?,
    })
}

pub(crate) async fn link(store: &PgStore, app_id: &str, link: &AppLink) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO app_links (app_id, resource_type, source_id, target_id, disabled, synced) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_id, resource_type, source_id) DO UPDATE \
         SET target_id = excluded.target_id, disabled = excluded.disabled, synced = excluded.synced",
    )
    .bind(app_id)
    .bind(link.kind.as_str())
    .bind(&link.source_id)
    .bind(&link.target_id)
    .bind(link.disabled)
    .bind(&link.synced)
    .execute(&store.pool)
    .await
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
}

pub(crate) async fn unlink(
    store: &PgStore,
    app_id: &str,
    kind: ResourceKind,
    source_id: &str,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "DELETE FROM app_links WHERE app_id = $1 AND resource_type = $2 AND source_id = $3",
    )
    .bind(app_id)
    .bind(kind.as_str())
    .bind(source_id)
    .execute(&store.pool)
    .await
    .map_err(backend)?
    .rows_affected();
    Ok(n == 1)
}

pub(crate) async fn links(
    store: &PgStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: Option<&[String]>,
) -> Result<Vec<AppLink>, StoreError> {
    let filter = if source_ids.is_some() {
        " AND source_id = ANY($3::text[])"
    } else {
        ""
    };
    let sql = format!(
        "SELECT resource_type, source_id, target_id, disabled, synced FROM app_links \
         WHERE app_id = $1 AND resource_type = $2{filter} ORDER BY source_id"
    );
    let mut q = sqlx::query(&sql).bind(app_id).bind(kind.as_str());
    if let Some(ids) = source_ids {
        q = q.bind(ids);
    }
    q.fetch_all(&store.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(link_from)
        .collect()
}
