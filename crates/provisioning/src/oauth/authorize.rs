//! The authorization code grant, both halves: [`begin`] gives the URL an administrator opens
//! (`scimitar app authorize`, `POST /api/v1/apps/{name}/authorize`), and [`complete`] is what
//! the server's `/oauth/callback` does with the code the browser brings back: check the
//! single-use `state`, exchange the code at the token endpoint, and store the refresh token
//! sealed. The code and the tokens are never logged.

use scimitar_core::service::{AppAdmin, AppView, AUTHORIZATION_TTL_SECONDS};
use scimitar_core::TenantId;

use super::endpoint::{authorization_url, client, request_token};
use crate::connector::ConnectorError;
use crate::runs::RunError;

/// A started authorization.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The URL to open in a browser.
    pub url: String,
    /// Where the browser is sent back (this server's `/oauth/callback`).
    pub redirect_uri: String,
    /// Seconds the URL can be used.
    pub expires_in: i64,
}

/// The callback path on the server.
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// The redirect URI for a server reachable at `public_url`.
pub fn callback_url(public_url: &str) -> String {
    format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/'))
}

/// Start authorizing app `name`: a new single-use state, and the authorization URL.
/// `default_redirect` is used when the app has no redirect URI of its own.
pub async fn begin(
    admin: &AppAdmin,
    tenant: TenantId,
    name: &str,
    default_redirect: Option<&str>,
) -> Result<Authorization, RunError> {
    let started = admin
        .begin_authorization(tenant, name, default_redirect)
        .await?;
    let url = authorization_url(&started.settings, &started.state, &started.redirect_uri)
        .map_err(|error| RunError::Connector { error })?;
    Ok(Authorization {
        url,
        redirect_uri: started.redirect_uri,
        expires_in: AUTHORIZATION_TTL_SECONDS,
    })
}

/// Finish an authorization with the `code` the authorization server sent back with `state`:
/// the refresh token is stored sealed and the app is marked authorized.
pub async fn complete(admin: &AppAdmin, state: &str, code: &str) -> Result<AppView, RunError> {
    let pending = admin.take_authorization(state).await?;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", pending.redirect_uri.as_str()),
    ];
    let client = client().map_err(|error| RunError::Connector { error })?;
    let answer = request_token(&client, &pending.settings, &params)
        .await
        .map_err(|e| RunError::Connector {
            error: e.into_connector_error(),
        })?;
    let refresh = answer.refresh_token.ok_or_else(|| RunError::Connector {
        error: ConnectorError::InvalidResponse(
            "the token endpoint issued no refresh token, so Scimitar could not keep access: check that the authorization URL asks for offline access".into(),
        ),
    })?;
    let view = admin
        .complete_authorization(pending.app.tenant, &pending.app.id, refresh.expose())
        .await?;
    tracing::info!(app = %view.record.name, "OAuth authorization completed");
    Ok(view)
}

/// Turn away a callback that carries an `error` instead of a code (the administrator denied
/// access, say): the state is used up all the same.
pub async fn refuse(admin: &AppAdmin, state: &str, error: &str) -> RunError {
    match admin.take_authorization(state).await {
        Ok(pending) => RunError::Connector {
            error: ConnectorError::NeedsAuthorization(format!(
                "the authorization of app '{}' was not granted ({error}); run `scimitar app authorize {} --tenant T` to try again",
                pending.app.name, pending.app.name
            )),
        },
        Err(e) => e.into(),
    }
}
