//! [`TokenSource`]: an app's access token, fetched when needed and cached until shortly before
//! it expires. One token request at a time per app (a `tokio` mutex held across the request):
//! when a hundred requests of a run find the token expired, one of them refreshes it and the
//! others wait for and use the new one.
//!
//! A refresh token the server rotates is stored at once (sealed, through [`TokenStore`]). A
//! refresh token the server no longer accepts (`invalid_grant`) is first compared with the
//! stored one (another process may have rotated it, or an administrator re-authorized); only
//! when the stored one is the one refused is the app marked as needing re-authorization.
//!
//! Nothing here logs or prints a token or secret; `Debug` shows the settings' description.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use scimitar_core::{OAuthGrant, OAuthSettings};
use tokio::sync::Mutex;

use super::endpoint::{request_token, TokenAnswer, TokenError};
use crate::connector::{ConnectorError, Secret};

/// How long before its expiry an access token is replaced, at most (a quarter of its lifetime
/// for tokens shorter than four minutes).
pub const REFRESH_EARLY: Duration = Duration::from_secs(60);

/// Where an app's refresh token and OAuth status are kept (the app's sealed credentials and
/// settings). Errors are descriptions without secrets.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The server rotated the refresh token: keep the new one.
    async fn rotated(&self, refresh_token: &Secret) -> Result<(), String>;
    /// The refresh token was refused: the app needs an administrator to authorize again.
    async fn needs_reauthorization(&self, reason: &str) -> Result<(), String>;
    /// The refresh token stored now.
    async fn stored_refresh_token(&self) -> Result<Option<Secret>, String>;
}

/// Which app a token source is for, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLabel {
    pub app: String,
    pub tenant: String,
}

impl AppLabel {
    /// The command that authorizes the app.
    pub fn authorize_command(&self) -> String {
        format!(
            "scimitar app authorize {} --tenant {}",
            self.app, self.tenant
        )
    }
}

struct Cached {
    token: Secret,
    /// When to fetch a new one (`None`: the server gave no lifetime; keep it until refused).
    renew_at: Option<Instant>,
    /// Fetched because the app refused the previous token: if the app refuses this one too,
    /// the problem is not the token's age.
    after_refusal: bool,
}

struct State {
    cached: Option<Cached>,
    refresh_token: Option<Secret>,
    refused_last: bool,
    /// The refresh token the server refused: not sent again (a running app's runs would
    /// otherwise ask the token endpoint every few hundred milliseconds) until another one is
    /// stored.
    refused_refresh: Option<Secret>,
}

/// An app's OAuth 2.0 access tokens.
pub struct TokenSource {
    settings: OAuthSettings,
    label: AppLabel,
    client: reqwest::Client,
    store: Arc<dyn TokenStore>,
    early: Duration,
    state: Mutex<State>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TokenSource({:?}, {})",
            self.label,
            self.settings.describe()
        )
    }
}

/// Two sources are the same source: a connector's `Auth` compares by identity.
impl PartialEq for TokenSource {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
impl Eq for TokenSource {}

impl TokenSource {
    pub fn new(
        settings: OAuthSettings,
        label: AppLabel,
        client: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> TokenSource {
        let refresh_token = settings.refresh_token.clone().map(Secret::new);
        TokenSource {
            settings,
            label,
            client,
            store,
            early: REFRESH_EARLY,
            state: Mutex::new(State {
                cached: None,
                refresh_token,
                refused_last: false,
                refused_refresh: None,
            }),
        }
    }

    /// Replace tokens this long before they expire, at most (default [`REFRESH_EARLY`]).
    pub fn with_refresh_early(mut self, early: Duration) -> TokenSource {
        self.early = early;
        self
    }

    /// Whether this source was made from the same client settings (the refresh token aside:
    /// the source keeps its own, rotated one).
    pub fn same_client(&self, settings: &OAuthSettings) -> bool {
        let mut mine = self.settings.clone();
        mine.refresh_token = settings.refresh_token.clone();
        mine == *settings
    }

    /// A valid access token: the cached one, or a new one from the token endpoint.
    pub async fn access_token(&self) -> Result<Secret, ConnectorError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = &state.cached {
            if cached.renew_at.is_none_or(|at| Instant::now() < at) {
                return Ok(cached.token.clone());
            }
        }
        let answer = match self.settings.grant {
            OAuthGrant::ClientCredentials => self.client_credentials().await?,
            OAuthGrant::AuthorizationCode => self.refresh(&mut state).await?,
        };
        let now = Instant::now();
        let renew_at = answer.expires_in.map(|secs| {
            let lifetime = Duration::from_secs(secs);
            now + lifetime - self.early.min(lifetime / 4)
        });
        let token = answer.access_token;
        state.cached = Some(Cached {
            token: token.clone(),
            renew_at,
            after_refusal: std::mem::take(&mut state.refused_last),
        });
        Ok(token)
    }

