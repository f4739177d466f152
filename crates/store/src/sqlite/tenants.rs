//! `TenantStore` for SQLite: tenants and hashed tokens.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use scimitar_core::service::policy_named;
use scimitar_core::{StoreError, Tenant, TenantId, TenantStore, Token, TokenScope};

use super::{backend, is_unique_violation, SqliteStore};

const TENANT_COLUMNS: &str = "t.id, t.name, t.policy, t.created";
const TOKEN_COLUMNS: &str = "k.id, k.tenant_id, t.name, k.label, k.scope, k.created, k.revoked_at";

/// A tenant from four columns starting at `at`.
fn tenant_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Tenant> {
    let policy: String = r.get(at + 2)?;
    Ok(Tenant {
        id: TenantId(r.get(at)?),
        name: r.get(at + 1)?,
        policy: policy_named(&policy),
        created: r.get(at + 3)?,
    })
}

fn token_from(r: &Row<'_>) -> rusqlite::Result<Token> {
    let scope: String = r.get(4)?;
    Ok(Token {
        id: r.get(0)?,
        tenant_id: TenantId(r.get(1)?),
        tenant_name: r.get(2)?,
        label: r.get(3)?,
        scope: TokenScope::parse(&scope).unwrap_or(TokenScope::Scim),
        created: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

fn token_by_id(conn: &Connection, id: &str) -> Result<Token, StoreError> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?"
    );
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([id], token_from))
        .map_err(backend)
}

#[async_trait]
impl TenantStore for SqliteStore {
    async fn create_tenant(&self, name: &str, now: &str) -> Result<Tenant, StoreError> {
        let (name, now) = (name.to_string(), now.to_string());
        self.pool
            .write(move |conn| {
                conn.prepare_cached("INSERT INTO tenants (name, created) VALUES (?, ?) RETURNING id, name, policy, created")
                    .and_then(|mut s| s.query_row(params![name, now], |r| tenant_at(r, 0)))
                    .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict(name.clone()) } else { backend(e) })
            })
            .await
    }

    async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        let name = name.to_string();
        self.pool
            .read(move |conn| {
                let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.name = ?");
                conn.prepare_cached(&sql)
                    .and_then(|mut s| s.query_row([name], |r| tenant_at(r, 0)).optional())
                    .map_err(backend)
            })
            .await
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.pool
            .read(|conn| {
                let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t ORDER BY t.name");
                conn.prepare_cached(&sql)
                    .and_then(|mut s| s.query_map([], |r| tenant_at(r, 0))?.collect())
                    .map_err(backend)
            })
            .await
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
        let (id, digest, label, now) = (
            id.to_string(),
            digest.to_string(),
            label.map(str::to_string),
            now.to_string(),
        );
        self.pool
            .write(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO tokens (id, tenant_id, label, scope, hash, created) VALUES (?, ?, ?, ?, ?, ?)",
                )
                .and_then(|mut s| s.execute(params![id, tenant.0, label, scope.as_str(), digest, now]))
                .map_err(backend)?;
                token_by_id(conn, &id)
            })
            .await
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<(Token, Tenant)>, StoreError> {
        let digest = digest.to_string();
        self.pool
            .read(move |conn| {
                let sql = format!(
                    "SELECT {TOKEN_COLUMNS}, {TENANT_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id \
                     WHERE k.hash = ? AND k.revoked_at IS NULL"
                );
                conn.prepare_cached(&sql)
                    .and_then(|mut s| s.query_row([digest], |r| Ok((token_from(r)?, tenant_at(r, 7)?))).optional())
                    .map_err(backend)
            })
            .await
    }

    async fn list_tokens(&self, tenant: TenantId) -> Result<Vec<Token>, StoreError> {
        self.pool
            .read(move |conn| {
                let sql = format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens k JOIN tenants t ON t.id = k.tenant_id \
                     WHERE k.tenant_id = ? ORDER BY k.created, k.id"
                );
                conn.prepare_cached(&sql)
                    .and_then(|mut s| s.query_map([tenant.0], token_from)?.collect())
                    .map_err(backend)
            })
            .await
    }

    async fn revoke_token(&self, id: &str, now: &str) -> Result<Token, StoreError> {
        let (id, now) = (id.to_string(), now.to_string());
        self.pool
            .write(move |conn| {
                let changed = conn
                    .prepare_cached(
                        "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                    )
                    .and_then(|mut s| s.execute(params![now, id]))
                    .map_err(backend)?;
                if changed == 0 {
                    return Err(StoreError::NotFound);
                }
                token_by_id(conn, &id)
            })
            .await
    }
}
