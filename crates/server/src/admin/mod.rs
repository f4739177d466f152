//! `/api/v1`: the admin REST API (issue 4), for what the CLI does to apps, over HTTP, with an
//! OpenAPI document at `/api/v1/openapi.json`. Authenticated by admin-scoped bearer tokens of
//! one tenant (`scimitar token create --tenant T --scope admin`); a SCIM-scoped token is
//! refused, so the token an identity provider holds cannot reconfigure provisioning.
//!
//! Errors are RFC 9457 problem details (`application/problem+json`), not SCIM error bodies:
//! this is not a SCIM endpoint.

mod apps;
pub mod openapi;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use scimitar_core::{CoreError, TenantId, TokenScope};
use serde_json::json;

use crate::AppState;

/// The tenant an admin request acts on.
#[derive(Debug, Clone, Copy)]
pub struct AdminContext {
    pub tenant: TenantId,
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
    let protected =
        apps::routes().layer(axum::middleware::from_fn_with_state(state, require_admin));
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
        tenant: auth.tenant.id,
    });
    next.run(req).await
}
