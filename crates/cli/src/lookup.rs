//! Finding one user or group of a tenant by the name an operator types: a user by userName, a
//! group by displayName, through the same Directory service (and filter code) the SCIM API uses.

use std::sync::Arc;

use scimitar_core::service::{ListParams, TenantAdmin};
use scimitar_core::{Directory, Limits, SystemClock, Tenant, TenantContext};
use scimitar_scim::schema::ResourceKind;
use serde_json::Value;

use crate::admin::explain;
use crate::config::Settings;

/// The tenant called `name`, and a directory to read it through.
pub async fn tenant_directory(
    settings: &Settings,
    stores: &scimitar_store::Stores,
    name: &str,
) -> anyhow::Result<(Tenant, Directory, TenantContext)> {
    let tenant = TenantAdmin::new(stores.tenants.clone(), Arc::new(SystemClock))
        .tenant(name)
        .await
        .map_err(explain)?;
    let directory = Directory::new(
        stores.directory.clone(),
        Arc::new(SystemClock),
        Limits::default(),
    );
    let ctx = TenantContext {
        tenant: tenant.id,
        policy: tenant.policy.clone(),
        base_url: settings.scim_base_url(),
    };
    Ok((tenant, directory, ctx))
}

/// `s` as a SCIM filter string literal.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The one user with this userName (case-insensitive) or group with this displayName, as the
/// SCIM API renders it; an error naming it when there is none, or more than one.
pub async fn find_one(
    directory: &Directory,
    ctx: &TenantContext,
    kind: ResourceKind,
    name: &str,
) -> anyhow::Result<Value> {
    let (attribute, what) = match kind {
        ResourceKind::User => ("userName", "user"),
        ResourceKind::Group => ("displayName", "group"),
    };
    let params = ListParams {
        filter: Some(format!("{attribute} eq {}", quoted(name))),
        count: Some(2),
        ..ListParams::default()
    };
    let list = directory.list(ctx, kind, &params).await.map_err(explain)?;
    let found = list["Resources"].as_array().cloned().unwrap_or_default();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => anyhow::bail!("no {what} '{name}' in this tenant"),
        _ => anyhow::bail!(
            "more than one {what} is called '{name}' in this tenant; use the SCIM API to tell them apart"
        ),
    }
}
