//! `GET /oauth/callback`: where an authorization server sends the administrator's browser back
//! with `code` and `state` after `scimitar app authorize`. There is no admin token here: the
//! `state` is the proof (random, single-use, expiring after ten minutes, issued for one app).
//! The code is exchanged at the app's token endpoint and the refresh token stored sealed.
//!
//! The answer is a short plain-text page for a person in a browser. It never echoes the code,
//! a token or app-supplied text beyond the OAuth error code; nothing here logs them either.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use scimitar_provisioning::oauth::{authorize, CALLBACK_PATH};
use scimitar_provisioning::runs::RunError;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(CALLBACK_PATH, get(callback))
}

fn page(status: StatusCode, text: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("Scimitar: {text}\n"),
    )
        .into_response()
}

fn failed(e: RunError) -> Response {
    match e {
        RunError::Internal(msg) => {
            tracing::error!(error = %msg, "internal error in the OAuth callback");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; the server log has the details".into(),
            )
        }
        other => {
            let status = StatusCode::from_u16(other.status()).unwrap_or(StatusCode::BAD_REQUEST);
            page(status, other.to_string())
        }
    }
}

/// An OAuth error code as received: letters, digits and `_` only, at most 64 of them.
fn error_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}

async fn callback(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(provisioner) = state.apps.as_ref() else {
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "app administration is not configured on this server (no secret key)".into(),
        );
    };
    let admin = &provisioner.admin;
    let Some(oauth_state) = query.get("state").filter(|s| !s.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "the callback has no state; start again with `scimitar app authorize NAME --tenant T`"
                .into(),
        );
    };
    if let Some(error) = query.get("error") {
        // A denial is the browser's answer, not the app failing: 400, not 502.
        return match authorize::refuse(admin, oauth_state, &error_code(error)).await {
            e @ RunError::Connector { .. } => page(StatusCode::BAD_REQUEST, e.to_string()),
            other => failed(other),
        };
    }
    let Some(code) = query.get("code").filter(|c| !c.is_empty()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "the callback has no authorization code".into(),
        );
    };
    match authorize::complete(admin, oauth_state, code).await {
        Ok(view) => page(
            StatusCode::OK,
            format!(
                "app '{}' is authorized. You can close this window.",
                view.record.name
            ),
        ),
        Err(e) => failed(e),
    }
}
