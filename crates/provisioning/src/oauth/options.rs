//! OAuth settings as the CLI and the admin API take them: each setting optional, laid over the
//! app's current settings (so `app set --client-secret` changes only the secret), with the
//! Zoho shorthand (`--zoho-region eu`) filling the region's accounts endpoints, the scope
//! Zoho One's SCIM endpoint needs, and client credentials in the body as Zoho expects.

use scimitar_core::oauth::{zoho_accounts_host, ZOHO_ONE_SCOPE};
use scimitar_core::{ClientAuth, OAuthGrant, OAuthSettings};

/// OAuth settings given by an operator; `None` keeps the current value (or the default).
#[derive(Debug, Default, Clone)]
pub struct OAuthOptions {
    pub grant: Option<OAuthGrant>,
    pub token_url: Option<String>,
    pub authorize_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_auth: Option<ClientAuth>,
    pub scope: Option<String>,
    pub redirect_uri: Option<String>,
    /// Zoho's data centre: com, eu, in, com.au, jp, ca, sa, uk.
    pub zoho_region: Option<String>,
}

impl OAuthOptions {
    /// Whether any OAuth setting was given.
    pub fn any(&self) -> bool {
        self.grant.is_some()
            || self.token_url.is_some()
            || self.authorize_url.is_some()
            || self.client_id.is_some()
            || self.client_secret.is_some()
            || self.client_auth.is_some()
            || self.scope.is_some()
            || self.redirect_uri.is_some()
            || self.zoho_region.is_some()
    }

    /// The settings these options make, over `current` (the app's OAuth settings, if it has
    /// them). The result is checked by the app administration when it is stored.
    pub fn apply(self, current: Option<OAuthSettings>) -> Result<OAuthSettings, String> {
        let mut token_url = self.token_url;
        let mut authorize_url = self.authorize_url;
        let mut scope = self.scope;
        let mut client_auth = self.client_auth;
        let mut grant = self.grant;
        if let Some(region) = &self.zoho_region {
            let host = zoho_accounts_host(region).ok_or_else(|| {
                format!("unknown Zoho region '{region}': use com, eu, in, com.au, jp, ca, sa or uk")
            })?;
            token_url.get_or_insert_with(|| format!("https://{host}/oauth/v2/token"));
            authorize_url.get_or_insert_with(|| format!("https://{host}/oauth/v2/auth"));
            scope.get_or_insert_with(|| ZOHO_ONE_SCOPE.to_string());
            client_auth.get_or_insert(ClientAuth::Body);
            grant.get_or_insert(OAuthGrant::AuthorizationCode);
        }
        let missing = |what: &str| format!("OAuth needs {what}");
        let base = current;
        let settings = OAuthSettings {
            grant: grant.or(base.as_ref().map(|b| b.grant)).ok_or_else(|| {
                missing("a grant (--oauth-client-credentials or --oauth-authorization-code)")
            })?,
            token_url: token_url
                .or_else(|| base.as_ref().map(|b| b.token_url.clone()))
                .ok_or_else(|| missing("a token URL (--token-url or --zoho-region)"))?,
            authorize_url: authorize_url
                .or_else(|| base.as_ref().and_then(|b| b.authorize_url.clone())),
            client_id: self
                .client_id
                .or_else(|| base.as_ref().map(|b| b.client_id.clone()))
                .ok_or_else(|| missing("a client id (--client-id)"))?,
            client_secret: self
                .client_secret
                .or_else(|| base.as_ref().map(|b| b.client_secret.clone()))
                .ok_or_else(|| missing("a client secret (--client-secret)"))?,
            client_auth: client_auth
                .or(base.as_ref().map(|b| b.client_auth))
                .unwrap_or_default(),
            scope: scope.or_else(|| base.as_ref().and_then(|b| b.scope.clone())),
            redirect_uri: self
                .redirect_uri
                .or_else(|| base.as_ref().and_then(|b| b.redirect_uri.clone())),
            // The app administration keeps the refresh token when the client is unchanged.
            refresh_token: None,
        };
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoho_shorthand_fills_the_region_endpoints() {
        let s = OAuthOptions {
            zoho_region: Some("eu".into()),
            client_id: Some("1000.X".into()),
            client_secret: Some("s".into()),
            ..OAuthOptions::default()
        }
        .apply(None)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.token_url, "https://accounts.zoho.eu/oauth/v2/token");
        assert_eq!(
            s.authorize_url.as_deref(),
            Some("https://accounts.zoho.eu/oauth/v2/auth")
        );
        assert_eq!(s.scope.as_deref(), Some("ZohoOne.SCIM.ALL"));
        assert_eq!(s.grant, OAuthGrant::AuthorizationCode);
        assert_eq!(s.client_auth, ClientAuth::Body);
        assert_eq!(s.check(), Ok(()));
    }

    #[test]
    fn options_lay_over_the_current_settings() {
        let current = OAuthOptions {
            grant: Some(OAuthGrant::ClientCredentials),
            token_url: Some("https://idp.example.com/token".into()),
            client_id: Some("id".into()),
            client_secret: Some("old".into()),
            scope: Some("scim".into()),
            ..OAuthOptions::default()
        }
        .apply(None)
        .unwrap_or_else(|e| panic!("{e}"));
        let changed = OAuthOptions {
            client_secret: Some("new".into()),
            ..OAuthOptions::default()
        }
        .apply(Some(current.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changed.client_secret, "new");
        assert_eq!(changed.scope, current.scope);
        assert_eq!(changed.client_auth, ClientAuth::Basic);
        let missing = OAuthOptions {
            client_id: Some("id".into()),
            ..OAuthOptions::default()
        }
        .apply(None);
        assert!(missing.is_err_and(|e| e.contains("grant")));
        let bad = OAuthOptions {
            zoho_region: Some("mars".into()),
            ..OAuthOptions::default()
        }
        .apply(None);
        assert!(bad.is_err_and(|e| e.contains("mars")));
    }
}
