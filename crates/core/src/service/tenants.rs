//! Tenant and token administration, and bearer-token authentication.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use time::{Duration, OffsetDateTime};

use scimitar_scim::{CompatPolicy, ScimError};

use crate::clock::{format_timestamp, Clock};
use crate::error::{CoreError, CoreResult, StoreError};
use crate::store::TenantStore;
use crate::tenant::{Tenant, TenantName};
use crate::token::{digest_secret, generate_secret, generate_token_id, Token, TokenScope};

/// The tenant a bearer token belongs to.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub tenant: Tenant,
    pub scope: TokenScope,
    pub token_id: String,
}

/// How long a token lookup is remembered. A revoked token stops working within this time,
/// which is what "a running server notices what the CLI changed within a couple of seconds"
/// allows; in exchange, requests do not each pay a database round trip for authentication.
const AUTH_CACHE_TTL: Duration = Duration::seconds(2);
const AUTH_CACHE_MAX: usize = 10_000;

type AuthCache = RwLock<HashMap<String, (OffsetDateTime, Option<Authenticated>)>>;

#[derive(Clone)]
pub struct TenantAdmin {
    store: Arc<dyn TenantStore>,
    clock: Arc<dyn Clock>,
    cache: Arc<AuthCache>,
}

impl TenantAdmin {
    pub fn new(store: Arc<dyn TenantStore>, clock: Arc<dyn Clock>) -> Self {
        TenantAdmin {
            store,
            clock,
            cache: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    fn now(&self) -> String {
        format_timestamp(self.clock.now())
    }

    pub async fn create_tenant(&self, name: &str) -> CoreResult<Tenant> {
        let name =
            TenantName::parse(name).map_err(|e| CoreError::Scim(ScimError::invalid_value(e)))?;
        match self.store.create_tenant(name.as_str(), &self.now()).await {
            Err(StoreError::Conflict(_)) => Err(ScimError::uniqueness(format!(
                "a tenant named '{}' already exists",
                name.as_str()
            ))
            .into()),
            other => Ok(other?),
        }
    }

    pub async fn tenant(&self, name: &str) -> CoreResult<Tenant> {
        self.store
            .tenant_by_name(name)
            .await?
            .ok_or_else(|| ScimError::not_found(format!("no tenant named '{name}'")).into())
    }

    pub async fn list_tenants(&self) -> CoreResult<Vec<Tenant>> {
        Ok(self.store.list_tenants().await?)
    }

    /// Create a token; returns the stored record and the secret, which is never stored.
    pub async fn create_token(
        &self,
        tenant_name: &str,
        label: Option<&str>,
        scope: TokenScope,
    ) -> CoreResult<(Token, String)> {
        let tenant = self.tenant(tenant_name).await?;
        let secret = generate_secret();
        let token = self
            .store
            .create_token(
                tenant.id,
                &generate_token_id(),
                &secret.digest,
                label,
                scope,
                &self.now(),
            )
            .await?;
        Ok((token, secret.secret))
    }

    pub async fn list_tokens(&self, tenant_name: &str) -> CoreResult<Vec<Token>> {
        let tenant = self.tenant(tenant_name).await?;
        Ok(self.store.list_tokens(tenant.id).await?)
    }

    pub async fn revoke_token(&self, id: &str) -> CoreResult<Token> {
        match self.store.revoke_token(id, &self.now()).await {
            Err(StoreError::NotFound) => {
                Err(ScimError::not_found(format!("no live token with id '{id}'")).into())
            }
            other => Ok(other?),
        }
    }

    /// Resolve a bearer secret to its tenant; `None` when unknown or revoked.
    pub async fn authenticate(&self, secret: &str) -> CoreResult<Option<Authenticated>> {
        let digest = digest_secret(secret);
        let now = self.clock.now();
        if let Ok(cache) = self.cache.read() {
            if let Some((at, hit)) = cache.get(&digest) {
                if now - *at < AUTH_CACHE_TTL {
                    return Ok(hit.clone());
                }
            }
        }
        let found = self.store.token_by_digest(&digest).await?;
        let auth = found.map(|(token, tenant)| Authenticated {
            tenant,
            scope: token.scope,
            token_id: token.id,
        });
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= AUTH_CACHE_MAX {
                cache.retain(|_, (at, _)| now - *at < AUTH_CACHE_TTL);
                if cache.len() >= AUTH_CACHE_MAX {
                    cache.clear();
                }
            }
            cache.insert(digest, (now, auth.clone()));
        }
        Ok(auth)
    }

    /// First start: with no tenant at all, create `default` and a SCIM token for it.
    /// Returns the secret to print once, or `None` when tenants already exist.
    pub async fn bootstrap(&self) -> CoreResult<Option<String>> {
        if !self.store.list_tenants().await?.is_empty() {
            return Ok(None);
        }
        match self.create_tenant("default").await {
            Ok(_) => {}
            // Another replica or CLI got there first.
            Err(CoreError::Scim(e)) if e.status == 409 => return Ok(None),
            Err(e) => return Err(e),
        }
        let (_, secret) = self
            .create_token("default", Some("bootstrap"), TokenScope::Scim)
            .await?;
        Ok(Some(secret))
    }
}

/// The policy a tenant runs under (stored by name; unknown names fall back to the default).
pub fn policy_named(name: &str) -> CompatPolicy {
    CompatPolicy::by_name(name).unwrap_or_default()
}
