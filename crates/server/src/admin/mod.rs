//! `/api/v1`: the admin REST API (issue 4), for what the CLI does to apps, over HTTP, with an
//! OpenAPI document at `/api/v1/openapi.json`. Authenticated by admin-scoped bearer tokens of
//! one tenant (`scimitar token create --tenant T --scope admin`); a SCIM-scoped token is
//! refused, so the token an identity provider holds cannot reconfigure provisioning.
//!
//! Errors are RFC 9457 problem details (`application/problem+json`), not SCIM error bodies:
//! this is not a SCIM endpoint.
//!
//! One module per part of an app: [`apps`] (the app itself), [`connection`] (its connection,
//! test, schema, start/stop), [`oauth`] (OAuth credentials, authorize), [`assignments`], [`settings`] (mappings, scope), [`runs`] (plan,
//! sync, provision) and [`run_logs`] (past runs and their logs). Runs go through
//! `scimitar_provisioning::runs`, the code the CLI and the scheduler use.

mod apps;
mod assignments;
mod connection;
mod oauth;
pub mod openapi;
mod run_logs;
mod runs;
mod settings;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use scimitar_core::service::AppAdmin;
use scimitar_core::{CoreError, Tenant, TokenScope};
use scimitar_provisioning::runs::{Provisioner, RunError};
use serde_json::json;

use crate::AppState;

/// The tenant an admin request acts on (with its compatibility policy, which plans need).
#[derive(Debug, Clone)]
pub struct AdminContext {
    pub tenant: Tenant,
}

/// An admin API failure, rendered as a problem detail.
#[derive(Debug)]
pub struct Problem {
    pub status: u16,
    pub detail: String,
}

impl Problem {
    pub fn new(status: u16, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            detail: detail.into(),
        }
    }
}

impl From<CoreError> for Problem {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Scim(s) => Problem::new(s.status, s.detail),
            CoreError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Problem::new(500, "internal error; the server log has the details")
            }
        }
    }
}

impl From<RunError> for Problem {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Problem::new(500, "internal error; the server log has the details")
            }
            // The message says what went wrong and, for the app's failures, what to do.
            other => Problem::new(other.status(), other.to_string()),
        }
    }
}

/// The provisioner (app administration and runs), or 503 where the server has no secret key.
pub(crate) fn provisioner(state: &AppState) -> Result<&Provisioner, Problem> {
    state.apps.as_ref().ok_or_else(|| {
        Problem::new(
            503,
            "app administration is not configured on this server (no secret key)",
        )
    })
}

/// The app administration, or 503 where the server has no secret key.
pub(crate) fn app_admin(state: &AppState) -> Result<&AppAdmin, Problem> {
    Ok(&provisioner(state)?.admin)
}

/// A JSON body, or 400 with what is wrong with it (unknown fields included).
pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, Problem> {
    body.map(|Json(v)| v)
        .map_err(|e| Problem::new(400, e.body_text()))
}

/// An optional JSON body: an empty one is the default (`curl -X POST` with no body works).
pub(crate) fn optional_json<T>(bytes: &[u8]) -> Result<T, Problem>
where
    T: serde::de::DeserializeOwned + Default,
{
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| Problem::new(400, format!("the JSON body: {e}")))
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("error"),
            "status": status.as_u16(),
            "detail": self.detail,
        });
        let mut resp = (status, Json(body)).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scimitar-admin\""),
            );
        }
        resp
    }
}

pub fn routes(state: AppState) -> Router<AppState> {
    let protected = apps::routes()
        .merge(connection::routes())
        .merge(oauth::routes())
        .merge(assignments::routes())
        .merge(settings::routes())
        .merge(runs::routes())
        .merge(run_logs::routes())
        .layer(axum::middleware::from_fn_with_state(state, require_admin));
    Router::new()
        .route("/openapi.json", get(openapi::document))
        .merge(protected)
        .fallback(|| async {
            Problem::new(404, "no such admin endpoint; see /api/v1/openapi.json")
        })
}

async fn require_admin(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Problem::new(
            401,
            "missing bearer token: send 'Authorization: Bearer <admin token>'",
        )
        .into_response();
    };
    let auth = match state.tenants.authenticate(&token).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Problem::new(401, "the bearer token is not valid (unknown or revoked)")
                .into_response()
        }
        Err(e) => return Problem::from(e).into_response(),
    };
    if auth.scope != TokenScope::Admin {
        return Problem::new(
            403,
            "this token is for the SCIM API; the admin API needs an admin token \
             (`scimitar token create --tenant T --scope admin`)",
        )
        .into_response();
    }
    req.extensions_mut().insert(AdminContext {
        tenant: auth.tenant,
    });
    next.run(req).await
}
