//! OAuth 2.0 on the command line: the `--oauth-*` settings of `scimitar app create|set` (with
//! the `--zoho-region` shorthand), and `scimitar app authorize`, which prints the URL an
//! administrator opens and waits (polling the database) until the server's `/oauth/callback`
//! has stored the refresh token. The client secret may come from standard input (`-`) so it
//! stays out of `ps`; it is never printed.

use std::time::Duration;

use scimitar_core::service::AppAdmin;
use scimitar_core::{AppAuth, ClientAuth, OAuthGrant, OAuthSettings};
use scimitar_provisioning::oauth::{self, OAuthOptions};
use serde_json::{json, Value};

use crate::admin::explain;
use crate::config::Settings;

/// OAuth 2.0 settings of an app.
#[derive(clap::Args, Debug, Default)]
pub struct OAuthArgs {
    /// OAuth 2.0 client credentials grant (needs --token-url, --client-id, --client-secret).
    #[arg(long, conflicts_with = "oauth_authorization_code")]
    oauth_client_credentials: bool,
    /// OAuth 2.0 authorization code grant with refresh tokens, as Zoho One requires (needs
    /// --authorize-url, --token-url, --client-id, --client-secret; then `app authorize`).
    #[arg(long)]
    oauth_authorization_code: bool,
    /// The token endpoint.
    #[arg(long)]
    token_url: Option<String>,
    /// The authorization endpoint (authorization code grant).
    #[arg(long)]
    authorize_url: Option<String>,
    #[arg(long)]
    client_id: Option<String>,
    /// The client secret; `-` reads it from standard input.
    #[arg(long)]
    client_secret: Option<String>,
    /// How the client authenticates at the token endpoint: basic (default) or body.
    #[arg(long, value_parser = ["basic", "body"])]
    client_auth: Option<String>,
    /// Space-separated scopes to ask for.
    #[arg(long)]
    scope: Option<String>,
    /// This server's callback as the authorization server must call it, e.g.
    /// https://scim.example.com/oauth/callback (default: public_url + /oauth/callback).
    #[arg(long)]
    redirect_uri: Option<String>,
    /// Zoho's data centre: com, eu, in, com.au, jp, ca, sa or uk. Fills the accounts
    /// endpoints, the scope ZohoOne.SCIM.ALL and the authorization code grant.
    #[arg(long)]
    zoho_region: Option<String>,
}

impl OAuthArgs {
    pub fn options(self) -> anyhow::Result<OAuthOptions> {
        let grant = if self.oauth_client_credentials {
            Some(OAuthGrant::ClientCredentials)
        } else if self.oauth_authorization_code {
            Some(OAuthGrant::AuthorizationCode)
        } else {
            None
        };
        Ok(OAuthOptions {
            grant,
            token_url: self.token_url,
            authorize_url: self.authorize_url,
            client_id: self.client_id,
            client_secret: self
                .client_secret
                .map(crate::apps::value_or_stdin)
                .transpose()?,
            client_auth: self.client_auth.as_deref().and_then(ClientAuth::parse),
            scope: self.scope,
            redirect_uri: self.redirect_uri,
            zoho_region: self.zoho_region,
        })
    }
}

/// The OAuth credentials `options` make over `current` (the app's OAuth settings, if any).
pub fn oauth_auth(
    options: OAuthOptions,
    current: Option<OAuthSettings>,
) -> anyhow::Result<AppAuth> {
    Ok(AppAuth::OAuth(
        options.apply(current).map_err(|e| anyhow::anyhow!(e))?,
    ))
}

/// The showable OAuth status of an app, from its settings.
pub fn status(settings: &Value) -> Option<&Value> {
    settings.get(scimitar_core::oauth::STATUS_KEY)
}

/// One line for `app show`.
pub fn describe_status(status: &Value) -> String {
    if status["needsReauthorization"].as_bool() == Some(true) {
        format!(
            "NEEDS RE-AUTHORIZATION since {}: {} (`scimitar app authorize`)",
            status["since"].as_str().unwrap_or("?"),
            status["reason"].as_str().unwrap_or("?")
        )
    } else {
        match status["authorized"].as_str() {
            Some(at) => format!("authorized {at}"),
            None => "not authorized yet".into(),
        }
    }
}

/// `scimitar app authorize NAME --tenant T [--no-wait] [--timeout S]`.
pub async fn authorize(
    settings: &Settings,
    admin: &AppAdmin,
    tenant: scimitar_core::TenantId,
    name: &str,
    no_wait: bool,
    timeout: u64,
) -> anyhow::Result<()> {
    let authorized_at = |app: &scimitar_core::AppRecord| {
        status(&app.settings)
            .and_then(|s| s["authorized"].as_str())
            .map(str::to_string)
    };
    let before = authorized_at(&admin.get(tenant, name).await.map_err(explain)?);
    let default_redirect = settings.file.public_url.as_deref().map(oauth::callback_url);
    let started = oauth::authorize::begin(admin, tenant, name, default_redirect.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if settings.json {
        println!(
            "{}",
            json!({"url": started.url, "redirectUri": started.redirect_uri, "expiresIn": started.expires_in})
        );
    } else {
        println!("Open this URL in a browser and approve access for '{name}':\n");
        println!("{}\n", started.url);
        println!(
            "It can be used once, within {} minutes; the authorization server sends the browser back to {}, which must reach this Scimitar server.",
            started.expires_in / 60,
            started.redirect_uri
        );
    }
    if no_wait {
        return Ok(());
    }
    if !settings.json {
        println!("Waiting for the authorization (Ctrl-C stops waiting; the URL stays valid)...");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    // The callback uses the state up, then exchanges the code (up to 30 s), then stores the
    // refresh token: a state gone for longer than that without an authorization failed.
    let mut gone_since = None;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let app = admin.get(tenant, name).await.map_err(explain)?;
        if authorized_at(&app) != before {
            if settings.json {
                println!("{}", json!({"authorized": name}));
            } else {
                println!(
                    "'{name}' is authorized: `scimitar app test {name}` checks the connection"
                );
            }
            return Ok(());
        }
        let now = tokio::time::Instant::now();
        if app
            .settings
            .get(scimitar_core::oauth::PENDING_KEY)
            .is_some()
        {
            gone_since = None;
        } else if now - *gone_since.get_or_insert(now) > Duration::from_secs(40) {
            anyhow::bail!(
                "the authorization of '{name}' did not complete (the browser page and the server log say why); run `scimitar app authorize` again"
            );
        }
        if now >= deadline {
            anyhow::bail!("no authorization of '{name}' arrived within {timeout} s; run `scimitar app authorize` again");
        }
    }
}
