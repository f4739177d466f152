//! The stored side of an app's OAuth 2.0 connection: the pending authorization (its single-use
//! `state`, kept as a SHA-256 hash, expiring after ten minutes), the refresh token an
//! authorization or a rotation produced (sealed with the rest of the app's credentials), and
//! the showable status in the app's settings (`oauth`: authorized when, needs
//! re-authorization and why). The HTTP exchanges themselves are the provisioning engine's
//! (`scimitar_provisioning::oauth`); this module never talks to the network and never returns
//! a secret except through [`AppAdmin::open_oauth`], for a connector.

use rand::RngCore;
use scimitar_scim::ScimError;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::app::{AppAuth, AppChange, AppRecord};
use crate::clock::format_timestamp;
use crate::error::{CoreError, CoreResult, StoreError};
use crate::oauth::{OAuthGrant, OAuthSettings, PENDING_KEY, STATUS_KEY};
use crate::tenant::TenantId;

use super::apps::{AppAdmin, AppView};

/// How long an authorization URL can be used.
pub const AUTHORIZATION_TTL_SECONDS: i64 = 600;

/// Attempts at a versioned update that lost a race with another writer of the same app.
const UPDATE_ATTEMPTS: usize = 5;

/// A started authorization: the `state` to put in the authorization URL, and the app's
/// OAuth settings to build it from.
pub struct AuthorizationState {
    pub state: String,
    /// Where the authorization server sends the browser back; the code exchange repeats it.
    pub redirect_uri: String,
    pub app: AppRecord,
    pub settings: OAuthSettings,
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::Scim(ScimError::invalid_value(msg.into()))
}

fn state_hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

