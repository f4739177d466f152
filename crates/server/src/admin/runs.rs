//! `/api/v1/apps/{name}/plan|sync|provision`: the dry run, one run now (the request waits for
//! it), and one user or group on demand, through `scimitar_provisioning::runs` like
//! `scimitar app plan|sync|provision`; the JSON is what those print with `--json`. Runs started
//! here count in `/metrics` like the scheduler's.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Extension, Json, Router};
use scimitar_provisioning::engine::RunResult;
use scimitar_provisioning::plan::{Plan, RunKind};
use scimitar_provisioning::runs::{Plans, RunError, Tally};
use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{json_body, optional_json, provisioner, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{name}/plan", post(plan))
        .route("/apps/{name}/sync", post(sync))
        .route("/apps/{name}/approve-deletes", post(approve_deletes))
        .route("/apps/{name}/reconcile", post(reconcile))
        .route("/apps/{name}/provision", post(provision))
}

/// Which run; the body may be left out (an incremental run).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// An initial run: every user in scope is matched or created.
    #[serde(default)]
    pub initial: bool,
}

impl RunRequest {
    fn kind(&self) -> RunKind {
        if self.initial {
            RunKind::Initial
        } else {
            RunKind::Incremental
        }
    }
}

/// The dry run of both kinds (`scimitar app plan --json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlansOut {
    /// The users' plan: one operation per user with its action, reason and steps.
    #[schema(value_type = Object)]
    pub users: Plan,
    /// The groups' plan.
    #[schema(value_type = Object)]
    pub groups: Plan,
}

/// What one run did (`scimitar app sync --json`): per kind, objects by `action.status`
/// (`counts`), `objects`, `done`, `failed`, and the first failures with error and hint. Each
/// object's action, steps and outcome are in the run's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncOut {
    /// The run's id (`GET /api/v1/apps/{name}/runs/{id}` has its log).
    pub run: String,
    /// How many objects failed (the run itself finished).
    pub failed: u64,
    /// Why the run's disables and deletes were held at the accidental-deletion threshold
    /// (each is logged with status `held`); null when they were not. Approve them with
    /// `POST /api/v1/apps/{name}/approve-deletes`.
    pub staged: Option<String>,
    #[schema(value_type = Object)]
    pub users: Tally,
    #[schema(value_type = Object)]
    pub groups: Tally,
}

/// A reconcile, or (`plan`) its dry run; the body may be left out (a reconcile).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconcileRequest {
    #[serde(default)]
    pub plan: bool,
}

/// What a reconcile did or would do (`scimitar app reconcile --json`): the run (or the plan)
/// and the app's orphans: `{"count", "first": [{"kind", "id", "name"}]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconcileOut {
    /// The run's id, unless this was the plan.
    pub run: Option<String>,
    pub failed: Option<u64>,
    #[schema(value_type = Object)]
    pub users: Option<Tally>,
    #[schema(value_type = Object)]
    pub groups: Option<Tally>,
    /// The plan, when only planned.
    #[schema(value_type = Object)]
    pub plan: Option<PlansOut>,
    #[schema(value_type = Object)]
    pub orphans: scimitar_provisioning::runs::reconcile::Orphans,
}

/// Repair drift in the app (accounts deleted, edited or deactivated there, group members
/// changed there) and list its orphans, or with `{"plan": true}` show what would be done
/// (`scimitar app reconcile`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/reconcile", tag = "runs",
    request_body(content = ReconcileRequest, description = "may be left out: a reconcile"),
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = ReconcileOut), (status = 404),
        (status = 409, description = "a run of the app is in progress (on any replica)"),
        (status = 502, description = "the app failed; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn reconcile(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<ReconcileOut>, Problem> {
    let request: ReconcileRequest = optional_json(&body)?;
    let p = provisioner(&state)?;
    let app = p.admin.get(ctx.tenant.id, &name).await?;
    let done = p
        .reconcile(&ctx.tenant, &app.name, request.plan, &|_, _| {})
        .await?;
    if let Some(run) = &done.run {
        crate::metrics::record_run(&ctx.tenant.name, &app.name, run);
    }
    Ok(Json(ReconcileOut {
        run: done.run.as_ref().map(|r| r.run.id.clone()),
        failed: done.run.as_ref().map(|r| r.failed()),
        users: done.run.as_ref().map(|r| r.users.clone()),
        groups: done.run.map(|r| r.groups),
        plan: done.plans.map(|p| PlansOut {
            users: p.users,
            groups: p.groups,
        }),
        orphans: done.orphans,
    }))
}

/// One user (by userName) or one group (by displayName).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    pub user: Option<String>,
    pub group: Option<String>,
}

