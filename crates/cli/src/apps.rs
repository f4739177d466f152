//! `scimitar app ...`: connected apps, worked on directly in the database like tenants and
//! tokens. Credentials given here are sealed before they are stored and are never printed
//! again; `show` and `list` describe them (kind, user, last characters).

use std::io::Read;
use std::sync::Arc;

use clap::Subcommand;
use scimitar_core::service::{AppAdmin, AppView, TenantAdmin};
use scimitar_core::{AppAuth, AppState, Deprovision, SystemClock, TenantId};
use scimitar_provisioning::connector::{
    Auth, Capabilities, Connector, ConnectorError, ResourceKind, ScimConnector, ScimConnectorConfig,
};
use serde_json::json;

use crate::admin::explain;
use crate::config::Settings;

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Connect an app by its SCIM 2.0 base URL.
    Create {
        name: String,
        #[arg(long)]
        tenant: String,
        /// The app's SCIM base URL, e.g. https://app.example.com/scim/v2
        #[arg(long)]
        scim_url: String,
        #[command(flatten)]
        auth: AuthArgs,
    },
    /// List a tenant's apps.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Show one app (credentials described, never shown).
    Show {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Change an app's connection or deprovisioning policy.
    Set {
        name: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        scim_url: Option<String>,
        #[command(flatten)]
        auth: OptionalAuthArgs,
        /// What happens in the app when a user leaves scope: disable, delete or nothing.
        #[arg(long)]
        deprovision: Option<String>,
    },
    /// Test the connection as Entra ID does: query the matching attribute with a random value
    /// and expect no match. Exit code 0 only when it works.
    Test {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// What the app's /ServiceProviderConfig, /ResourceTypes and /Schemas say it supports.
    Schema {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Delete an app's connection (nothing is changed in the app itself).
    Delete {
        name: String,
        #[arg(long)]
        tenant: String,
    },
}

#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct AuthArgs {
    /// Bearer token for the app; `-` reads it from standard input (keeps it out of `ps`).
    #[arg(long)]
    bearer_token: Option<String>,
    /// USER:PASSWORD for HTTP Basic; `-` reads it from standard input.
    #[arg(long)]
    basic: Option<String>,
}

#[derive(clap::Args, Debug)]
#[group(required = false, multiple = false)]
pub struct OptionalAuthArgs {
    /// A new bearer token (`-`: from standard input).
    #[arg(long)]
    bearer_token: Option<String>,
    /// New USER:PASSWORD for HTTP Basic (`-`: from standard input).
    #[arg(long)]
    basic: Option<String>,
}

/// `-` means standard input (trailing newline removed).
fn value_or_stdin(v: String) -> anyhow::Result<String> {
    if v != "-" {
        return Ok(v);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

fn auth_from(bearer: Option<String>, basic: Option<String>) -> anyhow::Result<Option<AppAuth>> {
    if let Some(token) = bearer {
        return Ok(Some(AppAuth::Bearer {
            token: value_or_stdin(token)?,
        }));
    }
    if let Some(pair) = basic {
        let pair = value_or_stdin(pair)?;
        let (user, password) = pair
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--basic takes USER:PASSWORD"))?;
        return Ok(Some(AppAuth::Basic {
            user: user.to_string(),
            password: password.to_string(),
        }));
    }
    Ok(None)
}

fn view_json(v: &AppView) -> serde_json::Value {
    let r = &v.record;
    json!({
        "id": r.id, "name": r.name, "scimUrl": r.scim_url, "auth": v.auth,
        "state": r.state.as_str(), "deprovision": r.deprovision.as_str(),
        "settings": r.settings, "created": r.created, "updated": r.updated, "version": r.version,
    })
}

async fn tenant_id(stores: &scimitar_store::Stores, name: &str) -> anyhow::Result<TenantId> {
    let admin = TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock));
    Ok(admin.tenant(name).await.map_err(explain)?.id)
}

pub async fn app(settings: Settings, cmd: AppCommand) -> anyhow::Result<()> {
    let stores = settings.open_stores().await?;
    let admin = AppAdmin::new(
        stores.apps.clone(),
        Arc::new(SystemClock),
        settings.secret_key()?,
    );
    match cmd {
        AppCommand::Create {
            name,
            tenant,
            scim_url,
            auth,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            let auth = auth_from(auth.bearer_token, auth.basic)?
                .ok_or_else(|| anyhow::anyhow!("give --bearer-token or --basic"))?;
            let v = admin
                .create(t, &name, &scim_url, auth)
                .await
                .map_err(explain)?;
            if settings.json {
                println!("{}", view_json(&v));
            } else {
                println!(
                    "created app '{}' ({}) in tenant '{tenant}', stopped; credentials: {}",
                    v.record.name, v.record.scim_url, v.auth
                );
            }
        }
        AppCommand::List { tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let list = admin.list(t).await.map_err(explain)?;
            if settings.json {
                let v: Vec<_> = list.iter().map(view_json).collect();
                println!("{}", serde_json::Value::Array(v));
            } else {
                println!("{:<24} {:<12} SCIM URL", "NAME", "STATE");
                for v in list {
                    println!(
                        "{:<24} {:<12} {}",
                        v.record.name,
                        v.record.state.as_str(),
                        v.record.scim_url
                    );
                }
            }
        }
        AppCommand::Show { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let v = admin.show(t, &name).await.map_err(explain)?;
            print_view(&settings, &v);
        }
        AppCommand::Set {
            name,
            tenant,
            scim_url,
            auth,
            deprovision,
        } => {
            let t = tenant_id(&stores, &tenant).await?;
            let auth = auth_from(auth.bearer_token, auth.basic)?;
            let deprovision = deprovision
                .map(|d| {
                    Deprovision::parse(&d).ok_or_else(|| {
                        anyhow::anyhow!(
                            "--deprovision must be disable, delete or nothing, not '{d}'"
                        )
                    })
                })
                .transpose()?;
            let v = admin
                .change(
                    t,
                    &name,
                    scim_url.as_deref(),
                    auth,
                    None::<AppState>,
                    deprovision,
                )
                .await
                .map_err(explain)?;
            print_view(&settings, &v);
        }
        AppCommand::Test { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let connector = connector(&admin, t, &name).await?;
            let report = connector
                .test(ResourceKind::User, "userName")
                .await
                .map_err(failed)?;
            if settings.json {
                println!(
                    "{}",
                    json!({"ok": true, "endpoint": report.endpoint, "filter": report.filter,
                           "ms": report.elapsed.as_millis() as u64, "checks": report.checks})
                );
            } else {
                println!(
                    "connection to '{name}' works ({} ms)",
                    report.elapsed.as_millis()
                );
                for check in report.checks {
                    println!("  ok  {check}");
                }
            }
        }
        AppCommand::Schema { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            let connector = connector(&admin, t, &name).await?;
            let caps = connector.discover().await.map_err(failed)?;
            if settings.json {
                println!("{}", serde_json::to_value(&caps)?);
            } else {
                print_capabilities(&caps);
            }
        }
        AppCommand::Delete { name, tenant } => {
            let t = tenant_id(&stores, &tenant).await?;
            admin.delete(t, &name).await.map_err(explain)?;
            if settings.json {
                println!("{}", json!({"deleted": name}));
            } else {
                println!("deleted app '{name}'");
            }
        }
    }
    Ok(())
}

/// The SCIM connector for app `name`, with its credentials opened.
async fn connector(
    admin: &AppAdmin,
    tenant: TenantId,
    name: &str,
) -> anyhow::Result<ScimConnector> {
    let app = admin.get(tenant, name).await.map_err(explain)?;
    let auth = match admin.open_auth(&app).map_err(explain)? {
        AppAuth::Bearer { token } => Auth::bearer(token),
        AppAuth::Basic { user, password } => Auth::basic(user, password),
    };
    ScimConnector::new(ScimConnectorConfig::new(app.scim_url, auth)).map_err(failed)
}

/// A connector error with what to do about it.
fn failed(e: ConnectorError) -> anyhow::Error {
    anyhow::anyhow!("{e}\nhint: {}", e.hint())
}

fn print_capabilities(caps: &Capabilities) {
    println!("PATCH:            {}", caps.patch.as_str());
    println!(
        "filter:           {}{}",
        caps.filter.as_str(),
        caps.max_results
            .map(|m| format!(" (at most {m} results)"))
            .unwrap_or_default()
    );
    println!("Bulk:             {}", caps.bulk.as_str());
    println!("ETag:             {}", caps.etag.as_str());
    println!("sort:             {}", caps.sort.as_str());
    match &caps.resource_types {
        Some(types) => {
            for t in types {
                let count = t.attributes.as_ref().map(Vec::len);
                println!(
                    "resource type:    {} at {} ({}{})",
                    t.name,
                    t.endpoint,
                    t.schema,
                    count
                        .map(|n| format!(", {n} attributes"))
                        .unwrap_or_default()
                );
                for e in &t.extensions {
                    println!("  extension:      {e}");
                }
            }
        }
        None => println!("resource types:   unknown"),
    }
    for note in &caps.notes {
        println!("note:             {note}");
    }
}

fn print_view(settings: &Settings, v: &AppView) {
    if settings.json {
        println!("{}", view_json(v));
        return;
    }
    let r = &v.record;
    println!("name:         {}", r.name);
    println!("id:           {}", r.id);
    println!("SCIM URL:     {}", r.scim_url);
    println!("credentials:  {}", v.auth);
    println!("state:        {}", r.state.as_str());
    println!("deprovision:  {}", r.deprovision.as_str());
    println!("created:      {}", r.created);
    println!("updated:      {} (version {})", r.updated, r.version);
}
