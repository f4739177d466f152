//! `/api/v1/apps/{name}/assignments`: who the app receives, by name as operators know them (a
//! user by userName, a group by displayName, or every user), as `scimitar app assign|unassign`
//! do. Stored by id; listed with both the id and the current name.
//!
//! DELETE takes the assignment in the query (`?user=`, `?group=`, `?all=true`) rather than a
//! body, which some clients and proxies drop from DELETE requests.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use scimitar_core::{Assignment, TenantContext};
use scimitar_provisioning::runs::{find_one, Provisioner};
use scimitar_scim::schema::ResourceKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{json_body, provisioner, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/apps/{name}/assignments",
        get(list_assignments)
            .post(add_assignment)
            .delete(remove_assignment),
    )
}

/// Exactly one of: a user by userName, a group by displayName (its members, nested groups
/// included), or every user of the tenant.
#[derive(Debug, Default, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Target {
    /// A user, by userName (case-insensitive).
    pub user: Option<String>,
    /// A group, by displayName.
    pub group: Option<String>,
    /// Every user of the tenant (`true`).
    pub all: Option<bool>,
}

/// One assignment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentOut {
    /// user, group or all.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user's or group's id (null for all).
    pub id: Option<String>,
    /// The user's userName or the group's displayName; null for all, and when the user or
    /// group is no longer in the directory.
    pub name: Option<String>,
}

fn tenant_ctx(p: &Provisioner, ctx: &AdminContext) -> TenantContext {
    TenantContext {
        tenant: ctx.tenant.id,
        policy: ctx.tenant.policy.clone(),
        base_url: p.base_url.clone(),
    }
}

/// The assignment named by `target`, resolved to an id, and how to describe it.
async fn resolve(
    p: &Provisioner,
    ctx: &AdminContext,
    target: Target,
) -> Result<(Assignment, AssignmentOut, String), Problem> {
    let (kind, name) = match target {
        Target {
            user: Some(u),
            group: None,
            all: None,
        } => (ResourceKind::User, u),
        Target {
            user: None,
            group: Some(g),
            all: None,
        } => (ResourceKind::Group, g),
        Target {
            user: None,
            group: None,
            all: Some(true),
        } => {
            let out = AssignmentOut {
                kind: "all".into(),
                id: None,
                name: None,
            };
            return Ok((Assignment::AllUsers, out, "every user".into()));
        }
        _ => {
            return Err(Problem::new(
                400,
                "give exactly one of user (a userName), group (a displayName) or all: true",
            ))
        }
    };
    let id = find_one(&p.directory, &tenant_ctx(p, ctx), kind, &name).await?;
    Ok(match kind {
        ResourceKind::User => (
            Assignment::User(id.clone()),
            AssignmentOut {
                kind: "user".into(),
                id: Some(id),
                name: Some(name.clone()),
            },
            format!("user '{name}'"),
        ),
        ResourceKind::Group => (
            Assignment::Group(id.clone()),
            AssignmentOut {
                kind: "group".into(),
                id: Some(id),
                name: Some(name.clone()),
            },
            format!("group '{name}'"),
        ),
    })
}

/// An assignment as stored, with the current name of its user or group.
async fn describe(
    p: &Provisioner,
    ctx: &AdminContext,
    a: Assignment,
) -> Result<AssignmentOut, Problem> {
    let (kind, id, attribute, label) = match a {
        Assignment::AllUsers => {
            return Ok(AssignmentOut {
                kind: "all".into(),
                id: None,
                name: None,
            })
        }
        Assignment::User(id) => (ResourceKind::User, id, "userName", "user"),
        Assignment::Group(id) => (ResourceKind::Group, id, "displayName", "group"),
    };
    let stored = p
        .store
        .get(ctx.tenant.id, kind, &id, false)
        .await
        .map_err(scimitar_core::CoreError::from)?;
    let name = stored.and_then(|r| r.data[attribute].as_str().map(str::to_string));
    Ok(AssignmentOut {
        kind: label.into(),
        id: Some(id),
        name,
    })
}

/// What is assigned to the app, by name.
#[utoipa::path(get, path = "/api/v1/apps/{name}/assignments", tag = "assignments",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = [AssignmentOut]), (status = 404)),
    security(("bearer" = [])))]
pub async fn list_assignments(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
) -> Result<Json<Vec<AssignmentOut>>, Problem> {
    let p = provisioner(&state)?;
    let mut out = Vec::new();
    for a in p.admin.assignments(ctx.tenant.id, &name).await? {
        out.push(describe(p, &ctx, a).await?);
    }
    Ok(Json(out))
}

/// Assign a user, a group or every user: 201 when new, 200 when it already was.
#[utoipa::path(post, path = "/api/v1/apps/{name}/assignments", tag = "assignments",
    request_body = Target,
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 201, description = "assigned", body = AssignmentOut),
        (status = 200, description = "it already was", body = AssignmentOut),
        (status = 400), (status = 404, description = "no such app, user or group")),
    security(("bearer" = [])))]
pub async fn add_assignment(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    body: Result<Json<Target>, JsonRejection>,
) -> Result<(StatusCode, Json<AssignmentOut>), Problem> {
    let target = json_body(body)?;
    let p = provisioner(&state)?;
    let (assignment, out, _) = resolve(p, &ctx, target).await?;
    let added = p.admin.assign(ctx.tenant.id, &name, &assignment).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

/// Take an assignment back; the next run deprovisions whoever left (the app's policy).
#[utoipa::path(delete, path = "/api/v1/apps/{name}/assignments", tag = "assignments",
    params(("name" = String, Path, description = "the app's name (case-insensitive)"), Target),
    responses((status = 204),
        (status = 400),
        (status = 404, description = "no such app, user or group, or it is not assigned")),
    security(("bearer" = [])))]
pub async fn remove_assignment(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    query: Result<Query<Target>, QueryRejection>,
) -> Result<StatusCode, Problem> {
    let Query(target) = query.map_err(|e| Problem::new(400, e.body_text()))?;
    let p = provisioner(&state)?;
    let (assignment, _, what) = resolve(p, &ctx, target).await?;
    if !p.admin.unassign(ctx.tenant.id, &name, &assignment).await? {
        return Err(Problem::new(
            404,
            format!("{what} is not assigned to '{name}'"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
