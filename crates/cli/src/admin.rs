//! `scimitar tenant ...` and `scimitar token ...`: work directly on the database, so they run
//! whether or not a server is up. Human output by default, `--json` for scripts; exit code 0
//! only on success.

use std::sync::Arc;

use clap::Subcommand;
use scimitar_core::service::TenantAdmin;
use scimitar_core::{CoreError, SystemClock, TokenScope};
use serde_json::json;

use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    /// Create a tenant.
    Create { name: String },
    /// List tenants.
    List,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a bearer token; the token is the last line of stdout.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        label: Option<String>,
        /// scim (the SCIM API) or admin.
        #[arg(long, default_value = "scim")]
        scope: String,
    },
    /// List a tenant's tokens (never the secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

async fn admin(settings: &Settings) -> anyhow::Result<TenantAdmin> {
    let stores = settings.open_stores().await?;
    Ok(TenantAdmin::new(stores.tenants, Arc::new(SystemClock)))
}

pub(crate) fn explain(e: CoreError) -> anyhow::Error {
    match e {
        CoreError::Scim(s) => anyhow::anyhow!(s.detail),
        CoreError::Internal(m) => anyhow::anyhow!("internal error: {m}"),
    }
}

pub async fn tenant(settings: Settings, cmd: TenantCommand) -> anyhow::Result<()> {
    let admin = admin(&settings).await?;
    match cmd {
        TenantCommand::Create { name } => {
            let t = admin.create_tenant(&name).await.map_err(explain)?;
            if settings.json {
                println!(
                    "{}",
                    json!({"id": t.id.0, "name": t.name, "created": t.created})
                );
            } else {
                println!("created tenant '{}'", t.name);
            }
        }
        TenantCommand::List => {
            let list = admin.list_tenants().await.map_err(explain)?;
            if settings.json {
                let v: Vec<_> = list
                    .iter()
                    .map(|t| json!({"id": t.id.0, "name": t.name, "policy": t.policy.name, "created": t.created}))
                    .collect();
                println!("{}", serde_json::Value::Array(v));
            } else {
                println!("{:<24} {:<12} CREATED", "NAME", "POLICY");
                for t in list {
                    println!("{:<24} {:<12} {}", t.name, t.policy.name, t.created);
                }
            }
        }
    }
    Ok(())
}

pub async fn token(settings: Settings, cmd: TokenCommand) -> anyhow::Result<()> {
    let admin = admin(&settings).await?;
    match cmd {
        TokenCommand::Create {
            tenant,
            label,
            scope,
        } => {
            let scope = TokenScope::parse(&scope).ok_or_else(|| {
                anyhow::anyhow!("--scope must be 'scim' or 'admin', not '{scope}'")
            })?;
            let (t, secret) = admin
                .create_token(&tenant, label.as_deref(), scope)
                .await
                .map_err(explain)?;
            if settings.json {
                println!(
                    "{}",
                    json!({"id": t.id, "tenant": t.tenant_name, "scope": t.scope.as_str(), "token": secret})
                );
            } else {
                println!(
                    "created token {} for tenant '{}' (scope {}); it is shown once:",
                    t.id,
                    t.tenant_name,
                    t.scope.as_str()
                );
                println!("{secret}");
            }
        }
        TokenCommand::List { tenant } => {
            let list = admin.list_tokens(&tenant).await.map_err(explain)?;
            if settings.json {
                let v: Vec<_> = list
                    .iter()
                    .map(|t| json!({"id": t.id, "label": t.label, "scope": t.scope.as_str(), "created": t.created, "revoked": t.revoked_at}))
                    .collect();
                println!("{}", serde_json::Value::Array(v));
            } else {
                println!(
                    "{:<18} {:<6} {:<28} {:<28} LABEL",
                    "ID", "SCOPE", "CREATED", "REVOKED"
                );
                for t in list {
                    println!(
                        "{:<18} {:<6} {:<28} {:<28} {}",
                        t.id,
                        t.scope.as_str(),
                        t.created,
                        t.revoked_at.as_deref().unwrap_or("-"),
                        t.label.as_deref().unwrap_or("")
                    );
                }
            }
        }
        TokenCommand::Revoke { id } => {
            let t = admin.revoke_token(&id).await.map_err(explain)?;
            if settings.json {
                println!("{}", json!({"id": t.id, "revoked": t.revoked_at}));
            } else {
                println!("revoked token {}", t.id);
            }
        }
    }
    Ok(())
}
