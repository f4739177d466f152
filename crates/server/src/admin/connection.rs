//! `/api/v1/apps/{name}`: PATCH an app's connection and deprovisioning policy, test the
//! connection, read what the app supports, and start or stop continuous provisioning, as
//! `scimitar app set|test|schema|start|stop` do. The app's own failures are 502 problems
//! carrying the connector's error and what to do about it.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use axum::{Extension, Json, Router};
use scimitar_core::{AppState as RunState, Deprovision};
use scimitar_provisioning::connector::{Connector, ScimConnector};
use scimitar_provisioning::engine::check_limit;
use scimitar_provisioning::notify::{NotificationChange, NotificationSettings, SETTINGS_KEY};
use scimitar_provisioning::runs::{connector_for, RunError};
use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::apps::{AppOut, NewAuth};
use super::{app_admin, json_body, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{name}", patch(change_app))
        .route("/apps/{name}/test", post(test_app))
        .route("/apps/{name}/schema", get(app_schema))
        .route("/apps/{name}/start", post(start_app))
        .route("/apps/{name}/stop", post(stop_app))
}

/// What to change in an app; at least one field. Credentials go in and never come out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppChanges {
    /// A new SCIM 2.0 base URL.
    pub scim_url: Option<String>,
    /// New credentials.
    pub auth: Option<NewAuth>,
    /// What happens in the app when a user leaves scope: disable, delete or nothing.
    #[schema(example = "disable")]
    pub deprovision: Option<String>,
    /// Requests in flight to the app at once during a run, 1-64 (default 8).
    pub concurrency: Option<u64>,
    /// Requests per second at most (e.g. 25 or 0.5); 0 removes the limit.
    pub rate_limit: Option<f64>,
    /// Seconds a request may take, reading the answer included, 1-600 (default 30).
    pub timeout: Option<u64>,
    /// Requests sent at most for one request, retries included, 1-10 (default 4).
    pub attempts: Option<u64>,
    /// Seconds before the first retry of a failed object (the escrow), 1-86400 (default 60).
    pub escrow_base: Option<u64>,
    /// The longest wait between retries of a failed object, seconds (default 3600).
    pub escrow_cap: Option<u64>,
    /// Failing runs in a row that quarantine the app (default 3).
    pub quarantine_after: Option<u64>,
    /// The share of a run's objects that must fail for it to count as failing (default 0.8).
    pub quarantine_share: Option<f64>,
    /// Seconds between probes of a quarantined app (default 300).
    pub probe_interval: Option<u64>,
    /// A run may disable or delete at most this many objects without approval (default 500).
    pub deletion_threshold: Option<u64>,
    /// ... and at most this share of the objects provisioned in the app (default 0.2).
    pub deletion_share: Option<f64>,
    /// Seconds between reconciles of a continuously provisioned app (default 86400; 0 never).
    pub reconcile_interval: Option<u64>,
    /// Where the app's notifications go; fields left out stay as they are.
    pub notifications: Option<NotificationsChange>,
}

/// A change to an app's notification targets (docs/notifications.md).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsChange {
    /// An http or https URL that receives each notification as a JSON POST; "" removes it.
    #[schema(example = "https://hooks.example.com/scimitar")]
    pub webhook: Option<String>,
    /// Email recipients, replacing the old ones; [] removes them.
    #[schema(example = json!(["it-ops@example.com"]))]
    pub email: Option<Vec<String>>,
    /// The events that notify: quarantined, recovered, threshold-stop, run-failed; [] or
    /// ["all"] for every one.
    pub events: Option<Vec<String>>,
}

impl From<NotificationsChange> for NotificationChange {
    fn from(c: NotificationsChange) -> Self {
        NotificationChange {
            webhook: c.webhook,
            email: c.email,
            events: c.events,
        }
    }
}

/// A connection test that passed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    /// Always true (a failing test is a 502 problem).
    pub ok: bool,
    /// The URL queried, without its query string.
    pub endpoint: String,
    /// The filter sent: the matching attribute with a random value.
    pub filter: String,
    /// How long the test took, in milliseconds.
    pub ms: u64,
    /// One line per check that passed, in order.
    pub checks: Vec<String>,
}

fn app_failed(error: scimitar_provisioning::connector::ConnectorError) -> Problem {
    RunError::Connector { error }.into()
}

/// The connector for app `name` of the request's tenant.
async fn connector(
    state: &AppState,
    ctx: &AdminContext,
    name: &str,
) -> Result<ScimConnector, Problem> {
    let admin = app_admin(state)?;
    let app = admin.get(ctx.tenant.id, name).await?;
    Ok(connector_for(admin, &app, &ctx.tenant.name)?)
}

/// Change an app's SCIM URL, credentials, deprovisioning policy, concurrency or notification
/// targets (`scimitar app set`).
#[utoipa::path(patch, path = "/api/v1/apps/{name}", tag = "apps", request_body = AppChanges,
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = AppOut), (status = 400), (status = 404)),
    security(("bearer" = [])))]
