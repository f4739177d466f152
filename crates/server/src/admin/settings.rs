//! `/api/v1/apps/{name}/mappings` and `/scope`: an app's attribute mappings (a TOML document,
//! `docs/mappings.md`) and scoping filters, checked by the provisioning crate before they are
//! stored, exactly as `scimitar app mappings import` and `scimitar app scope` check them. A
//! refused document or filter changes nothing.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Json, Router};
use scimitar_core::service::AppAdmin;
use scimitar_provisioning::mapping::{MappingError, ObjectMappings};
use scimitar_provisioning::scope::ScopingFilters;
use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::{app_admin, json_body, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/apps/{name}/mappings", get(get_mappings).put(put_mappings))
        .route("/apps/{name}/scope", get(get_scope).put(put_scope))
}

/// What an imported mappings document holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct MappingsImported {
    pub app: String,
    /// How many user mappings.
    pub users: usize,
    /// How many group mappings.
    pub groups: usize,
}

/// The scoping filters (Entra ID operators; clauses joined by AND, filters by OR). An empty
/// text puts every assigned user (or group) in scope.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department EQUALS "Sales" AND active IS TRUE`
    pub users: Option<String>,
    /// The same for groups.
    pub groups: Option<String>,
}

fn toml_response(text: String) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        text,
    )
}

/// The app's mappings as TOML: the Entra ID defaults until some are put
/// (`scimitar app mappings export`).
#[utoipa::path(get, path = "/api/v1/apps/{name}/mappings", tag = "settings",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, description = "the mappings", content_type = "application/toml", body = String),
        (status = 404)),
    security(("bearer" = [])))]
pub async fn get_mappings(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<impl IntoResponse, Problem> {
    let app = app_admin(&state)?.get(ctx.tenant.id, &name).await?;
    // Stored as `to_toml` wrote it; returned as stored, so mappings that no longer load can
    // still be read back and fixed.
    let text = match app.settings.get("mappings").and_then(Value::as_str) {
        Some(text) => text.to_string(),
        None => ObjectMappings::entra_defaults()
            .to_toml()
            .map_err(|e| Problem::new(500, e.to_string()))?,
    };
    Ok(toml_response(text))
}

/// Replace the app's mappings with a TOML document, after checking it
/// (`scimitar app mappings import`).
#[utoipa::path(put, path = "/api/v1/apps/{name}/mappings", tag = "settings",
    request_body(content = String, content_type = "application/toml", description = "the mappings, as `GET` returns them"),
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = MappingsImported),
        (status = 400, description = "not TOML, or an unknown or missing key; `detail` names the line"),
        (status = 404),
        (status = 422, description = "a mapping breaks a rule; `detail` names the line and the mapping")),
    security(("bearer" = [])))]
pub async fn put_mappings(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    text: String,
) -> Result<Json<MappingsImported>, Problem> {
    let admin = app_admin(&state)?;
    let parsed = ObjectMappings::from_toml(&text).map_err(|e| {
        let status = if matches!(e, MappingError::Toml(_)) {
            400
        } else {
            422
        };
        Problem::new(status, format!("the mappings: {e}"))
    })?;
    let canonical = parsed
        .to_toml()
        .map_err(|e| Problem::new(422, format!("the mappings: {e}")))?;
    let view = admin
        .set_setting(ctx.tenant.id, &name, "mappings", Some(json!(canonical)))
        .await?;
    Ok(Json(MappingsImported {
        app: view.record.name,
        users: parsed.users().len(),
        groups: parsed.groups().len(),
    }))
}

/// The scope as stored: each text, empty when every assigned object is in scope.
fn scope_of(settings: &Value) -> Scope {
    let text = |key: &str| {
        Some(
            settings
                .pointer(&format!("/scope/{key}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )
    };
    Scope {
        users: text("users"),
        groups: text("groups"),
    }
}

/// The app's scoping filters.
#[utoipa::path(get, path = "/api/v1/apps/{name}/scope", tag = "settings",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = Scope), (status = 404)),
    security(("bearer" = [])))]
pub async fn get_scope(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<Scope>, Problem> {
    let app = app_admin(&state)?.get(ctx.tenant.id, &name).await?;
    Ok(Json(scope_of(&app.settings)))
}

/// One filter text, parsed and checked for its kind of object; `None` to clear it.
fn checked(text: &str, kind: ResourceKind) -> Result<Option<String>, Problem> {
    let what = kind.as_str().to_lowercase();
    let filters = ScopingFilters::parse(text)
        .map_err(|e| Problem::new(400, format!("the {what} scope: {e}")))?;
    filters
        .check(kind)
        .map_err(|e| Problem::new(422, format!("the {what} scope: {e}")))?;
    Ok((!filters.is_empty()).then(|| filters.to_string()))
}

async fn store_scope(
    admin: &AppAdmin,
    ctx: &AdminContext,
    name: &str,
    new: Scope,
) -> Result<Scope, Problem> {
    let users = new
        .users
        .as_deref()
        .map(|t| checked(t, ResourceKind::User))
        .transpose()?;
    let groups = new
        .groups
        .as_deref()
        .map(|t| checked(t, ResourceKind::Group))
        .transpose()?;
    let app = admin.get(ctx.tenant.id, name).await?;
    let mut scope = app
        .settings
        .get("scope")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    for (key, value) in [("users", users), ("groups", groups)] {
        match value {
            None => {}
            Some(None) => {
                if let Some(map) = scope.as_object_mut() {
                    map.remove(key);
                }
            }
            Some(Some(text)) => scope[key] = json!(text),
        }
    }
    let view = admin
        .set_setting(ctx.tenant.id, name, "scope", Some(scope))
        .await?;
    Ok(scope_of(&view.record.settings))
}

/// Set the scoping filters of users, groups or both (`scimitar app scope`); a field left out
/// is kept, an empty text clears it. Both are checked before either is stored.
#[utoipa::path(put, path = "/api/v1/apps/{name}/scope", tag = "settings", request_body = Scope,
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, description = "the scope now", body = Scope),
        (status = 400, description = "a filter does not parse"),
        (status = 404),
        (status = 422, description = "a filter names an attribute objects of its kind lack")),
    security(("bearer" = [])))]
pub async fn put_scope(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Result<Json<Scope>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Scope>, Problem> {
    let new = json_body(body)?;
    let admin = app_admin(&state)?;
    Ok(Json(store_scope(admin, &ctx, &name, new).await?))
}
