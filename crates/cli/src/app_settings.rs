//! `scimitar app mappings export|import` and `scimitar app scope`: an app's attribute mappings
//! (TOML, `docs/mappings.md`) and scoping filters, checked by the provisioning crate before
//! they are stored in the app's settings. An app without stored mappings uses the Entra ID
//! defaults, and `export` prints those.

use clap::Subcommand;
use scimitar_core::service::AppAdmin;
use scimitar_core::TenantId;
use scimitar_provisioning::mapping::ObjectMappings;
use scimitar_provisioning::scope::ScopingFilters;
use scimitar_scim::schema::ResourceKind;
use serde_json::{json, Value};

use crate::admin::explain;

#[derive(Subcommand, Debug)]
pub enum MappingsCommand {
    /// Print the app's mappings as TOML (the Entra ID defaults until some are imported).
    Export {
        name: String,
        #[arg(long)]
        tenant: String,
    },
    /// Replace the app's mappings with those in FILE (`-`: standard input), after checking them.
    Import {
        name: String,
        #[arg(long)]
        tenant: String,
        file: String,
    },
}

/// The mappings stored for an app, or the Entra ID defaults.
pub fn mappings_of(settings: &Value) -> anyhow::Result<ObjectMappings> {
    match settings.get("mappings").and_then(Value::as_str) {
        Some(text) => ObjectMappings::from_toml(text)
            .map_err(|e| anyhow::anyhow!("the stored mappings no longer load: {e}")),
        None => Ok(ObjectMappings::entra_defaults()),
    }
}

pub async fn mappings(
    admin: &AppAdmin,
    tenant: TenantId,
    json_out: bool,
    cmd: MappingsCommand,
) -> anyhow::Result<()> {
    match cmd {
        MappingsCommand::Export { name, .. } => {
            let app = admin.get(tenant, &name).await.map_err(explain)?;
            let text = mappings_of(&app.settings)?.to_toml()?;
            print!("{text}");
        }
        MappingsCommand::Import { name, file, .. } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file)
                    .map_err(|e| anyhow::anyhow!("cannot read {file}: {e}"))?
            };
            let parsed = ObjectMappings::from_toml(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
            let canonical = parsed.to_toml()?;
            admin
                .set_setting(tenant, &name, "mappings", Some(json!(canonical)))
                .await
                .map_err(explain)?;
            let (users, groups) = (parsed.users().len(), parsed.groups().len());
            if json_out {
                println!("{}", json!({"app": name, "users": users, "groups": groups}));
            } else {
                println!("imported {users} user and {groups} group mappings into '{name}'");
            }
        }
    }
    Ok(())
}

/// `app scope`: set (or with empty text, clear) the scoping filters of users or groups.
pub async fn scope(
    admin: &AppAdmin,
    tenant: TenantId,
    name: &str,
    filter: &str,
    groups: bool,
    json_out: bool,
) -> anyhow::Result<()> {
    let kind = if groups {
        ResourceKind::Group
    } else {
        ResourceKind::User
    };
    let key = if groups { "groups" } else { "users" };
    let filters = ScopingFilters::parse(filter).map_err(|e| anyhow::anyhow!("{e}"))?;
    filters.check(kind).map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = admin.get(tenant, name).await.map_err(explain)?;
    let mut scope = app
        .settings
        .get("scope")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if filters.is_empty() {
        if let Some(map) = scope.as_object_mut() {
            map.remove(key);
        }
    } else {
        scope[key] = json!(filters.to_string());
    }
    admin
        .set_setting(tenant, name, "scope", Some(scope))
        .await
        .map_err(explain)?;
    let text = filters.to_string();
    if json_out {
        println!("{}", json!({"app": name, key: text}));
    } else if filters.is_empty() {
        println!(
            "'{name}': every assigned {} is in scope",
            kind.as_str().to_lowercase()
        );
    } else {
        println!("'{name}': {} in scope when {text}", key);
    }
    Ok(())
}
