//! Provisioning runs and their per-object log on PostgreSQL (`app_runs`, `app_run_objects`).
//! The partial unique index on running runs is what keeps two replicas from running one app
//! at the same time.

use scimitar_core::{RunObjectLog, RunRecord, StoreError};
use scimitar_scim::schema::ResourceKind;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{backend, is_unique_violation, PgStore};

const RUN_COLUMNS: &str = "id, app_id, kind, state, owner, lease_until, started, finished, summary";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn run_from(r: &PgRow) -> Result<RunRecord, StoreError> {
    Ok(RunRecord {
        id: r.try_get("id").map_err(backend)?,
        app_id: r.try_get("app_id").map_err(backend)?,
        kind: r.try_get("kind").map_err(backend)?,
        state: r.try_get("state").map_err(backend)?,
        owner: r.try_get("owner").map_err(backend)?,
        lease_until: r.try_get("lease_until").map_err(backend)?,
        started: r.try_get("started").map_err(backend)?,
        finished: r.try_get("finished").map_err(backend)?,
        summary: json(&r.try_get::<String, _>("summary").map_err(backend)?),
    })
}

fn object_from(r: &PgRow) -> Result<RunObjectLog, StoreError> {
    let kind: String = r.try_get("kind").map_err(backend)?;
    Ok(RunObjectLog {
        kind: if kind == "Group" {
            ResourceKind::Group
        } else {
            ResourceKind::User
        },
        source_id: r.try_get("source_id").map_err(backend)?,
        name: r.try_get("name").map_err(backend)?,
        action: r.try_get("action").map_err(backend)?,
        status: r.try_get("status").map_err(backend)?,
        target_id: r.try_get("target_id").map_err(backend)?,
        error: r.try_get("error").map_err(backend)?,
        hint: r.try_get("hint").map_err(backend)?,
        steps: json(&r.try_get::<String, _>("steps").map_err(backend)?),
    })
}

pub(crate) async fn start_run(store: &PgStore, run: &RunRecord) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(backend)?;
    sqlx::query(
        "UPDATE app_runs SET state = 'abandoned', finished = $2 \
         WHERE app_id = $1 AND state = 'running' AND lease_until < $2",
    )
    .bind(&run.app_id)
    .bind(&run.started)
    .execute(&mut *tx)
    .await
    .map_err(backend)?;
    let inserted = sqlx::query(
        "INSERT INTO app_runs (id, app_id, kind, state, owner, lease_until, started, summary) \
         VALUES ($1, $2, $3, 'running', $4, $5, $6, $7)",
    )
    .bind(&run.id)
    .bind(&run.app_id)
    .bind(&run.kind)
    .bind(&run.owner)
    .bind(&run.lease_until)
    .bind(&run.started)
    .bind(run.summary.to_string())
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => tx.commit().await.map_err(backend),
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM app_runs WHERE app_id = $1 AND state = 'running'"
            );
            let other = sqlx::query(&sql)
                .bind(&run.app_id)
                .fetch_optional(&store.pool)
                .await
                .map_err(backend)?;
            Err(StoreError::Conflict(match other {
                Some(row) => crate::sqlite::app_runs::in_progress(&run_from(&row)?),
                None => "another run of this app was in progress; try again".into(),
            }))
        }
        Err(e) => Err(backend(e)),
    }
}

/// Append `objects` to run `run_id`'s log, numbered on from the rows already there, in one
/// statement (arrays unnested), so a batch of a thousand is one round trip.
async fn append_objects(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    run_id: &str,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    if objects.is_empty() {
        return Ok(());
    }
    let base: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(seq) + 1, 0) FROM app_run_objects WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)?;
    let seq: Vec<i64> = (0..objects.len() as i64).map(|n| base + n).collect();
    let column = |f: fn(&RunObjectLog) -> Option<String>| -> Vec<Option<String>> {
        objects.iter().map(f).collect()
    };
    sqlx::query(
        "INSERT INTO app_run_objects (run_id, seq, kind, source_id, name, action, status, \
         target_id, error, hint, steps) \
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])",
    )
    .bind(run_id)
    .bind(&seq)
    .bind(column(|o| Some(o.kind.as_str().to_string())))
    .bind(column(|o| Some(o.source_id.clone())))
    .bind(column(|o| o.name.clone()))
    .bind(column(|o| Some(o.action.clone())))
    .bind(column(|o| Some(o.status.clone())))
    .bind(column(|o| o.target_id.clone()))
    .bind(column(|o| o.error.clone()))
    .bind(column(|o| o.hint.clone()))
    .bind(column(|o| Some(o.steps.to_string())))
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) async fn log_run_progress(
    store: &PgStore,
    run_id: &str,
    lease_until: &str,
    summary: &serde_json::Value,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(backend)?;
    let n = sqlx::query(
        "UPDATE app_runs SET lease_until = $1, summary = $2 WHERE id = $3 AND state = 'running'",
    )
    .bind(lease_until)
    .bind(summary.to_string())
    .bind(run_id)
    .execute(&mut *tx)
    .await
    .map_err(backend)?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "run {run_id} no longer holds its app (its lease ran out and another process took over)"
        )));
    }
    append_objects(&mut tx, run_id, objects).await?;
    tx.commit().await.map_err(backend)
}

pub(crate) async fn finish_run(
    store: &PgStore,
    run_id: &str,
    state: &str,
    finished: &str,
    summary: &serde_json::Value,
    objects: &[RunObjectLog],
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await.map_err(backend)?;
    let n =
        sqlx::query("UPDATE app_runs SET state = $1, finished = $2, summary = $3 WHERE id = $4")
            .bind(state)
            .bind(finished)
            .bind(summary.to_string())
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    append_objects(&mut tx, run_id, objects).await?;
    tx.commit().await.map_err(backend)
}

pub(crate) async fn runs(
    store: &PgStore,
    app_id: &str,
    limit: i64,
) -> Result<Vec<RunRecord>, StoreError> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM app_runs WHERE app_id = $1 ORDER BY started DESC, id DESC LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(app_id)
        .bind(limit)
        .fetch_all(&store.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(run_from)
        .collect()
}

pub(crate) async fn run_objects(
    store: &PgStore,
    run_id: &str,
    failed_only: bool,
) -> Result<Vec<RunObjectLog>, StoreError> {
    let failed = if failed_only {
        " AND status = 'failed'"
    } else {
        ""
    };
    let sql = format!(
        "SELECT kind, source_id, name, action, status, target_id, error, hint, steps \
         FROM app_run_objects WHERE run_id = $1{failed} ORDER BY seq"
    );
    sqlx::query(&sql)
        .bind(run_id)
        .fetch_all(&store.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(object_from)
        .collect()
}
