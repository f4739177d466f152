//! Token sources for stored apps: [`AppTokenStore`] keeps an app's rotated refresh token and
//! re-authorization status through the app administration (sealed, like every credential),
//! and [`token_source`] hands out one [`TokenSource`] per app and process, so runs, tests and
//! on-demand provisioning share the app's access token instead of asking the token endpoint
//! each time (Zoho limits how often a refresh token may be used).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use async_trait::async_trait;
use scimitar_core::service::AppAdmin;
use scimitar_core::{AppRecord, OAuthSettings, TenantId};

use super::endpoint::client;
use super::source::{AppLabel, TokenSource, TokenStore};
use crate::connector::{ConnectorError, Secret};

/// An app's OAuth state in the database.
pub struct AppTokenStore {
    pub admin: AppAdmin,
    pub tenant: TenantId,
    pub app_id: String,
}

#[async_trait]
impl TokenStore for AppTokenStore {
    async fn rotated(&self, refresh_token: &Secret) -> Result<(), String> {
        self.admin
            .store_refresh_token(self.tenant, &self.app_id, refresh_token.expose())
            .await
            .map_err(|e| e.to_string())
    }

    async fn needs_reauthorization(&self, reason: &str) -> Result<(), String> {
        self.admin
            .mark_needs_reauthorization(self.tenant, &self.app_id, reason)
            .await
            .map_err(|e| e.to_string())
    }

    async fn stored_refresh_token(&self) -> Result<Option<Secret>, String> {
        self.admin
            .stored_refresh_token(self.tenant, &self.app_id)
            .await
            .map(|t| t.map(Secret::new))
            .map_err(|e| e.to_string())
    }
}

/// The token sources of this process, by app id.
static SOURCES: LazyLock<Mutex<HashMap<String, Arc<TokenSource>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The token source for app `app` (whose OAuth settings are `settings`): the one this process
/// already has when the client settings are unchanged, a new one otherwise.
pub fn token_source(
    admin: &AppAdmin,
    app: &AppRecord,
    settings: OAuthSettings,
    tenant_name: &str,
) -> Result<Arc<TokenSource>, ConnectorError> {
    let mut sources = SOURCES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(source) = sources.get(&app.id) {
        if source.same_client(&settings) {
            return Ok(source.clone());
        }
    }
    let store = AppTokenStore {
        admin: admin.clone(),
        tenant: app.tenant,
        app_id: app.id.clone(),
    };
    let label = AppLabel {
        app: app.name.clone(),
        tenant: tenant_name.to_string(),
    };
    let source = Arc::new(TokenSource::new(
        settings,
        label,
        client()?,
        Arc::new(store),
    ));
    sources.insert(app.id.clone(), source.clone());
    Ok(source)
}