pub async fn change_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Result<Json<AppChanges>, JsonRejection>,
) -> Result<Json<AppOut>, Problem> {
    let changes = json_body(body)?;
    let connection =
        changes.scim_url.is_some() || changes.auth.is_some() || changes.deprovision.is_some();
    let limits: Vec<(&str, serde_json::Value)> = [
        (
            "concurrency",
            changes.concurrency.map(|n| serde_json::json!(n)),
        ),
        (
            "rate_limit",
            changes.rate_limit.map(|r| {
                if r == 0.0 {
                    serde_json::Value::Null
                } else {
                    serde_json::json!(r)
                }
            }),
        ),
        ("timeout", changes.timeout.map(|n| serde_json::json!(n))),
        ("attempts", changes.attempts.map(|n| serde_json::json!(n))),
        (
            "escrow_base",
            changes.escrow_base.map(|n| serde_json::json!(n)),
        ),
        (
            "escrow_cap",
            changes.escrow_cap.map(|n| serde_json::json!(n)),
        ),
        (
            "quarantine_after",
            changes.quarantine_after.map(|n| serde_json::json!(n)),
        ),
        (
            "quarantine_share",
            changes.quarantine_share.map(|x| serde_json::json!(x)),
        ),
        (
            "probe_interval",
            changes.probe_interval.map(|n| serde_json::json!(n)),
        ),
        (
            "deletion_threshold",
            changes.deletion_threshold.map(|n| serde_json::json!(n)),
        ),
        (
            "deletion_share",
            changes.deletion_share.map(|x| serde_json::json!(x)),
        ),
        (
            "reconcile_interval",
            changes.reconcile_interval.map(|n| serde_json::json!(n)),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if !connection && limits.is_empty() && changes.notifications.is_none() {
        return Err(Problem::new(
            400,
            "nothing to change: give scimUrl, auth, deprovision, concurrency, rateLimit, timeout, attempts, escrowBase, escrowCap, quarantineAfter, quarantineShare, probeInterval, deletionThreshold, deletionShare, reconcileInterval or notifications",
        ));
    }
    for (key, value) in &limits {
        check_limit(key, value).map_err(|m| Problem::new(400, m))?;
    }
    let deprovision = changes
        .deprovision
        .map(|d| {
            Deprovision::parse(&d).ok_or_else(|| {
                Problem::new(
                    400,
                    format!("deprovision must be disable, delete or nothing, not '{d}'"),
                )
            })
        })
        .transpose()?;
    let admin = app_admin(&state)?;
    // Checked before anything is changed: a bad value changes nothing.
    let notifications = match changes.notifications {
        Some(change) => {
            let app = admin.get(ctx.tenant.id, &name).await?;
            let mut settings =
                NotificationSettings::from_app_settings(&app.settings).unwrap_or_default();
            settings
                .apply(&change.into())
                .map_err(|e| Problem::new(400, e.to_string()))?;
            Some(settings)
        }
        None => None,
    };
    let auth = match changes.auth {
        Some(a) => Some(a.into_auth(admin, ctx.tenant.id, Some(&name)).await?),
        None => None,
    };
    let mut view = None;
    if connection {
        view = Some(
            admin
                .change(
                    ctx.tenant.id,
                    &name,
                    changes.scim_url.as_deref(),
                    auth,
                    None,
                    deprovision,
                )
                .await?,
        );
    }
    for (key, value) in limits {
        let value = (!value.is_null()).then_some(value);
        view = Some(admin.set_setting(ctx.tenant.id, &name, key, value).await?);
    }
    if let Some(settings) = notifications {
        view = Some(
            admin
                .set_setting(ctx.tenant.id, &name, SETTINGS_KEY, settings.to_json())
                .await?,
        );
    }
    match view {
        Some(v) => Ok(Json(v.into())),
        None => Err(Problem::new(400, "nothing to change")),
    }
}

/// Test the connection as Entra ID does: query userName with a random value and expect no
/// match (`scimitar app test`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/test", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = TestReport),
        (status = 404),
        (status = 502, description = "the app failed the test; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn test_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<TestReport>, Problem> {
    let report = connector(&state, &ctx, &name)
        .await?
        .test(ResourceKind::User, "userName")
        .await
        .map_err(app_failed)?;
    Ok(Json(TestReport {
        ok: true,
        endpoint: report.endpoint,
        filter: report.filter,
        ms: u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
        checks: report.checks,
    }))
}

/// What the app's /ServiceProviderConfig, /ResourceTypes and /Schemas say it supports
/// (`scimitar app schema --json`).
#[utoipa::path(get, path = "/api/v1/apps/{name}/schema", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, description = "the discovered capabilities", body = Object),
        (status = 404),
        (status = 502, description = "the app could not be read; `detail` has the error and a hint")),
    security(("bearer" = [])))]
pub async fn app_schema(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let caps = connector(&state, &ctx, &name)
        .await?
        .discover()
        .await
        .map_err(app_failed)?;
    let body = serde_json::to_value(&caps)
        .map_err(|e| Problem::from(RunError::Internal(format!("capabilities: {e}"))))?;
    Ok(Json(body))
}

async fn set_state(
    state: &AppState,
    ctx: &AdminContext,
    name: &str,
    to: RunState,
) -> Result<Json<AppOut>, Problem> {
    let view = app_admin(state)?
        .change(ctx.tenant.id, name, None, None, Some(to), None)
        .await?;
    Ok(Json(view.into()))
}

/// Continuous provisioning by the running servers: directory changes reach the app within
/// seconds (`scimitar app start`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/start", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, description = "the app, now running", body = AppOut), (status = 404)),
    security(("bearer" = [])))]
pub async fn start_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<AppOut>, Problem> {
    set_state(&state, &ctx, &name, RunState::Running).await
}

/// Stop continuous provisioning; a run in progress finishes (`scimitar app stop`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/stop", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, description = "the app, now stopped", body = AppOut), (status = 404)),
    security(("bearer" = [])))]
pub async fn stop_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<AppOut>, Problem> {
    set_state(&state, &ctx, &name, RunState::Stopped).await
}
