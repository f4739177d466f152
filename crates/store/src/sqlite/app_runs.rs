//! Provisioning runs and their per-object log on SQLite (`app_runs`, `app_run_objects`).

use rusqlite::{params, Row};
use scimitar_core::{RunObjectLog, RunRecord, StoreError};
use scimitar_scim::schema::ResourceKind;

use super::{backend, is_unique_violation, SqliteStore};

const RUN_COLUMNS: &str = "id, app_id, kind, state, owner, lease_until, started, finished, summary";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn run_from(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        id: r.get(0)?,
        app_id: r.get(1)?,
        kind: r.get(2)?,
        state: r.get(3)?,
        owner: r.get(4)?,
        lease_until: r.get(5)?,
        started: r.get(6)?,
        finished: r.get(7)?,
        summary: json(&r.get::<_, String>(8)?),
    })
}

fn object_from(r: &Row<'_>) -> rusqlite::Result<RunObjectLog> {
    let kind: String = r.get(0)?;
    Ok(RunObjectLog {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.get(1)?,
        name: r.get(2)?,
        action: r.get(3)?,
        status: r.get(4)?,
        target_id: r.get(5)?,
        error: r.get(6)?,
        hint: r.get(7)?,
        steps: json(&r.get::<_, String>(8)?),
    })
}

pub(crate) async fn start_run(store: &SqliteStore, run: &RunRecord) -> Result<(), StoreError> {
    let run = run.clone();
    store
        .pool
        .write(move |conn| {
            conn.prepare_cached(
                "UPDATE app_runs SET state = 'abandoned', finished = ?2 \
                 WHERE app_id = ?1 AND state = 'running' AND lease_until < ?2",
            )
            .and_then(|mut s| s.execute(params![run.app_id, run.started]))
            .map_err(backend)?;
            let inserted = conn
                .prepare_cached(
                    "INSERT INTO app_runs (id, app_id, kind, state, owner, lease_until, started, summary) \
                     VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        run.id,
                        run.app_id,
                        run.kind,
                        run.owner,
                        run.lease_until,
                        run.started,
                        run.summary.to_string()
                    ])
                });
            match inserted {
                Ok(_) => Ok(()),
                Err(e) if is_unique_violation(&e) => {
                    let sql = format!(
                        "SELECT {RUN_COLUMNS} FROM app_runs WHERE app_id = ? AND state = 'running'"
                    );
                    let other = conn
                        .prepare_cached(&sql)
                        .and_then(|mut s| s.query_row([&run.app_id], run_from))
                        .map_err(backend)?;
                    Err(StoreError::Conflict(in_progress(&other)))
                }
                Err(e) => Err(backend(e)),
            }
        })
        .await
}

/// The conflict message: which run holds the app, and until when.
pub(crate) fn in_progress(other: &RunRecord) -> String {
    format!(
        "run {} of this app is in progress (started {} by {}, lease until {})",
        other.id, other.started, other.owner, other.lease_until
    )
}

/// Append `objects` to run `run_id`'s log, numbered on from the rows already there.
fn append_objects(
    conn: &rusqlite::Connection,
    run_id: &str,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    let base: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM app_run_objects WHERE run_id = ?")
        .and_then(|mut s| s.query_row(params![run_id], |r| r.get(0)))
        .map_err(backend)?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO app_run_objects (run_id, seq, kind, source_id, name, action, status, \
             target_id, error, hint, steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .map_err(backend)?;
    for (n, o) in objects.iter().enumerate() {
        insert
            .execute(params![
                run_id,
                base + n as i64,
                o.kind.as_str(),
                o.source_id,
                o.name,
                o.action,
                o.status,
                o.target_id,
                o.error,
                o.hint,
                o.steps.to_string()
            ])
            .map_err(backend)?;
    }
    Ok(())
}

pub(crate) async fn log_run_progress(
    store: &SqliteStore,
    run_id: &str,
    lease_until: &str,
    summary: &serde_json::Value,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    let (run_id, lease_until, summary) = (
        run_id.to_string(),
        lease_until.to_string(),
        summary.to_string(),
    );
    let objects = objects.to_vec();
    store
        .pool
        .write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE app_runs SET lease_until = ?, summary = ? WHERE id = ? AND state = 'running'",
                )
                .and_then(|mut s| s.execute(params![lease_until, summary, run_id]))
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::Conflict(format!(
                    "run {run_id} no longer holds its app (its lease ran out and another process took over)"
                )));
            }
            append_objects(conn, &run_id, &objects)
        })
        .await
}

pub(crate) async fn finish_run(
    store: &SqliteStore,
    run_id: &str,
    state: &str,
    finished: &str,
    summary: &serde_json::Value,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    let (run_id, state, finished, summary) = (
        run_id.to_string(),
        state.to_string(),
        finished.to_string(),
        summary.to_string(),
    );
    let objects = objects.to_vec();
    store
        .pool
        .write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE app_runs SET state = ?, finished = ?, summary = ? WHERE id = ?",
                )
                .and_then(|mut s| s.execute(params![state, finished, summary, run_id]))
                .map_err(backend)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_objects(conn, &run_id, &objects)
        })
        .await
}

pub(crate) async fn runs(
    store: &SqliteStore,
    app_id: &str,
    limit: i64,
) -> Result<Vec<RunRecord>, StoreError> {
    let app_id = app_id.to_string();
    store
        .pool
        .read(move |conn| {
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM app_runs WHERE app_id = ? ORDER BY started DESC, id DESC LIMIT ?"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![app_id, limit], run_from)
                .map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        })
        .await
}

pub(crate) async fn run_objects(
    store: &SqliteStore,
    run_id: &str,
    failed_only: bool,
) -> Result<Vec<RunObjectLog>, StoreError> {
    let run_id = run_id.to_string();
    store
        .pool
        .read(move |conn| {
            let failed = if failed_only {
                " AND status = 'failed'"
            } else {
                ""
            };
            let sql = format!(
                "SELECT kind, source_id, name, action, status, target_id, error, hint, steps \
                 FROM app_run_objects WHERE run_id = ?{failed} ORDER BY seq"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt.query_map([run_id], object_from).map_err(backend)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(backend)
        })
        .await
}
