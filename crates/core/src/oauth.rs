//! OAuth 2.0 settings of an app (PRODUCT.md C4): how Scimitar obtains access tokens for the
//! app, by the client credentials grant or by the authorization code grant with refresh tokens
//! (as Zoho One requires). The settings are part of [`crate::AppAuth`] and so are sealed at rest
//! with the rest of the app's credentials: the client secret and the refresh token never reach
//! the database in the clear, and this module's `Debug` never prints them.
//!
//! The engine's view of an app's OAuth state that may be shown (authorized when, needs
//! re-authorization and why) lives in the app's settings JSON under [`STATUS_KEY`]; the
//! single-use authorization `state` lives there under [`PENDING_KEY`], hashed.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The settings key with the showable OAuth status (`authorized`, `needsReauthorization`,
/// `reason`, `since`).
pub const STATUS_KEY: &str = "oauth";
/// The settings key with the pending authorization: the SHA-256 of its `state` and when it
/// expires.
pub const PENDING_KEY: &str = "oauthPending";

/// How Scimitar obtains tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthGrant {
    /// `grant_type=client_credentials`: the client id and secret are enough.
    ClientCredentials,
    /// An administrator authorizes once in a browser; Scimitar keeps the refresh token.
    AuthorizationCode,
}

impl OAuthGrant {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthGrant::ClientCredentials => "client credentials",
            OAuthGrant::AuthorizationCode => "authorization code",
        }
    }
}

/// Where the client id and secret go in a token request (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)`, which every server must accept.
    #[default]
    Basic,
    /// `client_id` and `client_secret` form parameters (Zoho's way).
    Body,
}

impl ClientAuth {
    pub fn parse(s: &str) -> Option<ClientAuth> {
        match s {
            "basic" => Some(ClientAuth::Basic),
            "body" => Some(ClientAuth::Body),
            _ => None,
        }
    }
}

/// An app's OAuth 2.0 client settings, with the refresh token once authorized.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthSettings {
    pub grant: OAuthGrant,
    pub token_url: String,
    /// The authorization endpoint (authorization code grant only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Space-separated scopes, sent as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Where the authorization server sends the browser back: this server's
    /// `/oauth/callback`. Unset: derived from the server's public URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The refresh token of the last authorization (authorization code grant), or one a
    /// client credentials server chose to issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Zoho's accounts host for a data centre, as `--zoho-region` takes it.
pub fn zoho_accounts_host(region: &str) -> Option<&'static str> {
    Some(match region {
        "com" | "us" => "accounts.zoho.com",
        "eu" => "accounts.zoho.eu",
        "in" => "accounts.zoho.in",
        "com.au" | "au" => "accounts.zoho.com.au",
        "jp" => "accounts.zoho.jp",
        "ca" => "accounts.zohocloud.ca",
        "sa" => "accounts.zoho.sa",
        "uk" => "accounts.zoho.uk",
        "com.cn" | "cn" => "accounts.zoho.com.cn",
        _ => return None,
    })
}

/// The scope Zoho One's SCIM endpoint needs.
pub const ZOHO_ONE_SCOPE: &str = "ZohoOne.SCIM.ALL";

fn check_url(what: &str, url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("the {what} {url:?} must start with https:// (or http:// for a test server)")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(format!(
            "the {what} {url:?} must be an absolute URL with a host and no credentials or spaces"
        ));
    }
    if url.contains('#') {
        return Err(format!("the {what} {url:?} must not have a fragment"));
    }
    Ok(())
}

impl OAuthSettings {
    /// What can be shown: the grant, the client id and the token endpoint.
    pub fn describe(&self) -> String {
        format!(
            "oauth {}, client '{}', token endpoint {}",
            self.grant.as_str(),
            self.client_id,
            self.token_url
        )
    }

    /// Whether the settings can be used: URLs, a client id and secret, the authorization
    /// endpoint for the authorization code grant.
    pub fn check(&self) -> Result<(), String> {
        check_url("token URL", &self.token_url)?;
        if self.client_id.trim().is_empty() {
            return Err("the OAuth client id is empty".into());
        }
        if self.client_secret.is_empty() {
            return Err("the OAuth client secret is empty".into());
        }
        if let Some(uri) = &self.redirect_uri {
            check_url("redirect URI", uri)?;
        }
        match (&self.grant, &self.authorize_url) {
            (OAuthGrant::AuthorizationCode, None) => {
                Err("the authorization code grant needs an authorization URL".into())
            }
            (_, Some(url)) => check_url("authorization URL", url),
            _ => Ok(()),
        }
    }

    /// Keep the refresh token of `old` when these settings are for the same client at the
    /// same token endpoint (a changed secret or scope does not need a new authorization).
    pub fn carry_over(&mut self, old: &OAuthSettings) {
        if self.refresh_token.is_none()
            && self.grant == old.grant
            && self.client_id == old.client_id
            && self.token_url == old.token_url
        {
            self.refresh_token = old.refresh_token.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> OAuthSettings {
        OAuthSettings {
            grant: OAuthGrant::AuthorizationCode,
            token_url: "https://accounts.zoho.eu/oauth/v2/token".into(),
            authorize_url: Some("https://accounts.zoho.eu/oauth/v2/auth".into()),
            client_id: "1000.ABC".into(),
            client_secret: "very-secret-client-secret".into(),
            client_auth: ClientAuth::Body,
            scope: Some(ZOHO_ONE_SCOPE.into()),
            redirect_uri: None,
            refresh_token: Some("1000.refresh-token-value".into()),
        }
    }

    #[test]
    fn descriptions_never_show_secrets() {
        let s = settings();
        let shown = format!("{} {s:?}", s.describe());
        assert!(shown.contains("1000.ABC") && shown.contains("accounts.zoho.eu"));
        assert!(!shown.contains("very-secret") && !shown.contains("refresh-token-value"));
    }

    #[test]
    fn settings_are_checked() {
        assert_eq!(settings().check(), Ok(()));
        let mut s = settings();
        s.authorize_url = None;
        assert!(s.check().is_err());
        s.grant = OAuthGrant::ClientCredentials;
        assert_eq!(s.check(), Ok(()));
        s.token_url = "accounts.zoho.com/oauth/v2/token".into();
        assert!(s.check().is_err());
        let mut s = settings();
        s.client_secret.clear();
        assert!(s.check().is_err());
    }

    #[test]
    fn refresh_tokens_survive_a_new_secret_but_not_a_new_client() {
        let old = settings();
        let mut new = settings();
        new.refresh_token = None;
        new.client_secret = "rotated".into();
        new.carry_over(&old);
        assert_eq!(new.refresh_token, old.refresh_token);
        let mut other = settings();
        other.refresh_token = None;
        other.client_id = "1000.OTHER".into();
        other.carry_over(&old);
        assert_eq!(other.refresh_token, None);
    }

    #[test]
    fn zoho_regions() {
        assert_eq!(zoho_accounts_host("in"), Some("accounts.zoho.in"));
        assert_eq!(zoho_accounts_host("com.au"), Some("accounts.zoho.com.au"));
        assert_eq!(zoho_accounts_host("mars"), None);
    }
}
