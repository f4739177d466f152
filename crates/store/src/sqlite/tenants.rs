//! `TenantStore` for SQLite: tenants and hashed tokens.

use async_trait::async_trait;
use scimitar_core::service::policy_named;
use scimitar_core::{StoreError, Tenant, TenantId, TenantStore, Token, TokenScope};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use super::{backend, is_unique_violation, SqliteStore};

fn tenant_from(r: &SqliteRow, prefix: &str) -> Result<Tenant, StoreError> {
    let policy: String = r
        .try_get(format!("{prefix}policy").as_str())
        .map_err(backend)?;
    Ok(Tenant {
        id: TenantId(r.try_get(format!("{prefix}id").as_str()).map_err(backend)?),
        name: r
            .try_get(format!("{prefix}name").as_str())
            .map_err(backend)?,
        policy: policy_named(&policy),
        created: r
            .try_get(format!("{prefix}created").as_str())
            .map_err(backend)?,
    })
}

fn token_from(r: &SqliteRow) -> Result<Token, StoreError> {
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

const TOKEN_COLUMNS: &str =
    "k.id, k.tenant_id, t.name AS tenant_name, k.label, k.scope, k.created, k.revoked_at";

#[async_trait]
impl TenantStore for SqliteStore {
    async fn create_tenant(&self, name: &str, now: &str) -> Result<Tenant, StoreError> {
        let row = sqlx::query::<Sqlite>(
            "INSERT INTO tenants (name, created) VALUES (?, ?) RETURNING id, name, policy, created",
        )
        .bind(name)
        .bind(now)
        .fetch_one(&self.write)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(name.to_string())
            } else {
                backend(e)
            }
        })?;
        tenant_from(&row, "")
    }

    async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        let row =
            sqlx::query::<Sqlite>("SELECT id, name, policy, created FROM tenants WHERE name = ?")
                .bind(name)
                .fetch_optional(&self.read)
                .await
                .map_err(backend)?;
        row.map(|r| tenant_from(&r, "")).transpose()
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows =
            sqlx::query::<Sqlite>("SELECT id, name, policy, created FROM tenants ORDER BY name")
                .fetch_all(&self.read)
                .await
                .map_err(backend)?;
        rows.iter().map(|r| tenant_from(r, "")).collect()
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
        sqlx::query::<Sqlite>(
            "INSERT INTO tokens (id, tenant_id, label, scope, hash, created) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(tenant.0)
        .bind(label)
        .bind(scope.as_str())
        .bind(digest)
        .bind(now)
        .execute(&self.write)
        .await
        .map_err(backend)?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?");
        let row = sqlx::query::<Sqlite>(&sql)
            .bind(id)
            .fetch_one(&self.write)
            .await
            .map_err(backend)?;
        token_from(&row)
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<(Token, Tenant)>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS}, t.id AS t_id, t.name AS t_name, t.policy AS t_policy, t.created AS t_created \
             FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.hash = ? AND k.revoked_at IS NULL"
        );
        let row = sqlx::query::<Sqlite>(&sql)
            .bind(digest)
            .fetch_optional(&self.read)
            .await
            .map_err(backend)?;
        row.map(|r| Ok((token_from(&r)?, tenant_from(&r, "t_")?)))
            .transpose()
    }

    async fn list_tokens(&self, tenant: TenantId) -> Result<Vec<Token>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.tenant_id = ? ORDER BY k.created"
        );
        let rows = sqlx::query::<Sqlite>(&sql)
            .bind(tenant.0)
            .fetch_all(&self.read)
            .await
            .map_err(backend)?;
        rows.iter().map(token_from).collect()
    }

    async fn revoke_token(&self, id: &str, now: &str) -> Result<Token, StoreError> {
        let done = sqlx::query::<Sqlite>(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?");
        let row = sqlx::query::<Sqlite>(&sql)
            .bind(id)
            .fetch_one(&self.write)
            .await
            .map_err(backend)?;
        token_from(&row)
    }
}
