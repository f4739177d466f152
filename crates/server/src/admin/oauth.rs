//! OAuth 2.0 in the admin API: the `oauth` credentials of an app on create and PATCH (laid
//! over the app's current OAuth settings, with the Zoho shorthand), and
//! `POST /api/v1/apps/{name}/authorize`, which starts the authorization code grant and answers
//! with the URL an administrator opens, as `scimitar app authorize --no-wait` prints it.
//! The client secret goes in and never comes out.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::routing::post;
use axum::{Extension, Json, Router};
use scimitar_core::service::AppAdmin;
use scimitar_core::{AppAuth, ClientAuth, OAuthGrant, TenantId};
use scimitar_provisioning::oauth::{self, OAuthOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{app_admin, AdminContext, Problem};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/apps/{name}/authorize", post(authorize_app))
}

/// OAuth 2.0 settings of an app; on PATCH, what is left out stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewOAuth {
    /// `client_credentials` or `authorization_code`.
    #[schema(example = "authorization_code")]
    pub grant: Option<String>,
    pub token_url: Option<String>,
    /// The authorization endpoint (authorization code grant).
    pub authorize_url: Option<String>,
    pub client_id: Option<String>,
    /// Write-only: never shown again.
    pub client_secret: Option<String>,
    /// `basic` (HTTP Basic, the default) or `body` (form parameters, as Zoho wants).
    pub client_auth: Option<String>,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// This server's `/oauth/callback` as the authorization server must call it; default: the
    /// server's public URL.
    pub redirect_uri: Option<String>,
    /// Zoho's data centre (com, eu, in, com.au, jp, ca, sa, uk): fills the endpoints, the
    /// scope `ZohoOne.SCIM.ALL`, client credentials in the body, the authorization code grant.
    pub zoho_region: Option<String>,
}

impl NewOAuth {
    fn options(self) -> Result<OAuthOptions, Problem> {
        let bad = |what: &str, v: &str| Problem::new(400, format!("unknown {what} '{v}'"));
        let grant = match self.grant.as_deref() {
            None => None,
            Some("client_credentials") => Some(OAuthGrant::ClientCredentials),
            Some("authorization_code") => Some(OAuthGrant::AuthorizationCode),
            Some(other) => {
                return Err(bad(
                    "grant (client_credentials or authorization_code)",
                    other,
                ))
            }
        };
        let client_auth = match self.client_auth.as_deref() {
            None => None,
            Some(v) => {
                Some(ClientAuth::parse(v).ok_or_else(|| bad("clientAuth (basic or body)", v))?)
            }
        };
        Ok(OAuthOptions {
            grant,
            token_url: self.token_url,
            authorize_url: self.authorize_url,
            client_id: self.client_id,
            client_secret: self.client_secret,
            client_auth,
            scope: self.scope,
            redirect_uri: self.redirect_uri,
            zoho_region: self.zoho_region,
        })
    }
}

/// The OAuth credentials `new` describes for app `name` (its current OAuth settings under
/// them when it has some; `None` for a new app).
pub(super) async fn oauth_auth(
    admin: &AppAdmin,
    tenant: TenantId,
    name: Option<&str>,
    new: NewOAuth,
) -> Result<AppAuth, Problem> {
    let current = match name {
        Some(name) => match admin.open_auth(&admin.get(tenant, name).await?)? {
            AppAuth::OAuth(settings) => Some(settings),
            _ => None,
        },
        None => None,
    };
    let settings = new
        .options()?
        .apply(current)
        .map_err(|e| Problem::new(400, e))?;
    Ok(AppAuth::OAuth(settings))
}

/// A started authorization.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationOut {
    /// Open this in a browser and approve; the authorization server sends the browser back
    /// to `redirectUri`, and the app is authorized.
    pub url: String,
    pub redirect_uri: String,
    /// Seconds the URL can be used (once).
    pub expires_in: i64,
}

/// This server's callback URL: the public URL, else the request's host.
fn default_redirect(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return oauth::callback_url(url);
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    oauth::callback_url(&format!("http://{host}"))
}

/// Start the OAuth authorization code grant for the app (`scimitar app authorize --no-wait`).
#[utoipa::path(post, path = "/api/v1/apps/{name}/authorize", tag = "apps",
    params(("name" = String, Path, description = "the app's name (case-insensitive)")),
    responses((status = 200, body = AuthorizationOut),
        (status = 400, description = "the app does not use the authorization code grant"),
        (status = 404)),
    security(("bearer" = [])))]
pub async fn authorize_app(
    State(state): State<AppState>,
    Extension(ctx): Extension<AdminContext>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Json<AuthorizationOut>, Problem> {
    let redirect = default_redirect(&state, &headers);
    let started =
        oauth::authorize::begin(app_admin(&state)?, ctx.tenant.id, &name, Some(&redirect)).await?;
    Ok(Json(AuthorizationOut {
        url: started.url,
        redirect_uri: started.redirect_uri,
        expires_in: started.expires_in,
    }))
}
