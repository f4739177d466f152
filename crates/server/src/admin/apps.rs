//! `/api/v1/apps`: list, create, show and delete a tenant's connected apps, as
//! `scimitar app list|create|show|delete` do. Credentials go in on create and never come out:
//! responses describe them (kind, user, last characters).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use scimitar_core::service::{AppAdmin, AppView};
use scimitar_core::{AppAuth, TenantId};
use scimitar_provisioning::notify::NotificationSettings;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{app_admin, json_body, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps", get(list_apps).post(create_app))
        .route("/apps/{name}", get(show_app).delete(delete_app))
}

/// How Scimitar authenticates to the app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum NewAuth {
    Bearer {
        token: String,
    },
    Basic {
        user: String,
        password: String,
    },
    /// OAuth 2.0 (client credentials, or authorization code then `POST .../authorize`).
    #[serde(rename = "oauth")]
    OAuth(super::oauth::NewOAuth),
}

/// A new app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApp {
    /// 1-64 characters of letters, digits, '.', '_' or '-'; unique in the tenant.
    pub name: String,
    /// The app's SCIM 2.0 base URL.
    pub scim_url: String,
    pub auth: NewAuth,
}

/// An app as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppOut {
    pub id: String,
    pub name: String,
    pub scim_url: String,
    /// The credentials, described (never included).
    pub auth: String,
    /// stopped, running or quarantined.
    pub state: String,
    /// disable, delete or nothing.
    pub deprovision: String,
    /// Requests in flight to the app at once during a run.
    pub concurrency: u64,
    /// Requests per second at most; null: no limit.
    pub rate_limit: Option<f64>,
    /// Seconds a request may take.
    pub timeout: u64,
    /// Requests sent at most for one request, retries included.
    pub attempts: u64,
    /// Every limit and safety rail with its value (the default where not set): concurrency,
    /// rateLimit, timeout, attempts, escrowBase, escrowCap, quarantineAfter, quarantineShare,
    /// probeInterval, deletionThreshold, deletionShare; and `health` (failing runs in a row,
    /// last error) and `stagedDeletes` (disables and deletes waiting for approval), or null.
    #[schema(value_type = Object)]
    pub limits: serde_json::Value,
    pub notifications: NotificationsOut,
    /// OAuth status, for an OAuth app once it has one: `authorized` (when), and
    /// `needsReauthorization` with `reason` and `since` when the refresh token was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth: Option<serde_json::Value>,
    pub created: String,
    pub updated: String,
    pub version: i64,
}

/// Where the app's notifications go (docs/notifications.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsOut {
    /// The URL that receives each notification as a JSON POST.
    pub webhook: Option<String>,
    /// Email recipients.
    pub email: Vec<String>,
    /// The events that notify.
    pub events: Vec<String>,
}

impl NotificationsOut {
    fn of(settings: &serde_json::Value) -> NotificationsOut {
        // Settings that no longer load notify nobody; `PATCH` them to fix them.
        let s = NotificationSettings::from_app_settings(settings).unwrap_or_default();
        NotificationsOut {
            webhook: s.webhook.map(String::from),
            email: s.email,
            events: s.events.iter().map(|k| k.as_str().to_string()).collect(),
        }
    }
}

impl From<AppView> for AppOut {
    fn from(v: AppView) -> Self {
        let r = v.record;
        // One reading of the settings with their defaults (`runs::limits_view`).
        let limits = scimitar_provisioning::runs::limits_view(&r);
        AppOut {
            id: r.id,
            name: r.name,
            scim_url: r.scim_url,
            auth: v.auth,
            state: r.state.as_str().into(),
            deprovision: r.deprovision.as_str().into(),
            concurrency: limits["concurrency"].as_u64().unwrap_or_default(),
            rate_limit: limits["rateLimit"].as_f64(),
            timeout: limits["timeout"].as_u64().unwrap_or_default(),
            attempts: limits["attempts"].as_u64().unwrap_or_default(),
            notifications: NotificationsOut::of(&r.settings),
            limits,
            oauth: r.settings.get(scimitar_core::oauth::STATUS_KEY).cloned(),
            created: r.created,
            updated: r.updated,
            version: r.version,
        }
    }
}

impl NewAuth {
    /// The credentials to store for app `name` (`None`: a new app; OAuth settings are laid
    /// over the app's current ones).
    pub(super) async fn into_auth(
        self,
        admin: &AppAdmin,
        tenant: TenantId,
        name: Option<&str>,
    ) -> Result<AppAuth, Problem> {
        Ok(match self {
            NewAuth::Bearer { token } => AppAuth::Bearer { token },
            NewAuth::Basic { user, password } => AppAuth::Basic { user, password },
            NewAuth::OAuth(new) => super::oauth::oauth_auth(admin, tenant, name, new).await?,
        })
    }
}

/// The tenant's apps, by name.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps",
    responses((status = 200, body = [AppOut]), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn list_apps(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
) -> Result<Json<Vec<AppOut>>, Problem> {
    let apps = app_admin(&state)?.list(ctx.tenant.id).await?;
    Ok(Json(apps.into_iter().map(AppOut::from).collect()))
}

/// Connect an app.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", request_body = NewApp,
    responses((status = 201, body = AppOut), (status = 400), (status = 409)),
    security(("bearer" = [])))]
pub async fn create_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    body: Result<Json<NewApp>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<AppOut>), Problem> {
    let new = json_body(body)?;
    let admin = app_admin(&state)?;
    let auth = new.auth.into_auth(admin, ctx.tenant.id, None).await?;
    let view = admin
        .create(ctx.tenant.id, &new.name, &new.scim_url, auth)
        .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// One app.
#[utoipa::path(get, path = "/api/v1/apps/{name}", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = AppOut), (status = 404)),
    security(("bearer" = [])))]
pub async fn show_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<AppOut>, Problem> {
    Ok(Json(
        app_admin(&state)?.show(ctx.tenant.id, &name).await?.into(),
    ))
}

/// Delete an app's connection (nothing is changed in the app itself).
#[utoipa::path(delete, path = "/api/v1/apps/{name}", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 204), (status = 404)),
    security(("bearer" = [])))]
pub async fn delete_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<StatusCode, Problem> {
    app_admin(&state)?.delete(ctx.tenant.id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
