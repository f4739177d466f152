//! The escrow on SQLite: objects that failed in a run of an app, kept to be retried
//! (`app_escrow`).

use rusqlite::{params, Row};
use scimitar_core::{EscrowEntry, StoreError};
use scimitar_scim::schema::ResourceKind;

use super::{backend, SqliteStore};

const COLUMNS: &str = "resource_type, source_id, attempts, first_failed, next_attempt, error, hint";

fn entry_from(r: &Row<'_>) -> rusqlite::Result<EscrowEntry> {
    let kind: String = r.get(0)?;
    Ok(EscrowEntry {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.get(1)?,
        attempts: r.get(2)?,
        first_failed: r.get(3)?,
        next_attempt: r.get(4)?,
        error: r.get(5)?,
        hint: r.get(6)?,
    })
}

pub(crate) async fn entries(
    store: &SqliteStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: &[String],
) -> Result<Vec<EscrowEntry>, StoreError> {
    let app_id = app_id.to_string();
    let ids = serde_json::Value::from(source_ids.to_vec()).to_string();
    store
        .pool
        .read(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS} FROM app_escrow WHERE app_id = ?1 AND resource_type = ?2 \
                 AND source_id IN (SELECT value FROM json_each(?3)) ORDER BY source_id"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![app_id, kind.as_str(), ids], entry_from)
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        })
        .await
}

pub(crate) async fn put(
    store: &SqliteStore,
    app_id: &str,
    entries: &[EscrowEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let (app_id, entries) = (app_id.to_string(), entries.to_vec());
    store
        .pool
        .write(move |conn| {
            // The writer runs each job in its own transaction: all of these, or none.
            {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "INSERT INTO app_escrow (app_id, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (app_id, resource_type, source_id) DO UPDATE SET \
                         attempts = excluded.attempts, first_failed = excluded.first_failed, \
                         next_attempt = excluded.next_attempt, error = excluded.error, hint = excluded.hint"
                    ))
                    .map_err(backend)?;
                for e in &entries {
                    stmt.execute(params![
                        app_id,
                        e.kind.as_str(),
                        e.source_id,
                        e.attempts,
                        e.first_failed,
                        e.next_attempt,
                        e.error,
                        e.hint
                    ])
                    .map_err(backend)?;
                }
            }
            Ok(())
        })
        .await
}

pub(crate) async fn clear(
    store: &SqliteStore,
    app_id: &str,
    kind: ResourceKind,
    source_ids: &[String],
) -> Result<(), StoreError> {
    if source_ids.is_empty() {
        return Ok(());
    }
    let app_id = app_id.to_string();
    let ids = serde_json::Value::from(source_ids.to_vec()).to_string();
    store
        .pool
        .write(move |conn| {
            conn.prepare_cached(
                "DELETE FROM app_escrow WHERE app_id = ?1 AND resource_type = ?2 \
                 AND source_id IN (SELECT value FROM json_each(?3))",
            )
            .and_then(|mut s| s.execute(params![app_id, kind.as_str(), ids]))
            .map(|_| ())
            .map_err(backend)
        })
        .await
}

pub(crate) async fn list(
    store: &SqliteStore,
    app_id: &str,
    due_by: Option<&str>,
    limit: i64,
) -> Result<Vec<EscrowEntry>, StoreError> {
    let app_id = app_id.to_string();
    let due_by = due_by.map(str::to_string);
    store
        .pool
        .read(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS} FROM app_escrow WHERE app_id = ?1 \
                 AND (?2 IS NULL OR next_attempt <= ?2) \
                 ORDER BY next_attempt, resource_type, source_id LIMIT ?3"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![app_id, due_by, limit], entry_from)
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        })
        .await
}
