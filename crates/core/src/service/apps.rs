//! App administration: create, list, show, change and delete connected apps. This is where the
//! rules live: names are checked, the SCIM URL must be an absolute http(s) URL without
//! credentials in it, credentials are sealed before they reach the store and opened only for
//! a connector, and what is shown of an app never includes a secret.

use std::sync::Arc;

use scimitar_scim::ScimError;

use scimitar_scim::schema::ResourceKind;

use crate::app::{
    seal_context, AppAuth, AppChange, AppName, AppRecord, AppState, Assignment, Deprovision,
};
use crate::clock::{format_timestamp, Clock};
use crate::error::{CoreError, CoreResult, StoreError};
use crate::secret::SecretKey;
use crate::store::{AppStore, DirectoryStore};
use crate::tenant::TenantId;

#[derive(Clone)]
pub struct AppAdmin {
    pub(super) store: Arc<dyn AppStore>,
    directory: Arc<dyn DirectoryStore>,
    pub(super) clock: Arc<dyn Clock>,
    key: SecretKey,
}

/// An app as it may be shown: the credentials described, never included.
#[derive(Debug, Clone)]
pub struct AppView {
    pub record: AppRecord,
    pub auth: String,
}

fn invalid(msg: impl Into<String>) -> CoreError {
    CoreError::Scim(ScimError::invalid_value(msg.into()))
}