    /// The app refused `token` (401): forget it so the next request fetches a new one.
    /// `true` when a retry with a new token may work; `false` when a token fetched because
    /// of an earlier refusal was refused too (the credentials or permissions are wrong).
    pub async fn refused(&self, token: &Secret) -> bool {
        let mut state = self.state.lock().await;
        match &state.cached {
            Some(cached) if cached.token == *token => {
                let retry = !cached.after_refusal;
                state.cached = None;
                state.refused_last = retry;
                retry
            }
            // Already replaced by another request: the new one may work.
            _ => true,
        }
    }

    async fn client_credentials(&self) -> Result<TokenAnswer, ConnectorError> {
        let mut params = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.settings.scope {
            params.push(("scope", scope));
        }
        request_token(&self.client, &self.settings, &params)
            .await
            .map_err(TokenError::into_connector_error)
    }

    fn needs_authorization(&self, why: &str) -> ConnectorError {
        ConnectorError::NeedsAuthorization(format!(
            "app '{}' {why}: run `{}`",
            self.label.app,
            self.label.authorize_command()
        ))
    }

    async fn refresh(&self, state: &mut State) -> Result<TokenAnswer, ConnectorError> {
        let mut retried_with_stored = false;
        loop {
            if state.refresh_token.is_some() && state.refused_refresh == state.refresh_token {
                let stored = self
                    .store
                    .stored_refresh_token()
                    .await
                    .map_err(ConnectorError::Transient)?;
                if stored == state.refused_refresh {
                    return Err(self.needs_authorization(
                        "needs to be authorized again (its refresh token was refused)",
                    ));
                }
                state.refresh_token = stored;
                state.refused_refresh = None;
            }
            let Some(refresh_token) = state.refresh_token.clone() else {
                return Err(self.needs_authorization("has not been authorized yet"));
            };
            let params = [
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ];
            match request_token(&self.client, &self.settings, &params).await {
                Ok(answer) => {
                    if let Some(new) = &answer.refresh_token {
                        if *new != refresh_token {
                            state.refresh_token = Some(new.clone());
                            if let Err(e) = self.store.rotated(new).await {
                                tracing::error!(app = %self.label.app, error = %e, "could not store the rotated OAuth refresh token; the app may need to be authorized again after a restart");
                            }
                        }
                    }
                    return Ok(answer);
                }
                Err(e) if e.is_invalid_grant() => {
                    let stored = self
                        .store
                        .stored_refresh_token()
                        .await
                        .map_err(ConnectorError::Transient)?;
                    if !retried_with_stored && stored.as_ref().is_some_and(|s| *s != refresh_token)
                    {
                        retried_with_stored = true;
                        state.refresh_token = stored;
                        continue;
                    }
                    let reason = format!(
                        "the refresh token was refused ({}): it was revoked, expired or replaced",
                        e.describe()
                    );
                    tracing::warn!(app = %self.label.app, tenant = %self.label.tenant, "OAuth refresh token refused; the app needs to be authorized again");
                    state.refused_refresh = state.refresh_token.clone();
                    self.store
                        .needs_reauthorization(&reason)
                        .await
                        .map_err(ConnectorError::Transient)?;
                    return Err(self.needs_authorization(&format!(
                        "needs to be authorized again ({})",
                        e.describe()
                    )));
                }
                Err(e) => return Err(e.into_connector_error()),
            }
        }
    }
}
