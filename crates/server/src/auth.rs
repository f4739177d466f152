//! Bearer-token authentication: resolves the token to its tenant and builds the request's
//! [`TenantContext`]. Missing or unknown tokens get `401` with `WWW-Authenticate: Bearer`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scimitar_core::TenantContext;
use scimitar_scim::ScimError;

use crate::error::ApiError;
use crate::AppState;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return format!("{}/scim/v2", url.trim_end_matches('/'));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}/scim/v2")
}

pub async fn require_bearer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(token) = bearer(req.headers()) else {
        return ApiError(ScimError::new(
            401,
            None,
            "missing bearer token: send 'Authorization: Bearer <token>'",
        ))
        .into_response();
    };
    let auth = match state.tenants.authenticate(token).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return ApiError(ScimError::new(
                401,
                None,
                "the bearer token is not valid (unknown or revoked)",
            ))
            .into_response()
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let ctx = TenantContext {
        tenant: auth.tenant.id,
        policy: auth.tenant.policy.clone(),
        base_url: base_url(&state, req.headers()),
    };
    req.extensions_mut().insert(ctx);
    next.run(req).await
}
