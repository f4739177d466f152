//! `/api/v1/apps/{name}/runs`: an app's runs, newest first, and one run's log (one entry per
//! object with its action, status, error and what to do), in the JSON of
//! `scimitar app logs --json`. `runs/latest` is the newest run.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use scimitar_core::{RunObjectLog, RunRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{provisioner, AdminContext, Problem};
use crate::AppState;

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{name}/runs", get(list_runs))
        .route("/apps/{name}/runs/latest", get(latest_run))
        .route("/apps/{name}/runs/{id}", get(show_run))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many runs, newest first: 1 to 1000 (default 20).
    pub limit: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Only the objects that failed.
    pub failed: Option<bool>,
}

/// One run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub id: String,
    /// initial, incremental or on-demand.
    pub kind: String,
    /// running, finished or abandoned (its process stopped before finishing it).
    pub state: String,
    /// The process that ran it (host and pid).
    pub owner: String,
    pub started: String,
    pub finished: Option<String>,
    /// Counts by `action.status`, and `error` when the run failed as a whole.
    #[schema(value_type = Object)]
    pub summary: Value,
}

impl From<RunRecord> for RunOut {
    fn from(r: RunRecord) -> Self {
        RunOut {
            id: r.id,
            kind: r.kind,
            state: r.state,
            owner: r.owner,
            started: r.started,
            finished: r.finished,
            summary: r.summary,
        }
    }
}

/// What a run did to one object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunObjectOut {
    /// User or Group.
    pub kind: String,
    /// The object's id in this directory.
    pub source_id: String,
    /// Its userName or displayName.
    pub name: Option<String>,
    pub action: String,
    /// done, skipped or failed.
    pub status: String,
    /// Its id in the app.
    pub target_id: Option<String>,
    pub error: Option<String>,
    /// What to do about the error.
    pub hint: Option<String>,
    /// The plan's steps for the object.
    #[schema(value_type = Object)]
    pub steps: Value,
}

impl From<RunObjectLog> for RunObjectOut {
    fn from(o: RunObjectLog) -> Self {
        RunObjectOut {
            kind: o.kind.as_str().to_string(),
            source_id: o.source_id,
            name: o.name,
            action: o.action,
            status: o.status,
            target_id: o.target_id,
            error: o.error,
            hint: o.hint,
            steps: o.steps,
        }
    }
}

/// A run and its log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunLog {
    pub run: RunOut,
    pub objects: Vec<RunObjectOut>,
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    q.map(|Query(v)| v)
        .map_err(|e| Problem::new(400, e.body_text()))
}

/// The app's runs, newest first.
#[utoipa::path(get, path = "/api/v1/apps/{name}/runs", tag = "runs",
    params(("name" = String, Path, description = "the app's name (case-insensitive)"), ListQuery),
    responses((status = 200, body = [RunOut]), (status = 400), (status = 404)),
    security(("bearer" = [])))]
pub async fn list_runs(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<RunOut>>, Problem> {
    let limit = query(q)?.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::new(
            400,
            format!("limit must be 1 to {MAX_LIMIT}, not {limit}"),
        ));
    }
    let runs = provisioner(&state)?
        .runs(ctx.tenant.id, &name, limit)
        .await?;
    Ok(Json(runs.into_iter().map(RunOut::from).collect()))
}

async fn log(
    state: &AppState,
    ctx: &AdminContext,
    name: &str,
    id: Option<&str>,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Json<RunLog>, Problem> {
    let failed = query(q)?.failed.unwrap_or(false);
    let (run, objects) = provisioner(state)?
        .logs(ctx.tenant.id, name, id, failed)
        .await?;
    Ok(Json(RunLog {
        run: run.into(),
        objects: objects.into_iter().map(RunObjectOut::from).collect(),
    }))
}

/// One run and its log (`scimitar app logs --run ID --json`).
#[utoipa::path(get, path = "/api/v1/apps/{name}/runs/{id}", tag = "runs",
    params(("name" = String, Path, description = "the app's name (case-insensitive)"),
        ("id" = String, Path, description = "the run's id"), LogQuery),
    responses((status = 200, body = RunLog), (status = 400),
        (status = 404, description = "no such app or run")),
    security(("bearer" = [])))]
pub async fn show_run(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path((name, id)): Path<(String, String)>,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Json<RunLog>, Problem> {
    log(&state, &ctx, &name, Some(&id), q).await
}

/// The newest run and its log (`scimitar app logs --json`).
#[utoipa::path(get, path = "/api/v1/apps/{name}/runs/latest", tag = "runs",
    params(("name" = String, Path, description = "the app's name (case-insensitive)"), LogQuery),
    responses((status = 200, body = RunLog), (status = 400),
        (status = 404, description = "no such app, or it has not run yet")),
    security(("bearer" = [])))]
pub async fn latest_run(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    q: Result<Query<LogQuery>, QueryRejection>,
) -> Result<Json<RunLog>, Problem> {
    log(&state, &ctx, &name, None, q).await
}
