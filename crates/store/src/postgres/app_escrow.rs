//! The escrow on PostgreSQL: objects that failed in a run of an app, kept to be retried
//! (`app_escrow`).

use scimitar_core::{EscrowEntry, StoreError};
use scimitar_scim::schema::ResourceKind;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{backend, PgStore};

const COLUMNS: &str = "resource_type, source_id, attempts, first_failed, next_attempt, error, hint";

fn entry_from(r: &PgRow) -> Result<EscrowEntry, StoreError> {
    let kind: String = r.try_get("resource_type").map_err(backend)?;
    Ok(EscrowEntry {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.try_get("source_id").map_err(backend)?,
        attempts: r.try_get("attempts").map_err(backend)?,
        first_failed: r.try_get("first_failed").map_err(backend)?,
        next_attempt: r.try_get("next_attempt").map_err(backend)?,
        error: r.try_get("error").map_err(backend)?,
        hint: r.try_get("hint").map_err(backend)?,
    })
}

pub(crate) async fn entries(
    store: &PgStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: &[String],
) -> Result<Vec<EscrowEntry>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM app_escrow WHERE app_id = $1 AND resource_type = $2 \
         AND source_id = ANY($3::text[]) ORDER BY source_id"
    );
    sqlx::query(&sql)
        .bind(app_id)
        .bind(kind.as_str())
        .bind(source_ids)
        .fetch_all(&store.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(entry_from)
        .collect()
}

pub(crate) async fn put(
    store: &PgStore,
    app_id: &str,
    entries: &[EscrowEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&EscrowEntry) -> String| entries.iter().map(f).collect::<Vec<_>>();
    let attempts: Vec<i64> = entries.iter().map(|e| e.attempts).collect();
    sqlx::query(&format!(
        "INSERT INTO app_escrow (app_id, {COLUMNS}) \
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[]) \
         ON CONFLICT (app_id, resource_type, source_id) DO UPDATE SET \
         attempts = excluded.attempts, first_failed = excluded.first_failed, \
         next_attempt = excluded.next_attempt, error = excluded.error, hint = excluded.hint"
    ))
    .bind(app_id)
    .bind(column(|e| e.kind.as_str().to_string()))
    .bind(column(|e| e.source_id.clone()))
    .bind(attempts)
    .bind(column(|e| e.first_failed.clone()))
    .bind(column(|e| e.next_attempt.clone()))
    .bind(column(|e| e.error.clone()))
    .bind(column(|e| e.hint.clone()))
    .execute(&store.pool)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) async fn clear(
    store: &PgStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: &[String],
) -> Result<(), StoreError> {
    if source_ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "DELETE FROM app_escrow WHERE app_id = $1 AND resource_type = $2 \
         AND source_id = ANY($3::text[])",
    )
    .bind(app_id)
    .bind(kind.as_str())
    .bind(source_ids)
    .execute(&store.pool)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) async fn list(
    store: &PgStore,
    app_id: &str,
    due_by: Option<&str>,
    limit: i64,
) -> Result<Vec<EscrowEntry>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM app_escrow WHERE app_id = $1 \
         AND ($2::text IS NULL OR next_attempt <= $2) \
         ORDER BY next_attempt, resource_type, source_id LIMIT $3"
    );
    sqlx::query(&sql)
        .bind(app_id)
        .bind(due_by)
        .bind(limit)
        .fetch_all(&store.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(entry_from)
        .collect()
}
