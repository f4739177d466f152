//! `TenantStore` for PostgreSQL: tenants and hashed tokens.

use async_trait::async_trait;
use scimitar_core::service::policy_named;
use scimitar_core::{StoreError, Tenant, TenantId, TenantStore, Token, TokenScope};
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{backend, is_unique_violation, PgStore};

const TENANT_COLUMNS: &str =
    "t.id AS t_id, t.name AS t_name, t.policy AS t_policy, t.created AS t_created";
const TOKEN_COLUMNS: &str =
    "k.id, k.tenant_id, t.name AS tenant_name, k.label, k.scope, k.created, k.revoked_at";

fn tenant_from(r: &PgRow) -> Result<Tenant, StoreError> {
    let policy: String = r.try_get("t_policy").map_err(backend)?;
    Ok(Tenant {
        id: TenantId(r.try_get("t_id").map_err(backend)?),
        name: r.try_get("t_name").map_err(backend)?,
        policy: policy_named(&policy),
        created: r.try_get("t_created").map_err(backend)?,
    })
}

fn token_from(r: &PgRow) -> Result<Token, StoreError> {
    let scope: String = r.try_get("scope").map_err(backend)?;
    Ok(Token {
        id: r.try_get("id").map_err(backend)?,
        tenant_id: TenantId(r.try_get("tenant_id").map_err(backend)?),
        tenant_name: r.try_get("tenant_name").map_err(backend)?,
        label: r.try_get("label").map_err(backend)?,
        scope: TokenScope::parse(&scope).unwrap_or(TokenScope::Scim),
        created: r.try_get("created").map_err(backend)?,
        revoked_at: r.try_get("revoked_at").map_err(backend)?,
    })
}

impl PgStore {
    async fn token_by_id(&self, id: &str) -> Result<Token, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        token_from(&row)
    }
}

#[async_trait]
impl TenantStore for PgStore {
    async fn create_tenant(&self, name: &str, now: &str) -> Result<Tenant, StoreError> {
        let row = sqlx::query(
            "INSERT INTO tenants (name, created) VALUES ($1, $2) \
             RETURNING id AS t_id, name AS t_name, policy AS t_policy, created AS t_created",
        )
        .bind(name)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(name.to_string())
            } else {
                backend(e)
            }
        })?;
        tenant_from(&row)
    }

    async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.name = $1");
        let row = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(tenant_from).transpose()
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t ORDER BY t.name");
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(tenant_from).collect()
    }

    async fn create_token(
        &self,
        tenant: TenantId,
        id: &str,
        digest: &str,
        label: Option<&str>,
        scope: TokenScope,
        now: &str,
    ) -> Result<Token, StoreError> {
        sqlx::query("INSERT INTO tokens (id, tenant_id, label, scope, hash, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(tenant.0)
            .bind(label)
            .bind(scope.as_str())
            .bind(digest)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        self.token_by_id(id).await
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<(Token, Tenant)>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, {TENANT_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id \
             WHERE k.hash = $1 AND k.revoked_at IS NULL"
        );
        let row = sqlx::query(&sql)
            .bind(digest)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| Ok((token_from(&r)?, tenant_from(&r)?)))
            .transpose()
    }

    async fn list_tokens(&self, tenant: TenantId) -> Result<Vec<Token>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id \
             WHERE k.tenant_id = $1 ORDER BY k.created, k.id"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant.0)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(token_from).collect()
    }

    async fn revoke_token(&self, id: &str, now: &str) -> Result<Token, StoreError> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.token_by_id(id).await
    }
}