/// The app's SCIM base URL, normalised (no trailing slash), or why it is not acceptable.
pub fn parse_scim_url(url: &str) -> CoreResult<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            invalid(format!(
                "the SCIM URL {url:?} must start with https:// (or http:// for a test app)"
            ))
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(invalid(format!("the SCIM URL {url:?} has no host")));
    }
    if host.contains('@') {
        return Err(invalid(
            "put credentials in --bearer-token or --basic, not in the SCIM URL",
        ));
    }
    if url.contains(['?', '#']) || url.chars().any(char::is_whitespace) {
        return Err(invalid(format!(
            "the SCIM URL {url:?} must be a base URL, without query, fragment or spaces"
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

impl AppAdmin {
    pub fn new(
        store: Arc<dyn AppStore>,
        directory: Arc<dyn DirectoryStore>,
        clock: Arc<dyn Clock>,
        key: SecretKey,
    ) -> Self {
        AppAdmin {
            store,
            directory,
            clock,
            key,
        }
    }

    pub(super) fn now(&self) -> String {
        format_timestamp(self.clock.now())
    }

    pub(super) fn seal(&self, app_id: &str, auth: &AppAuth) -> CoreResult<String> {
        let plain = serde_json::to_vec(auth).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.key
            .seal(&plain, &seal_context(app_id))
            .map_err(|e| invalid(e.to_string()))
    }

    /// The app's credentials, for a connector.
    pub fn open_auth(&self, app: &AppRecord) -> CoreResult<AppAuth> {
        let plain = self
            .key
            .open(&app.auth_sealed, &seal_context(&app.id))
            .map_err(|e| CoreError::Scim(ScimError::new(500, None, e.to_string())))?;
        serde_json::from_slice(&plain)
            .map_err(|e| CoreError::Internal(format!("sealed credentials: {e}")))
    }

    pub(super) fn view(&self, record: AppRecord) -> AppView {
        let auth = match self.open_auth(&record) {
            Ok(a) => a.describe(),
            Err(_) => "sealed with a different secret key (cannot be opened)".to_string(),
        };
        AppView { record, auth }
    }

    pub async fn create(
        &self,
        tenant: TenantId,
        name: &str,
        scim_url: &str,
        auth: AppAuth,
    ) -> CoreResult<AppView> {
        let name = AppName::parse(name).map_err(invalid)?;
        let scim_url = parse_scim_url(scim_url)?;
        match &auth {
            AppAuth::Bearer { token } if token.trim().is_empty() => {
                return Err(invalid("the bearer token is empty"))
            }
            AppAuth::Basic { user, .. } if user.is_empty() || user.contains(':') => {
                return Err(invalid("--basic takes USER:PASSWORD with a non-empty user"))
            }
            AppAuth::OAuth(settings) => settings.check().map_err(invalid)?,
            _ => {}
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.now();
        let record = AppRecord {
            auth_sealed: self.seal(&id, &auth)?,
            id,
            tenant,
            name: name.as_str().to_string(),
            scim_url,
            state: AppState::Stopped,
            deprovision: Deprovision::Disable,
            settings: serde_json::json!({}),
            created: now.clone(),
            updated: now,
            version: 1,
        };
        match self.store.create_app(record).await {
            Ok(r) => Ok(self.view(r)),
            Err(StoreError::Conflict(_)) => Err(ScimError::uniqueness(format!(
                "an app named '{}' already exists in this tenant",
                name.as_str()
            ))
            .into()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list(&self, tenant: TenantId) -> CoreResult<Vec<AppView>> {
        let apps = self.store.list_apps(tenant).await?;
        Ok(apps.into_iter().map(|a| self.view(a)).collect())
    }

    /// The app called `name`, or a not-found error naming it.
    pub async fn get(&self, tenant: TenantId, name: &str) -> CoreResult<AppRecord> {
        self.store.app_by_name(tenant, name).await?.ok_or_else(|| {
            ScimError::not_found(format!(
                "no app named '{name}' in this tenant (`scimitar app list` shows them)"
            ))
            .into()
        })
    }

    pub async fn show(&self, tenant: TenantId, name: &str) -> CoreResult<AppView> {
        Ok(self.view(self.get(tenant, name).await?))
    }

    /// Change the connection and/or state of app `name`.
    pub async fn change(
        &self,
        tenant: TenantId,
        name: &str,
        scim_url: Option<&str>,
        auth: Option<AppAuth>,
        state: Option<AppState>,
        deprovision: Option<Deprovision>,
    ) -> CoreResult<AppView> {
        let app = self.get(tenant, name).await?;
        let auth = match auth {
            Some(AppAuth::OAuth(mut settings)) => {
                settings.check().map_err(invalid)?;
                if let Ok(AppAuth::OAuth(old)) = self.open_auth(&app) {
                    settings.carry_over(&old);
                }
                Some(AppAuth::OAuth(settings))
            }
            other => other,
        };
        let change = AppChange {
            expected_version: Some(app.version),
            scim_url: scim_url.map(parse_scim_url).transpose()?,
            auth_sealed: auth.map(|a| self.seal(&app.id, &a)).transpose()?,
            state,
            deprovision,
            settings: None,
            now: self.now(),
        };
        Ok(self.view(self.store.update_app(tenant, &app.id, change).await?))
    }

    /// Set one top-level entry of the app's engine settings (`mappings`, `scope`, ...), keeping
    /// the others; `None` removes it. Versioned: a concurrent change of the same app makes
    /// this fail with a precondition error rather than lose either change.
    pub async fn set_setting(
        &self,
        tenant: TenantId,
        name: &str,
        key: &str,
        value: Option<serde_json::Value>,
    ) -> CoreResult<AppView> {
        let app = self.get(tenant, name).await?;
        let mut settings = match app.settings {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        match value {
            Some(v) => settings.insert(key.to_string(), v),
            None => settings.remove(key),
        };
        let change = AppChange {
            expected_version: Some(app.version),
            settings: Some(serde_json::Value::Object(settings)),
            now: self.now(),
            ..AppChange::default()
        };
        Ok(self.view(self.store.update_app(tenant, &app.id, change).await?))
    }

    /// Record the engine's view of the app's health (`health` in its settings; `None`
    /// removes it) and, with it in the same write, a new state (quarantine and back).
    pub async fn record_health(
        &self,
        tenant: TenantId,
        name: &str,
        state: Option<AppState>,
        health: Option<serde_json::Value>,
    ) -> CoreResult<AppView> {
        let app = self.get(tenant, name).await?;
        let mut settings = match app.settings {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        match health {
            Some(h) => settings.insert("health".to_string(), h),
            None => settings.remove("health"),
        };
        let change = AppChange {
            expected_version: Some(app.version),
            state,
            settings: Some(serde_json::Value::Object(settings)),
            now: self.now(),
            ..AppChange::default()
        };
        Ok(self.view(self.store.update_app(tenant, &app.id, change).await?))
    }

    /// Assign a user, a group or every user to app `name`; `false` when it already was. The
    /// user or group must exist in the tenant.
    pub async fn assign(
        &self,
        tenant: TenantId,
        name: &str,
        assignment: &Assignment,
    ) -> CoreResult<bool> {
        let app = self.get(tenant, name).await?;
        let target = match assignment {
            Assignment::User(id) => Some((ResourceKind::User, id)),
            Assignment::Group(id) => Some((ResourceKind::Group, id)),
            Assignment::AllUsers => None,
        };
        if let Some((kind, id)) = target {
            if self.directory.get(tenant, kind, id, false).await?.is_none() {
                return Err(ScimError::not_found(format!(
                    "no {} with id '{id}' in this tenant",
                    kind.as_str()
                ))
                .into());
            }
        }
        Ok(self.store.assign(&app.id, assignment, &self.now()).await?)
    }

    /// Take an assignment back; `false` when there was none.
    pub async fn unassign(
        &self,
        tenant: TenantId,
        name: &str,
        assignment: &Assignment,
    ) -> CoreResult<bool> {
        let app = self.get(tenant, name).await?;
        Ok(self.store.unassign(&app.id, assignment).await?)
    }

    pub async fn assignments(&self, tenant: TenantId, name: &str) -> CoreResult<Vec<Assignment>> {
        let app = self.get(tenant, name).await?;
        Ok(self.store.assignments(&app.id).await?)
    }

    pub async fn delete(&self, tenant: TenantId, name: &str) -> CoreResult<()> {
        let app = self.get(tenant, name).await?;
        Ok(self.store.delete_app(tenant, &app.id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scim_url;

    #[test]
    fn scim_urls_are_checked_and_normalised() {
        assert_eq!(
            parse_scim_url("https://app.example.com/scim/v2/")
                .ok()
                .as_deref(),
            Some("https://app.example.com/scim/v2")
        );
        assert!(parse_scim_url("http://127.0.0.1:8080/scim/v2").is_ok());
        for bad in [
            "ftp://x/scim",
            "app.example.com/scim",
            "https://",
            "https://user:pw@app.example.com/scim",
            "https://app.example.com/scim?x=1",
            "https://app.example.com/sc im",
        ] {
            assert!(parse_scim_url(bad).is_err(), "{bad} accepted");
        }
    }
}