/// What provisioning one object did (`scimitar app provision --json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisionOut {
    pub run: String,
    #[schema(value_type = Object)]
    pub plan: Plan,
    #[schema(value_type = Object)]
    pub results: RunResult,
}

/// What a run would do to each user and group, and why; reads the app, changes nothing.
#[utoipa::path(post, path = "/api/v1/apps/{name}/plan", tag = "runs",
    request_body(content = RunRequest, description = "may be left out: an incremental plan"),
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = PlansOut), (status = 404),
        (status = 422, description = "the app's settings cannot be used"),
        (status = 502, description = "the app failed; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn plan(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<PlansOut>, Problem> {
    let request: RunRequest = optional_json(&body)?;
    let Plans { users, groups } = provisioner(&state)?
        .plan(&ctx.tenant, &name, request.kind())
        .await?;
    Ok(Json(PlansOut { users, groups }))
}

/// One run now, users then groups; answers when it has finished. A failed object does not
/// fail the request: `failed` counts them and `GET .../runs/{id}?failed=true` lists them.
#[utoipa::path(post, path = "/api/v1/apps/{name}/sync", tag = "runs",
    request_body(content = RunRequest, description = "may be left out: an incremental run"),
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = SyncOut), (status = 404),
        (status = 409, description = "a run of the app is in progress (on any replica)"),
        (status = 422, description = "the app's settings cannot be used"),
        (status = 502, description = "the app failed the run; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn sync(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<SyncOut>, Problem> {
    let request: RunRequest = optional_json(&body)?;
    run(&state, &ctx, &name, Some(request.kind())).await
}

/// Approve the disables and deletes a run held at the accidental-deletion threshold: one run
/// now, of every user and group, with the threshold lifted for it (`scimitar app
/// approve-deletes`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/approve-deletes", tag = "runs",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = SyncOut), (status = 404),
        (status = 409, description = "a run of the app is in progress (on any replica)"),
        (status = 422, description = "the app's settings cannot be used"),
        (status = 502, description = "the app failed the run; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn approve_deletes(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<SyncOut>, Problem> {
    run(&state, &ctx, &name, None).await
}

/// A sync of `kind`, or (`None`) an approval run.
async fn run(
    state: &AppState,
    ctx: &AdminContext,
    name: &str,
    kind: Option<scimitar_provisioning::plan::RunKind>,
) -> Result<Json<SyncOut>, Problem> {
    let p = provisioner(state)?;
    // The app's name as stored, for the metrics' labels (the path's is case-insensitive).
    let app = p.admin.get(ctx.tenant.id, name).await?;
    let outcome = match kind {
        Some(kind) => p.sync(&ctx.tenant, &app.name, kind, None, &|_, _| {}).await,
        None => p.approve_deletes(&ctx.tenant, &app.name, &|_, _| {}).await,
    };
    let done = match outcome {
        Ok(done) => done,
        Err(e) => {
            if matches!(
                e,
                RunError::Connector { .. } | RunError::Settings(_) | RunError::Internal(_)
            ) {
                crate::metrics::record_run_error(&ctx.tenant.name, &app.name);
            }
            return Err(e.into());
        }
    };
    crate::metrics::record_run(&ctx.tenant.name, &app.name, &done);
    Ok(Json(SyncOut {
        run: done.run.id.clone(),
        failed: done.failed(),
        staged: done.staged,
        users: done.users,
        groups: done.groups,
    }))
}

/// Provision one user or group now, whatever the schedule, with every step. An unassigned
/// user is not provisioned, and the plan says why.
#[utoipa::path(post, path = "/api/v1/apps/{name}/provision", tag = "runs",
    request_body = ProvisionRequest,
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = ProvisionOut), (status = 400),
        (status = 404, description = "no such app, user or group"),
        (status = 409, description = "a run of the app is in progress"),
        (status = 502, description = "the app failed; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn provision(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Result<Json<ProvisionRequest>, JsonRejection>,
) -> Result<Json<ProvisionOut>, Problem> {
    let (kind, object) = match json_body(body)? {
        ProvisionRequest {
            user: Some(u),
            group: None,
        } => (ResourceKind::User, u),
        ProvisionRequest {
            user: None,
            group: Some(g),
        } => (ResourceKind::Group, g),
        _ => {
            return Err(Problem::new(
                400,
                "give exactly one of user (a userName) or group (a displayName)",
            ))
        }
    };
    let done = provisioner(&state)?
        .provision(&ctx.tenant, &name, kind, &object)
        .await?;
    Ok(Json(ProvisionOut {
        run: done.run.id,
        plan: done.plan,
        results: done.results,
    }))
}