fn settings_map(app: &AppRecord) -> Map<String, Value> {
    match &app.settings {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

impl AppAdmin {
    /// The app's OAuth settings (secrets included, for a connector or a token exchange), or
    /// an error saying the app does not use OAuth.
    pub fn open_oauth(&self, app: &AppRecord) -> CoreResult<OAuthSettings> {
        match self.open_auth(app)? {
            AppAuth::OAuth(settings) => Ok(settings),
            _ => Err(invalid(format!(
                "app '{}' does not use OAuth (set it up with `scimitar app set {} --oauth-authorization-code ...`)",
                app.name, app.name
            ))),
        }
    }

    async fn by_id(&self, tenant: TenantId, app_id: &str) -> CoreResult<AppRecord> {
        self.store
            .list_apps(tenant)
            .await?
            .into_iter()
            .find(|a| a.id == app_id)
            .ok_or_else(|| ScimError::not_found("the app no longer exists".to_string()).into())
    }

    /// Apply `change` to the current version of the app, again if another writer got there
    /// first.
    async fn update_current(
        &self,
        tenant: TenantId,
        app_id: &str,
        change: impl Fn(&AppRecord) -> CoreResult<AppChange>,
    ) -> CoreResult<AppRecord> {
        let mut last = CoreError::Internal("no attempt".into());
        for _ in 0..UPDATE_ATTEMPTS {
            let app = self.by_id(tenant, app_id).await?;
            match self.store.update_app(tenant, app_id, change(&app)?).await {
                Ok(updated) => return Ok(updated),
                Err(StoreError::VersionMismatch) => last = StoreError::VersionMismatch.into(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last)
    }

    /// Start authorizing app `name` (authorization code grant): a new random `state`, stored
    /// hashed with its expiry and the redirect URI (the app's own, else `default_redirect`);
    /// an earlier pending authorization of the app is replaced.
    pub async fn begin_authorization(
        &self,
        tenant: TenantId,
        name: &str,
        default_redirect: Option<&str>,
    ) -> CoreResult<AuthorizationState> {
        let app = self.get(tenant, name).await?;
        let settings = self.open_oauth(&app)?;
        if settings.grant != OAuthGrant::AuthorizationCode {
            return Err(invalid(format!(
                "app '{name}' uses the OAuth client credentials grant: there is nothing to authorize (`scimitar app test` fetches a token)"
            )));
        }
        let redirect_uri = settings
            .redirect_uri
            .clone()
            .or_else(|| default_redirect.map(str::to_string))
            .ok_or_else(|| {
                invalid(format!(
                    "app '{name}' has no OAuth redirect URI: give it one (`scimitar app set {name} --tenant T --redirect-uri https://SCIMITAR/oauth/callback`) or set public_url in the configuration"
                ))
            })?;
        let mut random = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let state = format!("{}.{}.{}", tenant.0, app.id, hex::encode(random));
        let expires =
            format_timestamp(self.clock.now() + time::Duration::seconds(AUTHORIZATION_TTL_SECONDS));
        let pending = json!({"stateHash": state_hash(&state), "expires": expires, "redirectUri": redirect_uri});
        let app = self
            .update_current(tenant, &app.id, |current| {
                let mut map = settings_map(current);
                map.insert(PENDING_KEY.into(), pending.clone());
                Ok(AppChange {
                    expected_version: Some(current.version),
                    settings: Some(Value::Object(map)),
                    now: self.now(),
                    ..AppChange::default()
                })
            })
            .await?;
        Ok(AuthorizationState {
            state,
            redirect_uri,
            app,
            settings,
        })
    }

    /// The app a callback's `state` was issued for, with its OAuth settings and the redirect
    /// URI of the authorization; the state is used up (a second callback with it fails).
    /// Unknown, used and expired states are refused alike.
    pub async fn take_authorization(&self, state: &str) -> CoreResult<AuthorizationState> {
        let refused = || {
            invalid(
                "this authorization is unknown, was used already or has expired (they last 10 minutes): run `scimitar app authorize NAME --tenant T` again",
            )
        };
        let mut parts = state.splitn(3, '.');
        let (Some(tenant), Some(app_id), Some(_)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(refused());
        };
        let tenant = TenantId(tenant.parse().map_err(|_| refused())?);
        let app = self.by_id(tenant, app_id).await.map_err(|_| refused())?;
        let pending = app
            .settings
            .get(PENDING_KEY)
            .cloned()
            .unwrap_or(Value::Null);
        let hash = pending["stateHash"].as_str().unwrap_or_default();
        let expires = pending["expires"].as_str().unwrap_or_default();
        let redirect_uri = pending["redirectUri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let expected = state_hash(state);
        let same = hash.len() == expected.len()
            && hash
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same || expires <= self.now().as_str() {
            return Err(refused());
        }
        let mut map = settings_map(&app);
        map.remove(PENDING_KEY);
        let change = AppChange {
            expected_version: Some(app.version),
            settings: Some(Value::Object(map)),
            now: self.now(),
            ..AppChange::default()
        };
        // Only the first of two concurrent callbacks with the same state gets past this.
        let app = match self.store.update_app(tenant, &app.id, change).await {
            Ok(app) => app,
            Err(StoreError::VersionMismatch) => return Err(refused()),
            Err(e) => return Err(e.into()),
        };
        let settings = self.open_oauth(&app)?;
        Ok(AuthorizationState {
            state: state.to_string(),
            redirect_uri,
            app,
            settings,
        })
    }

    /// Store the refresh token an authorization produced (sealed) and mark the app
    /// authorized, clearing any need for re-authorization.
    pub async fn complete_authorization(
        &self,
        tenant: TenantId,
        app_id: &str,
        refresh_token: &str,
    ) -> CoreResult<AppView> {
        let now = self.now();
        let app = self
            .update_current(tenant, app_id, |current| {
                let mut settings = self.open_oauth(current)?;
                settings.refresh_token = Some(refresh_token.to_string());
                let mut map = settings_map(current);
                map.insert(STATUS_KEY.into(), json!({"authorized": now}));
                Ok(AppChange {
                    expected_version: Some(current.version),
                    auth_sealed: Some(self.seal(&current.id, &AppAuth::OAuth(settings))?),
                    settings: Some(Value::Object(map)),
                    now: now.clone(),
                    ..AppChange::default()
                })
            })
            .await?;
        Ok(self.view(app))
    }

    /// Replace the stored refresh token with the one the token endpoint rotated to.
    pub async fn store_refresh_token(
        &self,
        tenant: TenantId,
        app_id: &str,
        refresh_token: &str,
    ) -> CoreResult<()> {
        self.update_current(tenant, app_id, |current| {
            let mut settings = self.open_oauth(current)?;
            settings.refresh_token = Some(refresh_token.to_string());
            Ok(AppChange {
                expected_version: Some(current.version),
                auth_sealed: Some(self.seal(&current.id, &AppAuth::OAuth(settings))?),
                now: self.now(),
                ..AppChange::default()
            })
        })
        .await
        .map(|_| ())
    }

    /// Record that the app's refresh token no longer works and an administrator must
    /// authorize again; `reason` is shown (it must not contain a secret).
    pub async fn mark_needs_reauthorization(
        &self,
        tenant: TenantId,
        app_id: &str,
        reason: &str,
    ) -> CoreResult<()> {
        let now = self.now();
        self.update_current(tenant, app_id, |current| {
            let mut map = settings_map(current);
            let mut status = match map.get(STATUS_KEY) {
                Some(Value::Object(s)) => s.clone(),
                _ => Map::new(),
            };
            status.insert("needsReauthorization".into(), json!(true));
            status.insert("reason".into(), json!(reason));
            status.insert("since".into(), json!(now));
            map.insert(STATUS_KEY.into(), Value::Object(status));
            Ok(AppChange {
                expected_version: Some(current.version),
                settings: Some(Value::Object(map)),
                now: now.clone(),
                ..AppChange::default()
            })
        })
        .await
        .map(|_| ())
    }

    /// The refresh token stored for the app now (another process may have rotated it or an
    /// administrator re-authorized since a connector read it).
    pub async fn stored_refresh_token(
        &self,
        tenant: TenantId,
        app_id: &str,
    ) -> CoreResult<Option<String>> {
        let app = self.by_id(tenant, app_id).await?;
        Ok(self.open_oauth(&app)?.refresh_token)
    }
}
